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
                                              to the zeros after the point, one zigzag byte)
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
           len:varint fixed[]   one byte per kind 3: zigzag(n - zeros after the point of x)
           len:varint sci[]     two bytes per kind 4: p, style
           len:varint dec[]     varints per kind 5: form, digits, leading zeros, digits after
                                the point[, exponent, exponent digits]
           len:varint lens[]    varints: the length of each kind 6 text
           raw[]                the texts of kind 6 (the rest of the body)

Each kind has its own stream, so the texts of a run of numbers are made kind by kind, mostly in C
loops (an embedding of 1536 floats takes ~1 ms each way).

Decoding is bounded: the declared size of the frame is checked first, every stream length is
checked against the kinds, and the text is rebuilt a window at a time with its size checked after
each, so the output never passes ``max_size`` by more than a window.
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
import re
import struct
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


def _zeros_of(values: list[float] | tuple[float, ...]) -> list[int]:
    """How many of 10**-1 .. 10**-45 are above each |x|: the zeros between the point and the first
    digit of x (0 from 0.1 up). Shortest positional texts have a few significant digits after
    these zeros, so the kind 3 precision is stored relative to this count (it then compresses to a
    third). Any fixed rule would decode right; this one is a C-speed bisection over float literals,
    the same on every platform (NaN counts 0)."""
    top = len(_POWERS)
    return [top - k for k in map(bisect.bisect_right, itertools.repeat(_POWERS), map(abs, values))]


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


def _fixed_texts(values: list[float] | tuple[float, ...], precisions: list[int]) -> list[bytes]:
    return list(map(str.encode, map("{:.{}f}".format, values, precisions)))


def _fixed(literals: list[bytes], values: list[float], candidates: list[int]) -> tuple[list[int], bytes]:
    """The candidates that are f"{x:.{n}f}" of their float32 x (``values``: NaN where a literal
    has none), and their kind-3 stream; in C loops but for one comprehension per step."""
    if not candidates:
        return [], b""
    lits = [literals[i] for i in candidates]
    xs = [values[i] for i in candidates]
    # n = digits after the point, 0 when there is none (integers are the integer kind's) or n is too
    # large; a literal with an exponent never matches a fixed-point text.
    precisions = [
        len(lit) - dot - 1 if dot >= 0 and len(lit) - dot - 1 <= _MAX_PRECISION else 0
        for lit, dot in zip(lits, map(bytes.find, lits, itertools.repeat(b".")), strict=True)
    ]
    same = map(bytes.__eq__, _fixed_texts(xs, precisions), lits)
    long_enough = map(operator.ge, map(len, lits), itertools.repeat(_MIN_FLOAT_LEN))
    keep = list(map(operator.and_, map(operator.and_, same, long_enough), map(bool, precisions)))
    if not any(keep):
        return [], b""
    chosen = list(itertools.compress(candidates, keep))
    kept_xs = list(itertools.compress(xs, keep))
    offsets = list(map(operator.sub, itertools.compress(precisions, keep), _zeros_of(kept_xs)))
    if min(offsets) >= -128 and max(offsets) < 128:
        return chosen, bytes([(o << 1) ^ (o >> 63) for o in offsets])
    pairs = [(i, o) for i, o in zip(chosen, offsets, strict=True) if -128 <= o < 128]
    return [i for i, _ in pairs], bytes([(o << 1) ^ (o >> 63) for _, o in pairs])


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
    # Then shortest float32 texts (Ollama, TEI), also in C loops.
    fixed, fixed_stream = _fixed(literals, finite, _positions(kinds, RAW))  # type: ignore[arg-type]
    for i in fixed:
        kinds[i] = F32_FIXED
    f64: list[float] = []
    ints: list[int] = []
    sci = bytearray()
    dec = bytearray()
    lens = bytearray()
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
        if (
            x is not None
            and math.isfinite(x)
            and len(text) >= _MIN_FLOAT_LEN
            and ("e" in text or "E" in text)
        ):
            mantissa = text.split("e")[0].split("E")[0]
            precision = len(mantissa) - mantissa.find(".") - 1 if "." in mantissa else 0
            style = _sci_style(text)
            if precision <= _MAX_PRECISION and _sci_text(x, precision, style) == text:
                kinds[i] = F32_SCI
                sci += bytes((precision, style))
                continue
        fields = _decimal_fields(text)
        if fields is not None:
            kinds[i] = DECIMAL
            for f in fields:
                dec += write_varint(f)
            continue
        lens += write_varint(len(literal))
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
    zigzag = [_zigzag(v) for v in ints]
    width = _width(max(zigzag, default=0))
    block = _planes(struct.pack(f"<{len(zigzag)}{_INT_FORMATS[width]}", *zigzag), width)
    body += bytes([width]) + write_varint(len(block)) + block
    for stream in (fixed_stream, sci, dec, lens):
        body += write_varint(len(stream)) + stream
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
_IS_REPR: Final = bytes(int(k == F32_REPR) for k in range(256))
_IS_FIXED: Final = bytes(int(k == F32_FIXED) for k in range(256))
_IS_SCI: Final = bytes(int(k == F32_SCI) for k in range(256))
_F32_KIND_BYTES: Final = bytes(_F32_KINDS)
_NOT_F32_KIND_BYTES: Final = bytes(k for k in range(256) if k not in _F32_KINDS)
# 1e-45 .. 1e-1, ascending (float32 values stop at 1.4e-45).
_POWERS: Final = tuple(float(f"1e-{k}") for k in range(45, 0, -1))


def _positions(data: bytearray, value: int) -> list[int]:
    """Indices of ``value`` in ``data``: by the C search when they are few."""
    if 8 * data.count(value) > len(data):
        return [i for i, v in enumerate(data) if v == value]
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


class _Varints:
    """A stream of varints (up to _MAX_VARINT_GROUPS groups each) with a cursor."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def next(self) -> int:
        value = shift = 0
        data, pos = self.data, self.pos
        for _ in range(_MAX_VARINT_GROUPS):
            if pos >= len(data):
                raise DecodeError("zstd: truncated number stream")
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                self.pos = pos
                return value
            shift += 7
        raise DecodeError("zstd: number varint too long")


class _Streams:
    """The parsed body: kinds and one stream per kind, each with a cursor."""

    __slots__ = (
        "body",
        "dec",
        "f32",
        "f64",
        "fixed",
        "fixed_pos",
        "i32",
        "i64",
        "iint",
        "int_format",
        "ints",
        "kinds_at",
        "lens",
        "raw",
        "raw_pos",
        "sci",
        "sci_pos",
    )

    def __init__(self, body: bytes, count: int, pos: int) -> None:
        if pos + count > len(body):
            raise DecodeError("zstd: truncated number kinds")
        self.body, self.kinds_at = body, pos
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
        pos = self.ints.end
        self.fixed, pos = _stream(body, pos)
        self.sci, pos = _stream(body, pos)
        dec, pos = _stream(body, pos)
        lens, pos = _stream(body, pos)
        if len(self.fixed) != counts[F32_FIXED] or len(self.sci) != 2 * counts[F32_SCI]:
            raise DecodeError("zstd: number stream length does not match its kinds")
        self.dec, self.lens = _Varints(dec), _Varints(lens)
        self.raw = body[pos:]
        self.i32 = self.i64 = self.iint = self.fixed_pos = self.sci_pos = self.raw_pos = 0

    def texts(self, start: int, count: int) -> list[bytes]:
        at = self.kinds_at + start
        kinds = self.body[at : at + count]
        n32 = count - len(kinds.translate(None, _F32_KIND_BYTES))
        f32 = struct.unpack(f"<{n32}f", self.f32.take(self.i32, n32))
        self.i32 += n32
        if kinds.count(F32_REPR) == count:
            return _reprs(f32)
        by_kind: list[list[bytes]] = [[] for _ in range(_KINDS)]
        if n32:
            order = kinds.translate(None, _NOT_F32_KIND_BYTES)  # the kind of each float32, in turn
            by_kind[F32_REPR] = _reprs(list(itertools.compress(f32, order.translate(_IS_REPR))))
            by_kind[F32_FIXED] = self._fixed(list(itertools.compress(f32, order.translate(_IS_FIXED))))
            by_kind[F32_SCI] = self._sci(list(itertools.compress(f32, order.translate(_IS_SCI))))
        n64 = kinds.count(F64_REPR)
        by_kind[F64_REPR] = _reprs(struct.unpack(f"<{n64}d", self.f64.take(self.i64, n64)))
        self.i64 += n64
        nint = kinds.count(INT)
        zigzag = struct.unpack(f"<{nint}{self.int_format}", self.ints.take(self.iint, nint))
        self.iint += nint
        by_kind[INT] = [b"%d" % ((z >> 1) ^ -(z & 1)) for z in zigzag]
        by_kind[DECIMAL] = [self._decimal() for _ in range(kinds.count(DECIMAL))]
        by_kind[RAW] = [self._raw() for _ in range(kinds.count(RAW))]
        # Each number takes the next text of its kind.
        pulls = [iter(texts).__next__ for texts in by_kind]
        return [pulls[kind]() for kind in kinds]

    def _fixed(self, values: list[float]) -> list[bytes]:
        if not values:
            return []
        offsets = self.fixed[self.fixed_pos : self.fixed_pos + len(values)]
        self.fixed_pos += len(values)
        precisions = [z + ((o >> 1) ^ -(o & 1)) for z, o in zip(_zeros_of(values), offsets, strict=True)]
        if min(precisions) < 0 or max(precisions) > _MAX_PRECISION:
            raise DecodeError("zstd: number precision out of range")
        return _fixed_texts(values, precisions)

    def _sci(self, values: list[float]) -> list[bytes]:
        out = []
        for x in values:
            precision, style = self.sci[self.sci_pos], self.sci[self.sci_pos + 1]
            self.sci_pos += 2
            if precision > _MAX_PRECISION or style > 7:
                raise DecodeError("zstd: number precision or style out of range")
            out.append(_sci_text(x, precision, style).encode("ascii"))
        return out

    def _decimal(self) -> bytes:
        form = self.dec.next()
        if form >= 14:
            raise DecodeError("zstd: corrupt decimal form")
        mantissa = self.dec.next()
        lead, frac = self.dec.next(), self.dec.next()
        exp = exp_len = 0
        if form >> 1:
            exp, exp_len = self.dec.next(), self.dec.next()
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
        return _decimal_text(form, mantissa, lead, frac, exp, exp_len).encode("ascii")

    def _raw(self) -> bytes:
        size = self.lens.next()
        data = self.raw[self.raw_pos : self.raw_pos + size]
        if len(data) != size:
            raise DecodeError("zstd: truncated number text")
        self.raw_pos += size
        if not data.isascii():
            raise DecodeError("zstd: number text is not ASCII")
        return data

    def finish(self) -> None:
        if (
            self.i32 != self.f32.n
            or self.i64 != self.f64.n
            or self.iint != self.ints.n
            or self.fixed_pos != len(self.fixed)
            or self.sci_pos != len(self.sci)
        ):
            raise DecodeError("zstd: number streams longer than their kinds")
        if self.dec.pos != len(self.dec.data) or self.lens.pos != len(self.lens.data):
            raise DecodeError("zstd: trailing bytes in the number streams")
        if self.raw_pos != len(self.raw):
            raise DecodeError("zstd: trailing bytes in the number streams")


def _stream(body: bytes, pos: int) -> tuple[bytes, int]:
    size, pos = read_varint(body, pos, "zstd")
    data = body[pos : pos + size]
    if len(data) != size:
        raise DecodeError("zstd: truncated number stream")
    return data, pos + size


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
