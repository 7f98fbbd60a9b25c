"""The m2m proxy over HTTP/3: served by ``m2m.transport.quic`` and reached with aioquic's client,
the openai client through a chained A -(h3)-> B tunnel, and ``both`` mode with Alt-Svc."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from aioquic.h3.events import DataReceived, HeadersReceived
from h3util import raw_client

from m2m.cli.proxy import build_app
from m2m.config import Config, load
from m2m.proxy.fake_upstream import FakeUpstream
from m2m.transport.quic import Servers, serving
from m2m.transport.server import BackgroundServer

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello over QUIC"}]}


@pytest.fixture(scope="module")
def fake_server() -> Iterator[tuple[FakeUpstream, BackgroundServer]]:
    fake = FakeUpstream()
    server = BackgroundServer(fake).start()
    yield fake, server
    server.stop()


@pytest.fixture
def fake(fake_server: tuple[FakeUpstream, BackgroundServer]) -> FakeUpstream:
    fake_server[0].requests.clear()
    return fake_server[0]


def config_for(upstream: str, dev_cert: tuple[Path, Path], **cli: Any) -> Config:
    flags = {
        "proxy.upstream": upstream,
        "proxy.transport.cert": str(dev_cert[0]),
        "proxy.transport.key": str(dev_cert[1]),
        **cli,
    }
    config = load(cli=flags, env={}, path=None)
    # Port 0 (any free port) is not a valid configured port, but is what a test wants.
    transport = dataclasses.replace(config.proxy.transport, quic_port=0)
    return dataclasses.replace(config, proxy=dataclasses.replace(config.proxy, port=0, transport=transport))


@pytest.fixture
async def proxy_b(
    fake_server: tuple[FakeUpstream, BackgroundServer], dev_cert: tuple[Path, Path]
) -> AsyncIterator[Servers]:
    """Proxy B: HTTP/1.1 + HTTP/3 in front of the fake upstream (which speaks plain HTTP/1.1)."""
    config = config_for(fake_server[1].url + "/v1", dev_cert, **{"proxy.transport.transport": "both"})
    async with serving(lambda: build_app(config), config) as servers:
        yield servers


async def h3_exchange(
    port: int, method: str, path: str, body: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[int, dict[bytes, bytes], bytes]:
    async with raw_client(port) as client:
        return await client.response(client.send_request(method, path, headers or [], body), timeout=10)


async def test_chat_completion_over_h3(proxy_b: Servers, fake: FakeUpstream) -> None:
    body = json.dumps(CHAT).encode()
    status, headers, raw = await h3_exchange(
        proxy_b.h3.port, "POST", "/v1/chat/completions", body, [(b"content-type", b"application/json")]
    )
    assert status == 200
    reply = json.loads(raw)
    assert "Say hello over QUIC" in reply["choices"][0]["message"]["content"]
    assert b"x-m2m-tokens-original" in headers
    # The upstream got the client's JSON unchanged.
    assert fake.requests[-1].body == body


async def test_stream_events_arrive_before_upstream_finishes(proxy_b: Servers, fake: FakeUpstream) -> None:
    request = json.dumps({**CHAT, "stream": True}).encode()
    headers = [(b"content-type", b"application/json"), (b"x-fake-pace", b"0.15"), (b"x-fake-events", b"6")]
    completed_before = fake.completed_streams
    async with raw_client(proxy_b.h3.port) as client:
        sid = client.send_request("POST", "/v1/chat/completions", headers, request)
        first = await client.next_event(sid, timeout=10)
        assert isinstance(first, HeadersReceived)
        assert (b"content-type", b"text/event-stream; charset=utf-8") in first.headers or any(
            k == b"content-type" and v.startswith(b"text/event-stream") for k, v in first.headers
        )
        data = b""
        while b"\n\n" not in data:
            event = await client.next_event(sid, timeout=10)
            assert isinstance(event, DataReceived)
            data += event.data
        # The first event is here while the paced upstream still has events to send.
        assert fake.completed_streams == completed_before
        assert data.startswith(b"data: {")
        rest = data
        while True:
            event = await client.next_event(sid, timeout=10)
            if isinstance(event, DataReceived):
                rest += event.data
            if getattr(event, "stream_ended", False):
                break
    assert rest.rstrip().endswith(b"data: [DONE]")
    assert rest.count(b"data: ") >= 6


async def test_passthrough_route_status_and_headers(proxy_b: Servers, fake: FakeUpstream) -> None:
    status, _, raw = await h3_exchange(proxy_b.h3.port, "GET", "/v1/files/abc?limit=2&x=%20y")
    assert status == 200
    echo = json.loads(raw)
    assert (echo["method"], echo["path"], echo["query"]) == ("GET", "/v1/files/abc", "limit=2&x=%20y")
    status, headers, raw = await h3_exchange(
        proxy_b.h3.port,
        "POST",
        "/v1/chat/completions",
        json.dumps(CHAT).encode(),
        [(b"x-fake-status", b"429")],
    )
    assert status == 429
    assert headers[b"x-request-id"] == b"fake-req-1"
    assert json.loads(raw)["error"]["message"] == "fake error 429"


async def test_local_routes_over_h3(proxy_b: Servers) -> None:
    status, _, raw = await h3_exchange(proxy_b.h3.port, "GET", "/health")
    assert status == 200 and json.loads(raw)["status"] == "ok"
    status, _, raw = await h3_exchange(proxy_b.h3.port, "GET", "/v1/models")
    assert status == 200 and json.loads(raw)["data"]
    status, _, raw = await h3_exchange(proxy_b.h3.port, "GET", "/stats")
    assert status == 200 and json.loads(raw)["requests_total"] >= 1


async def test_both_mode_advertises_h3_on_http11(proxy_b: Servers) -> None:
    assert proxy_b.tcp_port
    async with httpx.AsyncClient() as client:
        resp = await client.get(f"http://127.0.0.1:{proxy_b.tcp_port}/health")
    assert resp.status_code == 200
    assert resp.headers["alt-svc"] == f'h3=":{proxy_b.h3.port}"; ma=86400'
    # HTTP/3 responses do not advertise themselves.
    _, headers, _ = await h3_exchange(proxy_b.h3.port, "GET", "/health")
    assert b"alt-svc" not in headers


async def test_chained_tunnel_a_h3_b_with_the_openai_client(
    proxy_b: Servers, fake: FakeUpstream, dev_cert: tuple[Path, Path]
) -> None:
    config_a = load(
        cli={
            "proxy.upstream": f"https://127.0.0.1:{proxy_b.h3.port}/v1",
            "proxy.upstream_protocol": "m2m",
            "proxy.transport.upstream_transport": "quic",
            "proxy.transport.upstream_insecure": True,
        },
        env={},
        path=None,
    )
    proxy_a = BackgroundServer(build_app(config_a)).start()
    h3_requests = proxy_b.h3.stats.requests
    try:
        client = openai.AsyncOpenAI(base_url=proxy_a.url + "/v1", api_key="sk-test", max_retries=0)
        reply = await client.chat.completions.create(**CHAT)  # type: ignore[call-overload]
        assert "Say hello over QUIC" in reply.choices[0].message.content
        # B received an m2m-encoded request over HTTP/3 and forwarded standard JSON upstream.
        assert json.loads(fake.requests[-1].body)["messages"] == CHAT["messages"]
        assert fake.requests[-1].headers["authorization"] == "Bearer sk-test"

        stream = await client.chat.completions.create(**CHAT, stream=True)  # type: ignore[call-overload]
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        assert "Say hello over QUIC" in text
        await client.close()
        # Both went A -> B over HTTP/3, on one QUIC connection.
        assert proxy_b.h3.stats.requests - h3_requests == 2
        assert proxy_b.h3.stats.connections == 1
    finally:
        await asyncio.to_thread(proxy_a.stop)


async def test_bad_certificate_path_is_a_config_error(tmp_path: Path) -> None:
    from m2m.errors import ConfigError

    config = load(
        cli={
            "proxy.transport.transport": "quic",
            "proxy.transport.cert": str(tmp_path / "missing.pem"),
            "proxy.transport.key": str(tmp_path / "missing.key"),
        },
        env={},
        path=None,
    )
    with pytest.raises(ConfigError, match=r"proxy\.transport\.cert: cannot read .*missing\.pem"):
        async with serving(lambda: build_app(config), config):
            pass


async def wait_for(predicate: Any, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.02)):
        if predicate():
            return True
        await asyncio.sleep(0.02)
    return bool(predicate())


async def test_h3_client_resetting_a_stream_cancels_the_upstream_request(
    proxy_b: Servers, fake: FakeUpstream
) -> None:
    request = json.dumps({**CHAT, "stream": True}).encode()
    headers = [(b"content-type", b"application/json"), (b"x-fake-pace", b"0.1"), (b"x-fake-events", b"50")]
    cancelled = fake.cancelled
    async with raw_client(proxy_b.h3.port) as client:
        sid = client.send_request("POST", "/v1/chat/completions", headers, request)
        while not isinstance(await client.next_event(sid, timeout=10), DataReceived):
            pass
        client.reset(sid)
        assert await wait_for(lambda: fake.cancelled > cancelled)
        # The same connection still serves.
        status, _, _ = await client.response(client.send_request("GET", "/health"))
    assert status == 200


async def test_app_disconnecting_from_a_tunnel_cancels_upstream_through_both_hops(
    proxy_b: Servers, fake: FakeUpstream
) -> None:
    config_a = load(
        cli={
            "proxy.upstream": f"https://127.0.0.1:{proxy_b.h3.port}/v1",
            "proxy.upstream_protocol": "m2m",
            "proxy.transport.upstream_transport": "quic",
            "proxy.transport.upstream_insecure": True,
        },
        env={},
        path=None,
    )
    proxy_a = BackgroundServer(build_app(config_a)).start()
    cancelled = fake.cancelled
    try:
        headers = {"x-fake-pace": "0.1", "x-fake-events": "50"}
        async with (
            httpx.AsyncClient(timeout=10) as client,
            client.stream(
                "POST", proxy_a.url + "/v1/chat/completions", json={**CHAT, "stream": True}, headers=headers
            ) as resp,
        ):
            assert resp.status_code == 200
            async for chunk in resp.aiter_bytes():
                assert chunk.startswith(b"data: ")
                break
        # Leaving the block closed the TCP connection to A; A resets its HTTP/3 stream to B, and B
        # drops its request to the upstream.
        assert await wait_for(lambda: fake.cancelled > cancelled)
    finally:
        await asyncio.to_thread(proxy_a.stop)


async def test_ports_in_use_are_config_errors(dev_cert: tuple[Path, Path]) -> None:
    import socket

    from m2m.errors import ConfigError

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, socket.socket() as tcp:
        udp.bind(("127.0.0.1", 0))
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        base = config_for("http://127.0.0.1:9/v1", dev_cert, **{"proxy.transport.transport": "both"})
        busy_udp = dataclasses.replace(
            base,
            proxy=dataclasses.replace(
                base.proxy,
                transport=dataclasses.replace(base.proxy.transport, quic_port=udp.getsockname()[1]),
            ),
        )
        with pytest.raises(ConfigError, match=r"proxy\.transport\.quic_port: cannot listen for QUIC"):
            async with serving(lambda: build_app(busy_udp), busy_udp):
                pass
        busy_tcp = dataclasses.replace(base, proxy=dataclasses.replace(base.proxy, port=tcp.getsockname()[1]))
        with pytest.raises(ConfigError, match=r"proxy\.port: cannot listen on"):
            async with serving(lambda: build_app(busy_tcp), busy_tcp):
                pass


async def test_body_over_the_limit_is_413_and_the_connection_lives_on(
    fake_server: tuple[FakeUpstream, BackgroundServer], dev_cert: tuple[Path, Path]
) -> None:
    config = config_for(
        fake_server[1].url + "/v1",
        dev_cert,
        **{"proxy.transport.transport": "quic", "proxy.max_body_bytes": 4096},
    )
    async with serving(lambda: build_app(config), config) as servers, raw_client(servers.h3.port) as client:
        big = json.dumps({**CHAT, "messages": [{"role": "user", "content": "x" * 300_000}]}).encode()
        status, _, raw = await client.response(
            client.send_request("POST", "/v1/chat/completions", [(b"content-type", b"application/json")], big)
        )
        assert status == 413
        assert json.loads(raw)["error"]["code"] == "payload_too_large"
        status, _, _ = await client.response(client.send_request("GET", "/health"))
        assert status == 200


async def test_m2m_negotiation_over_h3(proxy_b: Servers, fake: FakeUpstream) -> None:
    from m2m.codec import compress, decompress

    wire = compress(json.dumps(CHAT), "brotli")
    assert isinstance(wire, str)
    headers = [(b"x-m2m-protocol", b"1"), (b"x-m2m-accept", b"zstd"), (b"content-type", b"text/plain")]
    status, got, raw = await h3_exchange(
        proxy_b.h3.port, "POST", "/v1/chat/completions", wire.encode(), headers
    )
    assert status == 200
    # The upstream saw standard JSON; the H3 client got the response in the negotiated format.
    assert json.loads(fake.requests[-1].body) == CHAT
    assert got[b"x-m2m-encoding"] == b"zstd"
    assert json.loads(decompress(raw))["object"] == "chat.completion"


async def test_streamed_upload_cut_short_by_413_gets_the_413(
    fake_server: tuple[FakeUpstream, BackgroundServer], dev_cert: tuple[Path, Path]
) -> None:
    from m2m.transport.h3client import H3Options, H3Upstream

    config = config_for(
        fake_server[1].url + "/v1",
        dev_cert,
        **{"proxy.transport.transport": "quic", "proxy.max_body_bytes": 4096},
    )

    async def body() -> AsyncIterator[bytes]:
        for _ in range(64):
            yield b"x" * 65536
            await asyncio.sleep(0.001)

    async with serving(lambda: build_app(config), config) as servers:
        client = H3Upstream(options=H3Options(ca_file=str(dev_cert[0])))
        try:
            url = f"https://127.0.0.1:{servers.h3.port}/v1/chat/completions"
            resp = await client.request(
                "POST", url, [(b"content-type", b"application/json")], body(), timeout=10
            )
            assert resp.status == 413
            assert json.loads(await resp.read(1 << 20))["error"]["code"] == "payload_too_large"
        finally:
            await client.aclose()
