"""``zstd`` (``zd``): zstd with a dictionary trained on LLM API JSON, shipped in the package.

Long base64 runs inside JSON strings (images, PDFs, audio, base64 embeddings) are cut out before
compression and carried as raw bytes (a quarter smaller than their base64, which no compressor
reaches), then put back exactly. Minified JSON is compressed in its T1 form when that decodes to
exactly the input (shapes take keys and implied values out first). Number literals (embeddings,
logprobs) are packed as binary when that is smaller. The rest, the *skeleton*, is one magic-less
zstd frame made with the dictionary named in the header, so a later dictionary gets a new id and
old payloads keep decoding.

Text forms: ``#ZD1|<base64>`` and ``#ZD1~<base85>`` (Python's RFC 1924 alphabet: no quote,
backslash, comma or slash, so it sits in a JSON string untouched). Binary: ``0xC1 'M' 'Z' 1``.

Container (after the prefix, before base64/base85)::

    head:u8                       bits 0-3 flags, bits 4-7 dictionary id (0 = none)
    [ nblobs:varint { offset:varint kind:u8 size:varint }* ]              if FLAG_BLOBS
    [ frame_len:varint ]                                                  if FLAG_BLOBS or FLAG_NUMS
    frame                         zstd frame without magic, content size in its header
    blob bytes...
    [ numbers section ]           the rest, if FLAG_NUMS (m2m.codec.numbers)

Flags: 1 = the skeleton is a T1 payload, 2 = blobs follow, 4 = the number literals of the skeleton
were taken out (each left as a 0xFF byte) and follow in binary (m2m.codec.numbers: float32 and
float64 values, integers, decimals, byte-exact). ``offset`` is where a blob's base64 goes back into
the skeleton (after the numbers are back), in bytes from the previous insertion point; ``kind``
0 = raw bytes, 1 = a (standard) zstd frame of them, 2 = a zstd frame of the base64 text itself.
Decoding reverses the steps: frame, numbers, blobs, T1.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import threading
from importlib import resources

import zstandard

from m2m.codec import numbers, t1
from m2m.codec._wire import (
    b64decode,
    b64encode,
    b85decode,
    b85encode,
    check_size,
    magic,
    read_varint,
    utf8,
    write_varint,
)
from m2m.codec.format import Format, Options
from m2m.codec.limits import Limits
from m2m.errors import DecodeError

__all__ = ["FLAG_NUMS", "FLAG_T1", "FORMAT", "pack", "pack_text", "text_form", "unpack"]

PREFIX_B64 = "#ZD1|"
PREFIX_B85 = "#ZD1~"
MAGIC = magic(b"Z", 1)
DICTIONARIES = {1: "m2m_v1.zdict"}  # id in the container head -> file in m2m/data
CURRENT_DICT = 1

FLAG_T1 = 1
FLAG_BLOBS = 2
FLAG_NUMS = 4
_FLAGS = FLAG_T1 | FLAG_BLOBS | FLAG_NUMS
_FORMAT = zstandard.FORMAT_ZSTD1_MAGICLESS

# base64 in a JSON string: after a quote or a data URL's "base64,", up to the closing quote.
_BLOB_MIN = 256
_BLOB_RE = re.compile(rb'(?<=[",])[A-Za-z0-9+/]{256,}={0,2}(?=")')
_BLOB_KIND_RAW = 0
_BLOB_KIND_ZSTD = 1
# The base64 text itself, zstd-compressed: for JPEG and PNG data zstd's literal coding of the base64
# characters beats its coding of the bytes (measured: a 98.6 KB JPEG is 98.0 KB this way, 98.6 KB
# as bytes), and this keeps a body never larger than plain zstd of it.
_BLOB_KIND_ZSTD_TEXT = 2
_BLOB_KINDS = (_BLOB_KIND_RAW, _BLOB_KIND_ZSTD, _BLOB_KIND_ZSTD_TEXT)
# Below this many bytes a blob's base64 text is not tried: a few bytes at most to gain.
_BLOB_TEXT_MIN = 4096
# base85 costs ~0.1 ms/KB in pure Python: worth its 6% only for payloads a person waits on.
_B85_MAX = 256 * 1024
_local = threading.local()


@functools.cache
def dictionary_bytes(dict_id: int) -> bytes:
    """The shipped zstd dictionary ``dict_id`` (also used by the byte codec)."""
    name = DICTIONARIES.get(dict_id)
    if name is None:
        raise DecodeError(f"zstd: unknown dictionary id {dict_id}")
    return resources.files("m2m.data").joinpath(name).read_bytes()


def _params(level: int) -> zstandard.ZstdCompressionParameters:
    return zstandard.ZstdCompressionParameters.from_level(
        level, format=_FORMAT, write_content_size=True, write_dict_id=False, write_checksum=False
    )


# Measured on the corpus (docs/bench/codec.md): below 256 bytes level 3 is as small as level 9
# (smaller on held-out stream events) and cheaper; above, level 3 costs responses ~4 %.
_SMALL = 256


def _level(size: int) -> int:
    # With a precomputed dictionary level 9 costs ~30 us/KB; 19 gains 1.5% for ten times that.
    if size < _SMALL:
        return 3
    return 9 if size <= 1024 * 1024 else 3


def _compressor(level: int) -> zstandard.ZstdCompressor:
    cache: dict[int, zstandard.ZstdCompressor] | None = getattr(_local, "cctx", None)
    if cache is None:
        cache = _local.cctx = {}
    cctx = cache.get(level)
    if cctx is None:
        # A fresh dictionary object per level: precompute_compress binds one level to it.
        zdict = zstandard.ZstdCompressionDict(
            dictionary_bytes(CURRENT_DICT), dict_type=zstandard.DICT_TYPE_FULLDICT
        )
        zdict.precompute_compress(compression_params=_params(level))
        cctx = cache[level] = zstandard.ZstdCompressor(dict_data=zdict, compression_params=_params(level))
    return cctx


def _decompressor(dict_id: int) -> zstandard.ZstdDecompressor:
    cache: dict[int, zstandard.ZstdDecompressor] | None = getattr(_local, "dctx", None)
    if cache is None:
        cache = _local.dctx = {}
    dctx = cache.get(dict_id)
    if dctx is None:
        zdict = (
            zstandard.ZstdCompressionDict(dictionary_bytes(dict_id), dict_type=zstandard.DICT_TYPE_FULLDICT)
            if dict_id
            else None
        )
        dctx = cache[dict_id] = zstandard.ZstdDecompressor(dict_data=zdict, format=_FORMAT)
    return dctx


# Base64 characters -> "A", anything else -> " ": a run of _BLOB_MIN of them is then a plain
# substring search, ~10x faster than letting the run pattern try every position.
_B64_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_MASK = bytes(65 if c in _B64_CHARS else 32 for c in range(256))
_B64_RUN = b"A" * _BLOB_MIN


def _has_long_string(raw: bytes) -> bool:
    return len(raw) >= _BLOB_MIN + 2 and raw.translate(_B64_MASK).find(_B64_RUN) >= 0


def _cut_blobs(raw: bytes) -> tuple[bytes, list[tuple[int, int, bytes]]]:
    """``raw`` without its base64 runs, and the runs (offset, kind, stored bytes)."""
    skeleton = bytearray()
    blobs: list[tuple[int, int, bytes]] = []
    last = 0
    mark = 0
    # A run lies inside one quoted stretch; most payloads have none that long, so skip the search.
    candidates = _BLOB_RE.finditer(raw) if _has_long_string(raw) else ()
    for m in candidates:
        run = m.group()
        if len(run) % 4:
            continue
        try:
            data = base64.b64decode(run, validate=True)
        except binascii.Error:
            continue
        if base64.b64encode(data) != run:  # non-canonical padding bits would not come back
            continue
        skeleton += raw[last : m.start()]
        last = m.end()
        kind, stored = _BLOB_KIND_RAW, data
        cctx = zstandard.ZstdCompressor(level=3, write_content_size=True)
        packed = cctx.compress(data)
        if len(packed) < len(stored):
            kind, stored = _BLOB_KIND_ZSTD, packed
        if len(data) >= _BLOB_TEXT_MIN:
            packed = cctx.compress(run)
            if len(packed) < len(stored):
                kind, stored = _BLOB_KIND_ZSTD_TEXT, packed
        blobs.append((len(skeleton) - mark, kind, stored))
        mark = len(skeleton)
    if not blobs:
        return raw, blobs
    skeleton += raw[last:]
    return bytes(skeleton), blobs


_DIGITS = b"0123456789"
# Number packing (m2m.codec.numbers) is tried on texts with at least this many digits, and only
# kept when smaller; at this share of digits or more it is used without comparing (embeddings,
# logprobs), which saves compressing twice. Measured on the corpus and benchmarks/traffic.py: it
# never won below 268 digits (a moderation result), and small bodies with ids, timestamps and
# token counts (most responses and stream events) pay for the attempt without gaining.
_NUMS_MIN_DIGITS = 256
# ... and a tenth of the text in digits (the smallest share that won was 0.11, chat logprobs).
_NUMS_MIN_SHARE = 0.1
NUMS_SURE = 0.5


def _container(flags: int, blobs: list[tuple[int, int, bytes]], frame: bytes, section: bytes) -> bytes:
    flags |= (FLAG_BLOBS if blobs else 0) | (FLAG_NUMS if section else 0)
    out = bytearray([CURRENT_DICT << 4 | flags])
    if blobs:
        out += write_varint(len(blobs))
        for offset, kind, stored in blobs:
            out += write_varint(offset)
            out.append(kind)
            out += write_varint(len(stored))
    if flags & (FLAG_BLOBS | FLAG_NUMS):
        out += write_varint(len(frame))
    out += frame
    for _, _, stored in blobs:
        out += stored
    out += section
    return bytes(out)


def pack(raw: bytes, flags: int = 0, *, numbers_ok: bool = True) -> bytes:
    """The container for ``raw`` (UTF-8 text; a T1 payload when ``flags`` has FLAG_T1)."""
    skeleton, blobs = _cut_blobs(raw)
    digits = len(skeleton) - len(skeleton.translate(None, _DIGITS)) if numbers_ok else 0
    worth = digits >= _NUMS_MIN_DIGITS and digits >= _NUMS_MIN_SHARE * len(skeleton)
    cut = numbers.split(skeleton) if worth else None
    if cut is None:
        return _container(flags, blobs, _compress(skeleton), b"")
    bare, literals = cut
    section = numbers.pack(literals)
    if section is None:
        return _container(flags, blobs, _compress(skeleton), b"")
    packed = _container(flags, blobs, _compress(bare), section)
    if digits >= NUMS_SURE * len(skeleton):
        return packed
    plain = _container(flags, blobs, _compress(skeleton), b"")
    return packed if len(packed) < len(plain) else plain


def _compress(skeleton: bytes) -> bytes:
    return _compressor(_level(len(skeleton))).compress(skeleton)


def _frame_size(frame: bytes) -> int:
    try:
        size = int(zstandard.get_frame_parameters(frame, format=_FORMAT).content_size)
    except zstandard.ZstdError as exc:
        raise DecodeError("zstd: corrupt zstd frame header") from exc
    if size == zstandard.CONTENTSIZE_UNKNOWN:
        raise DecodeError("zstd: zstd frame without a content size")
    return size


def _blob_size(stored: bytes) -> int:
    try:
        size = int(zstandard.frame_content_size(stored))
    except zstandard.ZstdError as exc:
        raise DecodeError("zstd: corrupt blob frame header") from exc
    if size < 0:
        raise DecodeError("zstd: blob frame without a content size")
    return size


def _frame(frame: bytes, dict_id: int, limits: Limits) -> bytes:
    size = _frame_size(frame)
    check_size(size, limits, "zstd")
    try:
        # Our frames always carry their size; 0 may also mean "unknown", so cap the buffer.
        return _decompressor(dict_id).decompress(frame, max_output_size=max(size, 1), allow_extra_data=False)
    except zstandard.ZstdError as exc:
        raise DecodeError(f"zstd: corrupt or truncated zstd frame ({exc})") from exc


def _blob(stored: bytes, limits: Limits) -> bytes:
    size = _blob_size(stored)
    check_size(size, limits, "zstd")
    try:
        return zstandard.ZstdDecompressor().decompress(stored, max_output_size=size, allow_extra_data=False)
    except zstandard.ZstdError as exc:
        raise DecodeError(f"zstd: corrupt or truncated blob ({exc})") from exc


def unpack(data: bytes, limits: Limits) -> bytes:
    if not data:
        raise DecodeError("zstd: empty payload")
    head = data[0]
    flags, dict_id = head & 0x0F, head >> 4
    if flags & ~_FLAGS:
        raise DecodeError(f"zstd: unsupported container flags {flags:#x}")
    if dict_id and dict_id not in DICTIONARIES:
        raise DecodeError(f"zstd: unknown dictionary id {dict_id}")
    if not flags & (FLAG_BLOBS | FLAG_NUMS):
        return _finish(_frame(data[1:], dict_id, limits), flags, limits)
    pos = 1
    table: list[tuple[int, int, int]] = []
    if flags & FLAG_BLOBS:
        nblobs, pos = read_varint(data, pos, "zstd")
        if nblobs > len(data):
            raise DecodeError("zstd: blob count larger than the payload")
        for _ in range(nblobs):
            offset, pos = read_varint(data, pos, "zstd")
            if pos >= len(data):
                raise DecodeError("zstd: truncated container header")
            kind = data[pos]
            size, pos = read_varint(data, pos + 1, "zstd")
            if kind not in _BLOB_KINDS:
                raise DecodeError(f"zstd: unknown blob kind {kind}")
            table.append((offset, kind, size))
    frame_len, pos = read_varint(data, pos, "zstd")
    end = pos + frame_len
    blobs_end = end + sum(size for _, _, size in table)
    if blobs_end > len(data) or (blobs_end != len(data)) != bool(flags & FLAG_NUMS):
        raise DecodeError("zstd: payload length does not match its header (truncated or padded)")
    # The whole text's size, from the declared sizes of the skeleton and every blob, is checked
    # before anything is decompressed (numbers only add to it; they are checked as they go in).
    declared = _frame_size(data[pos:end])
    blob_text = 0
    at = end
    for _, kind, size in table:
        n = size if kind == _BLOB_KIND_RAW else _blob_size(data[at : at + size])
        blob_text += n if kind == _BLOB_KIND_ZSTD_TEXT else (n + 2) // 3 * 4
        at += size
    check_size(declared + blob_text, limits, "zstd")
    skeleton = _frame(data[pos:end], dict_id, limits)
    if flags & FLAG_NUMS:
        skeleton = numbers.fill(skeleton, data[blobs_end:], limits.max_decoded_bytes - blob_text)
    if not table:
        return _finish(skeleton, flags, limits)
    out = bytearray()
    total = len(skeleton)
    mark = 0
    pos = end
    for offset, kind, size in table:
        stored = data[pos : pos + size]
        pos += size
        blob = stored if kind == _BLOB_KIND_RAW else _blob(stored, limits)
        text = blob if kind == _BLOB_KIND_ZSTD_TEXT else base64.b64encode(blob)
        total += len(text)
        check_size(total, limits, "zstd")
        if mark + offset > len(skeleton):
            raise DecodeError("zstd: blob offset past the end of the text")
        out += skeleton[mark : mark + offset]
        out += text
        mark += offset
    out += skeleton[mark:]
    return _finish(bytes(out), flags, limits)


def _finish(text: bytes, flags: int, limits: Limits) -> bytes:
    if flags & FLAG_T1:
        return t1.decode_text(utf8(text, "zstd"), limits).encode("utf-8")
    return text


def pack_text(text: str) -> bytes:
    payload = t1.exact_payload(text)
    if payload is not None:
        return pack(payload.encode("utf-8"), FLAG_T1)
    return pack(text.encode("utf-8"))


def text_form(packed: bytes) -> str:
    if len(packed) <= _B85_MAX:
        return PREFIX_B85 + b85encode(packed)
    return PREFIX_B64 + b64encode(packed)


def encode(text: str, opts: Options) -> str:
    return text_form(pack_text(text))


def encode_binary(text: str, opts: Options) -> bytes:
    return MAGIC + pack_text(text)


def decode(wire: str, limits: Limits) -> str:
    body = wire[len(PREFIX_B64) :]
    # The container is never much larger than what it decodes to, so its size is a first bound.
    check_size(len(body) * 3 // 4 - 4096, limits, "zstd")
    data = b85decode(body, "zstd") if wire.startswith(PREFIX_B85) else b64decode(body, "zstd")
    return utf8(unpack(data, limits), "zstd")


def decode_binary(wire: bytes, limits: Limits) -> str:
    return utf8(unpack(wire[len(MAGIC) :], limits), "zstd")


FORMAT = Format(
    name="zstd",
    aliases=("zd", "zstd-dict", "zdict"),
    prefixes=(PREFIX_B64, PREFIX_B85),
    magic=MAGIC,
    encode=encode,
    encode_binary=encode_binary,
    decode=decode,
    decode_binary=decode_binary,
)
