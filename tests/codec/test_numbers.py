"""Number packing (m2m.codec.numbers and the zstd format's FLAG_NUMS): byte-exact, bounded."""

from __future__ import annotations

import base64
import contextlib
import json
import random
import struct
import tracemalloc

import orjson
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from m2m.codec import Limits, compress, decompress, numbers, zdict
from m2m.codec._wire import write_varint
from m2m.errors import CodecError, DecodeError, LimitExceededError

from .strategies import JSON_TEXT, NUMBER_LITERALS

MiB = 1 << 20

ADVERSARIAL = [
    "0", "-0", "0.0", "-0.0", "-0.000", "1e5", "1E+05", "1e-05", "1E-7", "1e+16", "1e16", "1E16",
    "1e400", "-1e-400", "1e-400", "007", "00.5", "-007.50", "1.", ".5", "1e", "1e+", "--1", "-", "1-2",
    "1.2.3", "0x1F", "1_000", "123456789012345678901234567890", "999999999999999999",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551616",
    "1.7976931348623157e308", "1.7976931348623157e+308", "5e-324", "4.9406564584124654e-324",
    "3.4028235e38", "3.4028234663852886e+38", "3.4028236e38", "1.0000000000000002", "0.1", "0.10",
    "1.10", "2.5", "1.5e+07", "-3.1281633e-07", "0.0023064255", "-0.006929283495992422",
    "9999999999999998.0", "0.0001", "0.00001", "1.2345e-7", "1.2345E-07", "1.2345e+7", "1e0",
    "1E00", "1e-0", "1e+000", "-1.5E-5", "12345678.9", "0.000000000001", "1" * 64, "1" * 65,
    "0." + "0" * 70 + "1", "1e123456789", "-1.5e-05",
]  # fmt: skip

SEPARATORS = st.sampled_from([",", ", ", ",\n        ", " , ", "\t,", ",\r\n"])
STRINGS = st.one_of(
    st.sampled_from(['"NaN"', '"Infinity"', '"-0"', '"1e5"', '"12,34"', '"a\\"1\\"b"', '"\\\\"', '""']),
    st.text(max_size=10).map(lambda s: json.dumps(s, ensure_ascii=False)),
)
LITERALS = st.one_of(st.sampled_from(ADVERSARIAL), NUMBER_LITERALS)


def _f32(x: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


def _shortest_f32(x: float) -> str:
    for digits in range(1, 10):
        text = f"{x:.{digits}g}"
        with contextlib.suppress(OverflowError):  # rounded up past the float32 range
            if _f32(float(text)) == x:
                return text
    return repr(x)


FLOAT32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
FLOAT_TEXTS = st.one_of(
    FLOAT32.map(repr),  # OpenAI, vLLM
    FLOAT32.map(_shortest_f32),  # TEI, Ollama (C-style shortest)
    FLOAT32.map(lambda x: f"{x:.9g}"),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
)


@st.composite
def number_texts(draw: st.DrawFn) -> str:
    """Arrays and objects of literals, strings and nested arrays, separators in any style."""
    items = draw(
        st.lists(
            st.one_of(
                LITERALS,
                FLOAT_TEXTS,
                STRINGS,
                st.lists(st.one_of(LITERALS, FLOAT_TEXTS), max_size=4).map(
                    lambda xs: "[" + ",".join(xs) + "]"
                ),
            ),
            max_size=20,
        )
    )
    seps = [draw(SEPARATORS) for _ in items]
    body = "".join(s + i for s, i in zip(seps, items, strict=True))[1:] if items else ""
    shape = draw(st.sampled_from(["[{}]", '{{"embedding":[{}]}}', "{}", "[ {} ]", "\n{}\n"]))
    return shape.format(body)


def _round_trip(text: str) -> None:
    raw = text.encode()
    cut = numbers.split(raw)
    if cut is not None:
        skeleton, literals = cut
        assert skeleton.count(b"\xff") == len(literals)
        section = numbers.pack(literals)
        if section is not None:
            assert numbers.fill(skeleton, section, len(raw)) == raw
    assert zdict.unpack(zdict.pack(raw), Limits()) == raw


@settings(max_examples=400, deadline=None)
@given(number_texts())
def test_round_trip_number_texts(text: str) -> None:
    _round_trip(text)
    assert decompress(compress(text, "zstd", binary=True)) == text
    assert decompress(compress(text)) == text


@settings(max_examples=200, deadline=None)
@given(st.one_of(JSON_TEXT, st.text(max_size=200)))
def test_round_trip_any_text(text: str) -> None:
    _round_trip(text)


@pytest.mark.parametrize("literal", ADVERSARIAL)
def test_each_adversarial_literal(literal: str) -> None:
    for text in (literal, f"[{literal}]", f'{{"a": {literal}, "b": "{literal}"}}', f"[{literal},{literal}]"):
        _round_trip(text)
        _round_trip(text * 40)  # enough digits for the zstd format to try packing


def _kinds(literals: list[str]) -> list[int]:
    section = numbers.pack([t.encode() for t in literals])
    assert section is not None
    body = numbers._body(section, 1 << 30)
    count, pos = numbers.read_varint(body, 0, "x")
    return list(body[pos : pos + count])


def test_each_kind_is_chosen_for_its_literals() -> None:
    assert _kinds(["-0.006929283495992422", repr(_f32(0.0155924473))]) == [numbers.F32_REPR] * 2
    assert _kinds(["0.1234567890123456"]) == [numbers.F64_REPR]
    assert _kinds(["0", "-17", "1718000000", "-0"]) == [numbers.INT] * 3 + [numbers.DECIMAL]
    assert _kinds(["0.0023064255", "-0.31326169"]) == [numbers.F32_FIXED] * 2
    assert _kinds(["-3.1281633e-07", "1.2345e-7", "-1.5E+38"]) == [numbers.F32_SCI] * 3
    assert _kinds(["1.10", "1E+05", "-0.000", "007"]) == [numbers.DECIMAL] * 4
    assert _kinds(["1-2", "-", "1.2.3", "1" * 65]) == [numbers.RAW] * 4


def _embedding(n: int, seed: int, style: str) -> str:
    rnd = random.Random(seed)
    vec = [_f32(rnd.gauss(0, 0.0255)) for _ in range(n)]
    body = {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": vec}],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 8, "total_tokens": 8},
    }
    if style == "openai":
        return json.dumps(body, indent=2)
    if style == "vllm":
        return json.dumps(body, separators=(",", ":"))
    body["data"][0]["embedding"] = "EMB"  # type: ignore[index]
    text = json.dumps(body, separators=(",", ":"))
    return text.replace('"EMB"', "[" + ",".join(_shortest_f32(x) for x in vec) + "]")


@pytest.mark.parametrize("style", ["openai", "vllm", "tei"])
def test_embeddings_pack_to_a_fraction_of_zstd(style: str) -> None:
    text = _embedding(1536, 7, style)
    wire = compress(text, binary=True)
    assert isinstance(wire, bytes)
    assert decompress(wire) == text
    assert wire[4] & zdict.FLAG_NUMS
    plain = zstandard.ZstdCompressor(level=3).compress(text.encode())
    # 1536 float32 are 6144 bytes; the text and its plain zstd are far larger. Shortest texts
    # (TEI, Ollama) also carry how many digits each has: ~0.3 bytes more per number.
    assert len(wire) < 6144 * (1.1 if style == "tei" else 1.03)
    assert len(wire) < len(plain) * (0.9 if style == "tei" else 0.5)


def test_orjson_writes_floats_as_repr_where_repr_has_no_exponent() -> None:
    """The number packing relies on it (numbers._reprs): pinned against the installed orjson."""
    rnd = random.Random(3)
    values = [rnd.choice([-1, 1]) * 10 ** rnd.uniform(-4, 16) for _ in range(200_000)]
    values += list(struct.unpack("<50000f", rnd.randbytes(200_000)))
    values += [0.0, -0.0, 1e-4, 0.00010000000000000002, 9999999999999998.0, 1e16, 5e-324, 1.0, 0.1]
    values = [x for x in values if x == x and abs(x) != float("inf")]
    tokens = orjson.dumps(values)[1:-1].split(b",")
    for x, token in zip(values, tokens, strict=True):
        if x == 0 or 1e-4 <= abs(x) < 1e16:
            assert token == repr(x).encode(), x
    assert numbers._reprs(values) == [repr(x).encode() for x in values]


# Golden vectors, laid out by hand as the numbers module docstring says (stored sections: too
# small to compress).
GOLDEN_LITERALS = [b"-0.006929283495992422", b"7", b"1.10"]


def test_golden_section() -> None:
    section = numbers.pack(GOLDEN_LITERALS)
    assert section is not None
    x = struct.pack("<f", -0.006929283495992422)
    expected = (
        b"\x00"  # stored
        + b"\x03"  # count
        + bytes([numbers.F32_REPR, numbers.INT, numbers.DECIMAL])
        + b"\x04" + bytes([x[0], x[1], x[2], x[3]])  # one float32, planes of one byte each
        + b"\x00"  # no float64
        + b"\x01" + b"\x01" + b"\x0e"  # width 1, one zigzag integer: 7 -> 14
        + b"\x00" + b"\x00"  # no shortest float32, no scientific float32
        + b"\x04" + b"\x00\x6e\x00\x02"  # 1.10: form 0, digits 110, no leading zero, 2 after the point
        + b"\x00"  # no raw text
    )  # fmt: skip
    assert section == expected
    skeleton = b"[\xff,\xff,\xff]"
    assert numbers.fill(skeleton, expected, 100) == b"[-0.006929283495992422,7,1.10]"


def test_golden_zstd_wire_with_numbers() -> None:
    text = "[" + ",".join(["-0.006929283495992422", "0.015592447295784950"] * 40) + "]"
    wire = compress(text, "zstd", binary=True)
    assert isinstance(wire, bytes) and wire[4] & zdict.FLAG_NUMS
    assert decompress(wire) == text
    assert decompress(GOLDEN_WIRE) == GOLDEN_TEXT


GOLDEN_TEXT = "[0.5,-0.006929283495992422,1.10,7]"
# Built by hand: head (dict 1, FLAG_NUMS), frame length, the skeleton "[\xff,\xff,\xff,\xff]" as a
# zstd frame (raw block), then a stored numbers section.
_SKELETON_FRAME = zstandard.ZstdCompressor(
    compression_params=zstandard.ZstdCompressionParameters.from_level(
        1, format=zstandard.FORMAT_ZSTD1_MAGICLESS, write_content_size=True
    )
).compress(b"[\xff,\xff,\xff,\xff]")
_X = struct.pack("<f", -0.006929283495992422)
_SECTION = (
    b"\x00\x04" + bytes([numbers.DECIMAL, numbers.F32_REPR, numbers.DECIMAL, numbers.INT])
    + b"\x04" + _X + b"\x00" + b"\x01\x01\x0e" + b"\x00\x00"
    + b"\x08" + b"\x00\x05\x01\x01" + b"\x00\x6e\x00\x02" + b"\x00"
)  # fmt: skip
GOLDEN_WIRE = (
    zdict.MAGIC
    + bytes([1 << 4 | zdict.FLAG_NUMS])
    + write_varint(len(_SKELETON_FRAME))
    + _SKELETON_FRAME
    + _SECTION
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_sections_raise_only_codec_errors(section: bytes) -> None:
    for skeleton in (b"[\xff]", b"[\xff,\xff,\xff]", b""):
        with contextlib.suppress(CodecError):
            numbers.fill(skeleton, section, 1000)
        with contextlib.suppress(CodecError):
            numbers.fill(skeleton, b"\x00" + section, 1000)


@settings(max_examples=300, deadline=None)
@given(number_texts(), st.integers(0, 10**6), st.integers(0, 255))
def test_corrupted_number_wires(text: str, at: int, byte: int) -> None:
    wire = bytearray(compress(text * 3, "zstd", binary=True))
    wire[4 + at % (len(wire) - 4)] = byte
    with contextlib.suppress(CodecError):
        decompress(bytes(wire))


def test_limits_while_filling() -> None:
    text = _embedding(1536, 1, "openai")
    wire = compress(text, binary=True)
    with pytest.raises(LimitExceededError):
        decompress(wire, limits=Limits(max_decoded_bytes=len(text) - 1))
    assert decompress(wire, limits=Limits(max_decoded_bytes=len(text))) == text


def _section(kinds: bytes, f32: bytes = b"", var: bytes = b"", raw: bytes = b"") -> bytes:
    planes = b"".join(f32[i::4] for i in range(4))
    body = write_varint(len(kinds)) + kinds + write_varint(len(planes)) + planes + b"\x00"
    body += b"\x01\x00" + b"\x00\x00\x00" + write_varint(len(var)) + var + raw
    params = zstandard.ZstdCompressionParameters.from_level(
        19, format=zstandard.FORMAT_ZSTD1_MAGICLESS, write_content_size=True
    )
    return b"\x01" + zstandard.ZstdCompressor(compression_params=params).compress(body)


def test_number_expansion_bomb() -> None:
    # 4 Mi markers, each a float32 whose repr is 22 characters: 88 MiB of text from ~20 KB.
    count = 4 * MiB
    skeleton_frame = zstandard.ZstdCompressor(
        compression_params=zstandard.ZstdCompressionParameters.from_level(
            19, format=zstandard.FORMAT_ZSTD1_MAGICLESS, write_content_size=True
        )
    ).compress(b"\xff" * count)
    section = _section(bytes([numbers.F32_REPR]) * count, struct.pack("<f", -0.006929283495992422) * count)
    wire = zdict.MAGIC + bytes([1 << 4 | zdict.FLAG_NUMS]) + write_varint(len(skeleton_frame))
    wire += skeleton_frame + section
    assert len(wire) < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceededError):
            decompress(wire)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * MiB


def test_a_body_larger_than_the_limit_allows_is_refused_unread() -> None:
    section = _section(bytes([numbers.RAW]), var=write_varint(40 * MiB), raw=b"1" * (40 * MiB))
    with pytest.raises(LimitExceededError):
        numbers.fill(b"\xff", section, 16 * MiB)


_NONE = b"\x00\x00\x00\x00"  # empty fixed, sci, decimal and length streams


@pytest.mark.parametrize(
    ("skeleton", "section", "match"),
    [
        (b"[\xff]", b"", "empty"),
        (b"[\xff]", b"\x07", "mode"),
        (b"[\xff]", b"\x01\x00", "frame"),
        (b"[\xff,\xff]", b"\x00\x01\x00\x04aaaa\x00\x01\x00" + _NONE, "count"),
        (b"[\xff]", b"\x00\x01\x09\x00\x00\x01\x00" + _NONE, "kinds"),
        (b"[\xff]", b"\x00\x01\x00\x08aaaa", "length"),
        (b"[\xff]", b"\x00\x01\x00\x04aaaa\x00\x03\x00" + _NONE, "stream"),
        (b"[\xff]", b"\x00\x01\x00\x04aaaa\x00\x01\x00" + _NONE + b"Z", "trailing"),
        (b"[\xff]", b"\x00\x01\x00\x04aaaa\x00\x01\x00\x01\x00\x00\x00\x00", "length"),
        (b"[\xff]", b"\x00\x01\x06\x00\x00\x01\x00\x00\x00\x00\x01\x05ab", "truncated"),
        (b"[\xff]", b"\x00\x01\x06\x00\x00\x01\x00\x00\x00\x00\x01\x02\xff\xfe", "ASCII"),
        (b"[\xff]", b"\x00\x01\x05\x00\x00\x01\x00\x00\x00\x05\x10\x01\x00\x00\x00\x00", "decimal"),
        (b"[\xff]", b"\x00\x01\x05\x00\x00\x01\x00\x00\x00\x04\x00\x01\x00\x05\x00", "decimal"),
        (b"[\xff]", b"\x00\x01\x04\x04aaaa\x00\x01\x00\x00\x02\x7f\x00\x00\x00", "precision"),
        (b"[\xff]", b"\x00\x01\x03\x04\x00\x00\x20\x41\x00\x01\x00\x01\xfe\x00\x00\x00", "precision"),
        (b"[\xff]", b"\x00\x01\x06\x00\x00\x01\x00\x00\x00\x00\x21" + b"\x80" * 33, "too long"),
    ],
)
def test_named_errors(skeleton: bytes, section: bytes, match: str) -> None:
    with pytest.raises(DecodeError, match=match):
        numbers.fill(skeleton, section, 1000)


def test_base64_embeddings_travel_as_raw_bytes() -> None:
    """encoding_format=base64 (the openai SDKs' default): the vector's bytes, not its base64."""
    rnd = random.Random(4)
    vec = struct.pack("<1536f", *(_f32(rnd.gauss(0, 0.0255)) for _ in range(1536)))
    body = {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": base64.b64encode(vec).decode()}],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 8, "total_tokens": 8},
    }
    for text in (json.dumps(body, indent=2), json.dumps(body, separators=(",", ":"))):
        wire = compress(text, binary=True)
        assert isinstance(wire, bytes) and wire[4] & 2  # FLAG_BLOBS: the run was cut out
        assert decompress(wire) == text
        assert len(wire) < len(vec) + 200  # the float bytes (6144) and a small skeleton
