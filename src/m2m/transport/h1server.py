"""uvicorn's httptools protocol with the bounds a proxy facing hostile clients needs.

uvicorn bounds neither the request head nor the time a client takes to send it. This protocol
refuses a head over ``max_header_bytes`` or ``max_headers`` fields with 431 (RFC 6585 section 5)
as soon as the parser sees it, before the head is complete, and closes a connection whose head
has not arrived within ``header_timeout`` seconds with 408 (RFC 9110 section 15.5.9): a
slow-loris client holds a connection for that long at most. A request body that goes silent for
``body_timeout`` seconds (while the application is reading) gets the same; idle keep-alive
connections are closed by uvicorn.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["BOUNDED_BODY", "WORKER_PROTOCOL", "bounds_of", "configure_workers", "guarded_protocol"]

# ASGI scope extension set by m2m's listeners: they time a silent request body out themselves.
BOUNDED_BODY = "m2m.bounded_body"

# Worker processes get the protocol by import path (a class made at run time does not pickle);
# each worker sets its bounds with configure_workers() while it builds its app.
WORKER_PROTOCOL = "m2m.transport.h1server:WorkerProtocol"


class _HeadTooLarge(Exception):
    pass


def _response(status: bytes, reason: bytes) -> bytes:
    body = b'{"error":{"message":"' + reason + b'","type":"invalid_request_error","param":null,"code":null}}'
    return (
        b"HTTP/1.1 "
        + status
        + b"\r\ncontent-type: application/json\r\ncontent-length: "
        + str(len(body)).encode()
        + b"\r\nconnection: close\r\n\r\n"
        + body
    )


# Where a connection is in its current request.
_HEAD, _BODY, _IDLE = "head", "body", "idle"
# Shared by every request scope (read-only by convention, as ASGI scopes' extensions are).
_EXTENSIONS = {BOUNDED_BODY: True}
# A read may carry the end of one head and the start of the next request's body: allow one read.
_SLACK = 256 * 1024
_431 = _response(b"431 Request Header Fields Too Large", b"request head over the proxy's limits")
_408 = _response(b"408 Request Timeout", b"request head not received in time")
_408_BODY = _response(b"408 Request Timeout", b"request body went silent")


class _GuardedProtocol(HttpToolsProtocol):
    max_header_bytes = 64 * 1024
    max_headers = 128
    header_timeout = 15.0
    body_timeout = 30.0

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._head_bytes = 0
        self._head_fields = 0
        # Bytes received while a head is incomplete: the parser keeps a field until it ends, so a
        # field that never ends must be cut off here, not in on_header.
        self._head_raw = 0
        self._phase = _HEAD
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._body_seen = 0.0
        self._arm_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._body_done()
        super().connection_lost(exc)

    # Timers exist only while a read ended inside a head or a body; a request that arrives whole
    # in one read (the usual case) costs none.

    def _arm_head(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_timeout)

    def _disarm(self) -> None:
        timer, self._head_timer = self._head_timer, None
        if timer is not None:
            timer.cancel()

    def _head_timeout(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.write(_408)
            self.transport.close()

    def _too_large(self) -> None:
        self._disarm()
        self.transport.write(_431)
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        if self._phase is _HEAD:
            self._head_raw += len(data)
            if self._head_raw > self.max_header_bytes + _SLACK:
                self._too_large()
                return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, _HeadTooLarge):
                self._too_large()
                return
            self.send_400_response("Invalid HTTP request received.")
            return
        except httptools.HttpParserError:
            self.send_400_response("Invalid HTTP request received.")
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        phase = self._phase
        if phase is _HEAD:
            self._arm_head()
        elif phase is _BODY:
            self._body_seen = self.loop.time()
            if self._body_timer is None:
                self._body_timer = self.loop.call_later(self.body_timeout, self._body_check)

    def on_message_begin(self) -> None:
        self._head_bytes = 0
        self._head_fields = 0
        self._head_raw = 0
        self._phase = _HEAD
        super().on_message_begin()
        # Tells the application this listener bounds the body's silence itself.
        scope: Any = self.scope
        if "extensions" in scope:
            scope["extensions"] = {**scope["extensions"], BOUNDED_BODY: True}
        else:
            scope["extensions"] = _EXTENSIONS

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_bytes += len(name) + len(value) + 4
        self._head_fields += 1
        if self._head_bytes > self.max_header_bytes or self._head_fields > self.max_headers:
            raise _HeadTooLarge
        # uvicorn's on_header, inlined (one call per field on every request).
        name = name.lower()
        value = value.rstrip(b" \t")
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._phase = _BODY
        self._disarm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._phase = _IDLE
        self._body_done()
        super().on_message_complete()

    def _body_done(self) -> None:
        timer, self._body_timer = self._body_timer, None
        if timer is not None:
            timer.cancel()

    def _body_check(self) -> None:
        # One timer per body, pushed back while bytes arrive, or while the application holds the
        # body unread (reading is paused then: the client is not the one that is slow).
        self._body_timer = None
        if self._phase is not _BODY:
            return
        idle = self.loop.time() - self._body_seen
        if idle < self.body_timeout or self.flow.read_paused:
            wait = self.body_timeout - idle if idle < self.body_timeout else self.body_timeout
            self._body_timer = self.loop.call_later(wait, self._body_check)
            return
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_started:
            self.transport.write(_408_BODY)
        self.transport.close()


def guarded_protocol(**bounds: float) -> type[HttpToolsProtocol]:
    """The protocol class for ``uvicorn.Config(http=...)`` with these bounds (``max_header_bytes``,
    ``max_headers``, ``header_timeout``, ``body_timeout``)."""
    return type("GuardedHttpToolsProtocol", (_GuardedProtocol,), _checked(bounds))


class WorkerProtocol(_GuardedProtocol):
    """The protocol of worker processes; :func:`configure_workers` sets its bounds."""


def configure_workers(**bounds: float) -> None:
    for name, value in _checked(bounds).items():
        setattr(WorkerProtocol, name, value)


def _checked(bounds: dict[str, float]) -> dict[str, float]:
    unknown = set(bounds) - {"max_header_bytes", "max_headers", "header_timeout", "body_timeout"}
    assert not unknown, unknown
    return bounds


def bounds_of(limits: object) -> dict[str, float]:
    """The protocol bounds of a ``[proxy.limits]`` section."""
    return {
        name: getattr(limits, name)
        for name in ("max_header_bytes", "max_headers", "header_timeout", "body_timeout")
    }
