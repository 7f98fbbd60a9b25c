"""ASGI plumbing the proxy's modules share: reading a body within its limits, sending responses,
rendering errors, and the fields that cross the proxy.

Errors are rendered in one place, :func:`send_error` (OpenAI's error JSON); handlers raise.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from m2m.errors import M2MError, PayloadTooLargeError, RequestError
from m2m.headers import CREDENTIALS, HOP_BY_HOP, Headers, media_type
from m2m.tunnel.protocol import PREFIX as TUNNEL_PREFIX

__all__ = [
    "JSON",
    "BodyBudget",
    "ClientGone",
    "Receive",
    "RequestTimeoutError",
    "Scope",
    "Send",
    "ServiceBusyError",
    "error_body",
    "forward_headers",
    "read_body",
    "response_head",
    "send_bytes",
    "send_error",
    "stream_body",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

JSON = b"application/json"
# Response fields that describe the upstream's own connection or alternatives, never the proxy's.
_UPSTREAM_ONLY = frozenset({b"alt-svc"})
_NOT_TO_CLIENTS = HOP_BY_HOP | _UPSTREAM_ONLY


class ClientGone(Exception):
    """The client disconnected; nothing can be sent any more."""


class RequestTimeoutError(RequestError):
    status = 408
    code = "request_timeout"


class ServiceBusyError(M2MError):
    status = 503
    openai_error_type = "server_error"
    code = "proxy_busy"


class BodyBudget:
    """Request-body bytes held in memory at once by this process, over all requests: a bound that
    holds however many connections upload at the same time."""

    __slots__ = ("in_use", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_use = 0

    def take(self, n: int) -> None:
        if self.in_use + n > self.limit:
            raise ServiceBusyError("the proxy is holding too many request bodies; retry shortly")
        self.in_use += n

    def give(self, n: int) -> None:
        self.in_use -= n


async def _receive(receive: Receive, timeout: float) -> Message:
    # The listeners bound a body's silence (m2m.transport: 408 or a reset stream), where it costs
    # nothing per request; this bound holds under any other ASGI server too, and costs a timer only
    # when the body is not there yet.
    message = await receive() if timeout <= 0 else await _receive_within(receive, timeout)
    if message["type"] == "http.disconnect":
        raise ClientGone
    return message


async def _receive_within(receive: Receive, timeout: float) -> Message:
    try:
        async with asyncio.timeout(timeout):
            return await receive()
    except TimeoutError:
        raise RequestTimeoutError(f"no request body bytes for {timeout:g} s") from None


async def read_body(
    receive: Receive, length: int | None, *, limit: int, timeout: float, budget: BodyBudget
) -> tuple[bytes, int]:
    """The whole request body (at most ``limit`` bytes; 413 past it, 408 when the client goes
    silent for ``timeout``; ``length`` its Content-Length, if any), and the budget taken for it
    (give it back when done)."""
    if length is not None and length > limit:
        raise PayloadTooLargeError(f"request body of {length} bytes is over the {limit}-byte limit")
    message = await _receive(receive, timeout)
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        if len(body) > limit:
            raise PayloadTooLargeError(f"request body is over the {limit}-byte limit")
        budget.take(len(body))
        return body, len(body)
    reserved = length if length is not None else len(body)
    budget.take(reserved)
    try:
        parts = [body]
        size = len(body)
        while True:
            message = await _receive(receive, timeout)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise PayloadTooLargeError(f"request body is over the {limit}-byte limit")
            if size > reserved:
                budget.take(size - reserved)
                reserved = size
            parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts), reserved
    except BaseException:
        budget.give(reserved)
        raise


async def stream_body(
    receive: Receive, *, limit: int, timeout: float, first: bytes = b""
) -> AsyncIterator[bytes]:
    """The request body as it arrives, for bodies forwarded without being read whole; the same
    size and silence limits as :func:`read_body`."""
    size = len(first)
    if first:
        yield first
    while True:
        message = await _receive(receive, timeout)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"request body is over the {limit}-byte limit")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


def forward_headers(
    headers: Headers, *, default_auth: bytes | None, drop: frozenset[bytes] = frozenset()
) -> Headers:
    """The request fields for the upstream: hop-by-hop fields and the tunnel's own fields removed,
    and ``default_auth`` (the operator's key) added only when the client sent no credential."""
    names = HOP_BY_HOP | drop if drop else HOP_BY_HOP
    out: Headers = []
    has_credential = False
    connection = None
    for name, value in headers:
        if name in names or name.startswith(TUNNEL_PREFIX):
            if name == b"connection" and connection is None:
                connection = value
            continue
        if name in CREDENTIALS:
            has_credential = True
        out.append((name, value))
    if connection is not None:  # the fields Connection names are hop-by-hop too (rare)
        listed = {t.strip().lower() for t in connection.split(b",")}
        out = [(name, value) for name, value in out if name not in listed]
        has_credential = any(name in CREDENTIALS for name, _ in out)
    if not has_credential and default_auth is not None:
        out.append((b"authorization", default_auth))
    return out


def response_head(headers: Headers) -> tuple[Headers, int | None, bytes]:
    """The upstream's response fields a client may see (hop-by-hop and upstream-only ones
    removed), the body's Content-Length (None when absent, malformed or the body is chunked) and
    the lower-case media type, in one pass over the fields."""
    names = _NOT_TO_CLIENTS
    out: Headers = []
    length: int | None = None
    seen_length = chunked = False
    connection = None
    media = b""
    for name, value in headers:
        if name in names:
            if name == b"content-length":
                if not seen_length:
                    seen_length = True
                    length = int(value) if value.isdigit() else None
            elif name == b"transfer-encoding":
                chunked = True
            elif name == b"connection" and connection is None:
                connection = value
            continue
        if name == b"content-type" and not media:
            media = value.split(b";", 1)[0].strip().lower()
        out.append((name, value))
    if connection is not None:  # the fields Connection names are hop-by-hop too (rare)
        listed = {t.strip().lower() for t in connection.split(b",")}
        out = [(name, value) for name, value in out if name not in listed]
        media = media_type(out)
    return out, None if chunked else length, media


def error_body(exc: M2MError) -> bytes:
    return json.dumps(exc.to_openai(), ensure_ascii=False).encode()


async def send_error(send: Send, exc: M2MError, extra: Headers = ()) -> int:  # type: ignore[assignment]
    headers = list(extra)
    if exc.status == 405 and getattr(exc, "allow", None):
        headers.append((b"allow", exc.allow.encode()))  # type: ignore[attr-defined]
    return await send_bytes(send, exc.status, error_body(exc), JSON, headers)


async def send_bytes(send: Send, status: int, body: bytes, content_type: bytes, extra: Headers = ()) -> int:  # type: ignore[assignment]
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return status
