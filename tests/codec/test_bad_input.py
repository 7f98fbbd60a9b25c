from __future__ import annotations

import base64
import contextlib

import brotli
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from m2m.codec import Limits, compress, decompress, zdict
from m2m.codec.registry import FORMATS
from m2m.errors import CodecError, DecodeError, LimitExceededError, UnknownFormatError

PREFIXES = [p for f in FORMATS for p in f.prefixes] + ["#TK|C|", "#TK|O|", "#TK|L|", "#M2M", "#T"]
MAGICS = [f.magic for f in FORMATS] + [b"\xc1MK\x01C", b"\xc1"]


def _accepts(wire: str | bytes) -> None:
    with contextlib.suppress(CodecError):
        assert isinstance(decompress(wire), str)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes(data: bytes) -> None:
    _accepts(data)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PREFIXES), st.text(max_size=80))
def test_random_text_after_each_prefix(prefix: str, tail: str) -> None:
    _accepts(prefix + tail)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PREFIXES), st.binary(max_size=80))
def test_random_base64_after_each_prefix(prefix: str, tail: bytes) -> None:
    _accepts(prefix + base64.b64encode(tail).decode())


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(MAGICS), st.binary(max_size=120))
def test_random_bytes_after_each_magic(magic: bytes, tail: bytes) -> None:
    _accepts(magic + tail)


@pytest.mark.parametrize(
    ("wire", "error", "match"),
    [
        ("#T9|abc", UnknownFormatError, "unknown or truncated m2m prefix"),
        ("#TK", UnknownFormatError, "truncated"),
        ("#M2M[v3.0]|DAT", UnknownFormatError, "truncated"),
        ("#TK|X|AAAA", UnknownFormatError, "encoding letter"),
        ("#TK|C", UnknownFormatError, "truncated prefix"),
        ("#TK|C|@@@=", DecodeError, "corrupt base64"),
        ("#TK|C|gA==", DecodeError, "truncated varint"),  # 0x80: continuation bit, then nothing
        ("#TK|C|" + base64.b64encode(b"\xc0\x9a\x0c").decode(), DecodeError, "outside the vocabulary"),
        ("#TK|C|" + base64.b64encode(b"\xa5\x8f\x06").decode(), DecodeError, "outside the cl100k_base"),
        ("#M2M[v3.0]|DATA:AAAA", DecodeError, "brotli"),
        (
            "#M2M[v3.0]|DATA:" + base64.b64encode(brotli.compress(b"hello")[:-1]).decode(),
            DecodeError,
            "brotli",
        ),
        ("#M2M[v3.0]|DATA:" + base64.b64encode(brotli.compress(b"\xff\xfe")).decode(), DecodeError, "UTF-8"),
        ("#ZD1|AAAA", CodecError, "zstd"),
        ("#ZD1|/w==", DecodeError, "unsupported container flags"),
        ("#ZD1|8A==", DecodeError, "unknown dictionary id 15"),
        ("#ZD1|EA==", DecodeError, "corrupt zstd frame header"),
        ("#ZD1~" + '"' * 10, DecodeError, "base85"),
        (b"\xc1MZ\x09", UnknownFormatError, "magic"),
        (b"\xc1\x00", UnknownFormatError, "magic"),
        (b"\xff\xfe", DecodeError, "invalid UTF-8"),
    ],
)
def test_named_errors(wire: str | bytes, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        decompress(wire)


def test_brotli_bomb() -> None:
    bomb = brotli.compress(b"\0" * (17 * 1024 * 1024))
    with pytest.raises(LimitExceededError, match="16777216"):
        decompress("#M2M[v3.0]|DATA:" + base64.b64encode(bomb).decode())
    small = Limits(max_decoded_bytes=1000)
    with pytest.raises(LimitExceededError):
        decompress(compress("x" * 2000, "br"), limits=small)
    assert decompress(compress("x" * 900, "br"), limits=small) == "x" * 900


def test_zstd_bomb() -> None:
    bomb = b"\xc1MZ\x01" + zdict.pack(b"\0" * (17 * 1024 * 1024))
    with pytest.raises(LimitExceededError):
        decompress(bomb)
    with pytest.raises(LimitExceededError):
        decompress(compress("y" * 5000, "zstd"), limits=Limits(max_decoded_bytes=1000))


def test_zstd_truncated_and_padded() -> None:
    wire = compress("z" * 500, "zstd", binary=True)
    assert isinstance(wire, bytes)
    for bad in (wire[:-1], wire + b"\0"):
        with pytest.raises(DecodeError):
            decompress(bad)


def test_other_limits() -> None:
    with pytest.raises(LimitExceededError):
        decompress(compress("word " * 400, "tk"), limits=Limits(max_decoded_bytes=100))
    with pytest.raises(LimitExceededError):
        decompress(b"a" * 200, limits=Limits(max_decoded_bytes=100))


_REAL_DECOMPRESSOR = brotli.Decompressor


class _OldDecompressor:
    """brotli < 1.2: ``process`` takes no output limit."""

    def __init__(self) -> None:
        self._inner = _REAL_DECOMPRESSOR()

    def process(self, data: bytes) -> bytes:
        return bytes(self._inner.process(data))

    def is_finished(self) -> bool:
        return bool(self._inner.is_finished())


def test_brotli_without_output_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from m2m.codec import _wire

    monkeypatch.setattr(_wire.brotli, "Decompressor", _OldDecompressor)
    assert decompress(compress("hello " * 100, "br")) == "hello " * 100
    with pytest.raises(LimitExceededError):
        decompress(compress("x" * 5000, "br"), limits=Limits(max_decoded_bytes=1000))
    with pytest.raises(DecodeError, match="truncated"):
        decompress(b"\xc1MB\x03" + brotli.compress(b"hello" * 50)[:-2])
