"""``octets``: any body as bytes (JSONL and multipart uploads, text/plain, non-UTF-8 data).

    pack_bytes(data) -> bytes
    unpack_bytes(data, limits) -> bytes
    is_compressible(content_type, sample) -> bool

The text formats (``zstd``, ``t1``, ...) carry text; this one carries bytes exactly. Wire form::

    0xC1 'M' 'O' 1          magic, as every m2m binary form
    head:u8                 bits 0-3 method (0 = stored, 1 = zstd), bits 4-7 dictionary id
                            (0 = none, 1 = the shipped API-JSON dictionary of ``zstd``)
    payload                 the bytes, or one zstd frame without magic

``pack_bytes`` never grows the body by more than the 5 header bytes (it stores what does not
compress) and uses the API dictionary where it helps (JSON lines, small JSON bodies).
``unpack_bytes`` checks a frame's declared size against the limit first and then decompresses in
steps, stopping as soon as the output passes the limit, so a frame that hides its size costs no
more memory than the limit either. ``is_compressible`` tells a caller not to bother with media
that are compressed already.
"""

from __future__ import annotations

import re
from typing import Final

import zstandard

from m2m.codec import zdict
from m2m.codec._wire import check_size, magic
from m2m.codec.limits import Limits
from m2m.errors import DecodeError, UnknownFormatError

__all__ = ["FORMAT_NAME", "MAGIC", "is_compressible", "pack_bytes", "unpack_bytes"]

FORMAT_NAME: Final = "octets"
MAGIC: Final = magic(b"O", 1)
METHOD_STORED: Final = 0
METHOD_ZSTD: Final = 1
_METHODS: Final = (METHOD_STORED, METHOD_ZSTD)
_FORMAT: Final = zstandard.FORMAT_ZSTD1_MAGICLESS
# A zstd block of 128 KiB can be written in 4 bytes (an RLE block): no input byte yields more
# than this. Frames without a declared size are fed in steps sized by it and the remaining budget,
# never less than _MIN_FEED bytes (at most 8 MiB past the limit in one step).
_MAX_EXPANSION: Final = 1 << 16
_MIN_FEED: Final = 128
# Level 9 costs ~30 us/KB and gains ~5 % over 3 on API JSON; past 1 MiB, level 3 (~3 us/KB).
_SMALL: Final = 1024 * 1024
# The dictionary is trained on API JSON: worth trying on text that starts like JSON, and for
# large bodies only the first window gains from it, so one compression (with it) is enough there.
_DICT_TRY_BOTH_MAX: Final = 64 * 1024
_JSON_START: Final = re.compile(rb"\s*[\[{]")
# is_compressible: the sample test compresses this much at level 1 and wants the result below
# this share of the input; smaller samples tell nothing.
SAMPLE_BYTES: Final = 64 * 1024
_GAIN: Final = 0.9
_MIN_SAMPLE: Final = 64


def _compress(data: bytes, dict_id: int) -> bytes:
    level = 9 if len(data) <= _SMALL else 3
    if dict_id:
        cctx = zdict._compressor(level)  # the shared, prepared dictionary compressor of `zstd`
        return cctx.compress(data)
    params = zstandard.ZstdCompressionParameters.from_level(
        level, format=_FORMAT, write_content_size=True, write_checksum=False, write_dict_id=False
    )
    return zstandard.ZstdCompressor(compression_params=params).compress(data)


def pack_bytes(data: bytes) -> bytes:
    """The ``octets`` wire form of ``data``: at most 5 bytes longer, usually much shorter."""
    data = bytes(data)
    best = bytes([METHOD_STORED]) + data
    candidates = [0]
    if _JSON_START.match(data[:64]):
        candidates = [zdict.CURRENT_DICT, 0] if len(data) <= _DICT_TRY_BOTH_MAX else [zdict.CURRENT_DICT]
    for dict_id in candidates:
        frame = _compress(data, dict_id)
        if len(frame) + 1 < len(best):
            best = bytes([dict_id << 4 | METHOD_ZSTD]) + frame
    return MAGIC + best


def _decompressor(dict_id: int) -> zstandard.ZstdDecompressor:
    if dict_id == 0:
        return zstandard.ZstdDecompressor(format=_FORMAT)
    if dict_id not in zdict.DICTIONARIES:
        raise DecodeError(f"octets: unknown dictionary id {dict_id}")
    return zdict._decompressor(dict_id)


def unpack_bytes(data: bytes, limits: Limits) -> bytes:
    """The bytes of an ``octets`` wire; LimitExceededError once the output passes the size limit."""
    data = bytes(data)
    if data[:3] != MAGIC[:3]:
        raise UnknownFormatError("octets: not an octets wire (magic C1 'M' 'O')")
    if data[:4] != MAGIC:
        raise UnknownFormatError(f"octets: unsupported version {data[3:4].hex() or 'missing'}")
    if len(data) < 5:
        raise DecodeError("octets: truncated header")
    method, dict_id = data[4] & 0x0F, data[4] >> 4
    payload = memoryview(data)[5:]
    if method not in _METHODS:
        raise DecodeError(f"octets: unknown method {method}")
    if method == METHOD_STORED:
        if dict_id:
            raise DecodeError("octets: stored payload with a dictionary id")
        check_size(len(payload), limits, "octets")
        return bytes(payload)
    return _inflate(payload, _decompressor(dict_id), limits)


def _inflate(frame: memoryview, dctx: zstandard.ZstdDecompressor, limits: Limits) -> bytes:
    try:
        size = zstandard.get_frame_parameters(frame, format=_FORMAT).content_size
    except zstandard.ZstdError:
        raise DecodeError("octets: corrupt zstd frame header") from None
    if size == zstandard.CONTENTSIZE_UNKNOWN:
        return _inflate_stream(frame, dctx, limits)
    check_size(size, limits, "octets")
    try:
        # The declared size bounds the output buffer (0 would mean "no bound" here: use 1).
        out = dctx.decompress(frame, max_output_size=max(size, 1), allow_extra_data=False)
    except zstandard.ZstdError as exc:
        raise DecodeError(f"octets: corrupt or truncated zstd frame ({exc})") from None
    if len(out) != size:
        raise DecodeError("octets: zstd frame shorter than its declared size")
    return bytes(out)


def _inflate_stream(frame: memoryview, dctx: zstandard.ZstdDecompressor, limits: Limits) -> bytes:
    """A frame without a declared size (a streaming compressor's): input is fed in steps small
    enough that one step cannot overshoot the remaining budget by more than a few MiB."""
    obj = dctx.decompressobj()
    out = bytearray()
    pos = 0
    try:
        while pos < frame.nbytes and not obj.eof:
            step = max(_MIN_FEED, (limits.max_decoded_bytes - len(out)) // _MAX_EXPANSION)
            out += obj.decompress(frame[pos : pos + step])
            pos += step
            check_size(len(out), limits, "octets")
    except zstandard.ZstdError as exc:
        raise DecodeError(f"octets: corrupt zstd frame ({exc})") from None
    if not obj.eof:
        raise DecodeError("octets: truncated zstd frame")
    if obj.unused_data or pos < frame.nbytes:
        raise DecodeError("octets: data after the zstd frame")
    return bytes(out)


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
