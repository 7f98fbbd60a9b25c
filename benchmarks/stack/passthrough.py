"""Minimal ASGI reverse-proxy passthrough used to pick the proxy's HTTP stack.

The request body is read, POSTed to ``STACK_UPSTREAM`` (same path) with the upstream client named
by ``STACK_CLIENT`` and the upstream's status, content type and body are returned. No parsing, no
stats: what is left is the cost of the front server plus the client. Clients: ``aiohttp`` (one
ClientSession, keep-alive pool), ``httpx`` (one AsyncClient), ``raw`` (a bare httptools keep-alive
pool, to show what the client library costs) and ``none`` (no upstream call: the server alone).
"""

from __future__ import annotations

import os
from typing import Any

UPSTREAM = os.environ.get("STACK_UPSTREAM", "http://127.0.0.1:9100").rstrip("/")
CLIENT = os.environ.get("STACK_CLIENT", "aiohttp")
LIMIT = int(os.environ.get("STACK_POOL", "128"))

_client: Any = None

CANNED = (
    b'{"id":"chatcmpl-x","object":"chat.completion","created":0,"model":"gpt-4o-mini","choices":'
    b'[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}'
)


class _RawConn:
    """One keep-alive HTTP/1.1 connection: a bare asyncio Protocol with httptools' parser.

    Only here to show how much of the proxy's cost is the upstream client library; it handles
    exactly what the fake upstream sends (content-length bodies) and nothing else."""

    def __init__(self, reader: Any, writer: Any) -> None:
        import httptools

        self.reader, self.writer = reader, writer
        self.parser = httptools.HttpResponseParser(self)
        self.body: list[bytes] = []
        self.done = False
        self.ctype = b"application/json"

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"content-type":
            self.ctype = value

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.done = True

    async def post(self, head: bytes, body: bytes) -> tuple[int, bytes, bytes]:
        self.body, self.done = [], False
        self.writer.write(head + body)
        while not self.done:
            data = await self.reader.read(65536)
            if not data:
                raise ConnectionError("upstream closed")
            self.parser.feed_data(data)
        return self.parser.get_status_code(), b"".join(self.body), self.ctype


class _RawPool:
    def __init__(self, url: str) -> None:
        from urllib.parse import urlsplit

        u = urlsplit(url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.idle: list[_RawConn] = []

    async def post(self, path: str, body: bytes) -> tuple[int, bytes, bytes]:
        import asyncio

        conn = (
            self.idle.pop() if self.idle else _RawConn(*await asyncio.open_connection(self.host, self.port))
        )
        head = (
            b"POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % (path.encode(), self.host.encode(), self.port, len(body))
        )
        out = await conn.post(head, body)
        self.idle.append(conn)
        return out


def _make_client() -> Any:
    if CLIENT == "raw":
        return _RawPool(UPSTREAM)
    if CLIENT == "httpx":
        import httpx

        return httpx.AsyncClient(
            limits=httpx.Limits(max_connections=LIMIT, max_keepalive_connections=LIMIT),
            timeout=30.0,
        )
    import aiohttp

    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=LIMIT, keepalive_timeout=60.0, ttl_dns_cache=None),
        timeout=aiohttp.ClientTimeout(total=30.0),
        auto_decompress=False,
        skip_auto_headers=("User-Agent", "Accept-Encoding"),
    )


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _client
    if scope["type"] == "lifespan":
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                if _client is not None:
                    await (_client.aclose() if CLIENT == "httpx" else _client.close())
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    chunks = []
    more = True
    while more:
        msg = await receive()
        chunks.append(msg.get("body", b""))
        more = msg.get("more_body", False)
    body = b"".join(chunks)
    if CLIENT == "none":  # the front server alone: no upstream call
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(CANNED))],
            }
        )
        await send({"type": "http.response.body", "body": CANNED})
        return
    if _client is None:
        _client = _make_client()
    url = UPSTREAM + scope["path"]
    headers = {"content-type": "application/json"}
    if CLIENT == "raw":
        status, data, ctype_b = await _client.post(scope["path"], body)
        ctype = ctype_b.decode("latin-1")
    elif CLIENT == "httpx":
        r = await _client.post(url, content=body, headers=headers)
        status, data, ctype = r.status_code, r.content, r.headers.get("content-type", "application/json")
    else:
        async with _client.post(url, data=body, headers=headers) as r:
            status, data, ctype = r.status, await r.read(), r.headers.get("content-type", "application/json")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", ctype.encode()), (b"content-length", str(len(data)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": data})
