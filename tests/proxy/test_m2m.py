"""M2M between peers: requests decoded, responses negotiated, the A -> B tunnel, m2m.client."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from openai import AsyncOpenAI, OpenAI
from tests.conftest import CORPUS

import m2m.client
from m2m.codec import compress, decompress
from m2m.proxy.fake_upstream import FakeUpstream
from m2m.sse import SSEParser
from m2m.transport.server import BackgroundServer

from .relay import Relay

CHAT = {
    "model": "gpt-4o",
    "messages": [
        {"role": "system", "content": "You are a helpful assistant that answers briefly."},
        {"role": "user", "content": "Name three rivers in Europe and their lengths in kilometres."},
    ],
}


def corpus_request() -> dict[str, Any]:
    """A realistic recorded request of a few KB (tools, system prompt, history)."""
    with (CORPUS / "requests.jsonl").open() as fh:
        for line in fh:
            if 3000 < len(line) < 20000 and '"tools"' in line:
                request: dict[str, Any] = json.loads(line)
                request.pop("stream", None)
                request.pop("stream_options", None)
                return request
    raise AssertionError("no suitable corpus request")


# -- server role --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("algorithm", "binary"), [("zstd", True), ("zstd", False), ("brotli", True), ("t1", False)]
)
async def test_m2m_request_is_decoded_before_forwarding(
    asgi: Callable[..., httpx.AsyncClient], fake: FakeUpstream, algorithm: str, binary: bool
) -> None:
    body = json.dumps(CHAT, separators=(",", ":")).encode()
    wire_body = compress(body.decode(), algorithm, binary=binary)
    content = wire_body if isinstance(wire_body, bytes) else wire_body.encode()
    r = await asgi().post("/v1/chat/completions", content=content, headers={"x-m2m-protocol": "1"})
    assert r.status_code == 200, r.text
    assert fake.requests[-1].body == body
    assert not any(k.startswith("x-m2m") for k in fake.requests[-1].headers)
    # The figures are for standard clients; a peer reports its own (it drops x-m2m-* fields).
    assert "x-m2m-bytes-original" not in r.headers


@pytest.mark.parametrize(
    "content", [b"#M2M[v3.0]|DATA:not-base64!!", b"\xc1MZ\x01garbage", b"#ZD1|@@@@", b"\xc1MB\x01\x05junk"]
)
async def test_corrupt_m2m_body_400(
    asgi: Callable[..., httpx.AsyncClient], fake: FakeUpstream, content: bytes
) -> None:
    r = await asgi().post("/v1/chat/completions", content=content, headers={"x-m2m-protocol": "1"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"].startswith("m2m_")
    assert fake.requests == []


async def test_detection_never_misfires_on_standard_json(
    asgi: Callable[..., httpx.AsyncClient], fake: FakeUpstream
) -> None:
    client = asgi()
    tricky = {"model": "m", "messages": [{"role": "user", "content": "#M2M[v3.0]|DATA:aGk= and #T1|{}"}]}
    body = json.dumps(tricky).encode()
    r = await client.post("/v1/chat/completions", content=body)
    assert r.status_code == 200
    assert fake.requests[-1].body == body
    # a wire string without the header is not guessed at: it is just invalid JSON
    wire_text = compress(json.dumps(CHAT), "brotli")
    assert isinstance(wire_text, str)
    r = await client.post("/v1/chat/completions", content=wire_text.encode())
    assert r.status_code == 400
    assert "not valid JSON" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("accept", "expected"), [("zstd", "zstd"), ("t1;text, zstd;q=0.5", "t1"), ("*", "zstd")]
)
async def test_response_encoded_as_negotiated(
    asgi: Callable[..., httpx.AsyncClient], accept: str, expected: str
) -> None:
    client = asgi()
    plain = await client.post("/v1/chat/completions", json=CHAT)
    r = await client.post("/v1/chat/completions", json=CHAT, headers={"x-m2m-accept": accept})
    assert r.status_code == 200
    assert r.headers["x-m2m-encoding"] == expected
    assert r.headers["x-m2m-protocol"] == "1"
    # The media type stays the upstream's (balancers between peers read it); X-M2M-Encoding says
    # the body is encoded.
    assert r.headers["content-type"] == "application/json"
    decoded = json.loads(decompress(r.content))
    expected_body = plain.json()
    decoded.pop("created")
    expected_body.pop("created")
    assert decoded == expected_body


async def test_unknown_accept_gets_standard_json(asgi: Callable[..., httpx.AsyncClient]) -> None:
    r = await asgi().post("/v1/chat/completions", json=CHAT, headers={"x-m2m-accept": "future-format-9"})
    assert r.status_code == 200
    assert "x-m2m-encoding" not in r.headers
    assert r.json()["object"] == "chat.completion"


async def test_error_bodies_are_encoded_too(asgi: Callable[..., httpx.AsyncClient]) -> None:
    r = await asgi().post(
        "/v1/chat/completions", json=CHAT, headers={"x-m2m-accept": "zstd", "x-fake-status": "429"}
    )
    assert r.status_code == 429
    assert r.headers["x-m2m-encoding"] == "zstd"
    assert json.loads(decompress(r.content))["error"]["message"] == "fake error 429"


async def test_stream_events_encoded_one_by_one(asgi: Callable[..., httpx.AsyncClient]) -> None:
    client = asgi()
    body = {**CHAT, "stream": True}
    plain = await client.post("/v1/chat/completions", json=body)
    r = await client.post("/v1/chat/completions", json=body, headers={"x-m2m-accept": "zstd, t1"})
    assert r.headers["x-m2m-encoding"] == "zstd"
    events = SSEParser().feed(r.content)
    plain_events = SSEParser().feed(plain.content)
    assert len(events) == len(plain_events) > 3
    for got, want in zip(events, plain_events, strict=True):
        assert got.data is not None and want.data is not None
        assert got.data != want.data or want.data == "[DONE]"
        text = decompress(got.data)
        if want.data == "[DONE]":
            assert text == "[DONE]"
        else:
            a, b = json.loads(text), json.loads(want.data)
            a.pop("created")
            b.pop("created")
            assert a == b


# -- client role: app -> A -> B -> upstream --------------------------------------------------------


@pytest.fixture
def tunnel(
    proxy_server: Callable[..., BackgroundServer], fake: FakeUpstream
) -> Iterator[tuple[BackgroundServer, BackgroundServer, Relay]]:
    b = proxy_server()
    relay = Relay(b.port)
    a = proxy_server(relay.url + "/v1", proxy__upstream_protocol="m2m")
    yield a, b, relay
    relay.close()


def test_tunnel_is_transparent_to_the_openai_client(
    tunnel: tuple[BackgroundServer, BackgroundServer, Relay], fake: FakeUpstream
) -> None:
    a, _, _ = tunnel
    with OpenAI(base_url=a.url + "/v1", api_key="sk-app", max_retries=0) as client:
        _check_tunnel(client, fake)


def _check_tunnel(client: OpenAI, fake: FakeUpstream) -> None:
    completion = client.chat.completions.create(**CHAT)  # type: ignore[call-overload]
    assert completion.choices[0].message.content.startswith("You said: Name three rivers")
    seen = fake.requests[-1]
    assert json.loads(seen.body) == CHAT
    assert seen.headers["authorization"] == "Bearer sk-app"
    assert seen.headers["content-type"] == "application/json"
    assert not any(k.startswith("x-m2m") for k in seen.headers)

    chunks = list(client.chat.completions.create(**CHAT, stream=True))  # type: ignore[call-overload]
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == completion.choices[0].message.content

    request = corpus_request()
    completion = client.chat.completions.create(**request)
    assert completion.choices[0].finish_reason in ("stop", "tool_calls")
    assert json.loads(fake.requests[-1].body) == request

    # upstream errors come back through both proxies as they were
    with pytest.raises(Exception) as info:
        client.chat.completions.create(**CHAT, extra_headers={"x-fake-status": "429"})  # type: ignore[call-overload]
    assert getattr(info.value, "status_code", None) == 429


def test_tunnel_carries_fewer_bytes_than_direct_json(
    tunnel: tuple[BackgroundServer, BackgroundServer, Relay], fake: FakeUpstream
) -> None:
    a, _, relay = tunnel
    request = corpus_request()
    body = json.dumps(request, separators=(",", ":")).encode()
    with httpx.Client(timeout=10) as http:
        relay.reset()
        direct = http.post(
            relay.url + "/v1/chat/completions", content=body, headers={"content-type": "application/json"}
        )
        direct_bytes = relay.total
        relay.reset()
        tunnelled = http.post(
            a.url + "/v1/chat/completions", content=body, headers={"content-type": "application/json"}
        )
        tunnel_bytes = relay.total
        assert tunnelled.status_code == direct.status_code == 200
        assert tunnelled.json()["choices"] == direct.json()["choices"]
        assert tunnel_bytes < direct_bytes
        assert relay.upstream_bytes < len(body)  # the request body itself shrank on the wire

        stream_body = json.dumps({**request, "stream": True}).encode()
        relay.reset()
        direct = http.post(relay.url + "/v1/chat/completions", content=stream_body)
        direct_bytes = relay.total
        relay.reset()
        tunnelled = http.post(a.url + "/v1/chat/completions", content=stream_body)
        assert tunnelled.headers["content-type"].startswith("text/event-stream")
        assert "x-m2m-encoding" not in tunnelled.headers
        assert [e.data for e in SSEParser().feed(tunnelled.content)][-1] == "[DONE]"
        assert relay.total < direct_bytes


# -- m2m.client: the same from the app process, no local proxy -------------------------------------


def test_m2m_client_sync(proxy_server: Callable[..., BackgroundServer], fake: FakeUpstream) -> None:
    b = proxy_server()
    relay = Relay(b.port)
    try:
        http_client = m2m.client.httpx_client()
        client = OpenAI(base_url=relay.url + "/v1", api_key="sk-lib", http_client=http_client, max_retries=0)
        request = corpus_request()
        completion = client.chat.completions.create(**request)
        assert completion.choices[0].finish_reason in ("stop", "tool_calls")
        assert json.loads(fake.requests[-1].body) == request
        assert relay.upstream_bytes < len(json.dumps(request, separators=(",", ":")))
        chunks = list(client.chat.completions.create(**CHAT, stream=True))  # type: ignore[call-overload]
        assert "".join(c.choices[0].delta.content or "" for c in chunks).startswith("You said: Name three")
        assert client.models.list().data[0].id == "fake-model"  # not chat: passes through untouched
    finally:
        http_client.close()
        relay.close()


async def test_m2m_client_async(proxy_server: Callable[..., BackgroundServer], fake: FakeUpstream) -> None:
    b = proxy_server()
    async with AsyncOpenAI(
        base_url=b.url + "/v1", api_key="sk-lib", http_client=m2m.client.async_httpx_client(), max_retries=0
    ) as client:
        raw = await client.chat.completions.with_raw_response.create(**CHAT)  # type: ignore[call-overload]
        assert "x-m2m-encoding" not in raw.headers
        completion = raw.parse()
        assert completion.choices[0].message.content.startswith("You said: Name three")
        assert fake.requests[-1].headers["content-type"] == "application/json"
        stream = await client.chat.completions.create(**CHAT, stream=True)  # type: ignore[call-overload]
        parts = [c.choices[0].delta.content or "" async for c in stream]
        assert "".join(parts) == completion.choices[0].message.content


def test_m2m_client_decodes_event_by_event() -> None:
    """The transport yields each event as soon as its bytes arrive (no waiting for the stream)."""
    events = [compress(json.dumps({"n": i}), "zstd") for i in range(3)]
    produced: list[int] = []

    class Slow(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for i, data in enumerate(events):
                produced.append(i)
                yield f"data: {data}\n\n".encode()

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["x-m2m-protocol"] == "1"
        assert json.loads(decompress(request.read())) == {"stream": True}
        headers = {"content-type": "text/event-stream", "x-m2m-encoding": "zstd", "x-m2m-protocol": "1"}
        return httpx.Response(200, headers=headers, stream=Slow())

    transport = m2m.client.M2MTransport(httpx.MockTransport(handler))
    with (
        httpx.Client(transport=transport) as http,
        http.stream("POST", "http://x/v1/chat/completions", json={"stream": True}) as r,
    ):
        for i, line in enumerate(line for line in r.iter_lines() if line):
            assert json.loads(line[6:]) == {"n": i}
            assert produced[-1] == i  # decoded before the next event was produced


async def _broken_peer(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An 'm2m peer' whose encoded responses do not decode."""
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    stream = b'"stream":true' in body or b'"stream":true' in decompress(body).encode()
    content_type = b"text/event-stream" if stream else b"application/vnd.m2m"
    payload = b"data: #ZD1|@@not-zstd@@\n\n" if stream else b"#ZD1|@@not-zstd@@"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", content_type),
                (b"x-m2m-encoding", b"zstd"),
                (b"x-m2m-protocol", b"1"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def test_undecodable_peer_response_is_a_502(proxy_server: Callable[..., BackgroundServer]) -> None:
    with BackgroundServer(_broken_peer) as peer:
        a = proxy_server(peer.url + "/v1", proxy__upstream_protocol="m2m")
        with httpx.Client(timeout=10) as http:
            r = http.post(a.url + "/v1/chat/completions", json=CHAT)
            assert r.status_code == 502
            assert "does not decode" in r.json()["error"]["message"]
            r = http.post(a.url + "/v1/chat/completions", json={**CHAT, "stream": True})
            assert r.status_code == 200
            last = [b for b in r.text.split("\n\n") if b][-1]
            assert last.startswith("event: error")
            assert json.loads(last.split("data: ", 1)[1])["error"]["type"] == "upstream_error"


async def test_responses_compression_can_be_switched_off(asgi: Callable[..., httpx.AsyncClient]) -> None:
    client = asgi(proxy__compression__responses=False)
    r = await client.post("/v1/chat/completions", json=CHAT, headers={"x-m2m-accept": "zstd"})
    assert r.status_code == 200
    assert "x-m2m-encoding" not in r.headers
    assert r.json()["object"] == "chat.completion"
