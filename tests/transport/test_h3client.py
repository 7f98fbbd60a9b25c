"""H3Upstream, the proxy's HTTP/3 client, against the HTTP/3 listener on loopback."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from h3util import AppLog

from m2m.config import load
from m2m.errors import ConfigError, UpstreamTimeoutError, UpstreamUnavailableError
from m2m.transport.h3client import H3Options, H3Upstream, _options_from_config
from m2m.transport.h3server import H3Listener


@pytest.fixture
async def upstream(dev_cert: tuple[Path, Path]) -> AsyncIterator[H3Upstream]:
    client = H3Upstream(options=H3Options(ca_file=str(dev_cert[0])))
    try:
        yield client
    finally:
        await client.aclose()


def url(listener: H3Listener, path: str) -> str:
    return f"https://127.0.0.1:{listener.port}{path}"


async def test_post_with_verification_against_a_trusted_ca_file(
    listener: H3Listener, upstream: H3Upstream, app_log: AppLog
) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"connection", b"keep-alive"),
        (b"authorization", b"Bearer k"),
    ]
    resp = await upstream.request("POST", url(listener, "/echo?q=1"), headers, b'{"x":1}', timeout=5)
    assert resp.status == 200
    assert (b"x-method", b"POST") in resp.headers
    assert await resp.read(1 << 20) == b'{"x":1}'
    sent = dict(app_log.scopes[0]["headers"])
    # Connection-specific fields are dropped (RFC 9114 §4.2); the rest arrive as given.
    assert b"connection" not in sent
    assert sent[b"authorization"] == b"Bearer k"
    assert sent[b"content-length"] == b"7"
    assert app_log.scopes[0]["query_string"] == b"q=1"


async def test_streamed_request_body(listener: H3Listener, upstream: H3Upstream) -> None:
    async def body() -> AsyncIterator[bytes]:
        for part in (b"a" * 10, b"", b"b" * 70_000, b"c"):
            yield part

    resp = await upstream.request("PUT", url(listener, "/echo"), [], body(), timeout=5)
    assert await resp.read(1 << 20) == b"a" * 10 + b"b" * 70_000 + b"c"


async def test_response_body_streams_while_the_server_is_still_sending(
    listener: H3Listener, upstream: H3Upstream, app_log: AppLog
) -> None:
    resp = await upstream.request("POST", url(listener, "/stream"), [], b"{}", timeout=5)
    chunks = resp.aiter_bytes()
    got = b""
    while got.count(b"\n\n") < 2:
        got += await chunks.__anext__()
    assert got == b"data: one\n\ndata: two\n\n"
    assert not app_log.release.is_set()
    app_log.release.set()
    rest = b"".join([c async for c in chunks])
    assert rest == b"data: [DONE]\n\n"


async def test_many_concurrent_requests_share_one_connection(
    listener: H3Listener, upstream: H3Upstream
) -> None:
    async def one(i: int) -> bytes:
        resp = await upstream.request("GET", url(listener, f"/n{i}"), [], b"", timeout=5)
        return await resp.read(1 << 20)

    bodies = await asyncio.gather(*(one(i) for i in range(40)))
    assert bodies == [f"/n{i}".encode() for i in range(40)]
    assert upstream.handshakes == 1
    assert listener.stats.connections == 1


async def test_status_and_repeated_headers_kept(listener: H3Listener, upstream: H3Upstream) -> None:
    resp = await upstream.request("GET", url(listener, "/status"), [], b"", timeout=5)
    assert resp.status == 418
    assert [v for k, v in resp.headers if k == b"set-cookie"] == [b"a=1", b"b=2"]
    assert await resp.read(1 << 20) == b"teapot"


async def test_self_signed_server_fails_verification_by_default(listener: H3Listener) -> None:
    client = H3Upstream(options=H3Options())
    try:
        with pytest.raises(UpstreamUnavailableError, match="handshake failed: self-signed certificate"):
            await client.request("GET", url(listener, "/x"), [], b"", timeout=5)
    finally:
        await client.aclose()


async def test_insecure_accepts_the_dev_certificate(listener: H3Listener) -> None:
    client = H3Upstream(options=H3Options(insecure=True))
    try:
        resp = await client.request("GET", url(listener, "/x"), [], b"", timeout=5)
        assert resp.status == 200
    finally:
        await client.aclose()


async def test_options_from_config() -> None:
    config = load(
        cli={
            "proxy.upstream": "https://127.0.0.1:9443/v1",
            "proxy.transport.upstream_transport": "quic",
            "proxy.transport.upstream_insecure": True,
        },
        env={},
    )
    client = H3Upstream(config)
    assert client.options.insecure is True
    assert client.options.allow_0rtt_unsafe is False
    assert client.options.ca_file is None
    await client.aclose()
    config = load(
        cli={
            "proxy.upstream": "https://127.0.0.1:9443/v1",
            "proxy.transport.upstream_transport": "quic",
            "proxy.transport.upstream_ca": "/etc/m2m/ca.pem",
            "proxy.transport.allow_0rtt_post": "true",
        },
        env={},
    )
    with pytest.raises(
        ConfigError, match=r"^proxy\.transport\.upstream_ca: CA file /etc/m2m/ca.pem does not exist"
    ):
        H3Upstream(config)
    client = H3Upstream(options=dataclasses.replace(_options_from_config(config), ca_file=None))
    assert client.options.allow_0rtt_unsafe is True
    await client.aclose()


async def test_timeout_waiting_for_headers_cancels_the_stream(
    listener: H3Listener, upstream: H3Upstream, app_log: AppLog
) -> None:
    with pytest.raises(UpstreamTimeoutError):
        await upstream.request("GET", url(listener, "/hang"), [], b"", timeout=0.3)
    for _ in range(200):
        if app_log.cancelled:
            break
        await asyncio.sleep(0.01)
    assert app_log.cancelled == 1


async def test_closing_a_response_early_cancels_the_server_side(
    listener: H3Listener, upstream: H3Upstream, app_log: AppLog
) -> None:
    resp = await upstream.request("GET", url(listener, "/forever"), [], b"", timeout=5)
    async for _ in resp.aiter_bytes():
        break  # leaving the loop closes the response
    await resp.aclose()
    for _ in range(200):
        if app_log.cancelled:
            break
        await asyncio.sleep(0.01)
    assert app_log.cancelled == 1
    # The connection is still good for the next request.
    again = await upstream.request("GET", url(listener, "/next"), [], b"", timeout=5)
    assert await again.read(1 << 20) == b"/next"
    assert upstream.handshakes == 1


async def test_nothing_listening_is_unavailable_promptly() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = H3Upstream(options=H3Options(insecure=True))
    try:
        with pytest.raises(UpstreamUnavailableError, match="refused"):
            await client.request("GET", f"https://127.0.0.1:{port}/x", [], b"", timeout=5)
    finally:
        await client.aclose()


async def test_reconnect_resumes_and_only_safe_methods_go_in_0rtt(
    listener: H3Listener, upstream: H3Upstream
) -> None:
    await (await upstream.request("GET", url(listener, "/warm"), [], b"", timeout=5)).read(1 << 20)
    await asyncio.sleep(0.05)  # the session ticket follows the handshake
    await upstream.disconnect()
    resp = await upstream.request("POST", url(listener, "/pay"), [], b"once", timeout=5)
    assert await resp.read(1 << 20) == b"once"
    assert upstream.resumed == 1
    assert listener.stats.early_requests == 0  # the POST waited for the handshake

    await asyncio.sleep(0.05)
    await upstream.disconnect()
    resp = await upstream.request("GET", url(listener, "/models"), [], b"", timeout=5)
    assert await resp.read(1 << 20) == b"/models"
    assert upstream.resumed == 2
    assert listener.stats.early_requests == 1  # the GET went in 0-RTT


async def test_0rtt_post_when_enabled_is_still_held_by_a_strict_server(
    listener: H3Listener, dev_cert: tuple[Path, Path]
) -> None:
    client = H3Upstream(options=H3Options(ca_file=str(dev_cert[0]), allow_0rtt_unsafe=True))
    try:
        await (await client.request("GET", url(listener, "/warm"), [], b"", timeout=5)).read(1 << 20)
        await asyncio.sleep(0.05)
        await client.disconnect()
        resp = await client.request("POST", url(listener, "/pay"), [], b"once", timeout=5)
        assert await resp.read(1 << 20) == b"once"
    finally:
        await client.aclose()
    assert listener.stats.early_requests == 1
    assert listener.stats.deferred_requests == 1


async def test_upstream_restart_is_survived_by_reconnecting(dev_cert: tuple[Path, Path]) -> None:
    from h3util import make_app

    from m2m.transport.h3server import start_h3

    cert, key = (str(p) for p in dev_cert)
    first = await start_h3(make_app(AppLog()), host="127.0.0.1", port=0, certfile=cert, keyfile=key)
    port = first.port
    client = H3Upstream(options=H3Options(ca_file=cert))
    try:
        await (await client.request("GET", f"https://127.0.0.1:{port}/a", [], b"", timeout=5)).read(1 << 20)
        await asyncio.sleep(0.05)  # the session ticket arrives
        await first.close(grace=0.1)
        # A new process on the same port: it knows nothing of the old session ticket, so the
        # client's 0-RTT attempt is refused and it falls back to a full handshake.
        second = await start_h3(make_app(AppLog()), host="127.0.0.1", port=port, certfile=cert, keyfile=key)
        try:
            await asyncio.sleep(0.05)
            resp = await client.request("GET", f"https://127.0.0.1:{port}/b", [], b"", timeout=10)
            assert await resp.read(1 << 20) == b"/b"
            assert second.stats.resumed == 0
        finally:
            await second.close(grace=0.1)
    finally:
        await client.aclose()


async def test_keepalive_pings_hold_an_idle_connection_open(
    listener: H3Listener, dev_cert: tuple[Path, Path]
) -> None:
    options = H3Options(ca_file=str(dev_cert[0]), idle_timeout=0.6, keepalive_interval=0.15, keepalive_for=5)
    client = H3Upstream(options=options)
    try:
        await (await client.request("GET", url(listener, "/a"), [], b"", timeout=5)).read(1 << 20)
        await asyncio.sleep(1.5)  # well past the idle timeout
        await (await client.request("GET", url(listener, "/b"), [], b"", timeout=5)).read(1 << 20)
        assert client.handshakes == 1
    finally:
        await client.aclose()


async def test_without_recent_use_the_connection_idles_out(
    listener: H3Listener, dev_cert: tuple[Path, Path]
) -> None:
    options = H3Options(
        ca_file=str(dev_cert[0]), idle_timeout=0.5, keepalive_interval=0.1, keepalive_for=0.05
    )
    client = H3Upstream(options=options)
    try:
        await (await client.request("GET", url(listener, "/a"), [], b"", timeout=5)).read(1 << 20)
        await asyncio.sleep(1.5)
        await (await client.request("GET", url(listener, "/b"), [], b"", timeout=5)).read(1 << 20)
        assert client.handshakes == 2
    finally:
        await client.aclose()


async def test_a_refused_address_falls_back_to_the_next_one(
    dev_cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from h3util import make_app

    from m2m.transport.h3server import start_h3

    cert, key = (str(p) for p in dev_cert)
    server = await start_h3(make_app(AppLog()), host="::1", port=0, certfile=cert, keyfile=key)

    async def resolve(host: str, port: int, **_: object) -> list[tuple[object, ...]]:
        # "localhost" as many systems resolve it: IPv4 first, where nothing listens here.
        assert host == "localhost"
        return [
            (socket.AF_INET, socket.SOCK_DGRAM, 17, "", ("127.0.0.1", port)),
            (socket.AF_INET6, socket.SOCK_DGRAM, 17, "", ("::1", port, 0, 0)),
        ]

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", resolve)
    client = H3Upstream(options=H3Options(ca_file=cert))
    try:
        resp = await client.request("GET", f"https://localhost:{server.port}/v6", [], b"", timeout=5)
        assert await resp.read(1 << 20) == b"/v6"
        assert client.handshakes == 2
        again = await client.request("GET", f"https://localhost:{server.port}/again", [], b"", timeout=5)
        assert await again.read(1 << 20) == b"/again"
        assert client.handshakes == 2
    finally:
        await client.aclose()
        await server.close(grace=0.1)


async def test_a_long_silent_response_keeps_its_connection(
    listener: H3Listener, dev_cert: tuple[Path, Path], app_log: AppLog
) -> None:
    # keepalive_for has long passed, but a stream is open: the pings go on.
    options = H3Options(
        ca_file=str(dev_cert[0]), idle_timeout=0.6, keepalive_interval=0.15, keepalive_for=0.05
    )
    client = H3Upstream(options=options)
    try:
        pending = asyncio.ensure_future(client.request("GET", url(listener, "/hang"), [], b"", timeout=10))
        await asyncio.sleep(1.5)
        app_log.release.set()
        resp = await pending
        assert await resp.read(1 << 20) == b"/hang"
        assert client.handshakes == 1
    finally:
        await client.aclose()
