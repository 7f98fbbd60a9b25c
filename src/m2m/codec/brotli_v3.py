"""``brotli`` (``br``): ``#M2M[v3.0]|DATA:<base64 of a brotli stream>``, as the Rust implementation writes.

Binary form: ``0xC1 'M' 'B' 3`` then the brotli stream.
"""

from __future__ import annotations

import brotli

from m2m.codec._wire import b64decode, b64encode, brotli_decompress, magic, utf8
from m2m.codec.format import Format, Options
from m2m.codec.limits import Limits

PREFIX = "#M2M[v3.0]|DATA:"
MAGIC = magic(b"B", 3)

# Quality 11 costs ~1 s/MB; past this size the ratio gain is not worth it.
_SMALL = 256 * 1024


def compress_bytes(raw: bytes) -> bytes:
    out: bytes
    if len(raw) <= _SMALL:
        out = brotli.compress(raw, quality=11)
    else:
        out = brotli.compress(raw, quality=5, lgwin=24)
    return out


def encode(text: str, opts: Options) -> str:
    return PREFIX + b64encode(compress_bytes(text.encode("utf-8")))


def encode_binary(text: str, opts: Options) -> bytes:
    return MAGIC + compress_bytes(text.encode("utf-8"))


def decode(wire: str, limits: Limits) -> str:
    data = b64decode(wire[len(PREFIX) :], "brotli")
    return utf8(brotli_decompress(data, limits, "brotli"), "brotli")


def decode_binary(wire: bytes, limits: Limits) -> str:
    return utf8(brotli_decompress(wire[len(MAGIC) :], limits, "brotli"), "brotli")


FORMAT = Format(
    name="brotli",
    aliases=("br", "m2m"),
    prefixes=(PREFIX,),
    magic=MAGIC,
    encode=encode,
    encode_binary=encode_binary,
    decode=decode,
    decode_binary=decode_binary,
)
