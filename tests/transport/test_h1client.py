"""The HTTP/1.1 upstream client against raw servers that misbehave on purpose."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from m2m.errors import UpstreamTimeoutError, UpstreamUnavailableError
from m2m.proxy.upstream import Upstream, UpstreamResponse
from m2m.transport.h1client import H1Upstream

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def serve(handler: Handler) -> tuple[asyncio.Server, str]:
    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(run, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    chunked = False
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
        if name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return head, body
            body += chunk[:-2]
    return head, await reader.readexactly(length) if length else b""


def response(body: bytes, *, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n%b\r\n%b" % (len(body), extra, body)


@pytest.fixture
async def client() -> AsyncIterator[Upstream]:
    upstream: Upstream = H1Upstream()
    yield upstream
    await upstream.aclose()


async def body_of(resp: UpstreamResponse) -> bytes:
    return b"".join([chunk async for chunk in resp.aiter_bytes()])


async def test_keep_alive_reuses_one_connection(client: Upstream) -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                _head, body = await read_request(reader)
            except asyncio.IncompleteReadError:
                break
            writer.write(response(body[::-1], extra=b"x-echo: yes\r\n"))
            await writer.drain()
        writer.close()

    server, url = await serve(handler)
    async with server:
        for i in range(5):
            resp = await client.request("POST", url + "/v1/x?q=1", [(b"a", b"b")], b"abc%d" % i, timeout=5)
            assert resp.status == 200
            assert (b"x-echo", b"yes") in resp.headers
            assert await body_of(resp) == (b"abc%d" % i)[::-1]
            await resp.aclose()
    assert connections == 1


async def test_stale_keep_alive_connection_is_retried(client: Upstream) -> None:
    served = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        await read_request(reader)
        served += 1
        writer.write(response(b"ok"))
        await writer.drain()
        writer.close()  # keep-alive advertised, but the server drops the idle connection

    server, url = await serve(handler)
    async with server:
        for _ in range(3):
            resp = await client.request("GET", url, [], b"", timeout=5)
            assert await body_of(resp) == b"ok"
            await resp.aclose()
            await asyncio.sleep(0.05)
    assert served == 3


async def test_streamed_upload_is_chunked_and_bodies_may_end_at_eof(client: Upstream) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, body = await read_request(reader)
        assert b"transfer-encoding: chunked" in head.lower()
        writer.write(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n" + body)  # no length: ends at EOF
        await writer.drain()
        writer.close()

    async def parts() -> AsyncIterator[bytes]:
        for i in range(10):
            yield b"part%d;" % i

    server, url = await serve(handler)
    async with server:
        resp = await client.request("PUT", url, [], parts(), timeout=5)
        assert await body_of(resp) == b"".join(b"part%d;" % i for i in range(10))
        await resp.aclose()


async def test_refused_timeout_and_cut_responses(client: Upstream) -> None:
    server, url = await serve(lambda r, w: asyncio.sleep(0))
    server.close()
    await server.wait_closed()
    with pytest.raises(UpstreamUnavailableError, match=r"(?i)cannot connect"):
        await client.request("GET", url, [], b"", timeout=5)

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up and closes

    server, url = await serve(silent)
    async with server:
        with pytest.raises(UpstreamTimeoutError):
            await client.request("GET", url, [], b"", timeout=0.2)

    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part")
        await writer.drain()
        writer.close()

    server, url = await serve(cut)
    async with server:
        resp = await client.request("GET", url, [], b"", timeout=5)
        with pytest.raises(UpstreamUnavailableError, match="mid-response"):
            await body_of(resp)
        await resp.aclose()

    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"SPDY/9 what\r\n\r\n")
        await writer.drain()
        await reader.read()

    server, url = await serve(garbage)
    async with server:
        with pytest.raises(UpstreamUnavailableError, match=r"invalid HTTP response|Bad status line"):
            await client.request("GET", url, [], b"", timeout=5)


async def test_streamed_response_arrives_in_pieces(client: Upstream) -> None:
    release = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n")
        await writer.drain()
        await release.wait()
        writer.write(b"6\r\nsecond\r\n0\r\n\r\n")
        await writer.drain()
        await reader.read()

    server, url = await serve(handler)
    async with server:
        resp = await client.request("POST", url, [], b"{}", timeout=5)
        chunks = resp.aiter_bytes()
        assert await chunks.__anext__() == b"first"  # before the server sent the rest
        release.set()
        assert [c async for c in chunks] == [b"second"]
        await resp.aclose()


async def test_head_and_interim_responses() -> None:
    client = H1Upstream()  # aiohttp does not skip an unsolicited 100 Continue
    try:
        await _head_and_interim(client)
    finally:
        await client.aclose()


async def _head_and_interim(client: H1Upstream) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        if head.startswith(b"HEAD"):
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n")
        else:
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n" + response(b"after 100"))
        await writer.drain()
        await reader.read()

    server, url = await serve(handler)
    async with server:
        resp = await client.request("HEAD", url, [], b"", timeout=5)
        assert resp.status == 200 and (b"content-length", b"1234") in resp.headers
        assert await body_of(resp) == b""
        await resp.aclose()
        resp = await client.request("POST", url, [], b"x", timeout=5)
        assert resp.status == 200
        assert await body_of(resp) == b"after 100"
        await resp.aclose()


async def test_https_upstream_verified_against_a_ca_file(tmp_path: Path) -> None:
    from m2m.transport.tls import dev_certificate

    cert, key = dev_certificate(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(response(b"over tls"))
        await writer.drain()
        await reader.read()

    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()

    server = await asyncio.start_server(run, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    async with server:
        trusted = H1Upstream(ca_file=str(cert))
        try:
            resp = await trusted.request("GET", f"https://localhost:{port}/v1/models", [], b"", timeout=5)
            assert await body_of(resp) == b"over tls"
            await resp.aclose()
        finally:
            await trusted.aclose()
        untrusted = H1Upstream()
        try:
            with pytest.raises(
                UpstreamUnavailableError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify"
            ):
                await untrusted.request("GET", f"https://localhost:{port}/", [], b"", timeout=5)
        finally:
            await untrusted.aclose()


async def test_an_oversized_response_head_is_refused(client: Upstream) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        fields = b"".join(b"x-f%d: %s\r\n" % (i, b"v" * 100) for i in range(5000))
        writer.write(b"HTTP/1.1 200 OK\r\n" + fields + b"content-length: 2\r\n\r\nok")
        await writer.drain()
        await reader.read()

    server, url = await serve(handler)
    async with server:
        with pytest.raises(UpstreamUnavailableError, match="head over"):
            await client.request("GET", url, [], b"", timeout=5)


async def test_get_and_delete_without_a_body_carry_no_framing(client: Upstream) -> None:
    heads: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head, _ = await read_request(reader)
            except asyncio.IncompleteReadError:
                return
            heads.append(head.lower())
            writer.write(response(b"ok"))
            await writer.drain()

    server, url = await serve(handler)
    async with server:
        for method in ("GET", "DELETE", "GET"):
            resp = await client.request(method, url, [], b"", timeout=5)
            assert await body_of(resp) == b"ok"
    assert heads and all(b"transfer-encoding" not in h and b"content-length" not in h for h in heads)
