from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from m2m.codec import Limits, compress, decompress, t1
from m2m.errors import DecodeError, LimitExceededError
from m2m.tokenizer import count_tokens

from .strategies import JSON_TEXT


@settings(max_examples=400, deadline=None)
@given(JSON_TEXT)
def test_round_trip_keeps_value_order_and_literals(text: str) -> None:
    wire = compress(text, "t1")
    assert isinstance(wire, str) and wire.startswith("#T1|")
    json.loads(wire[4:])  # valid JSON after the prefix
    assert decompress(wire) == text
    assert decompress(compress(text, "t1", binary=True)) == text


@pytest.mark.parametrize(
    "text",
    [
        '{"c":1,"M":null,"x":[1,2]}',
        "[1.0,1,1e5,-0,1E+2,0.10,1e400]",
        '{"messages":[{"role":"user","content":"hi"}],"n":1}',
        '{"role":"user","content":"hi","extra":true}',
        '{"content":"hi","role":"user"}',
        '[[0,1],[1,"1.5"],[2],[]]',
        '{"a":{},"b":[],"c":""}',
        "123456789012345678901234567890123",
        '"\\u0000x"',
    ],
)
def test_edge_values(text: str) -> None:
    assert decompress(compress(text, "t1")) == text


def test_arrays_that_look_like_codes_are_escaped() -> None:
    wire = compress('[[2,"a"],[0],[1,"1.5"]]', "t1")
    assert wire == '#T1|[[0,2,"a"],[0,0],[0,1,"1.5"]]'


def test_golden_wires() -> None:
    assert decompress("#T1|[0,1,2]") == "[1,2]"
    assert decompress('#T1|[1,"1e5"]') == "1e5"
    assert decompress('#T1|{"a":[1,"-0"],"b":[1,"1.10"]}') == '{"a":-0,"b":1.10}'
    assert decompress('#T1|{"k":"v"}') == '{"k":"v"}'
    # Shape ids are append-only: this wire must decode the same way forever.
    text = '{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}'
    assert compress(text, "t1") == '#T1|{"model":"gpt-4o","messages":[[9,"Hi"]]}'
    assert decompress('#T1|{"model":"gpt-4o","messages":[[9,"Hi"]]}') == text


def test_shapes_save_tokens_on_a_response() -> None:
    resp = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Hello there",
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    }
    text = json.dumps(resp, separators=(",", ":"))
    wire = compress(text, "t1")
    assert decompress(wire) == text
    assert count_tokens(wire) < 0.8 * count_tokens(text)


def test_bad_t1_payloads() -> None:
    with pytest.raises(DecodeError, match="not valid JSON"):
        decompress("#T1|{")
    with pytest.raises(DecodeError, match="unknown shape"):
        decompress("#T1|[99999999]")
    with pytest.raises(DecodeError, match="expects"):
        decompress("#T1|[2]" if t1._table()[1][0][2] else "#T1|[2,1,2,3,4,5,6,7,8,9]")
    with pytest.raises(DecodeError, match="number literal"):
        decompress('#T1|[1,"1,2]"]')


def test_depth_limit_on_compress_and_decode() -> None:
    deep = "[" * 33 + "]" * 33
    ok = "[" * 32 + "]" * 32
    assert decompress(compress(ok, "t1")) == ok
    with pytest.raises(LimitExceededError, match="deeper than 32"):
        compress(deep, "t1")
    with pytest.raises(LimitExceededError, match="deeper than 32"):
        decompress("#T1|" + deep)
    with pytest.raises(LimitExceededError):
        decompress("#T1|" + "[" * 100000 + "]" * 100000)
    with pytest.raises(LimitExceededError, match="deeper than 3"):
        decompress("#T1|[[[[]]]]", limits=Limits(max_depth=3))


def test_element_limit() -> None:
    with pytest.raises(LimitExceededError, match="JSON values"):
        decompress("#T1|" + json.dumps(list(range(20))), limits=Limits(max_elements=10))


def test_not_json_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="not valid JSON"):
        compress("hello", "t1")


@settings(max_examples=60, deadline=None)
@given(
    st.binary(min_size=150, max_size=2000),
    st.sampled_from(["", "data:image/png;base64,", "data:application/pdf;base64,"]),
    st.sampled_from(["", "=", "A"]),
)
def test_attachments_round_trip_and_cost_fewer_tokens(data: bytes, head: str, tamper: str) -> None:
    body = base64.b64encode(data).decode()
    if tamper and body.endswith("="):
        body = body.rstrip("=") + tamper  # no longer canonical base64: must stay a plain string
    text = json.dumps({"url": head + body, "x": [body]}, separators=(",", ":"))
    wire = compress(text, "t1")
    assert decompress(wire) == text
    if not tamper and len(body) >= 400:
        assert count_tokens(wire) < 0.75 * count_tokens(text)


def test_bad_attachments() -> None:
    with pytest.raises(DecodeError, match="malformed attachment"):
        decompress('#T1|[-1,"",2]')
    with pytest.raises(DecodeError, match="not in the alphabet"):
        decompress('#T1|[-1,"",2," zzqqxxyy"]')
    with pytest.raises(DecodeError, match="length"):
        decompress('#T1|[-1,"",7," The"]')


def test_sparse_shapes() -> None:
    message = {
        "annotations": None,
        "audio": None,
        "content": "Hi",
        "function_call": None,
        "role": "assistant",
    }
    text = json.dumps({"choices": [{"message": message, "extra": 1}]}, separators=(",", ":"))
    wire = compress(text, "t1")
    assert decompress(wire) == text
    assert count_tokens(wire) <= count_tokens(text) - 6
    with pytest.raises(DecodeError, match="unknown sparse shape"):
        decompress("#T1|[-1000,0,0]")
    with pytest.raises(DecodeError, match="malformed sparse shape"):
        decompress("#T1|[-5]")
    with pytest.raises(DecodeError, match="bad key mask"):
        decompress("#T1|[-3,1,2]")
    with pytest.raises(DecodeError, match="values for"):
        decompress('#T1|[-3,3,0,"x"]')


def test_shapes_are_bounded() -> None:
    assert all(len(keys) <= t1.MAX_SHAPE_KEYS for keys, _, _ in t1._table()[1])
