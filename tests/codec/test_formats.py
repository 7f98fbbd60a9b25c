from __future__ import annotations

import base64
import json

import brotli
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from m2m.codec import ALGORITHMS, compress, decompress, detect, is_m2m, zdict
from m2m.codec._wire import b85decode, b85encode
from m2m.errors import DecodeError, UnknownFormatError

from .strategies import JSON_TEXT

BYTE_FORMATS = ["none", "tokennative", "brotli", "zstd", "auto"]


@settings(max_examples=150, deadline=None)
@given(st.text(), st.sampled_from(BYTE_FORMATS), st.booleans())
def test_byte_formats_round_trip_any_text(text: str, algorithm: str, binary: bool) -> None:
    wire = compress(text, algorithm, binary=binary)
    assert isinstance(wire, bytes if binary else str)
    assert decompress(wire) == text


@settings(max_examples=150, deadline=None)
@given(JSON_TEXT, st.sampled_from([*BYTE_FORMATS, "t1"]), st.booleans())
def test_every_format_round_trips_json(text: str, algorithm: str, binary: bool) -> None:
    assert decompress(compress(text, algorithm, binary=binary)) == text


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
@settings(max_examples=50, deadline=None)
@given(text=st.text())
def test_tokennative_each_encoding(encoding: str, text: str) -> None:
    wire = compress(text, "tk", encoding=encoding)
    assert wire.startswith("#TK|" + encoding[0].upper() + "|")
    assert decompress(wire) == text


def test_text_that_looks_like_a_wire_string_survives_none() -> None:
    for text in ["#T1|[2]", "#TK|C|abc", "#M2M[v3.0]|DATA:xx", "#ZD1|", "#T9|x", "#TK"]:
        wire = compress(text, "none")
        assert wire != text and decompress(wire) == text
        assert decompress(compress(text, "none", binary=True)) == text
        assert decompress(compress(text)) == text


def test_objects_are_minified() -> None:
    obj = {"model": "gpt-4o", "messages": [{"role": "user", "content": "héllo"}]}
    expected = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    for algorithm in ALGORITHMS:
        assert decompress(compress(obj, algorithm)) == expected
    assert decompress(compress(expected.encode(), "br")) == expected


def test_aliases_and_detect() -> None:
    assert detect(compress("hello", "tk")) == "tokennative"
    assert detect(compress("hello", "br")) == "brotli"
    assert detect(compress("x" * 100, "zd")) == "zstd"
    assert detect(compress("[1]", "T1")) == "t1"
    assert detect(compress("x" * 100, "zd", binary=True)) == "zstd"
    assert detect("plain text") is None and not is_m2m("plain text")
    assert detect("#T9|x") is None
    assert is_m2m(compress("hello", "brotli", binary=True))
    with pytest.raises(UnknownFormatError, match="unknown algorithm"):
        compress("x", "lzma")


def test_passthrough() -> None:
    assert decompress("just text") == "just text"
    assert decompress(b'{"a":1}') == '{"a":1}'
    assert decompress("") == "" and decompress(b"") == ""
    for text in ["#TODO: fix", "#TODO", "# Title", "#M2M rocks", "#t1|lower case", "#"]:
        assert decompress(text) == text


# Golden vectors. TK bytes worked by hand: 15339 = 0x3BEB -> EB 77, 1917 = 0x77D -> FD 0E.
def test_tokennative_golden() -> None:
    assert compress("hello world", "tk", encoding="cl100k_base") == "#TK|C|63f9Dg=="
    assert decompress("#TK|C|63f9Dg==") == "hello world"
    # o200k: 24912 -> D0 C2 01, 2375 -> C7 12
    assert compress("hello world", "tk") == "#TK|O|0MIBxxI="
    assert decompress("#TK|O|0MIBxxI=") == "hello world"
    # special-token text travels as the special id (100257 -> A1 8F 06), 6151 -> 87 30
    wire = compress("<|endoftext|>hi", "tk", encoding="cl100k_base")
    assert base64.b64decode(wire[6:]) == bytes([0xA1, 0x8F, 0x06, 0x87, 0x30])
    assert decompress(wire) == "<|endoftext|>hi"
    assert (
        compress("hello world", "tk", encoding="cl100k_base", binary=True) == b"\xc1MK\x01C\xeb\x77\xfd\x0e"
    )


def test_brotli_golden() -> None:
    assert decompress("#M2M[v3.0]|DATA:CwiAeyJoZWxsbyI6IndvcmxkIn0D") == '{"hello":"world"}'
    stream = brotli.compress("Grüße, 世界".encode())
    assert decompress("#M2M[v3.0]|DATA:" + base64.b64encode(stream).decode()) == "Grüße, 世界"
    assert decompress(b"\xc1MB\x03" + stream) == "Grüße, 世界"


def test_zstd_golden() -> None:
    text = '{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}'
    assert decompress(GOLDEN_ZD) == text
    assert decompress(compress(text, "zstd")) == text
    assert compress(text, "zstd").startswith(zdict.PREFIX_B85)


def test_zstd_keeps_attachments_exact_and_small() -> None:
    blob = base64.b64encode(bytes(range(256)) * 40).decode()
    text = json.dumps(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + blob}},
                        {"type": "text", "text": "x"},
                        {"b": blob[:-4] + "AAA="},
                    ],
                }
            ]
        },
        separators=(",", ":"),
    )
    binary = compress(text, "zstd", binary=True)
    assert decompress(binary) == text
    assert len(binary) < len(text) // 2
    assert decompress(compress(text, "zstd")) == text


def test_auto_never_loses_to_none() -> None:
    for text in ["", "a", "{}", "x" * 47, '{"a":1}', "é" * 10]:
        assert len(compress(text).encode()) <= len(compress(text, "none").encode())
        assert len(compress(text, binary=True)) <= len(compress(text, "none", binary=True))


GOLDEN_ZD = "#ZD1~5g;h7002;XIV>VbX(C-+eFE@+y$&C`rZ52"


def test_none_and_t1_golden() -> None:
    assert compress("hello", "none") == "hello"
    assert compress("#T1|x", "none") == "#R1|#T1|x"
    assert compress("#T1|x", "none", binary=True) == b"\xc1MR\x01#T1|x"
    assert decompress(b"\xc1MR\x01#T1|x") == "#T1|x"
    assert compress("[1]", "t1", binary=True) == b"\xc1MT\x01[0,1]"
    assert decompress(b"\xc1MT\x01[0,1]") == "[1]"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_base85_matches_the_standard_library(data: bytes) -> None:
    text = b85encode(data)
    assert text == base64.b85encode(data).decode("ascii")
    assert b85decode(text, "x") == data


@pytest.mark.parametrize("text", ["~" * 80, "|NsC1" + "0" * 75, "0" * 70 + '"' + "0" * 9, "0" * 76 + "é"])
def test_base85_refuses_what_the_standard_library_refuses(text: str) -> None:
    with pytest.raises(DecodeError, match="corrupt base85"):
        b85decode(text, "x")


def test_base85_long_runs_and_padding() -> None:
    for data in (b"\xff" * 4096, bytes(4097), bytes(range(256)) * 9 + b"\x01\x02\x03"):
        assert b85encode(data) == base64.b85encode(data).decode("ascii")
        assert b85decode(b85encode(data), "x") == data


def test_base85_digit_boundaries() -> None:
    """Every group value next to a multiple of a power of 85, and the extremes."""
    values = {0, 1, 2**32 - 1, 2**32 - 2}
    for j in range(5):
        for k in range(1, 86):
            for v in (k * 85**j - 1, k * 85**j, k * 85**j + 1):
                if 0 <= v < 2**32:
                    values.add(v)
    data = b"".join(v.to_bytes(4, "big") for v in sorted(values))
    assert b85encode(data) == base64.b85encode(data).decode("ascii")
    assert b85decode(b85encode(data), "x") == data


def test_zstd_blob_kinds_decode() -> None:
    """Blob kinds 0 (bytes), 1 (zstd of the bytes), 2 (zstd of the base64 text), built by hand."""
    blob = bytes(range(256)) * 3
    b64 = base64.b64encode(blob)
    frame = zdict._compressor(3).compress(b'{"a":"","b":""}')
    for kind, stored in (
        (0, blob),
        (1, zstandard.ZstdCompressor(write_content_size=True).compress(blob)),
        (2, zstandard.ZstdCompressor(write_content_size=True).compress(b64)),
    ):
        # two blobs: into "a" (offset 6) and into "b" (offset 7 further)
        data = (
            bytes([1 << 4 | zdict.FLAG_BLOBS, 2])
            + bytes([6, kind]) + zdict.write_varint(len(stored))
            + bytes([7, kind]) + zdict.write_varint(len(stored))
            + zdict.write_varint(len(frame)) + frame + stored + stored
        )  # fmt: skip
        text = '{"a":"' + b64.decode() + '","b":"' + b64.decode() + '"}'
        assert decompress(zdict.MAGIC + data) == text
