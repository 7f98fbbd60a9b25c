"""``t1``: ``#T1|<json>``, JSON that reads like the original and costs fewer tokens.

The payload is valid JSON. Objects whose keys (in order) and some values match a *shape* from the
shipped table (``m2m/data/t1_shapes.json``) become positional arrays ``[id, v1, v2, ...]``: the keys
and the fixed values (``"role":"assistant"``, ``"logprobs":null``, ``"type":"function"``) are implied
by the shape, only the other values are written. Everything else is written as is. An encoded array
therefore starts with an integer only when it is one of:

    [0, ...]        a real array whose first element is an integer (escaped)
    [1, "1.10"]     a number whose literal text json would not reproduce (1.10, 1e5, -0, huge ints)
    [-1, h, n, w]   a base64 attachment string (after head h, e.g. "data:image/png;base64,") of n
                    bytes, written as words that are one o200k token each, 16 bits per word
                    (base64 costs ~9 bits per token); only in the ``t1`` format itself
    [k, ...]        shape k - 2 of the table (k >= 2), its free values in key order
    [c, m, z, ...]  sparse shape -2 - c (c <= -2): a documented key list of an OpenAI object; the
                    object's keys are the set bits of m (in list order), z marks those that are
                    null, the non-null values follow

so any JSON, including user keys and values that look like codes, decodes to the same value, the
same key order and the same number literals. Decoding yields minified JSON text.

The shape table is append-only: a shape keeps its id forever, so old payloads keep decoding.
"""

from __future__ import annotations

import array
import base64
import functools
import json
import re
import secrets
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import Any

import orjson

from m2m.codec._wire import check_size, magic, utf8
from m2m.codec.format import Format, Options
from m2m.codec.limits import DEFAULT_LIMITS, Limits
from m2m.errors import CodecError, DecodeError, LimitExceededError

__all__ = ["FORMAT", "decode_value", "encode_value"]

PREFIX = "#T1|"
MAGIC = magic(b"T", 1)
ESCAPE = 0
NUMBER = 1
BLOB = -1
FIRST_SPARSE = -2
FIRST_SHAPE = 2
SHAPES_FILE = "t1_shapes.json"

_NUMBER_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|NaN|-?Infinity")
# Python refuses to parse longer integers (sys.int_info.default_max_str_digits); keep them as text.
_MAX_INT_DIGITS = 4000

_Shape = tuple[int, tuple[tuple[int, Any], ...], tuple[int, ...]]


class _Literal:
    """A number whose literal text must be kept (json.dumps would write it differently)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _parse_float(text: str) -> float | _Literal:
    value = float(text)
    return value if repr(value) == text else _Literal(text)


def _parse_int(text: str) -> int | _Literal:
    if len(text) > _MAX_INT_DIGITS or text == "-0":
        return _Literal(text)
    return int(text)


def _parse_constant(text: str) -> _Literal:
    return _Literal(text)


_Decoded = tuple[tuple[str, ...], list[Any], tuple[int, ...]]


@functools.cache
def _sparse() -> tuple[dict[str, list[tuple[int, dict[str, int]]]], list[tuple[str, ...]]]:
    """Sparse shapes: by first key, (code, key -> bit); and by index, the key list."""
    raw = json.loads(resources.files("m2m.data").joinpath(SHAPES_FILE).read_text("utf-8"))
    by_first: dict[str, list[tuple[int, dict[str, int]]]] = {}
    keys_of: list[tuple[str, ...]] = []
    for j, keys in enumerate(raw.get("sparse", [])):
        keys_of.append(tuple(keys))
        pos = {k: i for i, k in enumerate(keys)}
        for k in keys:
            by_first.setdefault(k, []).append((FIRST_SPARSE - j, pos))
    return by_first, keys_of


@functools.cache
def _table() -> tuple[dict[tuple[str, ...], list[_Shape]], list[_Decoded]]:
    raw = json.loads(resources.files("m2m.data").joinpath(SHAPES_FILE).read_text("utf-8"))
    by_keys: dict[tuple[str, ...], list[_Shape]] = {}
    shapes: list[_Decoded] = []
    for index, entries in enumerate(raw["shapes"]):
        keys = tuple(e if isinstance(e, str) else e[0] for e in entries)
        fixed = {i: e[1] for i, e in enumerate(entries) if not isinstance(e, str)}
        slots = tuple(i for i in range(len(keys)) if i not in fixed)
        template = [fixed.get(i) for i in range(len(keys))]
        shapes.append((keys, template, slots))
        by_keys.setdefault(keys, []).append((index + FIRST_SHAPE, tuple(fixed.items()), slots))
    for candidates in by_keys.values():
        candidates.sort(key=lambda c: -len(c[1]))
    return by_keys, shapes


@functools.cache
def _decode_table() -> list[tuple[tuple[str, ...], dict[str, Any] | None, tuple[str, ...]]]:
    """Per shape: its keys, a dict of its fixed values in key order (None if none), its free keys."""
    out: list[tuple[tuple[str, ...], dict[str, Any] | None, tuple[str, ...]]] = []
    for keys, template, slots in _table()[1]:
        base = None if len(slots) == len(keys) else dict(zip(keys, template, strict=True))
        out.append((keys, base, tuple(keys[i] for i in slots)))
    return out


# Attachments: a JSON string that is base64 (optionally after a data-URL head such as
# "data:image/png;base64,") costs ~1.5 characters per o200k token. T1 writes its bytes as words
# instead, 16 bits per word, each word one o200k token: [BLOB, head, nbytes, " w1 w2 ..."].
_BLOB_MIN = 256
_BLOB_RE = re.compile(r"([^,\s]{0,200}base64,)?([A-Za-z0-9+/]+={0,2})", re.S)
_BLOB_CLASSES = (re.compile(r"[A-Z]"), re.compile(r"[a-z]"), re.compile(r"[0-9]"), re.compile(r"[+/]"))


@functools.cache
def _words() -> tuple[list[str], dict[str, int]]:
    """65536 words that are each one o200k token, also inside a run of them (" Word", " word")."""
    from m2m.tokenizer import O200K, get_encoding

    enc = get_encoding(O200K)
    word = re.compile(rb" [A-Za-z]+")
    words: list[str] = []
    for rank in range(enc.n_vocab):
        try:
            piece = enc.decode_single_token_bytes(rank)
        except KeyError:
            continue
        if word.fullmatch(piece) and enc.encode(piece.decode("ascii")) == [rank]:
            words.append(piece.decode("ascii"))
            if len(words) == 1 << 16:
                break
    assert len(words) == 1 << 16, "o200k_base has fewer one-token words than expected"
    return words, {w[1:]: i for i, w in enumerate(words)}


def _blob(text: str) -> list[Any] | None:
    m = _BLOB_RE.fullmatch(text)
    if m is None:
        return None
    head, body = m.group(1) or "", m.group(2)
    if len(body) < _BLOB_MIN or len(body) % 4 or sum(1 for c in _BLOB_CLASSES if c.search(body, 0, 512)) < 3:
        return None
    data = base64.b64decode(body)
    if base64.b64encode(data).decode("ascii") != body:
        return None
    if len(data) % 2:
        data += b"\0"
    units = array.array("H", data)
    if sys.byteorder == "big":
        units.byteswap()
    words = _words()[0]
    return [BLOB, head, len(body) // 4 * 3 - body.count("="), "".join(map(words.__getitem__, units))]


def _unblob(v: list[Any], limits: Limits) -> str:
    if len(v) != 4 or type(v[1]) is not str or type(v[2]) is not int or type(v[3]) is not str:
        raise DecodeError("t1: malformed attachment")
    head, nbytes, text = v[1], v[2], v[3]
    check_size(nbytes * 4 // 3, limits, "t1")
    index = _words()[1]
    try:
        parts = text.split(" ")
        del parts[0]
        units = array.array("H", map(index.__getitem__, parts))
    except KeyError as exc:
        raise DecodeError(f"t1: attachment word {exc} not in the alphabet") from exc
    if text[:1] != " " or not 0 <= len(units) * 2 - nbytes <= 1:
        raise DecodeError("t1: attachment length does not match its words")
    if sys.byteorder == "big":
        units.byteswap()
    return head + base64.b64encode(units.tobytes()[:nbytes]).decode("ascii")


_VISIT = {
    (blobs, floats): frozenset(
        {dict, list, _Literal} | ({str} if blobs else set()) | ({float} if floats else set())
    )
    for blobs in (False, True)
    for floats in (False, True)
}
# Filled on first use (reading the shape table is deferred until a T1 value is encoded).
_BY_KEYS: dict[tuple[str, ...], list[_Shape]] = {}
_SPARSE_BY_KEY: dict[str, list[tuple[int, dict[str, int]]]] = {}


def _load_tables() -> dict[tuple[str, ...], list[_Shape]]:
    _SPARSE_BY_KEY.update(_sparse()[0])
    _BY_KEYS.update(_table()[0])
    return _BY_KEYS


class _Inexact(Exception):
    """A float the orjson path cannot vouch for: only the json module keeps its literal text."""


def _plain_float(f: float) -> bool:
    """True when json.dumps and orjson.dumps write ``f`` alike (no exponent: checked, not assumed)."""
    r = repr(f)
    return "e" not in r and orjson.dumps(f) == r.encode("ascii")


def encode_value(
    value: Any,
    max_depth: int = DEFAULT_LIMITS.max_depth,
    *,
    blobs: bool = False,
    sparse: bool = True,
    found: list[float] | None = None,
) -> Any:
    """The T1 form of a parsed JSON value (``_Literal`` numbers allowed).

    ``found``: collect the floats here, in document order (the value came from orjson, whose floats
    the caller must check against the text, see ``_floats_exact``).
    """
    by_keys = _BY_KEYS or _load_tables()
    sparse_by_key = _SPARSE_BY_KEY if sparse else {}
    # Only these types change; testing the type inline saves a call per scalar.
    visit = _VISIT[blobs, found is not None]
    if found is not None:
        keep = found.append

    def enc(v: Any, depth: int) -> Any:
        t = type(v)
        if t is dict:
            if depth >= max_depth:
                raise LimitExceededError(f"t1: JSON nested deeper than {max_depth} levels")
            depth += 1
            candidates = by_keys.get(tuple(v))
            if candidates is not None:
                values = list(v.values())
                for sid, fixed, slots in candidates:
                    for i, f in fixed:
                        x = values[i]
                        if type(x) is not type(f) or x != f:
                            break
                    else:
                        out = [sid]
                        for i in slots:
                            x = values[i]
                            out.append(enc(x, depth) if type(x) in visit else x)
                        return out
            # A sparse shape pays off from three keys, or two with a null among them.
            n = len(v)
            if n >= 3 or (n == 2 and None in v.values()):
                for code, pos in sparse_by_key.get(next(iter(v)), ()):
                    mask = nulls = 0
                    last = -1
                    for k in v:
                        p = pos.get(k, -1)
                        if p <= last:
                            break
                        last = p
                        mask |= 1 << p
                    else:
                        out = [code, mask, 0]
                        for k, x in v.items():
                            if x is None:
                                nulls |= 1 << pos[k]
                            else:
                                out.append(enc(x, depth) if type(x) in visit else x)
                        out[2] = nulls
                        return out
            return {k: enc(x, depth) if type(x) in visit else x for k, x in v.items()}
        if t is list:
            if depth >= max_depth:
                raise LimitExceededError(f"t1: JSON nested deeper than {max_depth} levels")
            depth += 1
            out = [enc(x, depth) if type(x) in visit else x for x in v]
            if out and type(out[0]) is int:
                out.insert(0, ESCAPE)
            return out
        if t is str:
            return _blob(v) or v if len(v) >= _BLOB_MIN else v
        if t is _Literal:
            return [NUMBER, v.text]
        if t is float and found is not None:
            keep(v)
        return v

    return enc(value, 0)


_CONTAINERS = frozenset((list, dict))


def _bits(mask: int) -> list[int]:
    """Positions of the set bits of ``mask``, lowest first."""
    out = []
    p = 0
    while mask:
        if mask & 1:
            out.append(p)
        mask >>= 1
        p += 1
    return out


def _unsparse(v: list[Any], depth: int, dec: Any, containers: Any) -> dict[str, Any]:
    keys_of = _sparse()[1]
    j = FIRST_SPARSE - v[0]
    if j >= len(keys_of):
        raise DecodeError(f"t1: unknown sparse shape {v[0]}")
    keys = keys_of[j]
    if len(v) < 3 or type(v[1]) is not int or type(v[2]) is not int:
        raise DecodeError("t1: malformed sparse shape")
    mask, nulls = v[1], v[2]
    if not 0 <= mask < 1 << len(keys) or nulls & ~mask or nulls < 0:
        raise DecodeError(f"t1: sparse shape {v[0]}: bad key mask")
    present = _bits(mask)
    if len(v) - 3 != len(present) - nulls.bit_count():
        raise DecodeError(f"t1: sparse shape {v[0]}: {len(v) - 3} values for {len(present)} keys")
    values = iter(v[3:])
    out: dict[str, Any] = {}
    for p in present:
        if nulls >> p & 1:
            out[keys[p]] = None
        else:
            x = next(values)
            out[keys[p]] = dec(x, depth) if type(x) in containers else x
    return out


def decode_value(
    value: Any, limits: Limits = DEFAULT_LIMITS, *, count: bool = True, floats: bool = True
) -> tuple[Any, list[str], str]:
    """The JSON value of a T1 form, its literal numbers and their nonce.

    Literal number ``i`` stands in the value as the string ``"\\x00<nonce><i>\\x00"``, for the
    caller to swap into the dumped text. ``count=False`` skips the element budget when the caller
    has bounded it already. ``floats=False``: the tree came from orjson; raise ``_Inexact`` on a
    float that orjson would write differently from json.
    """
    shapes = _decode_table()
    max_depth = limits.max_depth
    counting = count
    budget = limits.max_elements
    literals: list[str] = []
    nonce: list[str] = []
    containers = _CONTAINERS if floats else _CONTAINERS | {float}

    def dec(v: Any, depth: int) -> Any:
        nonlocal budget
        if type(v) is float:  # only visited when floats=False
            if _plain_float(v):
                return v
            raise _Inexact
        if depth >= max_depth:
            raise LimitExceededError(f"t1: JSON nested deeper than {max_depth} levels")
        if counting:
            budget -= len(v) + 1
            if budget < 0:
                raise LimitExceededError(f"t1: more than {limits.max_elements} JSON values")
        depth += 1
        if type(v) is dict:
            return {k: dec(x, depth) if type(x) in containers else x for k, x in v.items()}
        if not v or type(v[0]) is not int:
            return [dec(x, depth) if type(x) in containers else x for x in v]
        code = v[0]
        if code >= FIRST_SHAPE:
            try:
                keys, base, free_keys = shapes[code - FIRST_SHAPE]
            except IndexError:
                raise DecodeError(f"t1: unknown shape id {code}") from None
            if len(v) != len(free_keys) + 1:
                raise DecodeError(f"t1: shape {code} expects {len(free_keys)} values, got {len(v) - 1}")
            if counting:
                budget -= len(keys)
            free = [dec(x, depth) if type(x) in containers else x for x in v[1:]]
            if base is None:
                return dict(zip(keys, free, strict=False))  # lengths checked above
            # The copy keeps the shape's key order; updating existing keys does not move them.
            out = base.copy()
            out.update(zip(free_keys, free, strict=False))
            return out
        if code == ESCAPE:
            return [dec(x, depth) if type(x) in containers else x for x in v[1:]]
        if code == NUMBER:
            if len(v) != 2 or type(v[1]) is not str or not _NUMBER_RE.fullmatch(v[1]):
                raise DecodeError("t1: malformed number literal")
            if not nonce:
                nonce.append(secrets.token_hex(8))
            literals.append(v[1])
            return f"\x00{nonce[0]}{len(literals) - 1}\x00"
        if code == BLOB:
            return _unblob(v, limits)
        if code <= FIRST_SPARSE:
            return _unsparse(v, depth, dec, containers)
        raise DecodeError(f"t1: unknown code {code}")

    if type(value) is list or type(value) is dict:
        value = dec(value, 0)
    return value, literals, nonce[0] if nonce else ""


# An integer with a minus sign and no digits after its zero: json.loads would give back 0.
_NEG_ZERO = re.compile(r"-0(?![0-9.eE])")
# orjson parses JSON to the same value as json.loads except for numbers: a float (it may come from
# a literal json would keep as text, e.g. "1.10", and orjson writes floats its own way) or an integer
# outside 64 bits (orjson gives a float), and "-0" (T1 keeps that literal; both parsers give 0).
# The walks below stop at the first float and fall back to the json module; strings come out of
# orjson.dumps exactly as json.dumps(separators=(",", ":"), ensure_ascii=False) writes them (checked
# over every code point in the tests). Lone surrogates and NaN make orjson refuse: fallback again.
_CONTAINER_START = ("{", "[")
_JSON_SPACE = " \t\n\r"
_VALUE_LEAD = ":,["


def _has_neg_zero(text: str) -> bool:
    """A -0 integer where JSON puts a value (inside an object or array: after "[", "," or ":").

    Ids such as "chatcmpl-0b76..." do not count, so they keep the fast path. The search starts with
    the literal "-0" (fast in the regex engine); the look back is done by hand.
    """
    for m in _NEG_ZERO.finditer(text):
        i = m.start() - 1
        while i >= 0 and text[i] in _JSON_SPACE:
            i -= 1
        if i >= 0 and text[i] in _VALUE_LEAD:
            return True
    return False


def _fast_loads(text: str, *, neg_zero: bool) -> Any:
    """orjson's parse of a JSON object or array, None when only the json module gets it right.

    ``neg_zero``: also refuse a ``-0`` integer literal. The caller must still refuse floats.
    """
    if text[:1] not in _CONTAINER_START:
        return None
    if neg_zero and "-0" in text and _has_neg_zero(text):
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # lone surrogates, deep nesting, bad JSON: the exact path says why
        return None


# A float literal where JSON puts a value: after "[", "," or ":" and before "]", "}" or ",".
# Every float literal of a JSON object or array matches; text inside strings may match too.
_FLOAT_LITERAL = re.compile(
    r"[:,\[][ \t\n\r]*(-?[0-9]+(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+))(?=[ \t\n\r]*[,\]}])"
)


def _floats_exact(text: str, found: list[float]) -> bool:
    """True when the floats orjson parsed from ``text`` (in document order) are the literals written.

    The scan finds every float literal, plus any look-alike inside strings; when it finds exactly as
    many as orjson parsed floats (integers outside 64 bits, also floats, have an exponent in repr and
    are refused), there is no look-alike, and the i-th literal is the i-th float's text.
    """
    if not found:
        return True
    literals = _FLOAT_LITERAL.findall(text)
    if len(literals) != len(found):
        return False
    for literal, f in zip(literals, found, strict=True):
        if literal != repr(f) or not _plain_float(f):
            return False
    return True


def _fast_dumps(value: Any) -> str | None:
    """``_dumps(value)`` by orjson, for values without floats; None when orjson cannot write it."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except orjson.JSONEncodeError:  # an integer over 64 bits, nesting over orjson's limit
        return None


def _loads(text: str, what: str) -> Any:
    try:
        try:
            if _NEG_ZERO.search(text) is None:
                return json.loads(text, parse_float=_parse_float, parse_constant=_parse_constant)
        except ValueError as exc:
            if "digits" not in str(exc):  # Python refuses integers over its digit limit
                raise
        return json.loads(
            text, parse_float=_parse_float, parse_int=_parse_int, parse_constant=_parse_constant
        )
    except RecursionError as exc:
        raise LimitExceededError(f"{what}: JSON nested too deeply") from exc
    except ValueError as exc:
        raise DecodeError(f"{what}: not valid JSON ({exc})") from exc


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def encode_text(text: str, limits: Limits = DEFAULT_LIMITS, *, blobs: bool = False) -> str:
    """T1 JSON (without prefix) for JSON ``text``; ``blobs``: write base64 attachments as words."""
    value = _fast_loads(text, neg_zero=True)
    if value is not None:
        found: list[float] = []
        encoded = encode_value(value, limits.max_depth, blobs=blobs, found=found)
        out = _fast_dumps(encoded) if _floats_exact(text, found) else None
        if out is not None:
            return out
    return _exact_encode_text(text, limits, blobs=blobs)


def _exact_encode_text(text: str, limits: Limits = DEFAULT_LIMITS, *, blobs: bool = False) -> str:
    """``encode_text`` by the json module only (number-literal hooks): the reference path."""
    return _dumps(encode_value(_loads(text, "t1"), limits.max_depth, blobs=blobs))


# Attachment words take up to ~3.6 bytes per decoded byte, so the payload may exceed the output.
_PAYLOAD_FACTOR = 4
# A shape expands one array into at most this many values (checked in tests against the table).
MAX_SHAPE_KEYS = 64


# Expansion checked before parsing. A shape reference of a few characters stands for an object
# whose keys and fixed values are hundreds of characters, so a small payload can stand for a huge
# document, and parsing a large payload costs ~50 bytes of memory per value. Before a payload
# large enough for either to matter is parsed, a scan counts (at C speed) its values and its shape
# references: the values the decoder would count, and the characters the shapes' keys and fixed
# values add to the output, are lower bounds of what decoding would reach, so a payload over a
# limit fails here, before any tree is built. The scan first runs on the raw text (strings
# included: over-estimates, so passing it is conclusive), and only when that fails on the text
# outside strings (exact). Both go window by window: no copy of the payload, no list per value.
_WS = r"[ \t\n\r]*"
_INT = "([2-9]|[1-9][0-9]{1,5})"
_OPENER = re.compile(
    rf"\[{_WS}(?:{_INT}{_WS}[,\]]|-{_INT}{_WS},{_WS}([0-9]{{1,12}}){_WS},{_WS}([0-9]{{1,12}}){_WS}[,\]])"
)
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_SCAN_WINDOW = 256 * 1024


@functools.cache
def _costs() -> tuple[dict[str, int], list[list[int]], float]:
    """Output characters a reference adds beyond its free values: per shape code (as text), per
    sparse shape the cost of each key; and the largest output/payload ratio of any reference."""
    dump = functools.partial(json.dumps, ensure_ascii=False)
    shapes: dict[str, int] = {}
    ratio = 1.0
    for index, (keys, base, free_keys) in enumerate(_decode_table()):
        fixed = base or {}
        cost = (
            1
            + sum(len(dump(k)) + 2 for k in keys)
            + sum(len(dump(v)) for k, v in fixed.items() if k not in free_keys)
        )
        code = str(index + FIRST_SHAPE)
        shapes[code] = cost
        ratio = max(ratio, cost / (len(code) + 2 + 2 * len(free_keys) + 1))
    sparse: list[list[int]] = []
    for j, keys in enumerate(_sparse()[1]):
        key_costs = [len(dump(k)) + 2 for k in keys]
        sparse.append(key_costs)
        full = (1 << len(keys)) - 1
        most = 1 + sum(key_costs) + 4 * len(keys)
        ratio = max(ratio, most / len(f"[{FIRST_SPARSE - j},{full},{full}],"))
    return shapes, sparse, ratio


def _windows(text: str) -> Iterator[str]:
    """``text`` in pieces of about _SCAN_WINDOW characters, each cut just before a "[" (no
    reference holds a second one, so none is cut in two)."""
    pos = 0
    while pos < len(text):
        end = text.find("[", pos + _SCAN_WINDOW)
        if end < 0:
            end = len(text)
        yield text[pos:end]
        pos = end


def _outside_strings(text: str) -> Iterator[str]:
    """The JSON text outside strings, in pieces of about _SCAN_WINDOW characters. Taking a string
    out of valid JSON never makes a reference appear (it would need a value right after "[")."""
    parts: list[str] = []
    size = 0
    last = 0
    for m in _STRING.finditer(text):
        gap = text[last : m.start()]
        last = m.end()
        if len(gap) > _SCAN_WINDOW:
            yield "".join(parts)
            parts, size = [], 0
            yield from _windows(gap)
            continue
        parts.append(gap)
        size += len(gap)
        if size > _SCAN_WINDOW:
            yield "".join(parts)
            parts, size = [], 0
    parts.append(text[last:])
    yield from _windows("".join(parts))


def _scan(pieces: Iterable[str], limits: Limits) -> str | None:
    """Why decoding the text of ``pieces`` must exceed a limit, or None when the scan finds none."""
    shapes, sparse, _ = _costs()
    values = 0
    added = 0
    for piece in pieces:
        # Each container holds its commas + 1 values (an empty one none) and counts itself too:
        # commas + containers is a lower bound of what the decoder counts.
        values += piece.count(",") + piece.count("[") + piece.count("{")
        if values > limits.max_elements:
            return f"more than {limits.max_elements} JSON values"
        for (code, scode, mask, nulls), n in Counter(_OPENER.findall(piece)).items():
            if code:
                added += n * shapes.get(code, 0)
                continue
            j = int(scode) + FIRST_SPARSE
            m, z = int(mask), int(nulls)
            if j < len(sparse) and m < 1 << len(sparse[j]):
                per = 1 + sum(c for i, c in enumerate(sparse[j]) if m >> i & 1) + 4 * (z & m).bit_count()
                added += n * per
        if added > limits.max_decoded_bytes:
            return f"decoded size over the limit of {limits.max_decoded_bytes} bytes"
    return None


def _check_expansion(payload: str, limits: Limits) -> None:
    """Raise before parsing when ``payload`` would decode past a limit (see _OPENER)."""
    n = len(payload)
    if n * _costs()[2] <= limits.max_decoded_bytes and n * MAX_SHAPE_KEYS <= limits.max_elements:
        return  # too small to reach either limit
    if _scan(_windows(payload), limits) is None:
        return
    reason = _scan(_outside_strings(payload), limits)
    if reason is not None:
        raise LimitExceededError(f"t1: {reason}")


def decode_text(payload: str, limits: Limits = DEFAULT_LIMITS, *, fast: bool = True) -> str:
    """Minified JSON for a T1 payload (without prefix); ``fast=False`` uses the json module only."""
    check_size(len(payload) // _PAYLOAD_FACTOR, limits, "t1")
    _check_expansion(payload, limits)
    try:
        return _decode_text(payload, limits, fast)
    except RecursionError as exc:  # only with a max_depth above the interpreter's recursion limit
        raise LimitExceededError("t1: JSON nested too deeply") from exc


def _decode_text(payload: str, limits: Limits, fast: bool) -> str:
    # Each value of the payload is at least one character and yields at most MAX_SHAPE_KEYS values.
    count = len(payload) * MAX_SHAPE_KEYS > limits.max_elements
    out = None
    tree = _fast_loads(payload, neg_zero=False) if fast else None
    if tree is not None:
        try:
            value, literals, nonce = decode_value(tree, limits, count=count, floats=False)
        except _Inexact:
            pass
        else:
            # Decoding adds no floats (shape values are strings, ints, booleans, null).
            out = _fast_dumps(value)
    if out is None:
        try:
            tree = json.loads(payload)
        except RecursionError as exc:
            raise LimitExceededError("t1: JSON nested too deeply") from exc
        except ValueError as exc:
            raise DecodeError(f"t1: payload is not valid JSON ({exc})") from exc
        value, literals, nonce = decode_value(tree, limits, count=count)
        out = _dumps(value)
    if literals:
        out = re.sub(rf'"\\u0000{nonce}(\d+)\\u0000"', lambda m: literals[int(m.group(1))], out)
    check_size(len(out), limits, "t1")
    return out


# Above this size the exactness check (encode + decode) costs more than T1 saves a compressor.
EXACT_MAX = 1024 * 1024


def exact_payload(text: str) -> str | None:
    """The T1 payload of ``text`` when it decodes to exactly ``text`` (minified JSON), else None."""
    # A raw line break is whitespace outside strings (JSON strings escape it): not minified.
    if len(text) > EXACT_MAX or text[:1] not in _CONTAINER_START or "\n" in text:
        return None
    value = _fast_loads(text, neg_zero=True)
    if value is not None:
        found: list[float] = []
        try:
            encoded = encode_value(value, found=found)
        except CodecError:
            return None
        if not _floats_exact(text, found):
            return _exact_payload(text)
        minified = _fast_dumps(value)
        if minified is not None:
            if minified != text:
                return None
            payload = _fast_dumps(encoded)
            if payload is not None:
                return payload
    return _exact_payload(text)


def _exact_payload(text: str) -> str | None:
    """``exact_payload`` by the json module only: the reference path."""
    if len(text) > EXACT_MAX or text[:1] not in _CONTAINER_START:
        return None
    try:
        value = _loads(text, "t1")
        try:
            minified = _dumps(value) == text
        except TypeError:  # a kept number literal: check the slow way
            payload = _dumps(encode_value(value))
            return payload if decode_text(payload) == text else None
        return _dumps(encode_value(value)) if minified else None
    except CodecError:
        return None


def encode(text: str, opts: Options) -> str:
    return PREFIX + encode_text(text, blobs=True)


def encode_binary(text: str, opts: Options) -> bytes:
    return MAGIC + encode_text(text, blobs=True).encode("utf-8")


def decode(wire: str, limits: Limits) -> str:
    return decode_text(wire[len(PREFIX) :], limits)


def decode_binary(wire: bytes, limits: Limits) -> str:
    return decode_text(utf8(wire[len(MAGIC) :], "t1"), limits)


FORMAT = Format(
    name="t1",
    aliases=("T1",),
    prefixes=(PREFIX,),
    magic=MAGIC,
    encode=encode,
    encode_binary=encode_binary,
    decode=decode,
    decode_binary=decode_binary,
    json_only=True,
)
