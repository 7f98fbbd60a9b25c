"""The orjson path of T1 gives exactly what the json-module path gives, or steps aside."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from m2m.codec import t1
from m2m.errors import CodecError

from .strategies import JSON_TEXT


def _outcome(fn: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    try:
        return "ok", fn(*args, **kwargs)
    except CodecError as exc:
        return "error", type(exc)


@settings(max_examples=500, deadline=None)
@given(JSON_TEXT, st.booleans())
def test_fast_and_exact_paths_agree(text: str, blobs: bool) -> None:
    fast = _outcome(t1.encode_text, text, blobs=blobs)
    assert fast == _outcome(t1._exact_encode_text, text, blobs=blobs)
    assert t1.exact_payload(text) == t1._exact_payload(text)
    if fast[0] == "ok":
        assert t1.decode_text(fast[1]) == t1.decode_text(fast[1], fast=False) == text


# Values where orjson and json part: floats, integers beyond 64 bits, -0, lone surrogates, NaN,
# nesting deeper than orjson writes, keys repeated.
EDGES = [
    '{"temperature":0.7,"n":1}',
    '{"a":1.10,"b":[1e5,1E+2,-0.0,1e400]}',
    '{"a":-0,"b":"-0"}',
    '{"a":[ -0 ,1],"id":"chatcmpl-0b76"}',
    '{"id":"chatcmpl-0b76","x":"a:-0,"}',
    '{"date":"2024-01-05","x":-01}',
    '{"id":9223372036854775807,"b":18446744073709551615}',
    '{"big":18446744073709551616,"neg":-9223372036854775809}',
    '{"huge":123456789012345678901234567890123}',
    '{"s":"\\ud800"}',
    '["\\udfff x"]',
    "[NaN,Infinity,-Infinity]",
    "[" * 300 + "]" * 300,
    '{"a":1,"a":2,"b":3}',
    '{"role":"user","content":"\\u2028\\u2029\\u007f\\u0000\\b\\f\\n\\r\\t\\"\\\\/"}',
    '{ "spaced" : [ 1 , 2.5 ] }',
    '{"s":"x:1.1,","a":1.10}',
    '{"s":"x:1.1,","a":1.1}',
    '{"a":18446744073709551616,"s":":1.8446744073709552e+19,"}',
    '{"a":[0.5,1e-7,1e16,123.0,1.0E2,-0.0,5e-324]}',
    '{"logprobs":[{"token":"hi","logprob":-0.25,"top":[{"t":"a","logprob":-2.5e-05}]}]}',
    '[1.5,"[2.5]",{"k":[3.25]}]',
]


@pytest.mark.parametrize("text", EDGES)
def test_edges_take_the_same_result(text: str) -> None:
    fast = _outcome(t1.encode_text, text, blobs=True)
    assert fast == _outcome(t1._exact_encode_text, text, blobs=True)
    assert t1.exact_payload(text) == t1._exact_payload(text)
    if fast[0] == "ok":
        assert t1.decode_text(fast[1]) == t1.decode_text(fast[1], fast=False)


@pytest.mark.parametrize(
    "payload",
    [
        '[2,[1,"1.10"],0.5]',
        '{"a":[1e+16,1e16,0.0001,1e-05]}',
        '{"a":[ 1.5 ,2]}',
        '{"a":18446744073709551616}',
        '{"a":-0}',
        "[" * 300 + "]" * 300,
    ],
)
def test_hand_written_payloads_decode_alike(payload: str) -> None:
    assert _outcome(t1.decode_text, payload) == _outcome(t1.decode_text, payload, fast=False)


def test_orjson_escapes_strings_as_json_does() -> None:
    """Every code point but the surrogates, as one string and one at a time around quotes."""
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert orjson.dumps(every).decode("utf-8") == json.dumps(every, ensure_ascii=False)
    low = ["a" + chr(c) + '"\\' for c in range(0x100)] + ["\u2028", "\u2029", "\ufeff", "\U0010ffff"]
    assert orjson.dumps(low).decode("utf-8") == json.dumps(low, ensure_ascii=False, separators=(",", ":"))


def test_orjson_refuses_what_it_cannot_write_exactly() -> None:
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads('["\\ud800"]')
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps([2**64])
    # Integers outside 64 bits come back as floats, which the walks refuse.
    assert type(orjson.loads("[18446744073709551616]")[0]) is float
    assert type(orjson.loads("[-9223372036854775809]")[0]) is float


def test_float_free_json_skips_the_json_module(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        '{"model":"m","messages":[{"role":"user","content":"hi -01 1.5 x:2.5"}],"n":2,"id":"chatcmpl-0b76",'
        '"temperature":0.7,"top_p":1.0,"date":"2024-01-05","lp":[-0.125,-12.5]}'
    )
    payload = t1.encode_text(text)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("json module used")

    monkeypatch.setattr(t1, "_loads", refuse)
    monkeypatch.setattr(t1.json, "loads", refuse)
    monkeypatch.setattr(t1, "_dumps", refuse)
    assert t1.encode_text(text) == payload
    assert t1.exact_payload(text) == payload
    assert t1.decode_text(payload) == text


LOOK_ALIKES = st.sampled_from([":1.1,", "[2.5]", ",-0,", ":1e5}", "x:-0.0]", ":18446744073709551616,"])
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_STRUCTURAL = re.compile(r"[\[,:]")


def _spaced(text: str, space: str) -> str:
    """``text`` with ``space`` after every "[", "," and ":" outside strings (still the same JSON)."""
    out, pos = [], 0
    for m in _STRING.finditer(text):
        out.append(_STRUCTURAL.sub(lambda c: c.group() + space, text[pos : m.start()]))
        out.append(m.group())
        pos = m.end()
    out.append(_STRUCTURAL.sub(lambda c: c.group() + space, text[pos:]))
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(JSON_TEXT, st.lists(LOOK_ALIKES, max_size=2), st.sampled_from(["", " ", "\n ", "\t"]))
def test_spaced_text_and_look_alike_strings_agree(text: str, fakes: list[str], space: str) -> None:
    """Whitespace around values and strings that read like number literals do not fool the scan."""
    text = _spaced("[" + ",".join([text, *(json.dumps(f) for f in fakes)]) + "]", space)
    fast = _outcome(t1.encode_text, text)
    assert fast == _outcome(t1._exact_encode_text, text)
    assert t1.exact_payload(text) == t1._exact_payload(text)
    if fast[0] == "ok":
        assert t1.decode_text(fast[1]) == t1.decode_text(fast[1], fast=False)
