"""How a value is laid out in a shared store: a small versioned header, then the bytes, compressed.

::

    C1 'M' 'S' 01      magic: 0xC1 (never in UTF-8) 'M', 'S' for store, layout version 1
    method: u8         0 = raw bytes follow
                       1 = a zstd frame (no magic, content size in its header)
                       2 = the same, made with the shipped m2m_v1 dictionary (codec/zdict.py)
    body

A later layout gets a new version byte or method, so replicas of different versions can share one
store during a rolling upgrade: a value one of them cannot read is a miss, never an error.
Integrity is not this layer's job: the store checks that a decoded value hashes to its key.

Pure: no I/O.
"""

from __future__ import annotations

import threading
from functools import cache
from importlib import resources
from typing import Final

import zstandard

from m2m.errors import DecodeError, LimitExceededError

__all__ = ["MAGIC", "decode_value", "encode_value"]

MAGIC: Final = b"\xc1MS\x01"
RAW: Final = 0
ZSTD: Final = 1
ZSTD_DICT: Final = 2
_HEADER: Final = len(MAGIC) + 1
_FORMAT: Final = zstandard.FORMAT_ZSTD1_MAGICLESS
# Measured on the corpus' sessions (docs/bench/store.md): level 3 with the dictionary is within 1 %
# of level 6 at half the time, and the dictionary halves small values.
LEVEL: Final = 3
_DICT_FILE: Final = "m2m_v1.zdict"
_local = threading.local()


@cache
def _dict_bytes() -> bytes:
    return resources.files("m2m.data").joinpath(_DICT_FILE).read_bytes()


def _params() -> zstandard.ZstdCompressionParameters:
    return zstandard.ZstdCompressionParameters.from_level(
        LEVEL, format=_FORMAT, write_content_size=True, write_dict_id=False, write_checksum=False
    )


def _compressor() -> zstandard.ZstdCompressor:
    # zstd contexts are not thread-safe; one per thread, reused (a new one costs more than a value).
    cctx: zstandard.ZstdCompressor | None = getattr(_local, "cctx", None)
    if cctx is None:
        zdict = zstandard.ZstdCompressionDict(_dict_bytes(), dict_type=zstandard.DICT_TYPE_FULLDICT)
        zdict.precompute_compress(compression_params=_params())
        cctx = _local.cctx = zstandard.ZstdCompressor(dict_data=zdict, compression_params=_params())
    return cctx


def _decompressor(method: int) -> zstandard.ZstdDecompressor:
    cache_: dict[int, zstandard.ZstdDecompressor] | None = getattr(_local, "dctx", None)
    if cache_ is None:
        cache_ = _local.dctx = {}
    dctx = cache_.get(method)
    if dctx is None:
        zdict = (
            zstandard.ZstdCompressionDict(_dict_bytes(), dict_type=zstandard.DICT_TYPE_FULLDICT)
            if method == ZSTD_DICT
            else None
        )
        dctx = cache_[method] = zstandard.ZstdDecompressor(dict_data=zdict, format=_FORMAT)
    return dctx


def encode_value(data: bytes) -> bytes:
    """``data`` as stored: compressed when that makes it smaller, else raw."""
    packed = _compressor().compress(data)
    if len(packed) < len(data):
        return MAGIC + bytes([ZSTD_DICT]) + packed
    return MAGIC + bytes([RAW]) + data


def decode_value(blob: bytes, *, max_bytes: int) -> bytes:
    """The bytes ``blob`` stands for. Raises :class:`~m2m.errors.DecodeError` for anything that is
    not a value of a known layout, and :class:`~m2m.errors.LimitExceededError` (one of its family's
    siblings) before allocating more than ``max_bytes``."""
    if len(blob) < _HEADER or blob[: len(MAGIC)] != MAGIC:
        raise DecodeError("store: not a stored value of a known layout")
    method = blob[len(MAGIC)]
    body = blob[_HEADER:]
    if method == RAW:
        if len(body) > max_bytes:
            raise LimitExceededError(f"store: value over the limit of {max_bytes} bytes")
        return bytes(body)
    if method not in (ZSTD, ZSTD_DICT):
        raise DecodeError(f"store: unknown value method {method}")
    try:
        size = zstandard.get_frame_parameters(body, format=_FORMAT).content_size
    except zstandard.ZstdError:
        raise DecodeError("store: corrupt zstd frame header") from None
    if size == zstandard.CONTENTSIZE_UNKNOWN or size == zstandard.CONTENTSIZE_ERROR:
        # We always write the size; a frame without one could only be used to dodge the bound.
        raise DecodeError("store: zstd frame without a content size")
    if size > max_bytes:
        raise LimitExceededError(f"store: value over the limit of {max_bytes} bytes")
    try:
        out = _decompressor(method).decompress(body, max_output_size=max(size, 1), allow_extra_data=False)
    except zstandard.ZstdError:
        raise DecodeError("store: corrupt zstd frame") from None
    if len(out) != size:
        raise DecodeError("store: zstd frame shorter than its declared size")
    return out
