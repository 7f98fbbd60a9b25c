"""Stream contexts (zsse, zstream) and conversation deltas through real proxies:
app -> A -> relay -> B -> upstream."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import httpx
import pytest
from openai import OpenAI

import m2m.client
from m2m.codec import compress
from m2m.codec.delta import BINARY_MAGIC, content_hash, encode_delta
from m2m.proxy.app import ProxyApp
from m2m.proxy.fake_upstream import FakeUpstream
from m2m.sse import SSEParser
from m2m.store import MemoryStore
from m2m.transport.server import BackgroundServer

from .relay import Relay

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

# Framing a relay must keep byte for byte: CRLF and CR line ends, comments, event/id/retry lines,
# a random field, and an event split over two writes.
STREAM = [
    b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"obfuscation":"Xy3"}\n\n',
    b": keep-alive\r\n\r\n",
    *[
        b'event: message\r\nid: %d\r\ndata: {"id":"chatcmpl-1","object":"chat.completion.chunk",'
        b'"created":1,"model":"m","choices":[{"index":0,"delta":{"content":" word%d"}}],'
        b'"obfuscation":"%s"}\r\n\r\n' % (i, i, b"q" * (i % 7))
        for i in range(60)
    ],
    b'retry: 3000\rdata: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\r\r',
    b"data: [DONE]\n\n",
]
STREAM_BYTES = b"".join(STREAM)


class ReplayUpstream:
    """Streams ``STREAM`` for ``stream: true`` requests, else hands over to a FakeUpstream."""

    def __init__(self, fake: FakeUpstream) -> None:
        self.fake = fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or dict(scope["headers"]).get(b"x-replay") != b"1":
            await self.fake(scope, receive, send)
            return
        while (await receive()).get("more_body", False):
            pass
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        for event in STREAM:
            half = len(event) // 2
            await send({"type": "http.response.body", "body": event[:half], "more_body": True})
            await send({"type": "http.response.body", "body": event[half:], "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


@pytest.fixture
def replay(fake: FakeUpstream) -> Iterator[BackgroundServer]:
    server = BackgroundServer(ReplayUpstream(fake)).start()
    yield server
    server.stop()


@pytest.fixture
def tunnel(
    proxy_server: Callable[..., BackgroundServer], replay: BackgroundServer
) -> Iterator[Callable[..., tuple[BackgroundServer, Relay]]]:
    relays: list[Relay] = []

    def build(**a_flags: Any) -> tuple[BackgroundServer, Relay]:
        b = proxy_server(replay.url + "/v1")
        relay = Relay(b.port)
        relays.append(relay)
        a = proxy_server(relay.url + "/v1", proxy__upstream_protocol="m2m", **a_flags)
        return a, relay

    yield build
    for relay in relays:
        relay.close()


STREAM_REQUEST = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True})
AUTH = {"authorization": "Bearer sk-app"}
DELTA = BINARY_MAGIC  # deltas travel in binary form between peers


def post_stream(url: str) -> httpx.Response:
    with httpx.Client(timeout=10) as http:
        return http.post(
            url + "/v1/chat/completions", content=STREAM_REQUEST, headers={**AUTH, "x-replay": "1"}
        )


def test_stream_through_tunnel_is_zsse_and_byte_exact(
    tunnel: Callable[..., tuple[BackgroundServer, Relay]],
) -> None:
    a, relay = tunnel()
    resp = post_stream(a.url)
    assert resp.status_code == 200
    assert resp.content == STREAM_BYTES
    assert "x-m2m-encoding" not in resp.headers
    assert b"x-m2m-encoding: zsse" in bytes(relay.down).lower()
    assert len(relay.down) < len(STREAM_BYTES) / 4


def test_peer_that_offers_zstream_only_gets_zstream(
    tunnel: Callable[..., tuple[BackgroundServer, Relay]],
) -> None:
    a, relay = tunnel(proxy__compression__formats="zstream,zstd,brotli,t1,none")
    resp = post_stream(a.url)
    assert resp.status_code == 200
    assert resp.content == STREAM_BYTES
    assert b"x-m2m-encoding: zstream" in bytes(relay.down).lower()
    assert bytes(relay.down).count(b"data: #S1|") == len(STREAM) + 1  # + the end marker
    assert len(relay.down) < len(STREAM_BYTES) / 2


def test_peer_that_offers_no_stream_context_gets_stateless(
    tunnel: Callable[..., tuple[BackgroundServer, Relay]],
) -> None:
    a, relay = tunnel(proxy__compression__formats="zstd,brotli,t1,none")
    resp = post_stream(a.url)
    assert resp.status_code == 200
    assert b"#S1|" not in relay.down
    assert b"x-m2m-encoding: zstream" not in bytes(relay.down).lower()
    assert b"x-m2m-encoding: zsse" not in bytes(relay.down).lower()
    sent = [e.data for e in SSEParser().feed(STREAM_BYTES) if e.data is not None]
    assert [e.data for e in SSEParser().feed(resp.content) if e.data is not None] == sent


@pytest.mark.parametrize("formats", [None, "zstream,zstd,none"])
@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_stream_cut_between_peers_ends_in_an_error_event(
    tunnel: Callable[..., tuple[BackgroundServer, Relay]], fraction: float, formats: str | None
) -> None:
    a, relay = tunnel(**({"proxy__compression__formats": formats} if formats else {}))
    post_stream(a.url)  # learn the size of the full exchange on this connection
    full = len(relay.down)
    relay.reset()
    relay.cut_after = int(full * fraction)
    resp = post_stream(a.url)
    events = SSEParser().feed(resp.content)
    assert events and events[-1].event == "error"
    delivered = b"".join(e.raw for e in events[:-1])
    assert STREAM_BYTES.startswith(delivered) and len(delivered) < len(STREAM_BYTES)


def chat(*turns: str, **extra: Any) -> bytes:
    messages = [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)]
    return json.dumps({"model": "gpt-4o-mini", "messages": messages, **extra}).encode()


SYSTEM_LIKE = "You are a careful assistant. Answer in full sentences and cite the source. " * 20
QUESTIONS = ["Name three rivers in France.", "Which is the longest?", "And in Italy?", "Thanks, summarise."]


def test_later_turns_travel_as_deltas(
    tunnel: Callable[..., tuple[BackgroundServer, Relay]], fake: FakeUpstream
) -> None:
    a, relay = tunnel()
    sent: list[bytes] = []
    with httpx.Client(timeout=10) as client:
        for body in conversation_bodies():
            relay.reset()
            resp = client.post(a.url + "/v1/chat/completions", content=body, headers=AUTH)
            assert resp.status_code == 200
            assert fake.requests[-1].body == body
            assert not any(name.startswith("x-m2m") for name in fake.requests[-1].headers)
            sent.append(bytes(relay.up).split(b"\r\n\r\n", 1)[1])
    stateless = [len(compress(b.decode(), "auto", binary=True)) for b in conversation_bodies()]
    assert not sent[0].startswith(DELTA)
    # From the third turn the reply to the previous turn is known on both sides too.
    assert all(body.startswith(DELTA) for body in sent[2:])
    assert all(len(body) <= size for body, size in zip(sent, stateless, strict=True))


def conversation_bodies() -> list[bytes]:
    """Four turns of one chat; each resends the history, as chat apps do."""
    history = [SYSTEM_LIKE + QUESTIONS[0]]
    bodies = [chat(*history)]
    for i, question in enumerate(QUESTIONS[1:]):
        history += [f"Answer {i}: " + "the Loire, the Seine and the Rhone. " * 5, question]
        bodies.append(chat(*history))
    return bodies


def test_lost_base_means_full_resend_not_failure(
    app_for: Callable[..., ProxyApp],
    proxy_server: Callable[..., BackgroundServer],
    replay: BackgroundServer,
    fake: FakeUpstream,
) -> None:
    b_app = app_for(replay.url + "/v1")
    b = BackgroundServer(b_app).start()
    relay = Relay(b.port)
    a = proxy_server(relay.url + "/v1", proxy__upstream_protocol="m2m")
    bodies = conversation_bodies()
    try:
        with httpx.Client(timeout=10) as client:
            for body in bodies[:3]:
                assert (
                    client.post(a.url + "/v1/chat/completions", content=body, headers=AUTH).status_code == 200
                )
            # B restarted, or another replica answers: it has none of the bases.
            b_app._store = MemoryStore()
            relay.reset()
            resp = client.post(a.url + "/v1/chat/completions", content=bodies[3], headers=AUTH)
            assert resp.status_code == 200
            assert fake.requests[-1].body == bodies[3]
            assert b"m2m_delta_base_unknown" in relay.down and DELTA in relay.up
            assert fake.requests[-2].body == bodies[2]  # the refused delta never reached the upstream
            relay.reset()
            again = bodies[3].replace(b"Thanks, summarise.", b"Thanks, summarise again.")
            resp = client.post(a.url + "/v1/chat/completions", content=again, headers=AUTH)
            assert resp.status_code == 200 and fake.requests[-1].body == again
            assert DELTA in relay.up and b"m2m_delta_base_unknown" not in relay.down
    finally:
        relay.close()
        b.stop()


def m2m_post(url: str, body: bytes, *, auth: str = "Bearer sk-app") -> httpx.Response:
    headers = {"authorization": auth, "x-m2m-protocol": "1", "x-m2m-delta": "1"}
    return httpx.post(url + "/v1/chat/completions", content=body, headers=headers, timeout=10)


def test_server_refuses_unknown_forged_or_foreign_bases(
    proxy_server: Callable[..., BackgroundServer], fake: FakeUpstream
) -> None:
    b = proxy_server()
    base, target = chat(SYSTEM_LIKE), chat(SYSTEM_LIKE, "ok", "next?")
    unknown = m2m_post(b.url, encode_delta(base, target).encode())
    assert unknown.status_code == 409
    assert unknown.json()["error"]["code"] == "m2m_delta_base_unknown"

    assert m2m_post(b.url, base).status_code == 200  # a full request from a delta client: kept
    seen = len(fake.requests)
    wire = encode_delta(base, target)
    forged = wire.replace(content_hash(target), content_hash(b"another request"))
    resp = m2m_post(b.url, forged.encode())
    # The same answer as an unknown base: a difference would confirm a guess at another request.
    assert resp.status_code == 409 and resp.json() == unknown.json()
    assert len(fake.requests) == seen  # nothing reached the upstream

    assert m2m_post(b.url, wire.encode(), auth="Bearer sk-other").status_code == 409
    ok = m2m_post(b.url, wire.encode())
    assert ok.status_code == 200 and fake.requests[-1].body == target
    assert ok.headers.get("x-m2m-delta") == "1"


def test_openai_client_through_tunnel_with_stateful_formats(
    tunnel: Callable[..., tuple[BackgroundServer, Relay]], fake: FakeUpstream
) -> None:
    a, relay = tunnel()
    messages: list[dict[str, str]] = [{"role": "system", "content": SYSTEM_LIKE}]
    with OpenAI(base_url=a.url + "/v1", api_key="sk-app", max_retries=0) as client:
        for question in QUESTIONS:
            messages.append({"role": "user", "content": question})
            stream = client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True)  # type: ignore[arg-type]
            text = "".join(c.choices[0].delta.content or "" for c in stream)
            assert text.startswith("You said: " + question[:10])
            messages.append({"role": "assistant", "content": text})
    assert DELTA in relay.up and b"x-m2m-encoding: zsse" in bytes(relay.down).lower()


# -- m2m.client: the same stateful formats with no proxy on the app side ---------------------------


@pytest.fixture
def b_behind_relay(
    app_for: Callable[..., ProxyApp], replay: BackgroundServer
) -> Iterator[tuple[ProxyApp, Relay]]:
    b_app = app_for(replay.url + "/v1")
    b = BackgroundServer(b_app).start()
    relay = Relay(b.port)
    yield b_app, relay
    relay.close()
    b.stop()


def test_m2m_client_sends_deltas_reads_zsse_and_survives_a_lost_base(
    b_behind_relay: tuple[ProxyApp, Relay], fake: FakeUpstream
) -> None:
    b_app, relay = b_behind_relay
    bodies = conversation_bodies()
    with m2m.client.httpx_client(relay.url, headers=AUTH) as client:
        for i, body in enumerate(bodies):
            if i == 3:  # B restarted between turns
                b_app._store = MemoryStore()
            relay.reset()
            resp = client.post("/v1/chat/completions", content=body)
            assert resp.status_code == 200, resp.text
            assert fake.requests[-1].body == body
            assert resp.json()["choices"][0]["message"]["content"].startswith("You said:")
            if i == 2:
                assert DELTA in relay.up
            if i == 3:
                assert b"m2m_delta_base_unknown" in relay.down
        relay.reset()
        resp = client.post("/v1/chat/completions", content=STREAM_REQUEST, headers={"x-replay": "1"})
        assert resp.content == STREAM_BYTES
        assert b"x-m2m-encoding: zsse" in bytes(relay.down).lower()


async def test_async_m2m_client_with_stateful_formats(
    b_behind_relay: tuple[ProxyApp, Relay], fake: FakeUpstream
) -> None:
    _, relay = b_behind_relay
    async with m2m.client.async_httpx_client(relay.url, headers=AUTH) as client:
        for body in conversation_bodies():
            resp = await client.post("/v1/chat/completions", content=body)
            assert resp.status_code == 200 and fake.requests[-1].body == body
        assert DELTA in relay.up
        async with client.stream(
            "POST", "/v1/chat/completions", content=STREAM_REQUEST, headers={"x-replay": "1"}
        ) as resp:
            assert b"".join([chunk async for chunk in resp.aiter_bytes()]) == STREAM_BYTES


def test_m2m_client_reports_a_cut_stream(b_behind_relay: tuple[ProxyApp, Relay]) -> None:
    _, relay = b_behind_relay
    with m2m.client.httpx_client(relay.url, headers=AUTH) as client:
        full = client.post("/v1/chat/completions", content=STREAM_REQUEST, headers={"x-replay": "1"})
        assert full.content == STREAM_BYTES
    relay.reset()
    relay.cut_after = 1500
    with m2m.client.httpx_client(relay.url, headers=AUTH) as client, pytest.raises(httpx.HTTPError):
        client.post("/v1/chat/completions", content=STREAM_REQUEST, headers={"x-replay": "1"})


def test_peer_without_a_delta_cache_never_gets_deltas(
    proxy_server: Callable[..., BackgroundServer], replay: BackgroundServer, fake: FakeUpstream
) -> None:
    b = proxy_server(replay.url + "/v1", proxy__delta__cache_entries=0)
    relay = Relay(b.port)
    try:
        a = proxy_server(relay.url + "/v1", proxy__upstream_protocol="m2m")
        with httpx.Client(timeout=10) as client:
            for body in conversation_bodies():
                resp = client.post(a.url + "/v1/chat/completions", content=body, headers=AUTH)
                assert resp.status_code == 200 and fake.requests[-1].body == body
                assert "x-m2m-delta" not in resp.headers
        assert DELTA not in relay.up and b"x-m2m-delta: 1\r\n" not in bytes(relay.down).lower()
    finally:
        relay.close()
