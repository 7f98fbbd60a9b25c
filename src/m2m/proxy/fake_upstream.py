"""An OpenAI-compatible fake inference server (ASGI), for ``m2m demo``, tests and benchmarks.

Every route a client uses answers in its real shape, deterministically (random values are seeded
by the request body):

- ``POST /v1/chat/completions``: echoes the last user message, calls the first tool when ``tools``
  are given, streams ``chat.completion.chunk`` events when ``stream`` is true; with ``audio`` in
  the request, the message carries base64 audio.
- ``POST /v1/responses``: a Response object, or its ``event:``-typed stream
  (``response.created`` ... ``response.completed``).
- ``POST /v1/completions``: a ``text_completion``, or its ``data:`` stream ending in ``[DONE]``.
- ``POST /v1/embeddings``: float vectors, or base64 float32 (``encoding_format``).
- ``POST /v1/messages``: Anthropic's Messages shape, or its typed event stream.
- ``POST /v1/moderations``, ``POST /v1/files`` (any upload: a file object),
  ``POST /v1/audio/transcriptions`` (``{"text": ...}``), ``POST /v1/audio/speech`` (audio bytes).
- ``GET /v1/models`` lists two models; any other path echoes the request as JSON (method, path,
  query, headers, body) so passthrough can be checked.

Behaviour is chosen per request with headers (the ``openai`` client sends them through
``extra_headers``):

- ``x-fake-pace: <seconds>``: delay between stream events (default 0).
- ``x-fake-delay: <seconds>``: delay before the response head.
- ``x-fake-status: <code>``: answer with this status and OpenAI error JSON.
- ``x-fake-close-after: <n>``: drop the connection after ``n`` stream events.
- ``x-fake-events: <n>``: number of content events in a stream (default 8).
- ``x-fake-encoding: gzip|deflate``: answer in that content coding when the request's
  Accept-Encoding allows it (streams flushed per event, as servers do); with
  ``x-fake-force-encoding: 1``, whatever the request accepts (as some servers do).
- ``x-fake-gate: <name>``: hold every stream event after the first until the test calls
  :meth:`FakeUpstream.release` with that name.
- ``x-fake-header: <name>: <value>``: add this field to the response head.
- ``x-fake-heads: openai``: add the fields api.openai.com sends (request id, rate limits, ...).
- ``x-fake-audio-bytes: <n>``: size of generated audio (speech, or audio in a chat reply).
- ``x-fake-dims: <n>``: embedding dimensions (default 1536).

``FakeUpstream.requests`` keeps what arrived (with the body the fake answered, before any content
coding, in ``response``); ``FakeUpstream.cancelled`` counts responses the client abandoned.
``FakeUpstream.script`` may answer a request itself (benchmarks serve recorded bodies with it).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gzip
import hashlib
import json
import random
import struct
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import brotli
import zstandard

__all__ = ["Canned", "FakeUpstream", "Recorded"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

_REPLY = "The quick brown fox jumps over the lazy dog while the proxy relays every event"
# A stream waits this long for its gate at most (a hang guard; tests release gates at once).
_GATE_SECONDS = 30.0
_SSE = b"text/event-stream; charset=utf-8"
_JSON = b"application/json"


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    response: bytes = b""  # the body answered (before the fake's own content coding)


@dataclass(frozen=True)
class Canned:
    """A whole answer given by :attr:`FakeUpstream.script`; SSE bodies are sent event by event."""

    status: int
    headers: Headers
    body: bytes


class _Abort(Exception):
    """Raised inside the app to make the server drop the connection mid-response."""


@dataclass
class FakeUpstream:
    requests: list[Recorded] = field(default_factory=list)
    cancelled: int = 0
    completed_streams: int = 0
    keep: int = 100  # recorded requests kept (bounded for benchmarks)
    script: Callable[[Recorded], Canned | None] | None = None
    _gates: dict[str, asyncio.Event] = field(default_factory=dict, repr=False)
    _released: set[str] = field(default_factory=set, repr=False)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def release(self, name: str) -> None:
        """Let a stream held by ``x-fake-gate: name`` go on (callable from any thread)."""
        with self._lock:
            self._released.add(name)
            gate = self._gates.get(name)
            loop = self._loop
        if gate is not None and loop is not None:
            loop.call_soon_threadsafe(gate.set)

    async def _gate(self, name: str) -> None:
        with self._lock:
            self._loop = asyncio.get_running_loop()
            gate = self._gates.setdefault(name, asyncio.Event())
            if name in self._released:
                gate.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(gate.wait(), _GATE_SECONDS)

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
        out = _Out(self, record, headers, receive, send)
        canned = self.script(record) if self.script is not None else None
        if canned is not None:
            await out.canned(canned)
            return
        status = int(headers.get("x-fake-status", 200) or 200)
        if status >= 400:
            await out.json(status, _error(status), extra=[(b"x-request-id", b"fake-req-1")], indent=4)
            return
        method, path = scope["method"], scope["path"]
        route = _post_route(path) if method == "POST" else None
        if route is not None:
            await route(out)
        elif path.endswith("/models") and method in ("GET", "HEAD"):
            await out.json(200, _models())
        else:
            echo = {
                "method": record.method,
                "path": record.path,
                "query": record.query,
                "headers": headers,
                "body_b64": base64.b64encode(body).decode(),
            }
            await out.json(200, echo)


class _Out:
    """One answer: JSON, bytes or an event stream, in the content coding asked for."""

    def __init__(
        self, fake: FakeUpstream, record: Recorded, headers: dict[str, str], receive: Receive, send: Send
    ) -> None:
        self.fake = fake
        self.record = record
        self.headers = headers
        self._receive = receive
        self._send = send
        coding = headers.get("x-fake-encoding", "").strip().lower()
        accepted = {p.split(";")[0].strip().lower() for p in headers.get("accept-encoding", "").split(",")}
        forced = headers.get("x-fake-force-encoding") == "1"
        self.coding = coding if coding in ("gzip", "deflate") and (forced or coding in accepted) else None
        self._encoder: Any = None
        if self.coding is not None:
            wbits = 16 + zlib.MAX_WBITS if self.coding == "gzip" else zlib.MAX_WBITS
            self._encoder = zlib.compressobj(6, zlib.DEFLATED, wbits)

    def request_json(self) -> dict[str, Any] | None:
        """The request's JSON (a body in a Content-Encoding decoded first, as servers that accept
        compressed requests do)."""
        try:
            value = json.loads(_decoded(self.record.body, self.headers.get("content-encoding", "")))
        except (ValueError, OSError, zlib.error, brotli.error, zstandard.ZstdError):
            return None
        return value if isinstance(value, dict) else None

    def rnd(self) -> random.Random:
        return random.Random(hashlib.sha256(self.record.body).digest())

    def _head(self, status: int, content_type: bytes, extra: Headers) -> Headers:
        head: Headers = [(b"content-type", content_type), *extra]
        if self.headers.get("x-fake-heads") == "openai":
            head += _openai_head(self.rnd())
        added = self.headers.get("x-fake-header")
        if added:
            name, _, value = added.partition(":")
            head.append((name.strip().lower().encode("latin-1"), value.strip().encode("latin-1")))
        if self.coding is not None:
            head.append((b"content-encoding", self.coding.encode()))
            head.append((b"vary", b"accept-encoding"))
        return head

    async def raw(self, status: int, body: bytes, content_type: bytes, extra: Headers | None = None) -> None:
        self.record.response = body
        head = self._head(status, content_type, extra or [])
        if self._encoder is not None:
            body = self._encoder.compress(body) + self._encoder.flush()
        head.append((b"content-length", str(len(body)).encode()))
        await self._send({"type": "http.response.start", "status": status, "headers": head})
        await self._send({"type": "http.response.body", "body": body})

    async def json(
        self, status: int, obj: Any, *, extra: Headers | None = None, indent: int | None = None
    ) -> None:
        if indent is None:
            body = json.dumps(obj, separators=(",", ":")).encode()
        else:
            body = json.dumps(obj, indent=indent).encode() + b"\n"
        await self.raw(status, body, _JSON, extra)

    async def stream(self, events: list[bytes], head: Headers | None = None) -> None:
        """Send ``events`` (whole SSE events) one by one, paced, gated or cut as asked; ``head``:
        the response fields (default: an event stream's)."""
        fake, headers = self.fake, self.headers
        pace = float(headers.get("x-fake-pace", 0) or 0)
        close_after = int(headers.get("x-fake-close-after", -1) or -1)
        gate = headers.get("x-fake-gate")
        if head is None:
            head = self._head(200, _SSE, [(b"cache-control", b"no-cache")])
        elif self.coding is not None:
            head = [*head, (b"content-encoding", self.coding.encode()), (b"vary", b"accept-encoding")]
        await self._send({"type": "http.response.start", "status": 200, "headers": head})
        gone = asyncio.Event()
        watcher = asyncio.ensure_future(_watch_disconnect(self._receive, gone))
        sent: list[bytes] = []
        try:
            for i, event in enumerate(events):
                if i == close_after:
                    raise _Abort("fake upstream closes mid-stream")
                if gone.is_set():
                    fake.cancelled += 1
                    return
                if i > 0 and gate:
                    await self.fake._gate(gate)
                sent.append(event)
                self.record.response = b"".join(sent)
                await self._send({"type": "http.response.body", "body": self._code(event), "more_body": True})
                if pace and await _wait(gone, pace):
                    fake.cancelled += 1
                    return
            tail = self._encoder.flush() if self._encoder is not None else b""
            await self._send({"type": "http.response.body", "body": tail, "more_body": False})
            fake.completed_streams += 1
        finally:
            watcher.cancel()

    def _code(self, data: bytes) -> bytes:
        if self._encoder is None:
            return data
        return bytes(self._encoder.compress(data) + self._encoder.flush(zlib.Z_SYNC_FLUSH))

    async def canned(self, canned: Canned) -> None:
        ctype = next((v for k, v in canned.headers if k == b"content-type"), b"")
        others = [(k, v) for k, v in canned.headers if k not in (b"content-type", b"content-length")]
        if ctype.startswith(b"text/event-stream") and canned.status == 200:
            head = [(k, v) for k, v in canned.headers if k != b"content-length"]
            await self.stream([e + b"\n\n" for e in canned.body.split(b"\n\n") if e], head)
        else:
            await self.raw(canned.status, canned.body, ctype, others)


# -- routes ------------------------------------------------------------------------------------


async def _chat(out: _Out) -> None:
    request = out.request_json()
    if request is None:
        await out.json(400, {"error": {"message": "bad json", "type": "invalid_request_error"}})
        return
    model = request.get("model", "fake-model")
    text = _reply_text(request)
    tool_call = _tool_call(request)
    if not request.get("stream"):
        completion = _completion(model, text, tool_call, request)
        if request.get("audio"):
            size = int(out.headers.get("x-fake-audio-bytes", 48_000) or 48_000)
            completion["choices"][0]["message"]["audio"] = {
                "id": "audio_fake_1",
                "data": base64.b64encode(_audio(size)).decode(),
                "expires_at": 1_700_000_000,
                "transcript": text,
            }
        await out.json(200, completion)
        return
    n_events = int(out.headers.get("x-fake-events", 8) or 8)
    events = _chunks(model, text, tool_call, n_events)
    await out.stream([*events, b"data: [DONE]\n\n"])


async def _responses(out: _Out) -> None:
    request = out.request_json()
    if request is None:
        await out.json(400, _error(400, "We could not parse the JSON body of your request."))
        return
    rnd = out.rnd()
    text = _input_text(request.get("input")) or _REPLY
    text = f"You said: {text[:200]}"
    resp_id, msg_id = "resp_" + _hex(rnd, 48), "msg_" + _hex(rnd, 48)
    model = str(request.get("model", "gpt-4.1"))
    if not request.get("stream"):
        await out.json(200, _response_object(resp_id, msg_id, model, "completed", text), indent=2)
        return
    seq = iter(range(10_000))
    events: list[bytes] = []

    def add(obj: dict[str, Any]) -> None:
        obj["sequence_number"] = next(seq)
        events.append(_event(obj["type"], obj))

    created = _response_object(resp_id, msg_id, model, "in_progress", None)
    add({"type": "response.created", "response": created})
    add({"type": "response.in_progress", "response": created})
    item = {"id": msg_id, "type": "message", "status": "in_progress", "content": [], "role": "assistant"}
    add({"type": "response.output_item.added", "output_index": 0, "item": item})
    part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    where = {"item_id": msg_id, "output_index": 0, "content_index": 0}
    add({"type": "response.content_part.added", **where, "part": part})
    for piece in _pieces(text, int(out.headers.get("x-fake-events", 8) or 8)):
        add({"type": "response.output_text.delta", **where, "delta": piece, "logprobs": []})
    add({"type": "response.output_text.done", **where, "text": text, "logprobs": []})
    done_part = {**part, "text": text}
    add({"type": "response.content_part.done", **where, "part": done_part})
    add(
        {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": {**item, "status": "completed", "content": [done_part]},
        }
    )
    add(
        {
            "type": "response.completed",
            "response": _response_object(resp_id, msg_id, model, "completed", text),
        }
    )
    await out.stream(events)


async def _completions(out: _Out) -> None:
    request = out.request_json()
    if request is None:
        await out.json(400, _error(400, "We could not parse the JSON body of your request."))
        return
    rnd = out.rnd()
    prompt = request.get("prompt")
    text = " " + (f"You said: {prompt[:200]}" if isinstance(prompt, str) else _REPLY)
    cid, model = "cmpl-" + _hex(rnd, 29), str(request.get("model", "gpt-3.5-turbo-instruct"))
    created = int(time.time())
    if not request.get("stream"):
        tokens = _pieces(text, 64)
        logprobs = None
        if request.get("logprobs"):
            logprobs = {
                "tokens": tokens,
                "token_logprobs": [-round(rnd.expovariate(1.5), 6) for _ in tokens],
                "top_logprobs": [{t: -round(rnd.expovariate(1.0), 6)} for t in tokens],
                "text_offset": [sum(len(t) for t in tokens[:i]) for i in range(len(tokens))],
            }
        body = {
            "id": cid,
            "object": "text_completion",
            "created": created,
            "model": model,
            "choices": [{"text": text, "index": 0, "logprobs": logprobs, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": 12,
                "completion_tokens": len(tokens),
                "total_tokens": 12 + len(tokens),
            },
        }
        await out.json(200, body, indent=2)
        return
    pieces = _pieces(text, int(out.headers.get("x-fake-events", 8) or 8))
    events = []
    for i, piece in enumerate(pieces):
        finish = "stop" if i == len(pieces) - 1 else None
        chunk = {
            "id": cid,
            "object": "text_completion",
            "created": created,
            "choices": [{"text": piece, "index": 0, "logprobs": None, "finish_reason": finish}],
            "model": model,
        }
        events.append(_event(None, chunk))
    await out.stream([*events, b"data: [DONE]\n\n"])


async def _embeddings(out: _Out) -> None:
    request = out.request_json()
    if request is None:
        await out.json(400, _error(400, "We could not parse the JSON body of your request."))
        return
    rnd = out.rnd()
    inputs = request.get("input")
    count = len(inputs) if isinstance(inputs, list) and inputs and not isinstance(inputs[0], int) else 1
    dims = int(out.headers.get("x-fake-dims", 0) or request.get("dimensions") or 1536)
    as_base64 = request.get("encoding_format") == "base64"
    data = []
    for i in range(count):
        vector = [struct.unpack("<f", struct.pack("<f", rnd.gauss(0, dims**-0.5)))[0] for _ in range(dims)]
        embedding: Any = base64.b64encode(struct.pack(f"<{dims}f", *vector)).decode() if as_base64 else vector
        data.append({"object": "embedding", "index": i, "embedding": embedding})
    tokens = 8 * count
    body = {
        "object": "list",
        "data": data,
        "model": str(request.get("model", "text-embedding-3-small")),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    await out.json(200, body, indent=2)


async def _messages(out: _Out) -> None:
    request = out.request_json()
    if request is None:
        error = {"type": "error", "error": {"type": "invalid_request_error", "message": "invalid JSON"}}
        await out.json(400, error)
        return
    rnd = out.rnd()
    said = ""
    for message in request.get("messages", []) or []:
        if isinstance(message, dict) and message.get("role") == "user":
            said = _input_text(message.get("content")) or said
    text = f"You said: {said[:200]}" if said else _REPLY
    model = str(request.get("model", "claude-sonnet-4-20250514"))
    usage = {
        "input_tokens": 10 + len(said.split()),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": len(text.split()),
        "service_tier": "standard",
    }
    message = {
        "id": "msg_01" + _hex(rnd, 22),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": usage,
    }
    if not request.get("stream"):
        await out.json(200, message)
        return
    start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    events = [
        _event("message_start", {"type": "message_start", "message": start}),
        _event(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
        _event("ping", {"type": "ping"}),
    ]
    for piece in _pieces(text, int(out.headers.get("x-fake-events", 8) or 8)):
        delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
        events.append(_event("content_block_delta", delta))
    events.append(_event("content_block_stop", {"type": "content_block_stop", "index": 0}))
    final = {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": len(text.split())},
    }
    events.append(_event("message_delta", final))
    events.append(_event("message_stop", {"type": "message_stop"}))
    await out.stream(events)


_MODERATION = (
    "harassment", "harassment/threatening", "sexual", "hate", "hate/threatening", "illicit",
    "illicit/violent", "self-harm/intent", "self-harm/instructions", "self-harm", "sexual/minors",
    "violence", "violence/graphic",
)  # fmt: skip


async def _moderations(out: _Out) -> None:
    rnd = out.rnd()
    result = {
        "flagged": False,
        "categories": {c: False for c in _MODERATION},
        "category_scores": {c: 10 ** rnd.uniform(-7, -2) for c in _MODERATION},
        "category_applied_input_types": {c: ["text"] for c in _MODERATION},
    }
    body = {"id": "modr-" + _hex(rnd, 32), "model": "omni-moderation-latest", "results": [result]}
    await out.json(200, body, indent=2)


async def _files(out: _Out) -> None:
    rnd = out.rnd()
    body = {
        "object": "file",
        "id": "file-" + _hex(rnd, 22),
        "purpose": "batch",
        "filename": "upload.jsonl",
        "bytes": len(out.record.body),
        "created_at": int(time.time()),
        "expires_at": None,
        "status": "processed",
        "status_details": None,
    }
    await out.json(200, body, indent=2)


async def _transcriptions(out: _Out) -> None:
    await out.json(200, {"text": _REPLY, "usage": {"type": "duration", "seconds": 3}})


async def _speech(out: _Out) -> None:
    size = int(out.headers.get("x-fake-audio-bytes", 32_768) or 32_768)
    await out.raw(200, _audio(size), b"audio/mpeg")


_POST_ROUTES: dict[str, Callable[[_Out], Awaitable[None]]] = {
    "chat/completions": _chat,
    "responses": _responses,
    "completions": _completions,
    "embeddings": _embeddings,
    "messages": _messages,
    "moderations": _moderations,
    "files": _files,
    "audio/transcriptions": _transcriptions,
    "audio/translations": _transcriptions,
    "audio/speech": _speech,
}
_ROUTE_KEYS = sorted(_POST_ROUTES, key=len, reverse=True)


# -- helpers -----------------------------------------------------------------------------------


def _post_route(path: str) -> Callable[[_Out], Awaitable[None]] | None:
    path = path.rstrip("/")
    for key in _ROUTE_KEYS:  # longest first: "chat/completions" before "completions"
        if path.endswith("/" + key):
            return _POST_ROUTES[key]
    return None


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


def _decoded(body: bytes, coding: str) -> bytes:
    coding = coding.strip().lower()
    if coding in ("gzip", "x-gzip"):
        return gzip.decompress(body)
    if coding == "deflate":
        return zlib.decompress(body)
    if coding == "br":
        return bytes(brotli.decompress(body))
    if coding == "zstd":
        return bytes(zstandard.ZstdDecompressor().decompressobj().decompress(body))
    return body


def _error(status: int, message: str | None = None) -> dict[str, Any]:
    return {
        "error": {
            "message": message or f"fake error {status}",
            "type": "fake_error",
            "param": None,
            "code": None,
        }
    }


def _event(name: str | None, obj: Any) -> bytes:
    data = json.dumps(obj, separators=(",", ":")).encode()
    return (b"event: " + name.encode() + b"\n" if name else b"") + b"data: " + data + b"\n\n"


def _hex(rnd: random.Random, n: int) -> str:
    return "".join(rnd.choice("0123456789abcdef") for _ in range(n))


def _audio(size: int) -> bytes:
    """``size`` bytes that look like compressed audio to a compressor (an MP3 frame header, then
    noise from a fixed seed)."""
    noise = random.Random(size).randbytes(max(0, size - 4))
    return (b"\xff\xfb\x90\x64" + noise)[:size]


def _pieces(text: str, n: int) -> list[str]:
    words = text.split(" ")
    n = max(1, min(n, len(words)))
    per = -(-len(words) // n)
    pieces = [" ".join(words[i : i + per]) for i in range(0, len(words), per)]
    return [p if i == 0 else " " + p for i, p in enumerate(pieces)]


def _input_text(value: Any) -> str:
    """The text of a Responses ``input`` or a message ``content`` (string or parts)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = []
        for item in value:
            if isinstance(item, dict):
                if isinstance(item.get("text"), str):
                    texts.append(item["text"])
                elif "content" in item:
                    texts.append(_input_text(item["content"]))
        return " ".join(t for t in texts if t)
    return ""


def _openai_head(rnd: random.Random) -> Headers:
    """The fields api.openai.com adds to an answer (values random, names and formats real)."""
    ms = rnd.randrange(150, 4000)
    pairs = [
        ("openai-organization", "user-" + _hex(rnd, 24)),
        ("openai-processing-ms", str(ms)),
        ("openai-project", "proj_" + _hex(rnd, 24)),
        ("openai-version", "2020-10-01"),
        ("x-envoy-upstream-service-time", str(ms + rnd.randrange(1, 20))),
        ("x-ratelimit-limit-requests", "10000"),
        ("x-ratelimit-limit-tokens", "30000000"),
        ("x-ratelimit-remaining-requests", str(rnd.randrange(9000, 10000))),
        ("x-ratelimit-remaining-tokens", str(rnd.randrange(29_000_000, 30_000_000))),
        ("x-ratelimit-reset-requests", f"{rnd.randrange(1, 60)}ms"),
        ("x-ratelimit-reset-tokens", f"{rnd.randrange(0, 9)}ms"),
        ("x-request-id", "req_" + _hex(rnd, 32)),
        ("strict-transport-security", "max-age=31536000; includeSubDomains; preload"),
        ("cf-cache-status", "DYNAMIC"),
        ("x-content-type-options", "nosniff"),
        ("server", "cloudflare"),
        ("cf-ray", _hex(rnd, 16) + "-" + rnd.choice(["SJC", "FRA", "AMS", "IAD"])),
    ]
    return [(n.encode(), v.encode()) for n, v in pairs]


def _response_object(resp_id: str, msg_id: str, model: str, status: str, text: str | None) -> dict[str, Any]:
    output = []
    if text is not None:
        output = [
            {
                "id": msg_id,
                "type": "message",
                "status": "completed",
                "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}],
                "role": "assistant",
            }
        ]
    usage = None
    if status == "completed" and text is not None:
        out_tokens = len(text.split())
        usage = {
            "input_tokens": 12,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": out_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 12 + out_tokens,
        }
    return {
        "id": resp_id,
        "object": "response",
        "created_at": int(time.time()),
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "service_tier": "default",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": usage,
        "user": None,
        "metadata": {},
    }


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
    for piece in _pieces(text, n_events):
        events.append(chunk({"content": piece}))
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
