"""uvicorn's httptools protocol with the bounds a proxy facing hostile clients needs.

uvicorn bounds neither the request head nor the time a client takes to send it. This protocol
refuses a head over ``max_header_bytes`` or ``max_headers`` fields with 431 (RFC 6585 section 5)
as soon as the parser sees it, before the head is complete, and closes a connection whose head
has not arrived within ``header_timeout`` seconds with 408 (RFC 9110 section 15.5.9): a
slow-loris client holds a connection for that long at most. Body silence is bounded by the
application (``[proxy.limits] body_timeout``), idle keep-alive connections by uvicorn.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["WORKER_PROTOCOL", "configure_workers", "guarded_protocol"]

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


# A read may carry the end of one head and the start of the next request's body: allow one read.
_SLACK = 256 * 1024
_431 = _response(b"431 Request Header Fields Too Large", b"request head over the proxy's limits")
_408 = _response(b"408 Request Timeout", b"request head not received in time")


class _GuardedProtocol(HttpToolsProtocol):
    max_header_bytes = 64 * 1024
    max_headers = 128
    header_timeout = 15.0

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._head_bytes = 0
        self._head_fields = 0
        # Bytes received while a head is incomplete: the parser keeps a field until it ends, so a
        # field that never ends must be cut off here, not in on_header.
        self._head_raw = 0
        self._in_head = True
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
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
        if self._in_head:
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
        except httptools.HttpParserError:
            self.send_400_response("Invalid HTTP request received.")
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    def on_message_begin(self) -> None:
        self._head_bytes = 0
        self._head_fields = 0
        self._head_raw = 0
        self._in_head = True
        self._arm()
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._head_bytes += len(url)
        if self._head_bytes > self.max_header_bytes:
            raise _HeadTooLarge
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_bytes += len(name) + len(value) + 4
        self._head_fields += 1
        if self._head_bytes > self.max_header_bytes or self._head_fields > self.max_headers:
            raise _HeadTooLarge
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm()
        super().on_headers_complete()


def guarded_protocol(
    *, max_header_bytes: int, max_headers: int, header_timeout: float
) -> type[HttpToolsProtocol]:
    """The protocol class for ``uvicorn.Config(http=...)`` with these bounds."""
    return type(
        "GuardedHttpToolsProtocol",
        (_GuardedProtocol,),
        {"max_header_bytes": max_header_bytes, "max_headers": max_headers, "header_timeout": header_timeout},
    )


class WorkerProtocol(_GuardedProtocol):
    """The protocol of worker processes; :func:`configure_workers` sets its bounds."""


def configure_workers(*, max_header_bytes: int, max_headers: int, header_timeout: float) -> None:
    WorkerProtocol.max_header_bytes = max_header_bytes
    WorkerProtocol.max_headers = max_headers
    WorkerProtocol.header_timeout = header_timeout
