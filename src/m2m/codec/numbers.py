"""Number literals of a JSON text, packed as binary, byte-exact.

Embeddings and logprobs are long arrays of floats printed as text: ``-0.006929283495992422`` is 21
bytes for the 4 bytes of a float32. :func:`split` takes every number literal outside strings out of
a text, leaving a marker byte (0xFF, which never occurs in UTF-8); the *skeleton* left behind (the
separators, the indentation, the keys) repeats and compresses to almost nothing. :func:`pack`
writes the literals in the smallest of these kinds that gives back exactly their text:

    kind  text                                stored
    0     repr() of a float32's value x       x (4 bytes)
    1     repr() of a float64 x               x (8 bytes)
    2     an integer                          zigzag, one fixed width for all of them
    3     f"{x:.{n}f}", x a float32           x and n (shortest float32, positional; n relative
                                              to the zeros after the point, as a zigzag varint)
    4     f"{x:.{p}e}", x a float32, the      x, p and the style (shortest float32 in scientific
          exponent in one of 8 styles         notation, as numpy, Go or Rust print it)
    5     any other decimal                   sign, digits as a varint, leading zeros, point,
                                              exponent letter, sign and digits
    6     anything else                       the text

and :func:`fill` puts them back. Every choice is verified on the encoding side: a literal takes a
kind only when the kind's formatter writes exactly that literal back.

Section layout (zstd-compressed as a whole when that is smaller)::

    mode:u8                  0 = body stored, 1 = body is a zstd frame (no magic, content size)
    body = count:varint kinds[count]
           len:varint f32[]  every float32 of kinds 0, 3, 4, as four byte planes (all first bytes,
                             then all second bytes, ...): sign and exponent bytes compress well apart
           len:varint f64[]  float64s of kind 1, eight byte planes
           width:u8 len:varint ints[]   zigzag integers of kind 2, `width` bytes each, in planes
           len:varint var[] varints of kinds 3, 4, 5, 6 in number order
           raw[]             the texts of kind 6 (the rest of the body)

Decoding is bounded: the declared size of the frame is checked first, every stream length is
checked against the kinds, and the text is rebuilt a window at a time with its size checked after
each, so the output never passes ``max_size`` by more than a window.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
import struct
from collections.abc import Iterator
from typing import Final

import orjson
import zstandard

from m2m.codec._wire import read_varint, write_varint
from m2m.errors import DecodeError, LimitExceededError

__all__ = ["MARK", "fill", "pack", "split"]

MARK: Final = 0xFF
_MARK_B: Final = b"\xff"
F32_REPR, F64_REPR, INT, F32_FIXED, F32_SCI, DECIMAL, RAW = range(7)
_KINDS: Final = 7
_F32_KINDS: Final = (F32_REPR, F32_FIXED, F32_SCI)
_VAR_KINDS: Final = (F32_FIXED, F32_SCI, DECIMAL, RAW)

# Strings first (a pattern that starts with a literal quote runs at memchr speed), then number
# literals in what lies between them. Outside valid JSON the split is still exact: whatever matches
# as a number is put back as it was (a malformed one as the raw kind).
_STRINGS: Final = re.compile(rb'("[^"\\]*(?:\\.[^"\\]*)*")')
# Starting with a character class lets the regex engine skip to candidates at C speed (twice as
# fast as an optional sign first); a lone "-" outside JSON strings is kept as a raw literal.
_LITERALS: Final = re.compile(rb"([-0-9][-+.0-9eE]*+)")
_GAP: Final = b"\xfe"  # joins the text between strings while it is searched; never in UTF-8
_DECIMAL_RE: Final = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?(?:([eE])([+-]?)([0-9]+))?")
# Shorter literals cost as little as a decimal or an integer ("0.5", "1.25"), which compress better
# than four bytes of float.
_MIN_FLOAT_LEN: Final = 8
# repr() of a float64 has at most 17 significant digits; below 16 the decimal kind is as small.
_MIN_F64_DIGITS: Final = 16
_F32_MAX: Final = 3.4028234663852886e38
# Bounds of the formatted kinds: a decoder refuses larger fields, the encoder never writes them.
_MAX_PRECISION: Final = 64
_MAX_DIGITS: Final = 64
_MAX_EXP_DIGITS: Final = 8
_MAX_VARINT_GROUPS: Final = 32
_EXP_SIGNS: Final = ("", "+", "-")
# 18 digits stay below 2**63: their zigzag form fits 64 bits.
_MAX_INT_DIGITS: Final = 18
# The body is compressed at this level: floats compress little, and level 3 is ~3x cheaper than 9
# for the same size on embeddings (measured).
_LEVEL: Final = 3
_FORMAT: Final = zstandard.FORMAT_ZSTD1_MAGICLESS
_MODE_STORED: Final = 0
_MODE_ZSTD: Final = 1
# pack() gives up (returns None) when the body would be larger than this many times the literals
# (a few small integers beside one huge one, all stored 8 bytes wide); fill() refuses such bodies.
_BODY_SHARE: Final = 2
_BODY_SLACK: Final = 64
# fill() rebuilds the text this many skeleton bytes at a time.
_WINDOW: Final = 16 * 1024


def split(raw: bytes) -> tuple[bytes, list[bytes]] | None:
    """(skeleton, literals): ``raw`` with each number literal outside strings replaced by MARK,
    and the literals in order; None when ``raw`` has no literal or holds a 0xFE or 0xFF byte."""
    if _MARK_B in raw or _GAP in raw:
        return None
    parts = _STRINGS.split(raw)
    pieces = _LITERALS.split(_GAP.join(parts[0::2]))
    literals = pieces[1::2]
    if not literals:
        return None
    parts[0::2] = _MARK_B.join(pieces[0::2]).split(_GAP)
    return b"".join(parts), literals


# -- encoding ----------------------------------------------------------------------------------


def _planes(data: bytes, width: int) -> bytes:
    if width == 1:
        return data
    out = bytearray(len(data))
    n = len(data) // width
    for i in range(width):
        out[i * n : (i + 1) * n] = data[i::width]
    return bytes(out)


def _to_f32(values: list[float]) -> list[float | None]:
    """Each value rounded to float32 (None where it does not fit), in C loops where possible."""
    n = len(values)
    try:
        return list(struct.unpack(f"<{n}f", struct.pack(f"<{n}f", *values)))
    except OverflowError:
        return [
            struct.unpack("<f", struct.pack("<f", v))[0] if abs(v) <= _F32_MAX or v != v else None
            for v in values
        ]


def _zeros(x: float) -> int:
    """Zeros between the point and the first digit of ``x`` (0 from 1 up, and for 0, inf, nan).

    Shortest positional texts have a few significant digits after these zeros, so the kind 3
    precision is stored relative to them (it compresses to a third). Taken from Python's correctly
    rounded formatting, the same on every platform, not from a libm log10.
    """
    text = f"{x:e}"
    at = text.find("e")
    exp = int(text[at + 1 :]) if at >= 0 else 0
    return -exp - 1 if exp < 0 else 0


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def _sci_style(text: str) -> int:
    """Exponent style of a literal: bit 0 upper-case E, bit 1 '+' on positive exponents, bit 2
    exponent padded to two digits (as C and Python print it)."""
    at = max(text.find("e"), text.find("E"))
    exp = text[at + 1 :]
    style = 1 if text[at] == "E" else 0
    if exp[0] == "+":
        style |= 2
    digits = exp.lstrip("+-")
    if len(digits) == 2 and digits[0] == "0":
        style |= 4
    return style


def _sci_text(value: float, precision: int, style: int) -> str:
    text = f"{value:.{precision}e}"
    if "e" not in text:  # nan, inf: a hostile section's, never the encoder's
        return text
    mantissa, exp = text.split("e")
    e = int(exp)
    sign = "-" if e < 0 else ("+" if style & 2 else "")
    digits = f"{abs(e):02d}" if style & 4 else str(abs(e))
    return mantissa + ("E" if style & 1 else "e") + sign + digits


def _decimal_fields(text: str) -> list[int] | None:
    """The varint fields of a decimal literal, or None when it is outside the decimal kind's bounds."""
    m = _DECIMAL_RE.fullmatch(text)
    if m is None:
        return None
    sign, whole, frac, letter, exp_sign, exp = m.groups()
    frac = frac or ""
    digits = whole + frac
    if len(digits) > _MAX_DIGITS or (exp is not None and len(exp) > _MAX_EXP_DIGITS):
        return None
    significant = digits.lstrip("0")
    # form: bit 0 sign; bits 1-3 exponent: 0 none, 1 + 3 * (letter E) + index of its sign
    form = 1 if sign else 0
    if letter is not None:
        form |= (1 + 3 * (letter == "E") + _EXP_SIGNS.index(exp_sign)) << 1
    fields = [form, int(significant) if significant else 0, len(digits) - len(significant), len(frac)]
    if letter is not None:
        fields += [int(exp), len(exp)]
    return fields


def _decimal_text(form: int, mantissa: int, lead: int, frac: int, exp: int, exp_len: int) -> str:
    digits = "0" * lead + (str(mantissa) if mantissa else "")
    whole = len(digits) - frac
    text = ("-" if form & 1 else "") + digits[:whole]
    if frac:
        text += "." + digits[whole:]
    kind = form >> 1
    if kind:
        kind -= 1
        text += ("E" if kind >= 3 else "e") + _EXP_SIGNS[kind % 3] + f"{exp:0{exp_len}d}"
    return text


def _int_ok(text: str) -> bool:
    """True for the canonical text of an integer that zigzag-encodes in 64 bits."""
    digits = text[1:] if text[:1] == "-" else text
    return (
        digits.isascii()
        and digits.isdigit()
        and len(digits) <= _MAX_INT_DIGITS
        and (digits[0] != "0" or text == "0")
    )


def _values(literals: list[bytes]) -> list[float]:
    """The float64 value of each literal (NaN where it is not a number), parsed in C when possible."""
    try:
        values: list[float] = orjson.loads(b"[" + b",".join(literals) + b"]")
        return values
    except orjson.JSONDecodeError:  # a malformed literal or an integer beyond 64 bits
        pass
    out = []
    for literal in literals:
        try:
            out.append(float(literal))
        except ValueError:
            out.append(math.nan)
    return out


def _reprs(values: list[float] | tuple[float, ...]) -> list[bytes]:
    """repr() of each float as bytes. orjson writes the same shortest digits and, where repr()
    uses no exponent, the same text (tested over millions of values), ten times faster; the
    others (tiny, huge, NaN) go through repr()."""
    if not values:
        return []
    tokens = orjson.dumps(values)[1:-1].split(b",")
    for i in [i for i, a in enumerate(map(abs, values)) if not 1e-4 <= a < 1e16]:  # NaN included
        tokens[i] = repr(values[i]).encode("ascii")
    return tokens


def pack(literals: list[bytes]) -> bytes | None:
    """The numbers section for ``literals`` (as :func:`split` returns them), or None when its body
    would be over twice their size (see _BODY_SHARE)."""
    n = len(literals)
    floats = _values(literals)
    f32 = _to_f32(floats)
    # The common case, in C loops: the literal is repr() of a float32 (OpenAI and vLLM embeddings).
    finite = [math.nan if x is None else x for x in f32] if None in f32 else f32
    same = map(bytes.__eq__, _reprs(finite), literals)  # type: ignore[arg-type]  # no None left
    long_enough = map(operator.ge, map(len, literals), itertools.repeat(_MIN_FLOAT_LEN))
    kinds = bytearray(map(operator.and_, same, long_enough)).translate(_FAST_KIND)
    f64: list[float] = []
    ints: list[int] = []
    var = bytearray()
    raw: list[bytes] = []
    for i in _positions(kinds, RAW):
        literal = literals[i]
        text = literal.decode("ascii")
        if _int_ok(text):
            kinds[i] = INT
            ints.append(int(text))
            continue
        value = float(floats[i])  # orjson gives integers for integer literals
        digits = len(text.lstrip("-0.").replace(".", "").split("e")[0].split("E")[0])
        if digits >= _MIN_F64_DIGITS and repr(value) == text:
            kinds[i] = F64_REPR
            f64.append(value)
            continue
        x = f32[i]
        if x is not None and math.isfinite(x) and len(text) >= _MIN_FLOAT_LEN:
            if "e" not in text and "E" not in text:
                precision = len(text) - text.find(".") - 1 if "." in text else 0
                if precision <= _MAX_PRECISION and f"{x:.{precision}f}" == text:
                    kinds[i] = F32_FIXED
                    var += write_varint(_zigzag(precision - _zeros(x)))
                    continue
            else:
                mantissa = text.split("e")[0].split("E")[0]
                precision = len(mantissa) - mantissa.find(".") - 1 if "." in mantissa else 0
                style = _sci_style(text)
                if precision <= _MAX_PRECISION and _sci_text(x, precision, style) == text:
                    kinds[i] = F32_SCI
                    var += write_varint(precision) + bytes([style])
                    continue
        fields = _decimal_fields(text)
        if fields is not None:
            kinds[i] = DECIMAL
            for f in fields:
                var += write_varint(f)
            continue
        var += write_varint(len(literal))
        raw.append(literal)
    f32_values = f32
    if kinds.count(F32_REPR) != n:
        f32_values = list(itertools.compress(f32, kinds.translate(_IS_F32)))
    body = bytearray(write_varint(n))
    body += kinds
    block = _planes(struct.pack(f"<{len(f32_values)}f", *f32_values), 4)
    body += write_varint(len(block)) + block
    block = _planes(struct.pack(f"<{len(f64)}d", *f64), 8)
    body += write_varint(len(block)) + block
    zigzag = [(v << 1) ^ (v >> 63) for v in ints]
    width = _width(max(zigzag, default=0))
    block = _planes(struct.pack(f"<{len(zigzag)}{_INT_FORMATS[width]}", *zigzag), width)
    body += bytes([width]) + write_varint(len(block)) + block
    body += write_varint(len(var)) + var
    body += b"".join(raw)
    if len(body) > _BODY_SHARE * sum(map(len, literals)) + _BODY_SLACK:
        return None
    params = zstandard.ZstdCompressionParameters.from_level(
        _LEVEL, format=_FORMAT, write_content_size=True, write_checksum=False, write_dict_id=False
    )
    frame = zstandard.ZstdCompressor(compression_params=params).compress(bytes(body))
    if len(frame) < len(body):
        return bytes([_MODE_ZSTD]) + frame
    return bytes([_MODE_STORED]) + body


_INT_FORMATS: Final = {1: "B", 2: "H", 4: "I", 8: "Q"}
_FAST_KIND: Final = bytes([RAW, F32_REPR]) + bytes(254)
_IS_F32: Final = bytes(int(k in _F32_KINDS) for k in range(256))


def _positions(data: bytearray, value: int) -> list[int]:
    """Indices of ``value`` in ``data`` (few, usually): found by the C search, not a Python loop."""
    out = []
    i = data.find(value)
    while i >= 0:
        out.append(i)
        i = data.find(value, i + 1)
    return out


def _width(top: int) -> int:
    for width in (1, 2, 4):
        if top < 1 << (8 * width):
            return width
    return 8


# -- decoding ----------------------------------------------------------------------------------


class _Planes:
    """``n`` values of ``width`` bytes stored as byte planes in ``body``; read a run at a time, so
    the block is never copied whole."""

    __slots__ = ("body", "n", "start", "width")

    def __init__(self, body: bytes, pos: int, n: int, width: int) -> None:
        size, pos = read_varint(body, pos, "zstd")
        if size != n * width or pos + size > len(body):
            raise DecodeError("zstd: number stream length does not match its kinds")
        self.body, self.start, self.n, self.width = body, pos, n, width

    @property
    def end(self) -> int:
        return self.start + self.n * self.width

    def take(self, index: int, count: int) -> bytes:
        out = bytearray(count * self.width)
        for p in range(self.width):
            at = self.start + p * self.n + index
            out[p :: self.width] = self.body[at : at + count]
        return bytes(out)


class _Streams:
    """The parsed body: kinds and the streams, with a cursor into each."""

    __slots__ = (
        "body",
        "count",
        "f32",
        "f64",
        "i32",
        "i64",
        "iint",
        "int_format",
        "ints",
        "kinds_at",
        "raw",
        "raw_pos",
        "var",
        "var_pos",
    )

    def __init__(self, body: bytes, count: int, pos: int) -> None:
        if pos + count > len(body):
            raise DecodeError("zstd: truncated number kinds")
        self.body, self.count, self.kinds_at = body, count, pos
        counts = [body.count(bytes([k]), pos, pos + count) for k in range(_KINDS)]
        if sum(counts) != count:
            raise DecodeError("zstd: corrupt number kinds")
        pos += count
        self.f32 = _Planes(body, pos, sum(counts[k] for k in _F32_KINDS), 4)
        self.f64 = _Planes(body, self.f32.end, counts[F64_REPR], 8)
        pos = self.f64.end
        if pos >= len(body) or body[pos] not in _INT_FORMATS:
            raise DecodeError("zstd: corrupt number stream")
        self.int_format = _INT_FORMATS[body[pos]]
        self.ints = _Planes(body, pos + 1, counts[INT], body[pos])
        size, pos = read_varint(body, self.ints.end, "zstd")
        self.var = body[pos : pos + size]
        if len(self.var) != size:
            raise DecodeError("zstd: truncated number stream")
        self.raw = body[pos + size :]
        self.i32 = self.i64 = self.iint = self.var_pos = self.raw_pos = 0

    def varint(self) -> int:
        # A decimal's digits (up to _MAX_DIGITS) need up to 31 groups of 7 bits; more is garbage.
        value = shift = 0
        var, pos = self.var, self.var_pos
        for _ in range(_MAX_VARINT_GROUPS):
            if pos >= len(var):
                raise DecodeError("zstd: truncated number stream")
            byte = var[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                self.var_pos = pos
                return value
            shift += 7
        raise DecodeError("zstd: number varint too long")

    def texts(self, start: int, count: int) -> list[bytes]:
        at = self.kinds_at + start
        kinds = self.body[at : at + count]
        n32 = kinds.count(F32_REPR) + kinds.count(F32_FIXED) + kinds.count(F32_SCI)
        f32 = struct.unpack(f"<{n32}f", self.f32.take(self.i32, n32))
        self.i32 += n32
        if kinds.count(F32_REPR) == count:
            return _reprs(f32)
        n64 = kinds.count(F64_REPR)
        f64 = struct.unpack(f"<{n64}d", self.f64.take(self.i64, n64))
        self.i64 += n64
        nint = kinds.count(INT)
        ints = struct.unpack(f"<{nint}{self.int_format}", self.ints.take(self.iint, nint))
        self.iint += nint
        it32, it64, itint = iter(f32), iter(f64), iter(ints)
        reprs32 = _reprs(f32)
        if n32 == kinds.count(F32_REPR) and 8 * (count - n32) <= count:
            # Floats with a few others among them (an embedding and its index): the floats' texts
            # in one go, the others put in between.
            others = [i for i, kind in enumerate(kinds) if kind != F32_REPR]
            for i in others:
                reprs32.insert(i, self._other(kinds[i], it64, itint, it32))
            return reprs32
        reprs = iter(reprs32)
        out: list[bytes] = []
        append = out.append
        for kind in kinds:
            if kind == F32_REPR:
                next(it32)
                append(next(reprs))
                continue
            if kind in _F32_KINDS:
                next(reprs)
            append(self._other(kind, it64, itint, it32))
        return out

    def _other(self, kind: int, it64: Iterator[float], itint: Iterator[int], it32: Iterator[float]) -> bytes:
        if kind == INT:
            z = next(itint)
            return b"%d" % ((z >> 1) ^ -(z & 1))
        if kind == F64_REPR:
            return repr(next(it64)).encode("ascii")
        return self._formatted(kind, it32).encode("ascii")

    def _formatted(self, kind: int, it32: Iterator[float]) -> str:
        if kind == F32_FIXED:
            x = next(it32)
            z = self.varint()
            precision = _zeros(x) + ((z >> 1) ^ -(z & 1))
            if not 0 <= precision <= _MAX_PRECISION:
                raise DecodeError("zstd: number precision out of range")
            return f"{x:.{precision}f}"
        if kind == F32_SCI:
            precision = self.varint()
            if precision > _MAX_PRECISION or self.var_pos >= len(self.var) or self.var[self.var_pos] > 7:
                raise DecodeError("zstd: number precision or style out of range")
            style = self.var[self.var_pos]
            self.var_pos += 1
            return _sci_text(next(it32), precision, style)
        if kind == DECIMAL:
            form = self.varint()
            if form >= 14:
                raise DecodeError("zstd: corrupt decimal form")
            mantissa = self.varint()
            lead, frac = self.varint(), self.varint()
            exp = exp_len = 0
            if form >> 1:
                exp, exp_len = self.varint(), self.varint()
            if (
                mantissa.bit_length() > 4 * _MAX_DIGITS
                or lead > _MAX_DIGITS
                or exp_len > _MAX_EXP_DIGITS
                or exp.bit_length() > 4 * _MAX_EXP_DIGITS
            ):
                raise DecodeError("zstd: decimal out of range")
            digits = lead + (len(str(mantissa)) if mantissa else 0)
            if not 0 <= frac < digits or (form >> 1 and not exp_len):
                raise DecodeError("zstd: corrupt decimal")
            return _decimal_text(form, mantissa, lead, frac, exp, exp_len)
        size = self.varint()
        data = self.raw[self.raw_pos : self.raw_pos + size]
        if len(data) != size:
            raise DecodeError("zstd: truncated number text")
        self.raw_pos += size
        if not data.isascii():
            raise DecodeError("zstd: number text is not ASCII")
        return data.decode("ascii")

    def finish(self) -> None:
        if self.i32 != self.f32.n or self.i64 != self.f64.n or self.iint != self.ints.n:
            raise DecodeError("zstd: number streams longer than their kinds")
        if self.var_pos != len(self.var) or self.raw_pos != len(self.raw):
            raise DecodeError("zstd: trailing bytes in the number streams")


def _body(section: bytes, max_size: int) -> bytes:
    if not section:
        raise DecodeError("zstd: empty number section")
    mode, data = section[0], section[1:]
    if mode == _MODE_STORED:
        return data
    if mode != _MODE_ZSTD:
        raise DecodeError(f"zstd: unknown number section mode {mode}")
    try:
        size = zstandard.get_frame_parameters(data, format=_FORMAT).content_size
    except zstandard.ZstdError:
        raise DecodeError("zstd: corrupt number section frame") from None
    if size == zstandard.CONTENTSIZE_UNKNOWN or size == 0:
        raise DecodeError("zstd: number section frame without a content size")
    # pack() keeps a body within this share of its literals' size, and the literals are part of
    # the output: a larger body is refused before it is decompressed.
    if size > _BODY_SHARE * max_size + _BODY_SLACK:
        raise LimitExceededError(f"zstd: decoded size over the limit of {max_size} bytes")
    try:
        body: bytes = zstandard.ZstdDecompressor(format=_FORMAT).decompress(
            data, max_output_size=size, allow_extra_data=False
        )
    except zstandard.ZstdError as exc:
        raise DecodeError(f"zstd: corrupt number section ({exc})") from None
    return body


def fill(skeleton: bytes, section: bytes, max_size: int) -> bytes:
    """``skeleton`` with each MARK replaced by its literal from ``section``; LimitExceededError as
    soon as the text passes ``max_size`` bytes."""
    body = _body(section, max_size)
    count, pos = read_varint(body, 0, "zstd")
    if count != skeleton.count(_MARK_B):
        raise DecodeError("zstd: number count does not match the text")
    if len(skeleton) > max_size:  # every literal is at least as long as its marker
        raise LimitExceededError(f"zstd: decoded size over the limit of {max_size} bytes")
    streams = _Streams(body, count, pos)
    # Windows of output are kept apart and joined once at the end: growing one buffer would copy
    # it on every resize, doubling the peak just when the output nears the limit.
    out: list[bytes] = []
    size = 0
    carry = b""
    done = 0
    for start in range(0, len(skeleton), _WINDOW):
        parts = skeleton[start : start + _WINDOW].split(_MARK_B)
        parts[0] = carry + parts[0]
        carry = parts.pop()
        if parts:
            texts = streams.texts(done, len(parts))
            done += len(parts)
            pieces: list[bytes] = [b""] * (2 * len(parts))
            pieces[0::2] = parts
            pieces[1::2] = texts
            chunk = b"".join(pieces)
            out.append(chunk)
            size += len(chunk)
        if size + len(carry) > max_size:
            raise LimitExceededError(f"zstd: decoded size over the limit of {max_size} bytes")
    out.append(carry)
    streams.finish()
    return b"".join(out)
