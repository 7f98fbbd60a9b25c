"""The byte codec: a body that is not one JSON document (JSONL, text, forms, file downloads).

Binary form only (it travels as an HTTP body)::

    0xC1 'M' 'B' 1  { varint(n) frame }*

Each frame is a standard zstd frame of at most :data:`MAX_FRAME` bytes of the original, with its
content size, compressed with the shipped API dictionary (JSONL lines look like API JSON). A
stream is encoded as it arrives, one frame per chunk, so a large download never waits to be read
whole; each frame's declared size is checked before it is decoded, so decoding costs bounded
memory whatever the input.
"""

from __future__ import annotations

import functools
from typing import Final

import zstandard

from m2m.codec._wire import magic, read_varint, write_varint
from m2m.codec.limits import Limits
from m2m.codec.zdict import CURRENT_DICT, dictionary_bytes
from m2m.errors import DecodeError, LimitExceededError

__all__ = [
    "MAGIC",
    "MAX_FRAME",
    "BytesDecoder",
    "BytesEncoder",
    "is_compressible",
    "pack_bytes",
    "unpack_bytes",
]

FORMAT_NAME = "bytes"
MAGIC = magic(b"B", 1)
_LEVEL = 3
# Decoded bytes of one frame: big enough for good ratios, small enough to bound a decode step.
MAX_FRAME = 1 << 20
# A varint of a frame length never needs more bytes than this (frames are at most ~MAX_FRAME).
_MAX_LENGTH_BYTES = 4
# is_compressible: the sample test compresses this much at level 1 and wants the result below
# this share of the input; smaller samples tell nothing.
SAMPLE_BYTES: Final = 64 * 1024
_MIN_SAMPLE: Final = 64
_GAIN: Final = 0.9
# Media that are compressed already (RFC 6838 registrations and common x- types). Uncompressed
# audio and images (WAV, AIFF, BMP, TIFF, SVG) are left to the sample test.
_COMPRESSED_TYPES: Final = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/zstd",
        "application/x-zstd",
        "application/x-brotli",
        "application/x-bzip2",
        "application/x-xz",
        "application/x-7z-compressed",
        "application/x-rar-compressed",
        "application/vnd.rar",
        "application/epub+zip",
        "application/java-archive",
        "font/woff",
        "font/woff2",
    }
)
_UNCOMPRESSED_MEDIA: Final = frozenset(
    {
        "image/bmp",
        "image/x-bmp",
        "image/x-ms-bmp",
        "image/svg+xml",
        "image/tiff",
        "image/x-portable-pixmap",
        "audio/wav",
        "audio/x-wav",
        "audio/wave",
        "audio/vnd.wave",
        "audio/aiff",
        "audio/x-aiff",
        "audio/basic",
        "audio/l16",
        "audio/pcm",
    }
)
# Leading bytes of compressed containers, whatever the declared type says.
_COMPRESSED_MAGIC: Final = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"%PDF-",
    b"PK\x03\x04",  # zip, docx, xlsx, jar, epub
    b"\x1f\x8b",  # gzip
    b"\x28\xb5\x2f\xfd",  # zstd
    b"BZh",
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"OggS",
    b"fLaC",
    b"ID3",  # MP3 with a tag
    b"\x1a\x45\xdf\xa3",  # Matroska, WebM
    b"wOFF",
    b"wOF2",
)


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _compressed_magic(sample: bytes) -> bool:
    if sample.startswith(_COMPRESSED_MAGIC):
        return True
    if sample[4:8] == b"ftyp":  # MP4, MOV, HEIC, AVIF (ISO base media)
        return True
    return sample[:4] == b"RIFF" and sample[8:12] in (b"WEBP", b"AVI ")


def is_compressible(content_type: str, sample: bytes) -> bool:
    """Whether a body of this type, starting with ``sample``, is worth compressing.

    No for compressed media by type (images but BMP/SVG/TIFF, audio but WAV/AIFF/PCM, video,
    PDF, archives, web fonts) and by leading bytes; otherwise the first 64 KiB of ``sample`` must
    shrink below 90 % at zstd level 1 (~1 us/KB).
    """
    media = _media_type(content_type or "")
    kind = media.split("/", 1)[0]
    if media in _COMPRESSED_TYPES:
        return False
    if kind in ("image", "audio", "video") and media not in _UNCOMPRESSED_MEDIA:
        return False
    head = bytes(sample[:SAMPLE_BYTES])
    if _compressed_magic(head):
        return False
    if len(head) < _MIN_SAMPLE:
        return False
    packed = zstandard.ZstdCompressor(level=1, write_content_size=False, write_checksum=False).compress(head)
    return len(packed) < len(head) * _GAIN


@functools.cache
def _dict() -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(
        dictionary_bytes(CURRENT_DICT), dict_type=zstandard.DICT_TYPE_FULLDICT
    )


class BytesEncoder:
    """Encodes a body chunk by chunk; the first output carries the magic."""

    __slots__ = ("_cctx", "_started")

    def __init__(self) -> None:
        self._cctx = zstandard.ZstdCompressor(
            level=_LEVEL,
            dict_data=_dict(),
            write_content_size=True,
            write_checksum=False,
            write_dict_id=False,
        )
        self._started = False

    def feed(self, chunk: bytes) -> bytes:
        out = [] if self._started else [MAGIC]
        self._started = True
        for i in range(0, len(chunk), MAX_FRAME):
            frame = self._cctx.compress(chunk[i : i + MAX_FRAME])
            out.append(write_varint(len(frame)))
            out.append(frame)
        return b"".join(out)

    def finish(self) -> bytes:
        return b"" if self._started else MAGIC


class BytesDecoder:
    """Decodes a byte-codec body chunk by chunk, in bounded steps; ``limit`` caps the whole body
    (None: a stream of any length, each frame still bounded)."""

    __slots__ = ("_buf", "_dctx", "_limit", "_magic", "_total")

    def __init__(self, *, limit: int | None = None) -> None:
        self._dctx = zstandard.ZstdDecompressor(dict_data=_dict())
        self._buf = bytearray()
        self._magic = False
        self._limit = limit
        self._total = 0

    def feed(self, chunk: bytes) -> bytes:
        buf = self._buf
        buf += chunk
        pos = 0
        if not self._magic:
            if len(buf) < len(MAGIC) and MAGIC.startswith(bytes(buf)):
                return b""
            if bytes(buf[: len(MAGIC)]) != MAGIC:
                raise DecodeError("bytes: not a byte-codec body")
            self._magic = True
            pos = len(MAGIC)
        out: list[bytes] = []
        while pos < len(buf):
            try:
                length, start = read_varint(bytes(buf[pos : pos + 10]), 0, "bytes")
                start += pos
            except DecodeError:
                if len(buf) - pos >= _MAX_LENGTH_BYTES:
                    raise
                break  # the length itself is still arriving
            if length > 2 * MAX_FRAME:
                raise DecodeError(f"bytes: frame of {length} bytes is longer than any encoder writes")
            if len(buf) - start < length:
                break
            out.append(self._frame(bytes(buf[start : start + length])))
            pos = start + length
        del buf[:pos]
        return b"".join(out)

    def _frame(self, frame: bytes) -> bytes:
        try:
            size = zstandard.frame_content_size(frame)
        except zstandard.ZstdError:
            raise DecodeError("bytes: corrupt zstd frame header") from None
        if size < 0 or size > MAX_FRAME:
            raise DecodeError("bytes: frame without a valid content size")
        self._total += size
        if self._limit is not None and self._total > self._limit:
            raise LimitExceededError(f"bytes: decoded size over the limit of {self._limit}")
        try:
            out = self._dctx.decompress(frame, max_output_size=max(size, 1))
        except zstandard.ZstdError as exc:
            raise DecodeError(f"bytes: corrupt zstd frame ({exc})") from None
        if len(out) != size:
            raise DecodeError("bytes: frame shorter than its declared size")
        return out

    def finish(self) -> None:
        if not self._magic or self._buf:
            raise DecodeError("bytes: truncated body")


def pack_bytes(data: bytes) -> bytes:
    encoder = BytesEncoder()
    return encoder.feed(data) + encoder.finish()


def unpack_bytes(data: bytes, limits: Limits) -> bytes:
    decoder = BytesDecoder(limit=limits.max_decoded_bytes)
    out = decoder.feed(data)
    decoder.finish()
    return out
