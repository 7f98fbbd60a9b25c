"""``octets``: bytes bodies, exact round trips, bounded decompression, the compressibility screen."""

from __future__ import annotations

import contextlib
import json
import random
import tracemalloc

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from m2m.codec import Limits, decompress, detect
from m2m.codec.bytecodec import (
    FORMAT_NAME,
    MAGIC,
    BytesDecoder,
    BytesEncoder,
    is_compressible,
    pack_bytes,
    unpack_bytes,
)
from m2m.errors import CodecError, DecodeError, LimitExceededError, UnknownFormatError

LIMITS = Limits()
MiB = 1 << 20


def _jsonl(n: int, seed: int = 1) -> bytes:
    rnd = random.Random(seed)
    lines = []
    for i in range(n):
        body = {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "You are a helpful assistant."},
                {
                    "role": "user",
                    "content": f"Classify ticket {rnd.randrange(10**6)}: " + "x" * rnd.randrange(50),
                },
            ],
            "max_tokens": 1000,
        }
        lines.append(
            json.dumps(
                {"custom_id": f"request-{i}", "method": "POST", "url": "/v1/chat/completions", "body": body}
            )
        )
    return ("\n".join(lines) + "\n").encode()


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=3000),
        st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.integers(0, 40).map(_jsonl),
        st.binary(max_size=50).map(lambda b: b * 200),
    )
)
def test_round_trip(data: bytes) -> None:
    wire = pack_bytes(data)
    assert wire[:4] == MAGIC
    assert unpack_bytes(wire, LIMITS) == data
    assert detect(wire) == "bytes"


def test_non_utf8_and_empty() -> None:
    for data in (b"", b"\xff\xfe\x00", bytes(range(256)) * 10, b"\xc1MZ\x01 looks like a wire"):
        assert unpack_bytes(pack_bytes(data), LIMITS) == data


def test_jsonl_uses_the_dictionary_and_beats_plain_zstd() -> None:
    data = _jsonl(500)
    wire = pack_bytes(data)
    plain = zstandard.ZstdCompressor(level=3).compress(data)
    assert len(wire) < len(plain)
    assert unpack_bytes(wire, LIMITS) == data


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_after_the_magic(tail: bytes) -> None:
    with contextlib.suppress(CodecError):
        assert isinstance(unpack_bytes(MAGIC + tail, LIMITS), bytes)


def test_truncated_and_trailing() -> None:
    wire = pack_bytes(b"abc" * 1000)
    for bad in (wire[:-1], wire + b"\0"):
        with pytest.raises(DecodeError):
            unpack_bytes(bad, LIMITS)


def _peak(fn: object) -> int:
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceededError):
            fn()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_stored_over_the_limit() -> None:
    with pytest.raises(LimitExceededError):
        unpack_bytes(pack_bytes(random.Random(1).randbytes(2000)), Limits(max_decoded_bytes=1000))


def test_decompress_names_the_bytes_format() -> None:
    with pytest.raises(UnknownFormatError, match="unpack_bytes"):
        decompress(pack_bytes(b"x" * 100))
    assert FORMAT_NAME == "bytes"


PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
TEXT = b"The quick brown fox jumps over the lazy dog. " * 50


@pytest.mark.parametrize(
    ("content_type", "sample", "expected"),
    [
        ("image/png", TEXT, False),
        ("image/jpeg; foo=bar", TEXT, False),
        ("audio/mpeg", TEXT, False),
        ("video/mp4", TEXT, False),
        ("application/pdf", TEXT, False),
        ("application/zip", TEXT, False),
        ("application/gzip", TEXT, False),
        ("font/woff2", TEXT, False),
        ("image/svg+xml", TEXT, True),
        ("audio/wav", TEXT, True),
        ("image/bmp", bytes(5000), True),
        ("text/plain; charset=utf-8", TEXT, True),
        ("application/jsonl", _jsonl(20), True),
        ("multipart/form-data; boundary=x", TEXT, True),
        ("application/octet-stream", PNG, False),
        ("application/octet-stream", b"\x1f\x8b\x08" + bytes(500), False),
        ("application/octet-stream", b"\x28\xb5\x2f\xfd" + bytes(500), False),
        ("application/octet-stream", b"PK\x03\x04" + bytes(500), False),
        ("application/octet-stream", b"%PDF-1.7" + bytes(500), False),
        ("application/octet-stream", b"\0\0\0\x18ftypmp42" + bytes(500), False),
        ("application/octet-stream", b"RIFF\0\0\0\0WEBPVP8 " + bytes(500), False),
        ("application/octet-stream", random.Random(2).randbytes(70_000), False),
        ("application/octet-stream", TEXT, True),
        ("", TEXT, True),
        ("text/plain", b"tiny", False),
    ],
)
def test_is_compressible(content_type: str, sample: bytes, expected: bool) -> None:
    assert is_compressible(content_type, sample) is expected


def test_brotli_data_fails_the_sample_test() -> None:
    import brotli

    data = brotli.compress(_jsonl(300))
    assert not is_compressible("application/octet-stream", data)


def test_golden_vector() -> None:
    frame = bytes.fromhex("28b52ffd2003190000616263")  # zstd, content size 3, raw "abc"
    assert unpack_bytes(MAGIC + bytes([len(frame)]) + frame, LIMITS) == b"abc"
    assert unpack_bytes(MAGIC, LIMITS) == b""


@pytest.mark.parametrize(
    ("wire", "match"),
    [
        (b"abc", "not a byte-codec body"),
        (MAGIC + b"\x05", "truncated"),
        (MAGIC + b"\x05\xff\xff\xff\xff\xff", "frame header"),
        (MAGIC + b"\xff\xff\xff\x7f", "longer than any encoder writes"),
    ],
)
def test_named_errors(wire: bytes, match: str) -> None:
    with pytest.raises(DecodeError, match=match):
        unpack_bytes(wire, LIMITS)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=5000), st.lists(st.integers(1, 700), min_size=1, max_size=20))
def test_streamed_in_any_pieces(data: bytes, cuts: list[int]) -> None:
    encoder = BytesEncoder()
    wire = b""
    start = 0
    for size in cuts:
        wire += encoder.feed(data[start : start + size])
        start += size
    wire += encoder.feed(data[start:]) + encoder.finish()
    decoder = BytesDecoder(limit=None)
    out = b"".join(decoder.feed(wire[i : i + 3]) for i in range(0, len(wire), 3))
    decoder.finish()
    assert out == data


def test_a_frame_declaring_too_much_is_refused_before_allocating() -> None:
    frame = zstandard.ZstdCompressor(write_content_size=True).compress(b"\0" * (200 * MiB))
    wire = MAGIC + frame[:0] + bytes([0x80 | (len(frame) & 0x7F), len(frame) >> 7]) + frame
    assert len(wire) < 20_000
    with pytest.raises(DecodeError, match="content size"):
        unpack_bytes(wire, LIMITS)


def test_many_frames_stop_at_the_limit() -> None:
    encoder = BytesEncoder()
    wire = encoder.feed(b"\0" * (40 * MiB)) + encoder.finish()
    assert len(wire) < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceededError):
            unpack_bytes(wire, LIMITS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 * MiB
