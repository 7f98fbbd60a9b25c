"""Byte-level helpers shared by the formats: strict base64/base85, LEB128, bounded decompression."""

from __future__ import annotations

import base64
import binascii

import brotli
import zstandard

from m2m.codec.limits import Limits
from m2m.errors import DecodeError, LimitExceededError

# Binary forms start with 0xC1, a byte that never occurs in UTF-8, so binary and text never collide.
BINARY_LEAD = 0xC1
BINARY_MAGIC = b"\xc1M"

_BROTLI_STEP = 1 << 20


def magic(code: bytes, version: int) -> bytes:
    """Binary prefix: 0xC1 'M' <format code> <version>."""
    assert len(code) == 1
    return BINARY_MAGIC + code + bytes([version])


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise DecodeError(f"{what}: corrupt base64 ({exc})") from exc


# base85 (RFC 1924 alphabet, as base64.b85encode) without a Python loop per 4-byte group: the
# groups sit side by side as lanes of one big integer, wide enough that no arithmetic below carries
# from one lane into the next, so each step is a handful of C-speed big-int and slice operations
# (exhaustive edge values and random data against the standard library in the tests).
_B85_ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"
_B85_FROM_DIGIT = bytes(_B85_ALPHABET) + bytes(256 - 85)
_B85_TO_DIGIT = bytes(_B85_ALPHABET.find(bytes([c])) % 256 for c in range(256))  # 255: not base85
# Encoding: each 32-bit group w becomes the fixed-point fraction w / 85**5 with 96 fraction bits
# (rounded up: the error, under 2**-64, is far below the 85**-5 that separates two digits). Each
# multiplication by 85 then lifts the next digit into the lane's integer byte, and the mask drops it.
_ENC_FRAC = 96
_ENC_SCALE = -(-(1 << _ENC_FRAC) // 85**5)
_ENC_LANE = 16
_ENC_INT_BYTE = _ENC_LANE - _ENC_FRAC // 8 - 1
_ENC_FRAC_LANE = ((1 << _ENC_FRAC) - 1).to_bytes(_ENC_LANE, "big")
_DEC_LANE = 8  # a 5-digit group is below 85**5 < 2**33
# Below these sizes the standard library's loop is as fast (measured).
_B85_ENCODE_MIN = 96
_B85_DECODE_MIN = 64


def b85encode(data: bytes) -> str:
    """``base64.b85encode(data).decode()``, computed a whole lane vector at a time."""
    if len(data) < _B85_ENCODE_MIN:
        return base64.b85encode(data).decode("ascii")
    padding = -len(data) % 4
    if padding:
        data = bytes(data) + bytes(padding)
    words = len(data) // 4
    lanes = bytearray(_ENC_LANE * words)
    for i in range(4):
        lanes[_ENC_LANE - 4 + i :: _ENC_LANE] = data[i::4]
    x = int.from_bytes(lanes, "big") * _ENC_SCALE
    mask = int.from_bytes(_ENC_FRAC_LANE * words, "big")
    size = _ENC_LANE * words
    out = bytearray(5 * words)
    for pos in range(5):
        y = x * 85
        out[pos::5] = y.to_bytes(size, "big")[_ENC_INT_BYTE::_ENC_LANE]
        x = y & mask
    if padding:
        del out[-padding:]
    return out.translate(_B85_FROM_DIGIT).decode("ascii")


def b85decode(text: str, what: str) -> bytes:
    """``base64.b85decode``; anything unusual (bad character, overflow) is left to it for the message."""
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise DecodeError(f"{what}: corrupt base85 ({exc})") from exc
    padding = -len(raw) % 5
    digits = (raw + b"~" * padding).translate(_B85_TO_DIGIT)
    groups = len(digits) // 5
    if len(raw) >= _B85_DECODE_MIN and b"\xff" not in digits:
        total = 0
        for i in range(5):
            lanes = bytearray(_DEC_LANE * groups)
            lanes[_DEC_LANE - 1 :: _DEC_LANE] = digits[i::5]
            total = total * 85 + int.from_bytes(lanes, "big")
        packed = total.to_bytes(_DEC_LANE * groups, "big")
        if not packed[_DEC_LANE - 5 :: _DEC_LANE].strip(b"\0"):  # every group fits in 32 bits
            out = bytearray(4 * groups)
            for i in range(4):
                out[i::4] = packed[_DEC_LANE - 4 + i :: _DEC_LANE]
            if padding:
                del out[-padding:]
            return bytes(out)
    try:
        return base64.b85decode(raw)
    except ValueError as exc:
        raise DecodeError(f"{what}: corrupt base85 ({exc})") from exc


def utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"{what}: invalid UTF-8 at byte {exc.start}") from exc


def check_size(n: int, limits: Limits, what: str) -> None:
    if n > limits.max_decoded_bytes:
        raise LimitExceededError(f"{what}: decoded size over the limit of {limits.max_decoded_bytes} bytes")


def write_varints(ids: list[int]) -> bytes:
    """Unsigned LEB128 of each id, concatenated."""
    out = bytearray()
    append = out.append
    for n in ids:
        while n >= 0x80:
            append((n & 0x7F) | 0x80)
            n >>= 7
        append(n)
    return bytes(out)


def write_varint(n: int) -> bytes:
    """Unsigned LEB128 of one number (the frame and container headers of zstd, zstream, delta)."""
    return write_varints([n])


def read_varint(data: bytes, pos: int, what: str) -> tuple[int, int]:
    """(value, position after it) of the unsigned LEB128 number at ``data[pos]``."""
    value = shift = 0
    # Ten groups of seven bits hold any 64-bit value; more is garbage, not a longer number.
    for _ in range(10):
        if pos >= len(data):
            raise DecodeError(f"{what}: truncated header")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise DecodeError(f"{what}: header varint too long")


def read_varints(data: bytes, max_value: int, what: str) -> list[int]:
    ids: list[int] = []
    append = ids.append
    value = 0
    shift = 0
    for byte in data:
        if byte < 0x80 and shift == 0:
            value = byte
        else:
            value |= (byte & 0x7F) << shift
            if byte & 0x80:
                shift += 7
                if shift > 35:
                    raise DecodeError(f"{what}: varint longer than 5 bytes")
                continue
            shift = 0
        if value > max_value:
            raise DecodeError(f"{what}: token id {value} outside the vocabulary")
        append(value)
        value = 0
    if shift:
        raise DecodeError(f"{what}: truncated varint at the end")
    return ids


def brotli_decompress(data: bytes, limits: Limits, what: str) -> bytes:
    """Brotli stream -> bytes, never holding more than the size limit (plus one step)."""
    dec = brotli.Decompressor()
    parts: list[bytes] = []
    total = 0
    try:
        try:
            chunk = dec.process(data, output_buffer_limit=_BROTLI_STEP)
        except TypeError:  # brotli < 1.2 has no output limit: feed small inputs, check as we go
            return _brotli_decompress_old(dec, data, limits, what)
        while True:
            total += len(chunk)
            check_size(total, limits, what)
            parts.append(chunk)
            if dec.is_finished():
                break
            chunk = dec.process(b"", output_buffer_limit=_BROTLI_STEP)
            if not chunk:
                break
    except brotli.error as exc:
        raise DecodeError(f"{what}: corrupt brotli stream") from exc
    if not dec.is_finished():
        raise DecodeError(f"{what}: truncated brotli stream")
    return b"".join(parts)


def _brotli_decompress_old(dec: brotli.Decompressor, data: bytes, limits: Limits, what: str) -> bytes:
    parts: list[bytes] = []
    total = 0
    for start in range(0, len(data), 256):
        chunk = dec.process(data[start : start + 256])
        total += len(chunk)
        check_size(total, limits, what)
        parts.append(chunk)
    if not dec.is_finished():
        raise DecodeError(f"{what}: truncated brotli stream")
    return b"".join(parts)


def zstd_decompress(data: bytes, dctx: zstandard.ZstdDecompressor, limits: Limits, what: str) -> bytes:
    """One zstd frame with its content size in the header -> bytes, size checked before allocating."""
    try:
        size = zstandard.frame_content_size(data)
    except zstandard.ZstdError as exc:
        raise DecodeError(f"{what}: corrupt zstd frame header") from exc
    if size < 0:
        raise DecodeError(f"{what}: zstd frame without a content size")
    check_size(size, limits, what)
    try:
        return dctx.decompress(data, max_output_size=size, allow_extra_data=False)
    except zstandard.ZstdError as exc:
        raise DecodeError(f"{what}: corrupt or truncated zstd frame ({exc})") from exc
