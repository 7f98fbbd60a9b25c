"""The proxy's stateful glue without HTTP: zstream through the real SSE framer, delta exchanges."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from m2m.codec.delta import BINARY_MAGIC, parse_delta
from m2m.errors import DecodeError, DeltaBaseUnknownError
from m2m.proxy import stateful
from m2m.proxy.sse import SSEParser
from m2m.proxy.stateful import (
    DELTA_HEADER,
    BufferedResponse,
    DeltaClient,
    DeltaServer,
    StreamEventDecoder,
    StreamEventEncoder,
    offers_stream,
    use_stream,
)

AUTH = [("authorization", "Bearer sk-test")]
UPSTREAM_EVENTS = [
    b'data: {"id":"c1","object":"chat.completion.chunk",'
    b'"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n',
    b": keep-alive\n\n",
    b"event: message\r\nid: 2\r\n"
    b'data: {"choices":[{"index":0,"delta":{"content":"lo"}}],"obfuscation":"q"}\r\n\r\n',
    b"data: [DONE]\n\n",
]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("zstream, zstd, brotli", True),
        ("zstd, ZStream;q=0.5", True),
        ("zstream;q=0, zstd", False),
        ("zstd, brotli", False),
        ("zstream;q=bad", False),
        (None, False),
        ("", False),
    ],
)
def test_offers_stream(accept: str | None, expected: bool) -> None:
    assert offers_stream(accept) is expected


def relay(events: list[bytes], chunks: list[int]) -> tuple[list[bytes], StreamEventDecoder]:
    """Server encodes parsed upstream events; the client re-frames the bytes at arbitrary reads."""
    upstream, encoder = SSEParser(), StreamEventEncoder()
    wire = b"".join(encoder.encode(e) for e in upstream.feed(b"".join(events))) + encoder.finish()
    client, decoder = SSEParser(), StreamEventDecoder(max_bytes=1 << 20)
    out: list[bytes] = []
    start = 0
    for cut in [*chunks, len(wire)]:
        out.extend(decoder.decode(e) for e in client.feed(wire[start:cut]))
        start = max(start, cut)
    return out, decoder


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2000), max_size=20).map(sorted))
def test_zstream_through_the_proxy_framer_restores_every_byte(chunks: list[int]) -> None:
    out, decoder = relay(UPSTREAM_EVENTS, chunks)
    assert b"".join(out) == b"".join(UPSTREAM_EVENTS)
    decoder.finish()


def test_zstream_cut_before_end_marker_is_an_error() -> None:
    upstream, encoder = SSEParser(), StreamEventEncoder()
    wire = b"".join(encoder.encode(e) for e in upstream.feed(b"".join(UPSTREAM_EVENTS)))
    client, decoder = SSEParser(), StreamEventDecoder(max_bytes=1 << 20)
    for event in client.feed(wire):
        decoder.decode(event)
    with pytest.raises(DecodeError, match="cut"):
        decoder.finish()


def request(*turns: str) -> bytes:
    messages = [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)]
    return json.dumps({"model": "gpt-4o-mini", "messages": messages}).encode()


def response(text: str) -> bytes:
    return json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}).encode()


LONG_Q = "Explain in detail how the deflate algorithm finds repeated strings. " * 8
LONG_A = "Deflate keeps a hash table of three-byte prefixes and walks hash chains to find matches. " * 8


def full(body: bytes) -> bytes:
    return b"FULL:" + body


def test_delta_exchange_flow_and_fallback() -> None:
    server = DeltaServer(cache_entries=16, ttl_seconds=60)
    client = DeltaClient()
    turn1 = request(LONG_Q)
    turn2 = request(LONG_Q, LONG_A, "And zstd?")

    # Turn 1: the peer has not said it keeps bases, so the body goes in full.
    ex = client.exchange(AUTH, turn1)
    assert ex is not None and ex.encode(lambda: full(turn1)) == full(turn1) and not ex.sent_delta
    assert (DELTA_HEADER, "1") in ex.request_headers()
    ex.sent()
    srv = server.exchange([(b"authorization", b"Bearer sk-test"), (b"x-m2m-delta", b"1")])
    assert srv is not None
    srv.remember_request(turn1)
    srv.reply_json(response(LONG_A))
    ex.learn(200, srv.response_headers())
    ex.reply_json(response(LONG_A))

    # Turn 2: a delta, much smaller than the body; the server rebuilds it exactly.
    ex = client.exchange(AUTH, turn2)
    assert ex is not None
    body = ex.encode(lambda: full(turn2))
    assert ex.sent_delta and body.startswith(BINARY_MAGIC) and len(body) < len(turn2) / 4
    assert server.decode(body, AUTH, max_bytes=1 << 20) == turn2
    assert server.decode(turn2, AUTH, max_bytes=1 << 20) is None  # not a delta: left to the codecs

    # Another replica (empty cache): 409, the client recognises it and will not use that base again.
    other = DeltaServer(cache_entries=16, ttl_seconds=60)
    with pytest.raises(DeltaBaseUnknownError) as info:
        other.decode(body, AUTH, max_bytes=1 << 20)
    error_body = json.dumps(info.value.to_openai()).encode()
    assert ex.base_unknown(info.value.status, error_body)
    assert not ex.sent_delta
    again = client.exchange(AUTH, turn2)
    assert again is not None and not again.encode(lambda: full(turn2)).startswith(BINARY_MAGIC)


def test_upstream_409_is_not_mistaken_for_a_missing_base() -> None:
    client = DeltaClient()
    client.peer_keeps_bases = True
    turn1, turn2 = request(LONG_Q), request(LONG_Q, LONG_A, "More?")
    client.exchange(AUTH, turn1).sent()  # type: ignore[union-attr]
    ex = client.exchange(AUTH, turn2)
    assert ex is not None
    ex.encode(lambda: full(turn2))
    assert ex.sent_delta
    conflict = json.dumps({"error": {"message": "conflict", "code": "conflict"}}).encode()
    assert not ex.base_unknown(409, conflict)
    assert not ex.base_unknown(409, b"not json")
    assert ex.sent_delta


def test_delta_needs_opt_in_on_both_sides() -> None:
    assert DeltaServer(cache_entries=16, ttl_seconds=60).exchange(AUTH) is None  # no X-M2M-Delta
    disabled = DeltaServer(cache_entries=0, ttl_seconds=60)
    assert disabled.exchange([*AUTH, ("x-m2m-delta", "1")]) is None
    with pytest.raises(DeltaBaseUnknownError):
        disabled.decode(b"#D1|x|y|z", AUTH, max_bytes=100)
    assert DeltaClient(cache_entries=0).exchange(AUTH, b"{}") is None
    client = DeltaClient()
    ex = client.exchange(AUTH, b"{}")
    assert ex is not None
    ex.learn(200, [("x-m2m-delta", "1")])
    assert client.peer_keeps_bases
    ex.learn(500, [])
    assert client.peer_keeps_bases  # an error page says nothing about the peer
    ex.learn(200, [])
    assert not client.peer_keeps_bases


def test_stream_reply_is_kept_on_both_sides() -> None:
    server = DeltaServer(cache_entries=16, ttl_seconds=60)
    client = DeltaClient()
    client.peer_keeps_bases = True
    turn1 = request(LONG_Q)
    ex = client.exchange(AUTH, turn1)
    srv = server.exchange([*AUTH, ("x-m2m-delta", "1")])
    assert ex is not None and srv is not None
    ex.encode(lambda: full(turn1))
    ex.sent()
    srv.remember_request(turn1)
    for piece in (LONG_A[:40], LONG_A[40:]):
        chunk = {"choices": [{"index": 0, "delta": {"content": piece}}]}
        event = b"data: " + json.dumps(chunk).encode() + b"\n\n"
        srv.feed_event(event)
        ex.feed_event(event)
    srv.stream_done()
    ex.stream_done()
    turn2 = request(LONG_Q, LONG_A, "Thanks")
    ex2 = client.exchange(AUTH, turn2)
    assert ex2 is not None
    body = ex2.encode(lambda: full(turn2))
    assert parse_delta(body).reply_hash is not None  # the reply is named next to the base
    assert server.decode(body, AUTH, max_bytes=1 << 20) == turn2


async def test_buffered_response_replays_its_body() -> None:
    resp = BufferedResponse(409, [("content-type", "application/json")], b'{"a":1}')
    assert await resp.read() == b'{"a":1}'
    assert [c async for c in resp.aiter_bytes()] == [b'{"a":1}']
    await resp.aclose()


def test_stream_contexts_are_bounded_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stateful, "MAX_LIVE_STREAMS", StreamEventEncoder.live + 2)
    first, second = StreamEventEncoder(), StreamEventEncoder()
    assert not use_stream("zstream")  # full: the next stream gets the stateless encoding
    first.finish()
    assert use_stream("zstream")
    third = StreamEventEncoder()
    assert not use_stream("zstream")
    del second, third  # a stream cut by an error or a disconnect never calls finish()
    assert use_stream("zstream") and not use_stream("zstd")


def test_delta_refused_by_a_peer_that_cannot_read_deltas_is_resent() -> None:
    client = DeltaClient()
    client.peer_keeps_bases = True
    turn1, turn2 = request(LONG_Q), request(LONG_Q, LONG_A, "More?")
    client.exchange(AUTH, turn1).sent()  # type: ignore[union-attr]
    ex = client.exchange(AUTH, turn2)
    assert ex is not None
    ex.encode(lambda: full(turn2))
    assert ex.sent_delta
    # An older m2m replica behind the same balancer: it does not know the format at all.
    old_peer = json.dumps({"error": {"message": "unknown format", "code": "m2m_unknown_format"}}).encode()
    assert ex.base_unknown(400, old_peer)
    assert not client.peer_keeps_bases
    assert ex.encode(lambda: full(turn2)) == full(turn2)
    bad_json = json.dumps({"error": {"message": "bad", "code": "invalid_request"}}).encode()
    client.exchange(AUTH, turn1).sent()  # type: ignore[union-attr]
    client.peer_keeps_bases = True
    ex2 = client.exchange(AUTH, turn2)
    assert ex2 is not None and ex2.encode(lambda: full(turn2)).startswith(BINARY_MAGIC)
    assert not ex2.base_unknown(400, bad_json)  # an ordinary 400 is the upstream's answer


def test_stream_encoder_finish_is_once() -> None:
    encoder = StreamEventEncoder()
    assert encoder.finish().startswith(b"data: #S1|")
    assert encoder.finish() == b""


def test_delta_cache_bounds_come_from_config(app_for: Any) -> None:
    app = app_for(proxy__delta__cache_entries=7, proxy__delta__ttl_seconds=30, proxy__delta__max_bytes=4096)
    cache = app._delta_server.cache
    assert cache is not None
    assert (cache.max_entries, cache.ttl_seconds, cache.max_bytes) == (7, 30.0, 4096)
    assert app_for(proxy__delta__cache_entries=0)._delta_server.cache is None
