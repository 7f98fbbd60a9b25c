"""Recorded SSE streams, cut at random points by the upstream, come out of the proxy unchanged."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from tests.conftest import CORPUS

from m2m.cli.proxy import build_app
from m2m.config import load
from m2m.sse import SSEParser
from m2m.transport.server import BackgroundServer

STREAMS = sorted((CORPUS / "streams").glob("*.sse"))[:6]
_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "stream": True}


def pieces(data: bytes, seed: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    i = 0
    while i < len(data):
        n = rng.choice([1, 2, 3, 7, 50, 400, 4096])
        yield data[i : i + n]
        i += n


@contextlib.asynccontextmanager
async def recorded_upstream(body: bytes, seed: int, newline: bytes) -> AsyncIterator[str]:
    stream = body.replace(b"\n", newline) if newline != b"\n" else body

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                writer.write(_HEAD)
                for part in pieces(stream, seed):
                    writer.write(b"%x\r\n%b\r\n" % (len(part), part))
                    await writer.drain()
                    await asyncio.sleep(0)
                writer.write(b"0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1"


def events(data: bytes) -> list[tuple[str | None, str | None, str | None]]:
    return [(e.data, e.event, e.id) for e in SSEParser().feed(data)]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
async def test_standard_client_gets_the_upstream_bytes(newline: bytes) -> None:
    assert STREAMS
    for seed, path in enumerate(STREAMS):
        raw = path.read_bytes()
        expected = raw.replace(b"\n", newline)
        async with recorded_upstream(raw, seed, newline) as url:
            app = build_app(load(cli={"proxy.upstream": url}, env={}, path=None))
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://p") as client:
                r = await client.post("/v1/chat/completions", json=CHAT)
            await app.shutdown()
        assert r.status_code == 200
        assert r.content == expected, path.name


async def test_tunnel_restores_every_event() -> None:
    for seed, path in enumerate(STREAMS):
        raw = path.read_bytes()
        async with recorded_upstream(raw, seed, b"\n") as url:
            b = BackgroundServer(build_app(load(cli={"proxy.upstream": url}, env={}, path=None))).start()
            try:
                a = build_app(
                    load(
                        cli={"proxy.upstream": b.url + "/v1", "proxy.upstream_protocol": "m2m"},
                        env={},
                        path=None,
                    )
                )
                transport = httpx.ASGITransport(app=a)
                async with httpx.AsyncClient(transport=transport, base_url="http://p") as client:
                    r = await client.post("/v1/chat/completions", json=CHAT)
                await a.shutdown()
            finally:
                await asyncio.to_thread(b.stop)
        assert r.status_code == 200
        assert "x-m2m-encoding" not in r.headers
        assert events(r.content) == events(raw), path.name
        assert r.content == raw, path.name  # zstream (negotiated first) restores every byte
        for data, _, _ in events(r.content):
            if data and data != "[DONE]":
                json.loads(data)
