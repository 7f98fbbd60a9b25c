"""An OpenAI-compatible fake inference server (ASGI), for ``m2m demo``, tests and benchmarks.

``POST /v1/chat/completions`` answers deterministically: it echoes the last user message, calls
the first tool when ``tools`` are given, and streams ``chat.completion.chunk`` events when
``stream`` is true. Behaviour is chosen per request with headers (the ``openai`` client sends
them through ``extra_headers``):

- ``x-fake-pace: <seconds>``: delay between stream events (default 0).
- ``x-fake-delay: <seconds>``: delay before the response head.
- ``x-fake-status: <code>``: answer with this status and OpenAI error JSON.
- ``x-fake-close-after: <n>``: drop the connection after ``n`` stream events.
- ``x-fake-events: <n>``: number of content events in a stream (default 8).

``POST /v1/responses`` answers like chat completions (a streamed route the proxy only passes
through). ``GET /v1/models`` lists two models; any other path echoes the request as JSON (method, path,
query, headers, body) so passthrough can be checked. ``FakeUpstream.requests`` keeps what arrived,
``FakeUpstream.cancelled`` counts responses the client abandoned.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FakeUpstream", "Recorded"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_REPLY = "The quick brown fox jumps over the lazy dog while the proxy relays every event"


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


class _Abort(Exception):
    """Raised inside the app to make the server drop the connection mid-response."""


@dataclass
class FakeUpstream:
    requests: list[Recorded] = field(default_factory=list)
    cancelled: int = 0
    completed_streams: int = 0
    keep: int = 100  # recorded requests kept (bounded for benchmarks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        record = Recorded(
            scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1"), headers, body
        )
        self.requests.append(record)
        if len(self.requests) > self.keep:
            del self.requests[: -self.keep]
        delay = float(headers.get("x-fake-delay", 0) or 0)
        if delay and await _sleep_or_disconnect(delay, receive):
            self.cancelled += 1
            return
        status = int(headers.get("x-fake-status", 200) or 200)
        if status >= 400:
            error = {
                "error": {
                    "message": f"fake error {status}",
                    "type": "fake_error",
                    "param": None,
                    "code": None,
                }
            }
            await _send_json(send, status, error, extra=[(b"x-request-id", b"fake-req-1")])
            return
        path = scope["path"]
        if path.endswith(("/chat/completions", "/responses")) and scope["method"] == "POST":
            await self._chat(record, headers, receive, send)
        elif path.endswith("/models") and scope["method"] == "GET":
            await _send_json(send, 200, _models())
        else:
            echo = {
                "method": record.method,
                "path": record.path,
                "query": record.query,
                "headers": headers,
                "body_b64": base64.b64encode(body).decode(),
            }
            await _send_json(send, 200, echo)

    async def _chat(self, record: Recorded, headers: dict[str, str], receive: Receive, send: Send) -> None:
        try:
            request = json.loads(record.body)
        except ValueError:
            await _send_json(send, 400, {"error": {"message": "bad json", "type": "invalid_request_error"}})
            return
        model = request.get("model", "fake-model")
        text = _reply_text(request)
        tool_call = _tool_call(request)
        if not request.get("stream"):
            await _send_json(send, 200, _completion(model, text, tool_call, request))
            return
        pace = float(headers.get("x-fake-pace", 0) or 0)
        close_after = int(headers.get("x-fake-close-after", -1) or -1)
        n_events = int(headers.get("x-fake-events", 8) or 8)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")],
            }
        )
        gone = asyncio.Event()
        watcher = asyncio.ensure_future(_watch_disconnect(receive, gone))
        try:
            for i, event in enumerate(_chunks(model, text, tool_call, n_events)):
                if i == close_after:
                    raise _Abort("fake upstream closes mid-stream")
                if gone.is_set():
                    self.cancelled += 1
                    return
                await send({"type": "http.response.body", "body": event, "more_body": True})
                if pace and await _wait(gone, pace):
                    self.cancelled += 1
                    return
            await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})
            self.completed_streams += 1
        finally:
            watcher.cancel()


async def _watch_disconnect(receive: Receive, gone: asyncio.Event) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            gone.set()
            return


async def _wait(gone: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(gone.wait(), seconds)
    except TimeoutError:
        return False
    return True


async def _sleep_or_disconnect(seconds: float, receive: Receive) -> bool:
    gone = asyncio.Event()
    watcher = asyncio.ensure_future(_watch_disconnect(receive, gone))
    try:
        return await _wait(gone, seconds)
    finally:
        watcher.cancel()


async def _send_json(
    send: Send, status: int, obj: Any, *, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(obj, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})


def _reply_text(request: dict[str, Any]) -> str:
    last = ""
    for message in request.get("messages", []) or []:
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                last = content
            elif isinstance(content, list):
                last = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return f"You said: {last[:200]}" if last else _REPLY


def _tool_call(request: dict[str, Any]) -> dict[str, Any] | None:
    tools = request.get("tools")
    if not tools or request.get("tool_choice") == "none":
        return None
    # Reply with the tool result once the conversation already carries one.
    if any(isinstance(m, dict) and m.get("role") == "tool" for m in request.get("messages", [])):
        return None
    function = tools[0].get("function", {}) if isinstance(tools[0], dict) else {}
    name = function.get("name", "tool")
    params = function.get("parameters", {}).get("properties", {}) if isinstance(function, dict) else {}
    arguments = {key: f"value-{i}" for i, key in enumerate(params)}
    return {
        "id": "call_fake_1",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


def _usage(request: dict[str, Any], text: str) -> dict[str, int]:
    prompt = sum(
        len(str(m.get("content", "")).split()) for m in request.get("messages", []) if isinstance(m, dict)
    )
    completion = len(text.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _completion(
    model: str, text: str, tool_call: dict[str, Any] | None, request: dict[str, Any]
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None if tool_call else text, "refusal": None}
    if tool_call:
        message["tool_calls"] = [tool_call]
    return {
        "id": "chatcmpl-fake-1",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if tool_call else "stop",
            }
        ],
        "usage": _usage(request, text),
        "system_fingerprint": "fp_fake",
    }


def _chunks(model: str, text: str, tool_call: dict[str, Any] | None, n_events: int) -> list[bytes]:
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        obj = {
            "id": "chatcmpl-fake-1",
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"

    events = [chunk({"role": "assistant", "content": ""})]
    if tool_call:
        events.append(chunk({"tool_calls": [{"index": 0, **tool_call}]}))
        events.append(chunk({}, "tool_calls"))
        return events
    words = text.split(" ")
    n = max(1, min(n_events, len(words)))
    per = -(-len(words) // n)
    pieces = [" ".join(words[i : i + per]) for i in range(0, len(words), per)]
    for i, piece in enumerate(pieces):
        events.append(chunk({"content": piece if i == 0 else " " + piece}))
    events.append(chunk({}, "stop"))
    return events


def _models() -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"id": "fake-model", "object": "model", "created": 0, "owned_by": "m2m"},
            {"id": "gpt-4o", "object": "model", "created": 0, "owned_by": "m2m"},
        ],
    }
