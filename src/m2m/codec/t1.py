"""``t1``: ``#T1|<json>``, JSON that reads like the original and costs fewer tokens.

The payload is valid JSON. Objects whose keys (in order) and some values match a *shape* from the
shipped table (``m2m/data/t1_shapes.json``) become positional arrays ``[id, v1, v2, ...]``: the keys
and the fixed values (``"role":"assistant"``, ``"logprobs":null``, ``"type":"function"``) are implied
by the shape, only the other values are written. Everything else is written as is. An encoded array
therefore starts with an integer only when it is one of:

    [0, ...]        a real array whose first element is an integer (escaped)
    [1, "1.10"]     a number whose literal text json would not reproduce (1.10, 1e5, -0, huge ints)
    [k, ...]        shape k - 2 of the table (k >= 2), its free values in key order

so any JSON, including user keys and values that look like codes, decodes to the same value, the
same key order and the same number literals. Decoding yields minified JSON text.

The shape table is append-only: a shape keeps its id forever, so old payloads keep decoding.
"""

from __future__ import annotations

import functools
import json
import re
import secrets
from importlib import resources
from typing import Any

from m2m.codec._wire import check_size, magic, utf8
from m2m.codec.format import Format, Options
from m2m.codec.limits import DEFAULT_LIMITS, Limits
from m2m.errors import CodecError, DecodeError, LimitExceededError

__all__ = ["FORMAT", "decode_value", "encode_value"]

PREFIX = "#T1|"
MAGIC = magic(b"T", 1)
ESCAPE = 0
NUMBER = 1
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


@functools.cache
def _table() -> tuple[dict[tuple[str, ...], list[_Shape]], list[tuple[tuple[str, ...], dict[int, Any], int]]]:
    raw = json.loads(resources.files("m2m.data").joinpath(SHAPES_FILE).read_text("utf-8"))
    by_keys: dict[tuple[str, ...], list[_Shape]] = {}
    shapes: list[tuple[tuple[str, ...], dict[int, Any], int]] = []
    for index, entries in enumerate(raw["shapes"]):
        keys = tuple(e if isinstance(e, str) else e[0] for e in entries)
        fixed = {i: e[1] for i, e in enumerate(entries) if not isinstance(e, str)}
        slots = tuple(i for i in range(len(keys)) if i not in fixed)
        shapes.append((keys, fixed, len(slots)))
        by_keys.setdefault(keys, []).append((index + FIRST_SHAPE, tuple(fixed.items()), slots))
    for candidates in by_keys.values():
        candidates.sort(key=lambda c: -len(c[1]))
    return by_keys, shapes


def encode_value(value: Any, max_depth: int = DEFAULT_LIMITS.max_depth) -> Any:
    """The T1 form of a parsed JSON value (``_Literal`` numbers allowed)."""
    by_keys = _table()[0]

    def enc(v: Any, depth: int) -> Any:
        t = type(v)
        if t is dict:
            if depth >= max_depth:
                raise LimitExceededError(f"t1: JSON nested deeper than {max_depth} levels")
            candidates = by_keys.get(tuple(v))
            if candidates is not None:
                values = list(v.values())
                for sid, fixed, slots in candidates:
                    for i, f in fixed:
                        x = values[i]
                        if type(x) is not type(f) or x != f:
                            break
                    else:
                        return [sid, *[enc(values[i], depth + 1) for i in slots]]
            return {k: enc(x, depth + 1) for k, x in v.items()}
        if t is list:
            if depth >= max_depth:
                raise LimitExceededError(f"t1: JSON nested deeper than {max_depth} levels")
            out = [enc(x, depth + 1) for x in v]
            if out and type(out[0]) is int:
                out.insert(0, ESCAPE)
            return out
        if t is _Literal:
            return [NUMBER, v.text]
        return v

    return enc(value, 0)


def decode_value(value: Any, limits: Limits = DEFAULT_LIMITS, nonce: str = "") -> tuple[Any, list[str]]:
    """The JSON value of a T1 form, and the literal numbers.

    Literal number ``i`` stands in the value as the string ``"\\x00<nonce><i>\\x00"``; the caller picks a
    nonce that cannot occur in the payload and swaps the literals into the dumped text.
    """
    shapes = _table()[1]
    max_depth = limits.max_depth
    budget = [limits.max_elements]
    literals: list[str] = []

    def dec(v: Any, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise LimitExceededError(f"t1: more than {limits.max_elements} JSON values")
        t = type(v)
        if t is list:
            if depth >= max_depth:
                raise LimitExceededError(f"t1: JSON nested deeper than {max_depth} levels")
            if v and type(v[0]) is int:
                code = v[0]
                if code == ESCAPE:
                    return [dec(x, depth + 1) for x in v[1:]]
                if code == NUMBER:
                    if len(v) != 2 or type(v[1]) is not str or not _NUMBER_RE.fullmatch(v[1]):
                        raise DecodeError("t1: malformed number literal")
                    literals.append(v[1])
                    return f"\x00{nonce}{len(literals) - 1}\x00"
                index = code - FIRST_SHAPE
                if not 0 <= index < len(shapes):
                    raise DecodeError(f"t1: unknown shape id {code}")
                keys, fixed, nslots = shapes[index]
                if len(v) != nslots + 1:
                    raise DecodeError(f"t1: shape {code} expects {nslots} values, got {len(v) - 1}")
                it = iter(v[1:])
                return {k: fixed[i] if i in fixed else dec(next(it), depth + 1) for i, k in enumerate(keys)}
            return [dec(x, depth + 1) for x in v]
        if t is dict:
            if depth >= max_depth:
                raise LimitExceededError(f"t1: JSON nested deeper than {max_depth} levels")
            return {k: dec(x, depth + 1) for k, x in v.items()}
        return v

    return dec(value, 0), literals


def _loads(text: str, what: str) -> Any:
    try:
        return json.loads(
            text, parse_float=_parse_float, parse_int=_parse_int, parse_constant=_parse_constant
        )
    except RecursionError as exc:
        raise LimitExceededError(f"{what}: JSON nested too deeply") from exc
    except ValueError as exc:
        raise DecodeError(f"{what}: not valid JSON ({exc})") from exc


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def encode_text(text: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """T1 JSON (without prefix) for JSON ``text``."""
    return _dumps(encode_value(_loads(text, "t1"), limits.max_depth))


def decode_text(payload: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """Minified JSON for a T1 payload (without prefix)."""
    check_size(len(payload), limits, "t1")
    try:
        tree = json.loads(payload)
    except RecursionError as exc:
        raise LimitExceededError("t1: JSON nested too deeply") from exc
    except ValueError as exc:
        raise DecodeError(f"t1: payload is not valid JSON ({exc})") from exc
    nonce = secrets.token_hex(8)
    value, literals = decode_value(tree, limits, nonce)
    out = _dumps(value)
    if literals:
        out = re.sub(rf'"\\u0000{nonce}(\d+)\\u0000"', lambda m: literals[int(m.group(1))], out)
    check_size(len(out), limits, "t1")
    return out


# Above this size the exactness check (encode + decode) costs more than T1 saves a compressor.
EXACT_MAX = 1024 * 1024


def exact_payload(text: str) -> str | None:
    """The T1 payload of ``text`` when it decodes to exactly ``text`` (minified JSON), else None."""
    if len(text) > EXACT_MAX or text[:1] not in ("{", "["):
        return None
    try:
        payload = encode_text(text)
        if decode_text(payload) != text:
            return None
    except CodecError:
        return None
    return payload


def encode(text: str, opts: Options) -> str:
    return PREFIX + encode_text(text)


def encode_binary(text: str, opts: Options) -> bytes:
    return MAGIC + encode_text(text).encode("utf-8")


def decode(wire: str, limits: Limits) -> str:
    return decode_text(wire[len(PREFIX) :], limits)


def decode_binary(wire: bytes, limits: Limits) -> str:
    check_size(len(wire), limits, "t1")
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
