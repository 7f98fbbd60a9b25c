"""Conversation deltas: exact reconstruction, hash checks, and a bounded cache that may forget."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CORPUS
from m2m.codec.delta import (
    BINARY_MAGIC,
    FORMAT_NAME,
    HASH_CHARS,
    PREFIX,
    DeltaCache,
    DeltaEncoder,
    DeltaWire,
    ReplyCollector,
    apply_delta,
    content_hash,
    encode_delta,
    is_delta,
    parse_delta,
    reply_text,
    scope_of,
)
from m2m.errors import CodecError, DecodeError, DeltaBaseUnknownError, LimitExceededError, UnknownFormatError


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def chat(*messages: str, model: str = "gpt-4o-mini") -> bytes:
    body = {
        "model": model,
        "messages": [
            {"role": "user" if i % 2 == 0 else "assistant", "content": m} for i, m in enumerate(messages)
        ],
        "stream": True,
    }
    return json.dumps(body, separators=(",", ":")).encode()


TURN1 = chat("What is the capital of France?")
TURN2 = chat("What is the capital of France?", "Paris.", "And of Italy?")


def test_hash_is_128_bit_base64url() -> None:
    key = content_hash(b"hello")
    assert len(key) == HASH_CHARS == 22
    assert base64.urlsafe_b64decode(key + "==") == hashlib.sha256(b"hello").digest()[:16]
    assert FORMAT_NAME == "delta"


def test_delta_roundtrip_and_wire_shape() -> None:
    wire = encode_delta(TURN1, TURN2)
    assert wire.startswith(PREFIX) and wire.isascii() and is_delta(wire) and is_delta(wire.encode())
    parsed = parse_delta(wire)
    assert parsed.base_hash == content_hash(TURN1)
    assert parsed.target_hash == content_hash(TURN2)
    assert apply_delta(parsed, TURN1) == TURN2
    assert not is_delta(TURN2)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600), st.binary(max_size=600))
def test_any_base_any_target_roundtrip(base: bytes, target: bytes) -> None:
    assert apply_delta(parse_delta(encode_delta(base, target)), base) == target


edits = st.lists(
    st.tuples(
        st.sampled_from(["append", "insert", "replace", "truncate"]),
        st.binary(max_size=120),
        st.floats(0, 1),
    ),
    min_size=1,
    max_size=12,
)


def apply_edit(data: bytes, op: str, blob: bytes, where: float) -> bytes:
    at = int(len(data) * where)
    if op == "append":
        return data + blob
    if op == "insert":
        return data[:at] + blob + data[at:]
    if op == "replace":
        return data[:at] + blob + data[at + len(blob) :]
    return data[:at]


@settings(max_examples=80, deadline=None)
@given(
    st.binary(max_size=400), edits, st.lists(st.tuples(st.binary(max_size=80), st.booleans()), max_size=12)
)
def test_random_request_history_through_client_and_server(
    first: bytes, history: list[tuple[str, bytes, float]], replies: list[tuple[bytes, bool]]
) -> None:
    clock = FakeClock()
    server = DeltaCache(max_entries=4, max_bytes=1 << 20, ttl_seconds=60, clock=clock)
    client = DeltaEncoder(DeltaCache(max_entries=4, max_bytes=1 << 20, ttl_seconds=60, clock=clock))
    request = first
    for turn, (op, blob, where) in enumerate(history):
        wire = client.encode(request)
        received = None
        if wire is not None:
            # On 409 the client falls back to a full resend.
            with contextlib.suppress(DeltaBaseUnknownError):
                received = server.decode(wire)
        if received is None:
            server.put(request)
            received = request
        assert received == request
        client.remember(request)
        if turn < len(replies):
            reply, server_has_it = replies[turn]
            client.remember_reply(request, reply)
            if reply and server_has_it:
                server.put(reply, request=False)
        request = apply_edit(request, op, blob, where)


def test_encoder_prefers_delta_only_when_it_pays() -> None:
    client = DeltaEncoder()
    assert client.encode(TURN2) is None  # nothing remembered yet
    client.remember(TURN1)
    wire = client.encode(TURN2)
    assert wire is not None and parse_delta(wire).base_hash == content_hash(TURN1)
    assert client.encode(TURN2, stateless_size=len(wire)) is None
    unrelated = bytes(range(256)) * 4
    assert client.encode(unrelated) is None


def test_encoder_picks_the_closest_base() -> None:
    client = DeltaEncoder()
    other = chat("Tell me about tigers in detail, please.")
    client.remember(TURN1)
    client.remember(other)
    longer = chat("What is the capital of France?", "Paris.", "And of Italy?", "Rome.", "Spain?")
    client.remember(TURN2)
    client.remember(other)
    wire = client.encode(longer)
    assert wire is not None and parse_delta(wire).base_hash == content_hash(TURN2)


def test_scopes_never_share_bases() -> None:
    server = DeltaCache()
    alice, bob = scope_of("Bearer sk-alice"), scope_of(b"Bearer sk-bob")
    assert alice != bob and scope_of(None) == "" and "sk-alice" not in alice
    server.put(TURN1, scope=alice)
    wire = encode_delta(TURN1, TURN2)
    with pytest.raises(DeltaBaseUnknownError):
        server.decode(wire, scope=bob)
    assert server.decode(wire, scope=alice) == TURN2
    client = DeltaEncoder()
    client.remember(TURN1, scope=alice)
    assert client.encode(TURN2, scope=bob) is None


def test_unknown_base_is_409_with_openai_code() -> None:
    with pytest.raises(DeltaBaseUnknownError) as info:
        DeltaCache().decode(encode_delta(TURN1, TURN2))
    assert info.value.status == 409
    assert info.value.to_openai()["error"]["code"] == "m2m_delta_base_unknown"


def test_forged_target_hash_is_an_error_and_nothing_is_cached() -> None:
    server = DeltaCache()
    server.put(TURN1)
    head, base_hash, _, payload = encode_delta(TURN1, TURN2).split("|", 3)
    forged = f"{head}|{base_hash}|{content_hash(b'something else')}|{payload}"
    with pytest.raises(DecodeError, match="target hash"):
        server.decode(forged)
    assert len(server) == 1


def test_forged_base_hash_is_unknown_or_mismatch() -> None:
    server = DeltaCache()
    server.put(TURN1)
    delta = parse_delta(encode_delta(TURN1, TURN2))
    with pytest.raises(DecodeError, match="base does not match"):
        apply_delta(delta, TURN2)
    forged = encode_delta(TURN1, TURN2).replace(content_hash(TURN1), content_hash(b"never sent"))
    with pytest.raises(DeltaBaseUnknownError):
        server.decode(forged)


def test_payload_tampering_never_yields_a_wrong_request() -> None:
    wire = encode_delta(TURN1, TURN2)
    head, payload = wire.rsplit("|", 1)
    raw = bytearray(base64.b85decode(payload))
    for i in range(len(raw)):
        tampered = bytearray(raw)
        tampered[i] ^= 0x01
        forged = f"{head}|{base64.b85encode(bytes(tampered)).decode()}"
        try:
            out = apply_delta(parse_delta(forged), TURN1)
        except CodecError:
            continue
        assert out == TURN2


def test_cache_evicts_by_entries() -> None:
    cache = DeltaCache(max_entries=2, max_bytes=1 << 20, ttl_seconds=60, clock=FakeClock())
    keys = [cache.put(bytes([i]) * 10) for i in range(3)]
    assert len(cache) == 2
    assert cache.get(keys[0]) is None
    assert cache.get(keys[1]) == bytes([1]) * 10
    cache.put(b"x" * 10)  # keys[2] is now least recently used
    assert cache.get(keys[2]) is None and cache.get(keys[1]) is not None


def test_cache_evicts_by_bytes() -> None:
    cache = DeltaCache(max_entries=100, max_bytes=100, ttl_seconds=60, clock=FakeClock())
    first = cache.put(b"a" * 60)
    second = cache.put(b"b" * 30)
    assert cache.total_bytes == 90
    cache.put(b"c" * 30)
    assert cache.get(first) is None and cache.get(second) == b"b" * 30
    assert cache.total_bytes == 60
    too_big = cache.put(b"d" * 101)
    assert cache.get(too_big) is None and cache.total_bytes == 60


def test_cache_expires_by_idle_time_without_sleeping() -> None:
    clock = FakeClock()
    cache = DeltaCache(max_entries=10, max_bytes=1000, ttl_seconds=30, clock=clock)
    kept, idle = cache.put(b"kept"), cache.put(b"idle")
    clock.now += 20
    assert cache.get(kept) == b"kept"  # use renews the deadline
    clock.now += 20
    assert cache.get(idle) is None
    assert cache.get(kept) == b"kept"
    clock.now += 31
    assert cache.get(kept) is None
    assert len(cache) == 0 and cache.total_bytes == 0
    wire = encode_delta(b"kept", b"kept and more")
    with pytest.raises(DeltaBaseUnknownError):
        cache.decode(wire)


def test_decoded_target_becomes_next_base() -> None:
    server = DeltaCache()
    server.put(TURN1)
    turn3 = chat("What is the capital of France?", "Paris.", "And of Italy?", "Rome.", "Spain?")
    server.decode(encode_delta(TURN1, TURN2))
    assert server.decode(encode_delta(TURN2, turn3)) == turn3


def test_limits_refuse_big_targets() -> None:
    base = b"x" * 100
    target = b"x" * 100 + b"y" * 5000
    delta = parse_delta(encode_delta(base, target))
    with pytest.raises(LimitExceededError):
        apply_delta(delta, base, max_output=1000)
    assert apply_delta(delta, base, max_output=len(target)) == target
    same = parse_delta(encode_delta(target, target))
    with pytest.raises(LimitExceededError):
        apply_delta(same, target, max_output=1000)


def test_zstd_frame_without_size_or_bomb_is_refused() -> None:
    base = b"0123456789" * 10
    no_size = zstandard.ZstdCompressor(write_content_size=False).compress(b"abc")
    payload = b"\x00\x00" + no_size
    wire = DeltaWire(content_hash(base), content_hash(b"abc"), payload)
    with pytest.raises(DecodeError, match="content size"):
        apply_delta(wire, base)
    bomb = zstandard.ZstdCompressor().compress(b"\x00" * (32 << 20))
    with pytest.raises(LimitExceededError):
        apply_delta(DeltaWire(content_hash(base), content_hash(b""), b"\x00\x00" + bomb), base)


def test_malformed_wires() -> None:
    good = encode_delta(TURN1, TURN2)
    with pytest.raises(UnknownFormatError, match="version"):
        parse_delta("#D9|" + good[4:])
    with pytest.raises(UnknownFormatError):
        parse_delta('{"model":"x"}')
    with pytest.raises(DecodeError, match="expected"):
        parse_delta("#D1|abc")
    with pytest.raises(DecodeError, match="base hash"):
        parse_delta("#D1|short|" + content_hash(b"") + "|00")
    with pytest.raises(DecodeError, match="base85"):
        parse_delta(f"#D1|{content_hash(b'')}|{content_hash(b'')}|\x7f\x7f")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_codec_errors(junk: bytes) -> None:
    cache = DeltaCache()
    cache.put(TURN1)
    prefix = f"{PREFIX}{content_hash(TURN1)}|{content_hash(TURN2)}|".encode()
    # Any input decodes or raises a codec error (or 409 for an unknown base); nothing else escapes.
    for wire in (junk, PREFIX.encode() + junk, prefix + junk, prefix + base64.b85encode(junk)):
        with contextlib.suppress(CodecError, DeltaBaseUnknownError):
            cache.decode(wire)


def sessions() -> list[list[bytes]]:
    lines = (CORPUS / "sessions.jsonl").read_text().splitlines()
    return [
        [
            json.dumps(r, separators=(",", ":"), ensure_ascii=False).encode()
            for r in json.loads(line)["requests"]
        ]
        for line in lines
    ]


def test_corpus_sessions_roundtrip_through_delta() -> None:
    server, client = DeltaCache(), DeltaEncoder()
    deltas = 0
    for session in sessions():
        for request in session:
            wire = client.encode(request, stateless_size=len(request))
            if wire is None:
                server.put(request)
            else:
                deltas += 1
                assert len(wire) < len(request)
                assert server.decode(wire) == request
            client.remember(request)
    assert deltas > 0


ANSWER = 'The capital of Italy is Rome — "Roma" in Italian.'
REPLY_BODY = json.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": ANSWER}, "finish_reason": "stop"}
        ],
    }
).encode()


def reply_stream(text: str, pieces: int = 5) -> list[bytes]:
    step = max(1, len(text) // pieces)
    events = []
    for i in range(0, len(text), step):
        chunk = {
            "id": "c",
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": text[i : i + step]}}],
        }
        events.append(b"data: " + json.dumps(chunk).encode() + b"\n\n")
    return [*events, b"data: [DONE]\n\n"]


def test_reply_text_of_json_and_of_stream_is_the_escaped_answer() -> None:
    escaped = json.dumps(ANSWER, ensure_ascii=False).encode()[1:-1]
    assert reply_text(REPLY_BODY) == escaped
    collector = ReplyCollector()
    for event in reply_stream(ANSWER):
        collector.feed(event)
    assert collector.text() == escaped
    assert reply_text(b"not json") is None
    assert reply_text(b'{"choices":[]}') is None
    assert ReplyCollector().text() is None


def test_stream_reply_joins_tool_call_pieces() -> None:
    collector = ReplyCollector()
    for args in ('{"city":', '"Rome"}'):
        call = {"index": 0, "function": {"arguments": args}}
        chunk = {"choices": [{"index": 0, "delta": {"tool_calls": [call]}}]}
        collector.feed(b"data: " + json.dumps(chunk).encode() + b"\n\n")
    assert collector.text() == json.dumps('{"city":"Rome"}').encode()[1:-1]


def test_delta_with_reply_is_smaller_and_needs_the_reply() -> None:
    turn3 = chat("What is the capital of France?", "Paris.", "And of Italy?", ANSWER, "Thanks!")
    reply = reply_text(REPLY_BODY)
    assert reply is not None
    client = DeltaEncoder()
    client.remember(TURN2)
    plain_wire = client.encode(turn3)
    client.remember_reply(TURN2, reply)
    wire = client.encode(turn3)
    assert plain_wire is not None and wire is not None
    assert parse_delta(wire).reply_hash == content_hash(reply)
    assert len(wire) < len(plain_wire)

    server = DeltaCache()
    server.put(TURN2)
    with pytest.raises(DeltaBaseUnknownError):
        server.decode(wire)  # the reply never reached this server
    server.put(reply, request=False)
    assert server.decode(wire) == turn3
    with pytest.raises(DecodeError, match="reply"):
        apply_delta(parse_delta(wire), TURN2)
    with pytest.raises(DecodeError, match="reply"):
        apply_delta(parse_delta(wire), TURN2, reply=reply + b"x")
    # A reply is a dictionary, never a base.
    assert list(server.recent()) == [turn3, TURN2]


def test_forgotten_base_is_not_used_again() -> None:
    client = DeltaEncoder()
    key = client.remember(TURN1)
    client.forget(key)
    assert client.encode(TURN2) is None


def test_binary_form_roundtrip_and_layout() -> None:
    reply = reply_text(REPLY_BODY)
    assert reply is not None
    wire = encode_delta(TURN2, TURN1 + b" ", reply=reply, binary=True)
    assert wire.startswith(BINARY_MAGIC) and wire[4] == 1  # flags: a reply hash follows
    assert is_delta(wire)
    parsed = parse_delta(wire)
    assert (parsed.base_hash, parsed.reply_hash, parsed.target_hash) == (
        content_hash(TURN2),
        content_hash(reply),
        content_hash(TURN1 + b" "),
    )
    assert apply_delta(parsed, TURN2, reply=reply) == TURN1 + b" "
    text = encode_delta(TURN2, TURN1 + b" ", reply=reply)
    assert parse_delta(text).payload == parsed.payload
    assert len(wire) < len(text)
    plain = encode_delta(TURN1, TURN2, binary=True)
    assert plain[4] == 0 and len(plain) == 5 + 32 + len(parse_delta(plain).payload)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=300))
def test_binary_form_any_input_roundtrip(base: bytes, target: bytes) -> None:
    assert apply_delta(parse_delta(encode_delta(base, target, binary=True)), base) == target


def test_malformed_binary_wires() -> None:
    good = encode_delta(TURN1, TURN2, binary=True)
    with pytest.raises(UnknownFormatError, match="binary version"):
        parse_delta(good[:3] + b"\x02" + good[4:])
    with pytest.raises(DecodeError, match="truncated"):
        parse_delta(good[:20])
    with pytest.raises(DecodeError, match="truncated"):
        parse_delta(BINARY_MAGIC)
    with pytest.raises(DecodeError, match="flags"):
        parse_delta(BINARY_MAGIC + b"\x04" + good[5:])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=120))
def test_random_binary_raises_only_codec_errors(junk: bytes) -> None:
    cache = DeltaCache()
    cache.put(TURN1)
    # A header naming a base the cache has, so the junk reaches the payload decoder.
    known = BINARY_MAGIC + b"\x00" + hashlib.sha256(TURN1).digest()[:16] + hashlib.sha256(TURN2).digest()[:16]
    for wire in (BINARY_MAGIC + junk, known + junk):
        with contextlib.suppress(CodecError, DeltaBaseUnknownError):
            cache.decode(wire)
