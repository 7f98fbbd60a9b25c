"""HTTP heads (header lists) in a compact binary form, for the tunnel between two m2m peers.

    encode_head(headers) -> bytes
    decode_head(data, *, max_fields, max_bytes) -> headers
    encode_head_text(headers) -> str          (base64url without padding: an HTTP header value)
    decode_head_text(text, *, max_fields, max_bytes) -> headers

``headers`` is a list of ``(name, value)`` byte pairs. Names come back lower-case (HTTP names are
case-insensitive; encoding lower-cases them); values, order and duplicates come back exactly.
Pseudo-header names (``:status``) are allowed. A name must be an RFC 9110 token and a value must
hold no control character but HTAB, so a decoded head can always be sent on as header fields.

Wire form, version 1::

    head    = u8 (version << 4 | mode)     version 1; mode 0 = body stored, 1 = body zstd
    body    = size:varint bytes            stored, or one zstd frame without magic (content size
                                           in its header) made with the version-1 raw-content
                                           dictionary (:func:`dictionary`)
    packed  = the rest: one big-endian integer holding every cut-out value piece (below)

    fields  = count:varint name-code* value*     all names first, then all values
    name-code = 2 * i + 1                  name i of the static table (m2m.codec._head_dict.NAMES)
              | 2 * n, then n bytes        a literal name
    value   = size:varint bytes

The expensive parts of a head are random: ids, cookie values, timestamps, dates. zstd would keep
them as 8-bit literals and break its dictionary matches around them. They are cut out of the
values and the value keeps a control-byte marker (control bytes never occur in a valid value):

    01 <alphabet> <length>    a run of characters, stored as base-|alphabet| digits (hex at 4 bits
                              a character, base64-like at 6, decimal at 3.3)
    02                        an IMF-fixdate ("Tue, 25 Nov 2025 09:40:34 GMT", RFC 9110 5.6.7),
                              stored as seconds since 1970
    03                        a cookie date with a two-digit year ("Tue, 25-Nov-25 10:10:34 GMT")

All cut-out pieces form one mixed-radix integer (first piece most significant), so no piece pays
for rounding to whole bytes; its byte length follows from the markers and is checked exactly. With
markers in place, the rest of a typical head matches the dictionary in long runs.

A typical 1.3 KB OpenAI response head (two Cloudflare cookies) takes ~240 bytes, most of which are
the random ids and cookies. Decoding is bounded before anything is allocated: the frame's declared
size, the field count and every length are checked against the limits first.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import re
from collections.abc import Iterator
from typing import Final

import zstandard

from m2m.codec import _head_dict
from m2m.codec._wire import read_varint, write_varint
from m2m.errors import CodecError, DecodeError, LimitExceededError

__all__ = [
    "HEAD_VERSION",
    "decode_head",
    "decode_head_text",
    "dictionary",
    "encode_head",
    "encode_head_text",
]

Headers = list[tuple[bytes, bytes]]

HEAD_VERSION: Final = 1
_MODE_STORED: Final = 0
_MODE_ZSTD: Final = 1
# Measured on typical heads: level 9 is within 4 bytes of 19 at a twentieth of the time (~25 us).
_LEVEL: Final = 9
_FORMAT: Final = zstandard.FORMAT_ZSTD1_MAGICLESS
# RFC 9110 section 5.6.2 token characters, lower-case only; an optional leading ':' for the
# pseudo-header fields of HTTP/2 and HTTP/3.
_NAME_RE: Final = re.compile(rb":?[!#$%&'*+\-.^_`|~0-9a-z]+")
# RFC 9110 section 5.5: no control characters in a field value except HTAB.
_VALUE_BAD_RE: Final = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
# Per field the body adds at most a name code and a value size (two 10-byte varints), plus the
# count; a frame declaring more than this for the limits is refused unread.
_FIELD_OVERHEAD: Final = 20
_COUNT_OVERHEAD: Final = 10
# The HTTP status to report for a head over the limits (RFC 6585: Request Header Fields Too Large).
_TOO_LARGE_STATUS: Final = 431

_NAME_CODES: Final = {name.encode("ascii"): 2 * i + 1 for i, name in enumerate(_head_dict.NAMES)}
_CODE_NAMES: Final = tuple(name.encode("ascii") for name in _head_dict.NAMES)

_RUN: Final = 1
_IMF_DATE: Final = 2
_COOKIE_DATE: Final = 3
_MARKERS: Final = re.compile(rb"[\x01-\x03]")
_ALPHABETS: Final = (
    b"0123456789",
    b"0123456789abcdef",
    b"0123456789ABCDEF",
    b"0123456789abcdefghijklmnopqrstuvwxyz",
    # In base64's digit order, so a run converts with the C base64 codec (_ for +, . for /).
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.",
)
_DECIMAL, _HEX, _HEX_UPPER, _LOWER, _WIDE = range(len(_ALPHABETS))
_TO_B64: Final = bytes.maketrans(b"_.", b"+/")
_FROM_B64: Final = bytes.maketrans(b"+/", b"_.")
# A value keeps at most this many cut-out pieces (the rest stays text): it bounds the decoder's
# big-integer work to a few divisions per field.
_MAX_PIECES: Final = 16
# Seconds since 1970 up to the year 2514: every date an HTTP head carries.
_DATE_RADIX: Final = 1 << 34
_RUN_MIN: Final = 8
_RUN_RE: Final = re.compile(rb"[0-9A-Za-z_.]{8,}")
# Shorter mixed runs are as likely words or versions as ids and save little; shorter digit runs
# (inside values) are mostly constants (ports, max-age) the dictionary matches for free. A value
# that is a number as a whole (counters, lengths, timings) is always cut out.
_MIN_MIXED: Final = 12
_MIN_DIGITS: Final = 10
_MAX_RUN: Final = 255  # one length byte; longer runs are cut in pieces
_HAS_DIGIT: Final = re.compile(rb"[0-9]")
# A short word and an underscore before an id (req_, proj_, msg_, call_): the word is common text.
_ID_PREFIX: Final = re.compile(rb"[A-Za-z]{1,10}_(?=[0-9A-Za-z])")
_HAS_LETTER: Final = re.compile(rb"[A-Za-z]")
_DAYS: Final = (b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun")
_MONTHS: Final = (
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"
)  # fmt: skip
_DATE_RE: Final = re.compile(
    rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d([ -])(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    rb"[ -]\d{2,4} \d\d:\d\d:\d\d GMT"
)
_UTC: Final = datetime.UTC


def _format_date(seconds: int, cookie: bool) -> bytes:
    t = datetime.datetime.fromtimestamp(seconds, _UTC)
    day, month = _DAYS[t.weekday()], _MONTHS[t.month - 1]
    if cookie:
        return b"%s, %02d-%s-%02d %02d:%02d:%02d GMT" % (
            day, t.day, month, t.year % 100, t.hour, t.minute, t.second
        )  # fmt: skip
    return b"%s, %02d %s %04d %02d:%02d:%02d GMT" % (day, t.day, month, t.year, t.hour, t.minute, t.second)


def _parse_date(text: bytes, cookie: bool) -> int | None:
    """Seconds since 1970 for a date that :func:`_format_date` writes back exactly, else None."""
    try:
        day = int(text[5:7])
        month = _MONTHS.index(text[8:11]) + 1
        year = 2000 + int(text[12:14]) if cookie else int(text[12:16])
        rest = text[15:] if cookie else text[17:]
        hour, minute, second = int(rest[0:2]), int(rest[3:5]), int(rest[6:8])
        when = datetime.datetime(year, month, day, hour, minute, second, tzinfo=_UTC)
    except ValueError:
        return None
    seconds = int(when.timestamp())
    if not 0 <= seconds < _DATE_RADIX or _format_date(seconds, cookie) != text:
        return None
    return seconds


def _alphabet_of(run: bytes, whole: bool) -> int | None:
    """The alphabet a run is cut out in, or None when it stays in the text."""
    if run.isdigit():
        return _DECIMAL if whole or len(run) >= _MIN_DIGITS else None
    if len(run) < _MIN_MIXED or _HAS_DIGIT.search(run) is None or _HAS_LETTER.search(run) is None:
        return None  # words, host names, dotted versions: the dictionary does better
    # Fixed choices per kind of run keep the marker the same as in the dictionary's samples.
    for alphabet in (_HEX, _HEX_UPPER, _LOWER):
        if not run.translate(None, _ALPHABETS[alphabet]):
            return alphabet
    return _WIDE if not run.translate(None, _ALPHABETS[_WIDE]) else None


def _run_value(run: bytes, alphabet: int) -> int:
    if alphabet == _WIDE:
        pad = -len(run) % 4  # leading zero digits ("A") do not change the value
        return int.from_bytes(base64.b64decode(b"A" * pad + run.translate(_TO_B64)), "big")
    return int(run, len(_ALPHABETS[alphabet]))


class _Cutter:
    """Cuts the random pieces out of values, accumulating them as one mixed-radix integer."""

    __slots__ = ("number", "pieces")

    def __init__(self) -> None:
        self.number = 0
        self.pieces = 0

    def _add(self, radix: int, value: int) -> None:
        self.number = self.number * radix + value
        self.pieces += 1

    def _runs(self, value: bytes, out: bytearray) -> None:
        if value.isdigit() and len(value) <= _MAX_RUN and self.pieces < _MAX_PIECES:
            out += bytes((_RUN, _DECIMAL, len(value)))
            self._add(10 ** len(value), int(value))
            return
        last = 0
        for m in _RUN_RE.finditer(value):
            run, start = m.group(), m.start()
            prefix = _ID_PREFIX.match(run)
            if prefix is not None:  # "req_", "proj_": the word stays text, the id is cut out
                run, start = run[prefix.end() :], start + prefix.end()
            alphabet = _alphabet_of(run, False)
            if alphabet is None or self.pieces + -(-len(run) // _MAX_RUN) > _MAX_PIECES:
                continue
            out += value[last:start]
            last = m.end()
            base = len(_ALPHABETS[alphabet])
            for start in range(0, len(run), _MAX_RUN):
                piece = run[start : start + _MAX_RUN]
                out += bytes((_RUN, alphabet, len(piece)))
                self._add(base ** len(piece), _run_value(piece, alphabet))
        out += value[last:]

    def cut(self, value: bytes) -> bytes:
        self.pieces = 0
        if len(value) < _RUN_MIN and not value.isdigit():
            return value  # no date, no run: most constant values
        out = bytearray()
        last = 0
        if b" GMT" in value:
            for m in _DATE_RE.finditer(value):
                cookie = m.group(1) == b"-"
                seconds = _parse_date(m.group(), cookie)
                if seconds is None:
                    continue
                self._runs(value[last : m.start()], out)
                last = m.start()
                if self.pieces < _MAX_PIECES:
                    out.append(_COOKIE_DATE if cookie else _IMF_DATE)
                    self._add(_DATE_RADIX, seconds)
                    last = m.end()
        self._runs(value[last:], out)
        return bytes(out)


def _serialize(headers: Headers, cutter: _Cutter) -> bytes:
    # All names first, then all values: the names of a typical head match a sample of the
    # dictionary as one long run.
    out = bytearray(_varint(len(headers)))
    for name, _ in headers:
        code = _NAME_CODES.get(name)
        if code is None:
            out += _varint(2 * len(name))
            out += name
        else:
            out += _varint(code)
    for _, value in headers:
        value = cutter.cut(value)
        out += _varint(len(value))
        out += value
    return bytes(out)


_ONE_BYTE: Final = tuple(bytes([n]) for n in range(128))


def _varint(n: int) -> bytes:
    return _ONE_BYTE[n] if n < 128 else write_varint(n)


@functools.cache
def dictionary() -> bytes:
    """The raw-content zstd dictionary of version 1, built from the frozen samples."""
    return b"".join(
        _serialize([(n.encode("ascii"), v.encode("latin-1")) for n, v in sample], _Cutter())
        for sample in _head_dict.SAMPLES
    )


def _params() -> zstandard.ZstdCompressionParameters:
    return zstandard.ZstdCompressionParameters.from_level(
        _LEVEL, format=_FORMAT, write_content_size=True, write_checksum=False, write_dict_id=False
    )


@functools.cache
def _zdict() -> zstandard.ZstdCompressionDict:
    zdict = zstandard.ZstdCompressionDict(dictionary(), dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    zdict.precompute_compress(compression_params=_params())
    return zdict


def _checked(headers: Headers) -> Headers:
    out: Headers = []
    for name, value in headers:
        if not isinstance(name, bytes | bytearray) or not isinstance(value, bytes | bytearray):
            raise CodecError("head: header names and values must be bytes")
        lower = bytes(name).lower()
        if _NAME_RE.fullmatch(lower) is None:
            raise CodecError(f"head: invalid header name {bytes(name)[:40]!r}")
        if _VALUE_BAD_RE.search(value) is not None:
            raise CodecError(f"head: control character in the value of {lower.decode('ascii')}")
        out.append((lower, bytes(value)))
    return out


def encode_head(headers: Headers) -> bytes:
    """The binary form of a header list (names lower-cased, everything else kept)."""
    cutter = _Cutter()
    raw = _serialize(_checked(headers), cutter)
    # A compressor is not thread-safe: a fresh one per call (the dictionary is prepared once).
    frame = zstandard.ZstdCompressor(dict_data=_zdict(), compression_params=_params()).compress(raw)
    mode, body = (_MODE_ZSTD, frame) if len(frame) < len(raw) else (_MODE_STORED, raw)
    packed = cutter.number.to_bytes((cutter.number.bit_length() + 7) // 8, "big")
    return b"".join((bytes([HEAD_VERSION << 4 | mode]), write_varint(len(body)), body, packed))


def _too_large(message: str) -> LimitExceededError:
    return LimitExceededError(f"head: {message}", status=_TOO_LARGE_STATUS)


def _max_raw(max_fields: int, max_bytes: int) -> int:
    return max_bytes + _FIELD_OVERHEAD * max_fields + _COUNT_OVERHEAD


def _inflate(frame: bytes, max_raw: int) -> bytes:
    try:
        params = zstandard.get_frame_parameters(frame, format=_FORMAT)
    except zstandard.ZstdError:
        raise DecodeError("head: corrupt zstd frame header") from None
    size = params.content_size
    if size == zstandard.CONTENTSIZE_UNKNOWN or size == 0:
        raise DecodeError("head: zstd frame without a content size")
    if size > max_raw:
        raise _too_large(f"declared size {size} over the limit")
    dctx = zstandard.ZstdDecompressor(dict_data=_zdict(), format=_FORMAT)
    try:
        raw = dctx.decompress(frame, max_output_size=size, allow_extra_data=False)
    except zstandard.ZstdError as exc:
        raise DecodeError(f"head: corrupt or truncated zstd frame ({exc})") from None
    if len(raw) != size:
        raise DecodeError("head: zstd frame shorter than its declared size")
    return raw


def _pieces(value: bytes) -> Iterator[tuple[int, int, int, int]]:
    """(start, end, kind, length) of each marker in a serialized value, in order; ``kind`` is the
    alphabet of a run, ``length`` the decoded size."""
    m = _MARKERS.search(value)
    while m is not None:
        pos = m.start()
        marker = value[pos]
        if marker == _RUN:
            # The alphabet and length bytes may look like markers themselves: skip them.
            if pos + 3 > len(value) or value[pos + 1] >= len(_ALPHABETS) or not value[pos + 2]:
                raise DecodeError("head: malformed run marker")
            yield pos, pos + 3, value[pos + 1], value[pos + 2]
            m = _MARKERS.search(value, pos + 3)
        else:
            yield pos, pos + 1, marker, 27 if marker == _COOKIE_DATE else 29
            m = _MARKERS.search(value, pos + 1)


_Piece = tuple[int, int, int, int]


def _radices(value: bytes, pieces: list[_Piece]) -> list[int]:
    return [
        len(_ALPHABETS[kind]) ** length if value[start] == _RUN else _DATE_RADIX
        for start, _, kind, length in pieces
    ]


def _split_number(packed: bytes, values: list[tuple[bytes, list[_Piece]]]) -> list[int]:
    """The integer of each value's pieces, first value with pieces to last."""
    n = int.from_bytes(packed, "big")
    if len(packed) != (n.bit_length() + 7) // 8:
        raise DecodeError("head: packed pieces not in their shortest form")
    parts: list[int] = []
    for value, pieces in reversed(values):
        if pieces:
            radix = 1
            for r in _radices(value, pieces):
                radix *= r
            n, part = divmod(n, radix)
            parts.append(part)
    if n:
        raise DecodeError("head: packed pieces do not match their markers")
    parts.reverse()
    return parts


def _spell(n: int, alphabet: int, length: int) -> bytes:
    if alphabet == _WIDE:
        size = -(-length * 6 // 8)
        b64 = base64.b64encode(n.to_bytes(-(-size // 3) * 3, "big")).translate(_FROM_B64)
        return b64[len(b64) - length :]
    if alphabet == _DECIMAL:
        return b"%0*d" % (length, n)
    if alphabet == _HEX:
        return b"%0*x" % (length, n)
    if alphabet == _HEX_UPPER:
        return b"%0*X" % (length, n)
    digits = _ALPHABETS[alphabet]
    out = bytearray(length)
    for i in range(length - 1, -1, -1):
        n, d = divmod(n, 36)
        out[i] = digits[d]
    return bytes(out)


def _expand(value: bytes, pieces: list[_Piece], n: int) -> bytes:
    """``value`` with its pieces spelled out from ``n`` (the mixed-radix integer of its pieces)."""
    digits: list[int] = []
    for radix in reversed(_radices(value, pieces)):
        n, digit = divmod(n, radix)
        digits.append(digit)
    digits.reverse()
    out = bytearray()
    last = 0
    for (start, end, kind, length), digit in zip(pieces, digits, strict=True):
        out += value[last:start]
        if value[start] == _RUN:
            out += _spell(digit, kind, length)
        else:
            out += _format_date(digit, value[start] == _COOKIE_DATE)
        last = end
    out += value[last:]
    return bytes(out)


def _read(raw: bytes, pos: int) -> tuple[int, int]:
    if pos < len(raw) and raw[pos] < 0x80:  # nearly every code and size: one byte
        return raw[pos], pos + 1
    return read_varint(raw, pos, "head")


def _parse(raw: bytes, packed: bytes, max_fields: int, max_bytes: int) -> Headers:
    count, pos = read_varint(raw, 0, "head")
    if count > max_fields:
        raise _too_large(f"{count} fields, over the limit of {max_fields}")
    # Every field takes at least two bytes (name code and value size): a count beyond that is
    # garbage, found before any list is built for it.
    if 2 * count > len(raw) - pos:
        raise DecodeError("head: field count larger than the data")
    names: list[bytes] = []
    total = 0
    for _ in range(count):
        code, pos = _read(raw, pos)
        if code & 1:
            index = code >> 1
            if index >= len(_CODE_NAMES):
                raise DecodeError(f"head: unknown static name {index}")
            name = _CODE_NAMES[index]
        else:
            end = pos + (code >> 1)
            if code == 0 or end > len(raw):
                raise DecodeError("head: truncated or empty header name")
            name = raw[pos:end]
            pos = end
            if _NAME_RE.fullmatch(name) is None:
                raise DecodeError(f"head: invalid header name {name[:40]!r}")
        total += len(name)
        names.append(name)
    values: list[tuple[bytes, list[_Piece]]] = []
    for _ in names:
        size, pos = _read(raw, pos)
        end = pos + size
        if end > len(raw):
            raise DecodeError("head: truncated header value")
        value = raw[pos:end]
        pos = end
        # The decoded size of each value is known from its markers before anything is built.
        pieces = list(_pieces(value)) if _MARKERS.search(value) else []
        if len(pieces) > _MAX_PIECES:
            raise DecodeError("head: too many pieces in one value")
        total += size + sum(length - (e - s) for s, e, _, length in pieces)
        if total > max_bytes:
            raise _too_large(f"more than {max_bytes} bytes of names and values")
        values.append((value, pieces))
    if pos != len(raw):
        raise DecodeError("head: trailing bytes after the last field")
    parts = iter(_split_number(packed, values))
    out: Headers = []
    for name, (value, pieces) in zip(names, values, strict=True):
        if pieces:
            value = _expand(value, pieces, next(parts))
        if _VALUE_BAD_RE.search(value) is not None:
            raise DecodeError(f"head: control character in the value of {name.decode('ascii')}")
        out.append((name, value))
    return out


def decode_head(data: bytes, *, max_fields: int, max_bytes: int) -> Headers:
    """The header list of ``data``; at most ``max_fields`` fields and ``max_bytes`` bytes of names
    and values (LimitExceededError, status 431, beyond), DecodeError for anything malformed."""
    data = bytes(data)
    if not data:
        raise DecodeError("head: empty")
    version, mode = data[0] >> 4, data[0] & 0x0F
    if version != HEAD_VERSION:
        raise DecodeError(f"head: unsupported version {version}")
    if mode not in (_MODE_STORED, _MODE_ZSTD):
        raise DecodeError(f"head: unknown mode {mode}")
    max_raw = _max_raw(max_fields, max_bytes)
    size, pos = read_varint(data, 1, "head")
    if pos + size > len(data):
        raise DecodeError("head: truncated")
    body, packed = data[pos : pos + size], data[pos + size :]
    # Packed pieces are never larger than the characters they stand for.
    if len(packed) > max_bytes:
        raise _too_large("packed pieces over the limit")
    if mode == _MODE_STORED:
        if len(body) > max_raw:
            raise _too_large("stored head over the limit")
        raw = body
    else:
        raw = _inflate(body, max_raw)
    return _parse(raw, packed, max_fields, max_bytes)


def encode_head_text(headers: Headers) -> str:
    """:func:`encode_head` as base64url without padding (RFC 4648 section 5): a valid header value."""
    return base64.urlsafe_b64encode(encode_head(headers)).rstrip(b"=").decode("ascii")


_B64URL_RE: Final = re.compile(r"[A-Za-z0-9_-]*")


def decode_head_text(text: str | bytes, *, max_fields: int, max_bytes: int) -> Headers:
    """The header list of an :func:`encode_head_text` value."""
    raw_text = text.encode("latin-1", "replace") if isinstance(text, str) else bytes(text)
    # Compressed or stored, the binary form is never much larger than its fields.
    if len(raw_text) * 3 // 4 > _max_raw(max_fields, max_bytes) + max_bytes + 16:
        raise _too_large("encoded head over the limit")
    try:
        ascii_text = raw_text.decode("ascii")
    except UnicodeDecodeError:
        raise DecodeError("head: text form is not ASCII") from None
    if _B64URL_RE.fullmatch(ascii_text) is None or len(ascii_text) % 4 == 1:
        raise DecodeError("head: text form is not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(ascii_text + "=" * (-len(ascii_text) % 4))
    except (binascii.Error, ValueError):
        raise DecodeError("head: corrupt base64url") from None
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii") != ascii_text:
        raise DecodeError("head: non-canonical base64url")
    return decode_head(data, max_fields=max_fields, max_bytes=max_bytes)
