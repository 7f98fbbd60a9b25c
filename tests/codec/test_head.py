"""The head codec: exact round trips, bounded decoding, golden vectors and sizes."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import random
import string
import tracemalloc

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from m2m.codec import _head_dict
from m2m.codec._wire import write_varint
from m2m.codec.head import (
    decode_head,
    decode_head_text,
    dictionary,
    encode_head,
    encode_head_text,
)
from m2m.errors import CodecError, DecodeError, LimitExceededError

LIMITS = {"max_fields": 256, "max_bytes": 65536}

TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
NAMES = st.one_of(
    st.sampled_from([n.encode() for n in _head_dict.NAMES]),
    st.text(TOKEN_CHARS, min_size=1, max_size=20).map(str.encode),
    st.sampled_from([b":status", b":authority", b"x-custom"]),
)
VALUE_BYTES = st.binary(max_size=60).map(lambda b: bytes(c for c in b if c == 9 or 32 <= c != 127))
PIECES = st.one_of(
    VALUE_BYTES,
    st.text("0123456789", min_size=1, max_size=300).map(str.encode),
    st.text("0123456789abcdef", min_size=10, max_size=80).map(str.encode),
    st.text(string.ascii_letters + string.digits + "_.", min_size=10, max_size=600).map(str.encode),
    st.sampled_from(
        [
            b"Tue, 25 Nov 2025 09:40:34 GMT",
            b"Tue, 25-Nov-25 10:10:34 GMT",
            b"Mon, 25 Nov 2025 09:40:34 GMT",  # wrong weekday: stays text
            b"Thu, 01 Jan 1970 00:00:00 GMT",
            b"Fri, 31 Dec 9999 23:59:59 GMT",
            b"Sun, 06 Nov 1994 08:49:37 GMT",
            b"\x80\xff obs-text",
            b" ",
            b"",
        ]
    ),
)
VALUES = st.lists(PIECES, max_size=5).map(b"".join)
HEADS = st.lists(st.tuples(NAMES, VALUES), max_size=30)


@settings(max_examples=300, deadline=None)
@given(HEADS)
def test_round_trip(headers: list[tuple[bytes, bytes]]) -> None:
    data = encode_head(headers)
    assert decode_head(data, **LIMITS) == headers
    text = encode_head_text(headers)
    assert set(text) <= set(string.ascii_letters + string.digits + "-_")
    assert decode_head_text(text, **LIMITS) == headers


def test_names_come_back_lower_case() -> None:
    head = [(b"Content-Type", b"application/json"), (b"X-Request-ID", b"Req_ABC")]
    assert decode_head(encode_head(head), **LIMITS) == [
        (b"content-type", b"application/json"),
        (b"x-request-id", b"Req_ABC"),
    ]


def test_order_and_duplicates_kept() -> None:
    head = [(b"set-cookie", b"a=1"), (b"date", b"x"), (b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]
    assert decode_head(encode_head(head), **LIMITS) == head
    assert decode_head(encode_head([]), **LIMITS) == []


@pytest.mark.parametrize(
    "head",
    [
        [(b"bad name", b"x")],
        [(b"", b"x")],
        [(b"x", b"a\r\nset-cookie: evil=1")],
        [(b"x", b"nul\x00")],
        [(b"x", b"\x01marker-like")],
        [("x", b"str name")],  # type: ignore[list-item]
    ],
)
def test_invalid_heads_are_refused(head: list[tuple[bytes, bytes]]) -> None:
    with pytest.raises(CodecError):
        encode_head(head)


def _accepts(data: bytes) -> None:
    with contextlib.suppress(CodecError):
        decode_head(data, **LIMITS)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    _accepts(data)
    _accepts(b"\x10" + data)
    _accepts(b"\x11" + data)
    with contextlib.suppress(CodecError):
        decode_head_text(data.decode("latin-1"), **LIMITS)


@settings(max_examples=300, deadline=None)
@given(HEADS, st.integers(0, 10_000), st.integers(0, 255))
def test_corrupted_wires(headers: list[tuple[bytes, bytes]], at: int, byte: int) -> None:
    data = bytearray(encode_head(headers))
    if data:
        data[at % len(data)] = byte
    with contextlib.suppress(CodecError):
        for name, value in decode_head(bytes(data), **LIMITS):
            assert b"\r" not in value and b"\n" not in value and name == name.lower()
    _accepts(bytes(data[:-1]))


def _stored(body: bytes, packed: bytes = b"") -> bytes:
    return b"\x10" + write_varint(len(body)) + body + packed


def test_limits() -> None:
    head = [(b"x-a", b"1")] * 10
    with pytest.raises(LimitExceededError) as info:
        decode_head(encode_head(head), max_fields=9, max_bytes=1000)
    assert info.value.status == 431
    with pytest.raises(LimitExceededError):
        decode_head(encode_head([(b"x-a", b"v" * 200)]), max_fields=10, max_bytes=100)
    assert decode_head(encode_head(head), max_fields=10, max_bytes=40) == head
    with pytest.raises(LimitExceededError):
        decode_head_text("A" * 100_000, max_fields=10, max_bytes=1000)


def test_a_declared_size_over_the_limit_is_refused_unread() -> None:
    params = zstandard.ZstdCompressionParameters.from_level(
        1, format=zstandard.FORMAT_ZSTD1_MAGICLESS, write_content_size=True
    )
    frame = zstandard.ZstdCompressor(compression_params=params).compress(b"\x01" + b"\x00" * 50_000_000)
    data = b"\x11" + write_varint(len(frame)) + frame
    assert len(data) < 5000
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceededError):
            decode_head(data, max_fields=100, max_bytes=65536)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_run_markers_expand_within_the_limit() -> None:
    # 200 fields of 16 runs of 255 characters each: 3 bytes of marker per 255 decoded bytes.
    value = bytes([1, 0, 255]) * 16
    body = write_varint(200) + (write_varint(8) + b"x-ab") * 200 + (write_varint(len(value)) + value) * 200
    with pytest.raises(LimitExceededError):
        decode_head(_stored(body, b"\x01" * 10), max_fields=256, max_bytes=65536)
    too_many = bytes([1, 0, 1]) * 17
    body = write_varint(1) + write_varint(8) + b"x-ab" + write_varint(len(too_many)) + too_many
    with pytest.raises(DecodeError, match="too many pieces"):
        decode_head(_stored(body), **LIMITS)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "empty"),
        (b"\x20", "version"),
        (b"\x12\x00", "mode"),
        (b"\x10\x05ab", "truncated"),
        (_stored(write_varint(1) + write_varint(2 * 500)), "unknown static name|truncated"),
        (_stored(write_varint(1) + b"\x03" + b"\x01" + b"xz"), "trailing"),
        (_stored(write_varint(1) + b"\x03" + b"\x03\x01\x09\x05"), "malformed run marker"),
        (_stored(write_varint(1) + b"\x03" + b"\x03\x01\x00\x02", b"\xff"), "do not match"),
        (_stored(write_varint(1) + b"\x03" + b"\x03\x01\x00\x02", b"\x00\x05"), "shortest"),
        (_stored(write_varint(1) + b"\x03" + b"\x01\x04"), "control character"),
        (_stored(write_varint(1) + b"\x04X-AB" + b"\x00"), "invalid header name"),
        (_stored(write_varint(9) + b"\x03\x00"), "count larger"),
    ],
)
def test_named_errors(data: bytes, match: str) -> None:
    with pytest.raises(DecodeError, match=match):
        decode_head(data, **LIMITS)


def test_text_form_is_strict() -> None:
    text = encode_head_text([(b"a", b"b")])
    assert "=" not in text
    for bad in (text + "=", text + "!", text[:-1] + "\u00e9", "A"):
        with pytest.raises(DecodeError):
            decode_head_text(bad, **LIMITS)
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    assert decode_head(raw, **LIMITS) == [(b"a", b"b")]


# Frozen for version 1: a changed table or sample set must come with a new version.
DICTIONARY_SHA256 = "a1c011c438f4a1a47a1d91778cffb6f9175150a9482e4c1ae13552eef869ea7c"
GOLDEN_HEAD = [
    (b"date", b"Tue, 25 Nov 2025 09:40:34 GMT"),
    (b"content-type", b"application/json"),
    (b"x-request-id", b"req_0123456789abcdef0123456789abcdef"),
    (b"openai-processing-ms", b"612"),
    (b"x-custom", b"hello"),
]
GOLDEN_WIRE = (
    "11272033150100c0050501091f10782d637573746f6d030100030568656c6c6f0200609b01bcf45202019aba62e25471"
    "c71c71c71c6d9c71c71c71c71c6ffc"
)


def test_dictionary_is_frozen() -> None:
    assert hashlib.sha256(dictionary()).hexdigest() == DICTIONARY_SHA256


def test_golden_vector() -> None:
    assert encode_head(GOLDEN_HEAD).hex() == GOLDEN_WIRE
    assert decode_head(bytes.fromhex(GOLDEN_WIRE), **LIMITS) == GOLDEN_HEAD


def _random(rnd: random.Random, alphabet: str, n: int) -> str:
    return "".join(rnd.choice(alphabet) for _ in range(n))


def openai_response_head(seed: int) -> list[tuple[bytes, bytes]]:
    """A chat completion response head as api.openai.com sends it (random ids, two cookies)."""
    rnd = random.Random(seed)
    cf = string.ascii_letters + string.digits + "_."
    ts = 1_760_000_000 + rnd.randrange(10_000_000)
    head = [
        ("date", "Tue, 25 Nov 2025 09:40:34 GMT"),
        ("content-type", "application/json"),
        ("transfer-encoding", "chunked"),
        ("connection", "keep-alive"),
        ("access-control-expose-headers", "X-Request-ID"),
        ("openai-organization", "user-" + _random(rnd, string.ascii_lowercase + string.digits, 24)),
        ("openai-processing-ms", str(rnd.randrange(100, 3000))),
        ("openai-project", "proj_" + _random(rnd, string.ascii_letters + string.digits, 24)),
        ("openai-version", "2020-10-01"),
        ("x-envoy-upstream-service-time", str(rnd.randrange(100, 3000))),
        ("x-ratelimit-limit-requests", "10000"),
        ("x-ratelimit-limit-tokens", "30000000"),
        ("x-ratelimit-remaining-requests", str(rnd.randrange(9000, 10000))),
        ("x-ratelimit-remaining-tokens", str(rnd.randrange(29_000_000, 30_000_000))),
        ("x-ratelimit-reset-requests", f"{rnd.randrange(1, 60)}ms"),
        ("x-ratelimit-reset-tokens", f"{rnd.randrange(0, 9)}ms"),
        ("x-request-id", "req_" + _random(rnd, "0123456789abcdef", 32)),
        ("strict-transport-security", "max-age=31536000; includeSubDomains; preload"),
        ("cf-cache-status", "DYNAMIC"),
        (
            "set-cookie",
            f"__cf_bm={_random(rnd, cf, 43)}-{ts}-1.0.1.1-{_random(rnd, cf, 107)}; path=/; "
            "expires=Tue, 25-Nov-25 10:10:34 GMT; domain=.api.openai.com; HttpOnly; Secure; SameSite=None",
        ),
        ("x-content-type-options", "nosniff"),
        (
            "set-cookie",
            f"_cfuvid={_random(rnd, cf, 43)}-{ts}{rnd.randrange(1000):03d}-0.0.1.1-604800000; path=/; "
            "domain=.api.openai.com; HttpOnly; Secure; SameSite=None",
        ),
        ("server", "cloudflare"),
        ("cf-ray", _random(rnd, "0123456789abcdef", 16) + "-FRA"),
        ("content-encoding", "gzip"),
        ("alt-svc", 'h3=":443"; ma=86400'),
    ]
    return [(n.encode(), v.encode()) for n, v in head]


def test_typical_openai_response_head_size() -> None:
    for seed in range(5):
        head = openai_response_head(seed)
        raw = sum(len(n) + len(v) + 4 for n, v in head)  # as HTTP/1.1 lines
        data = encode_head(head)
        assert decode_head(data, **LIMITS) == head
        assert raw > 1200
        # ~200 bytes of it are random ids and cookie values that no codec can shrink.
        assert len(data) < 290, len(data)
        without_cookies = [(n, v) for n, v in head if n != b"set-cookie"]
        assert len(encode_head(without_cookies)) < 125
