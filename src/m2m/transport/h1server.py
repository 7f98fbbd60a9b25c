"""The proxy's HTTP/1.1 server: uvicorn's httptools protocol, lean per request, with the bounds
a proxy facing hostile clients needs.

uvicorn bounds neither the request head nor the time a client takes to send it. This protocol
refuses a head over ``max_header_bytes`` or ``max_headers`` fields with 431 (RFC 6585 section 5)
as soon as the parser sees it, before the head is complete, and closes a connection whose head
has not arrived within ``header_timeout`` seconds with 408 (RFC 9110 section 15.5.9): a
slow-loris client holds a connection for that long at most. A request body that goes silent for
``body_timeout`` seconds (while the application is reading) gets the same; a keep-alive
connection idle for uvicorn's ``timeout_keep_alive`` is closed.

Per request it does what uvicorn's protocol does (scope, one ASGI task, flow control, pipelined
requests, ``Expect: 100-continue``, chunked answers when no length is given, keep-alive rules) with
less work: no event object or timer per request (timers exist only while a head or body is
incomplete, or one per connection while it idles), header fields checked in one search each,
and a response's head sent in the same write as its first body bytes. uvicorn's own cycle cost
about twice this one's CPU per request on the proxy's benchmark (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import urllib.parse
from typing import Any

import httptools
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT, service_unavailable
from uvicorn.protocols.http.httptools_impl import HEADER_RE, HEADER_VALUE_RE, STATUS_LINE, HttpToolsProtocol

__all__ = ["BOUNDED_BODY", "WORKER_PROTOCOL", "bounds_of", "configure_workers", "guarded_protocol"]

# ASGI scope extension set by m2m's listeners: they time a silent request body out themselves.
BOUNDED_BODY = "m2m.bounded_body"

# Worker processes get the protocol by import path (a class made at run time does not pickle);
# each worker sets its bounds with configure_workers() while it builds its app.
WORKER_PROTOCOL = "m2m.transport.h1server:WorkerProtocol"

_log = logging.getLogger("uvicorn.error")


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
_ASGI = {"version": "3.0", "spec_version": "2.3"}
# A read may carry the end of one head and the start of the next request's body: allow one read.
_SLACK = 256 * 1024
# A first body write up to this size goes out with the head, in one system call.
_COALESCE = 64 * 1024
_431 = _response(b"431 Request Header Fields Too Large", b"request head over the proxy's limits")
_408 = _response(b"408 Request Timeout", b"request head not received in time")
_408_BODY = _response(b"408 Request Timeout", b"request body went silent")
_DISCONNECT = {"type": "http.disconnect"}
_500 = {
    "type": "http.response.start",
    "status": 500,
    "headers": [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", b"21"),
        (b"connection", b"close"),
    ],
}


class _Cycle:
    """One request and its response, as the ASGI application sees them (``receive``/``send``)."""

    __slots__ = (
        "_final_given",
        "_flush_handle",
        "_pending",
        "_waiter",
        "body",
        "body_size",
        "chunked_encoding",
        "default_headers",
        "disconnected",
        "expected_content_length",
        "flow",
        "keep_alive",
        "more_body",
        "on_response",
        "response_complete",
        "response_started",
        "scope",
        "transport",
        "waiting_for_100_continue",
    )

    def __init__(self, protocol: _GuardedProtocol, scope: Any, keep_alive: bool) -> None:
        self.scope = scope
        self.transport = protocol.transport
        self.flow = protocol.flow
        self.default_headers = protocol.server_state.default_headers
        self.on_response: Any = protocol.on_response_complete
        self.keep_alive = keep_alive
        self.waiting_for_100_continue = protocol.expect_100_continue
        self.disconnected = False
        self.body: list[bytes] = []
        self.body_size = 0
        self.more_body = True
        self.response_started = False
        self.response_complete = False
        self.chunked_encoding: bool | None = None
        self.expected_content_length = 0
        self._waiter: asyncio.Future[None] | None = None
        self._final_given = False
        self._pending: bytes | None = None
        self._flush_handle: asyncio.Handle | None = None

    def wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def run_asgi(self, app: Any) -> None:
        try:
            result = await app(self.scope, self.receive, self.send)
        except BaseException as exc:
            _log.error("Exception in ASGI application\n", exc_info=exc)
            if not self.response_started:
                await self._send_500()
            else:
                self.transport.close()
        else:
            if result is not None:
                _log.error("ASGI callable should return None, but returned '%s'.", result)
                self.transport.close()
            elif not self.response_started and not self.disconnected:
                _log.error("ASGI callable returned without starting response.")
                await self._send_500()
            elif not self.response_complete and not self.disconnected:
                _log.error("ASGI callable returned without completing response.")
                self.transport.close()
        finally:
            self.on_response = None

    async def _send_500(self) -> None:
        await self.send(_500)
        await self.send({"type": "http.response.body", "body": b"Internal Server Error"})

    async def receive(self) -> Any:
        if self.waiting_for_100_continue and not self.transport.is_closing():
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.waiting_for_100_continue = False
        while not self.disconnected and not self.response_complete:
            if self.body or (not self.more_body and not self._final_given):
                break
            # Nothing to hand out: wait for body bytes, the end of the response or a disconnect.
            self.flow.resume_reading()
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        if self.disconnected or self.response_complete:
            return _DISCONNECT
        body = self.body
        self.body = []
        self.body_size = 0
        self.flow.resume_reading()
        if not self.more_body:
            self._final_given = True
        return {"type": "http.request", "body": b"".join(body), "more_body": self.more_body}

    def _flush(self) -> None:
        self._flush_handle = None
        pending, self._pending = self._pending, None
        if pending is not None and not self.disconnected and not self.transport.is_closing():
            self.transport.write(pending)

    async def send(self, message: Any) -> None:
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()
        if self.disconnected:
            return
        kind = message["type"]
        if not self.response_started:
            if kind != "http.response.start":
                raise RuntimeError(f"Expected ASGI message 'http.response.start', but got '{kind}'.")
            self._start(message)
            return
        if self.response_complete:
            raise RuntimeError(f"Unexpected ASGI message '{kind}' sent, after response already completed.")
        if kind != "http.response.body":
            raise RuntimeError(f"Expected ASGI message 'http.response.body', but got '{kind}'.")
        body = message.get("body", b"")
        more_body = message.get("more_body", False)
        if self.scope["method"] == "HEAD":
            self.expected_content_length = 0
            data = b""
        elif self.chunked_encoding:
            data = b"%x\r\n%s\r\n" % (len(body), body) if body else b""
            if not more_body:
                data += b"0\r\n\r\n"
        else:
            if len(body) > self.expected_content_length:
                raise RuntimeError("Response content longer than Content-Length")
            self.expected_content_length -= len(body)
            data = body
        pending = self._pending
        if pending is not None:
            self._pending = None
            handle, self._flush_handle = self._flush_handle, None
            if handle is not None:
                handle.cancel()
            if len(data) <= _COALESCE:
                data = pending + data
            else:
                self.transport.write(pending)
        if data:
            self.transport.write(data)
        if not more_body:
            if self.expected_content_length != 0:
                raise RuntimeError("Response content shorter than Content-Length")
            self.response_complete = True
            self.wake()
            if not self.keep_alive:
                self.transport.close()
            if self.on_response is not None:
                self.on_response()

    def _start(self, message: Any) -> None:
        """The response head, kept until the first body bytes or the end of this loop iteration
        (a stream whose first event is slow still gets its head at once)."""
        self.response_started = True
        self.waiting_for_100_continue = False
        status = message["status"]
        headers = message.get("headers", ())
        if self.default_headers:
            headers = [*self.default_headers, *headers]
        if HEADER_RE.search(b"".join([name for name, _ in headers])):
            raise RuntimeError("Invalid HTTP header name.")
        if HEADER_VALUE_RE.search(b"\t".join([value for _, value in headers])):
            raise RuntimeError("Invalid HTTP header value.")
        content = [STATUS_LINE[status]]
        has_close = False
        for name, value in headers:
            name = name.lower()
            if name == b"content-length" and self.chunked_encoding is None:
                self.expected_content_length = int(value.decode())
                self.chunked_encoding = False
            elif name == b"transfer-encoding" and value.lower() == b"chunked":
                self.expected_content_length = 0
                self.chunked_encoding = True
            elif name == b"connection" and b"close" in [t.lower().strip() for t in value.split(b",")]:
                self.keep_alive = False
                has_close = True
            content.append(b"%s: %s\r\n" % (name, value))
        if not self.keep_alive and not has_close:
            content.append(b"connection: close\r\n")
        if self.chunked_encoding is None and self.scope["method"] != "HEAD" and status not in (204, 304):
            self.chunked_encoding = True
            content.append(b"transfer-encoding: chunked\r\n")
        content.append(b"\r\n")
        self._pending = b"".join(content)
        self._flush_handle = asyncio.get_running_loop().call_soon(self._flush)


class _GuardedProtocol(HttpToolsProtocol):
    max_header_bytes = 64 * 1024
    max_headers = 128
    header_timeout = 15.0
    body_timeout = 30.0

    cycle: Any
    pipeline: Any
    scope: Any

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
        self._idle_timer: asyncio.TimerHandle | None = None
        self._idle_since = 0.0
        self._arm_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._body_done()
        self._unset_keepalive_if_required()
        self.connections.discard(self)
        cycle = self.cycle
        if cycle is not None:
            if not cycle.response_complete:
                cycle.disconnected = True
            cycle.wake()
        if self.flow is not None:
            self.flow.resume_writing()
        if exc is None:
            self.transport.close()
        self.parser = None  # type: ignore[assignment]

    def _unset_keepalive_if_required(self) -> None:
        timer, self._idle_timer = self._idle_timer, None
        if timer is not None:
            timer.cancel()

    # Timers exist only while a read ended inside a head or a body, or one per idle connection;
    # a request that arrives whole in one read (the usual case) costs none.

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
        self.url = b""
        self.expect_100_continue = False
        self.headers = []
        self.scope = {
            "type": "http",
            "asgi": _ASGI,
            "http_version": "1.1",
            "server": self.server,
            "client": self.client,
            "scheme": self.scheme,
            "root_path": self.root_path,
            "headers": self.headers,
            "state": self.app_state.copy(),
            # Tells the application this listener bounds the body's silence itself.
            "extensions": _EXTENSIONS,
        }

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_bytes += len(name) + len(value) + 4
        self._head_fields += 1
        if self._head_bytes > self.max_header_bytes or self._head_fields > self.max_headers:
            raise _HeadTooLarge
        name = name.lower()
        # llhttp keeps trailing whitespace, which RFC 9110 section 5.5 excludes from the value.
        value = value.rstrip(b" \t")
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._phase = _BODY
        self._disarm()
        parser = self.parser
        scope: Any = self.scope
        http_version = parser.get_http_version()
        scope["method"] = parser.get_method().decode("ascii")
        if http_version != "1.1":
            scope["http_version"] = http_version
        if parser.should_upgrade() and self._should_upgrade():
            return
        parsed = httptools.parse_url(self.url)
        raw_path = parsed.path
        path = raw_path.decode("ascii")
        if "%" in path:
            path = urllib.parse.unquote(path)
        if self.root_path:
            scope["path"] = self.root_path + path
            scope["raw_path"] = self.root_path.encode("ascii") + raw_path
        else:
            scope["path"] = path
            scope["raw_path"] = raw_path
        scope["query_string"] = parsed.query or b""
        app = self.app
        limit = self.limit_concurrency
        if limit is not None and (len(self.connections) >= limit or len(self.tasks) >= limit):
            app = service_unavailable
            _log.warning("Exceeded concurrency limit.")
        existing = self.cycle
        self.cycle = _Cycle(self, scope, http_version != "1.0" and parser.should_keep_alive())
        if existing is None or existing.response_complete:
            self._run(self.cycle, app)
        else:  # pipelined: waits for the response before it
            self.flow.pause_reading()
            self.pipeline.appendleft((self.cycle, app))

    def _run(self, cycle: _Cycle, app: Any) -> None:
        if getattr(self.config, "reset_contextvars", False):
            task = self.loop.create_task(cycle.run_asgi(app), context=contextvars.Context())
        else:
            task = self.loop.create_task(cycle.run_asgi(app))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    def on_body(self, body: bytes) -> None:
        cycle = self.cycle
        if (self.parser.should_upgrade() and self._should_upgrade()) or cycle.response_complete:
            return
        cycle.body.append(body)
        cycle.body_size += len(body)
        if cycle.body_size > HIGH_WATER_LIMIT:
            self.flow.pause_reading()
        cycle.wake()

    def on_message_complete(self) -> None:
        self._phase = _IDLE
        self._body_done()
        cycle = self.cycle
        if (self.parser.should_upgrade() and self._should_upgrade()) or cycle.response_complete:
            return
        cycle.more_body = False
        cycle.wake()

    def on_response_complete(self) -> None:
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._run(cycle, app)
            return
        # One idle timer per connection, pushed back rather than made again for every response.
        self._idle_since = self.loop.time()
        if self._idle_timer is None:
            self._idle_timer = self.loop.call_later(self.timeout_keep_alive, self._idle_check)

    def _idle_check(self) -> None:
        self._idle_timer = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if self._phase is not _IDLE or self.pipeline or (cycle is not None and not cycle.response_complete):
            return  # a request is under way: its own timers and the next response take over
        idle = self.loop.time() - self._idle_since
        if idle < self.timeout_keep_alive:
            self._idle_timer = self.loop.call_later(self.timeout_keep_alive - idle, self._idle_check)
            return
        self.transport.close()

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
