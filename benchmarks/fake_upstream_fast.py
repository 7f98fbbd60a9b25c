"""A fast OpenAI-compatible fake upstream for proxy benchmarks.

A raw asyncio Protocol with httptools' parser on uvloop, so that on a small box the upstream costs
far less CPU than the proxies being measured. Answers:

- ``POST /v1/chat/completions``: a fixed chat.completion JSON; with ``"stream": true`` in the body,
  an SSE stream of ``--sse-events`` chunks, one every ``--sse-interval-ms`` (the first one after one
  interval too, so a proxy that buffers shows up as added time-to-first-event), then ``[DONE]``.
- ``GET /v1/models``: a one-model list.
- ``POST /v1/embeddings``: one 256-dimension embedding.
- anything else: 404 in OpenAI's error shape.

Run: ``python benchmarks/fake_upstream_fast.py --port 9100``; it prints ``READY <port>`` when it
listens. Only listens on 127.0.0.1 by default and stops by itself after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httptools

MODEL = "gpt-4o-mini"

COMPLETION = json.dumps(
    {
        "id": "chatcmpl-bench0000000000000000000000",
        "object": "chat.completion",
        "created": 1700000000,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": (
                        "The capital of France is Paris. It has been the country's political and "
                        "cultural centre for centuries and is home to about two million people."
                    ),
                    "refusal": None,
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 212, "completion_tokens": 31, "total_tokens": 243},
        "system_fingerprint": "fp_bench",
    },
    separators=(",", ":"),
).encode()


def _chunk(i: int, content: str | None, finish: str | None) -> bytes:
    delta: dict[str, object] = {"content": content} if content is not None else {}
    if i == 0:
        delta["role"] = "assistant"
    obj = {
        "id": "chatcmpl-bench0000000000000000000000",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


MODELS = json.dumps(
    {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "bench"}]}
).encode()
NOT_FOUND = json.dumps(
    {"error": {"message": "not found", "type": "invalid_request_error", "param": None, "code": None}}
).encode()


def _response(status: bytes, ctype: bytes, body: bytes) -> bytes:
    return (
        b"HTTP/1.1 "
        + status
        + b"\r\ncontent-type: "
        + ctype
        + b"\r\ncontent-length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


CHAT_RESPONSE = _response(b"200 OK", b"application/json", COMPLETION)
MODELS_RESPONSE = _response(b"200 OK", b"application/json", MODELS)
NOT_FOUND_RESPONSE = _response(b"404 Not Found", b"application/json", NOT_FOUND)
EMBEDDINGS = json.dumps(
    {
        "object": "list",
        "data": [
            {"object": "embedding", "index": 0, "embedding": [round(0.001 * i - 0.1, 6) for i in range(256)]}
        ],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 8, "total_tokens": 8},
    }
).encode()
EMBEDDINGS_RESPONSE = _response(b"200 OK", b"application/json", EMBEDDINGS)


class UpstreamProtocol(asyncio.Protocol):
    sse_interval = 0.01
    sse_events = 10

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.url = b""
        self.body: list[bytes] = []
        self.streaming: asyncio.Task[None] | None = None

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no asyncio.Transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._close()
        except httptools.HttpParserError:
            if self.transport is not None:
                self.transport.write(_response(b"400 Bad Request", b"text/plain", b"bad request"))
            self._close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.streaming is not None:
            self.streaming.cancel()
        self.transport = None

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.url = b""
        self.body = []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.transport is None:
            return
        method = self.parser.get_method()
        path = self.url.split(b"?", 1)[0]
        if method == b"POST" and path.endswith(b"/chat/completions"):
            body = b"".join(self.body)
            if b'"stream":true' in body or b'"stream": true' in body:
                self.streaming = asyncio.get_running_loop().create_task(self._stream())
                return
            self.transport.write(CHAT_RESPONSE)
        elif method == b"GET" and path.endswith(b"/models"):
            self.transport.write(MODELS_RESPONSE)
        elif method == b"POST" and path.endswith(b"/embeddings"):
            self.transport.write(EMBEDDINGS_RESPONSE)
        else:
            self.transport.write(NOT_FOUND_RESPONSE)
        if not self.parser.should_keep_alive():
            self._close()

    async def _stream(self) -> None:
        t = self.transport
        if t is None:
            return
        t.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
            b"transfer-encoding: chunked\r\n\r\n"
        )
        words = ["The", " capital", " of", " France", " is", " Paris", "."]
        for i in range(self.sse_events):
            await asyncio.sleep(self.sse_interval)
            if self.transport is None:
                return
            ev = _chunk(i, words[i % len(words)], None)
            t.write(b"%x\r\n%s\r\n" % (len(ev), ev))
        for ev in (_chunk(self.sse_events, None, "stop"), b"data: [DONE]\n\n"):
            t.write(b"%x\r\n%s\r\n" % (len(ev), ev))
        t.write(b"0\r\n\r\n")
        self.streaming = None
        if not self.parser.should_keep_alive():
            self._close()


async def serve(host: str, port: int, max_seconds: float) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(UpstreamProtocol, host, port, backlog=1024, reuse_address=True)
    sock_port = server.sockets[0].getsockname()[1]
    print(f"READY {sock_port}", flush=True)
    deadline = time.monotonic() + max_seconds
    async with server:
        while time.monotonic() < deadline:
            await asyncio.sleep(1.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=9100)
    ap.add_argument("--sse-interval-ms", type=float, default=10.0)
    ap.add_argument("--sse-events", type=int, default=10)
    ap.add_argument("--max-seconds", type=float, default=3600.0, help="exit after this long")
    args = ap.parse_args(argv)
    UpstreamProtocol.sse_interval = args.sse_interval_ms / 1000.0
    UpstreamProtocol.sse_events = args.sse_events
    run: Callable[[Coroutine[Any, Any, None]], None]
    try:
        import uvloop

        run = uvloop.run
    except ImportError:  # pragma: no cover - uvloop is a dependency on POSIX
        run = asyncio.run
    with contextlib.suppress(KeyboardInterrupt):
        run(serve(args.host, args.port, args.max_seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
