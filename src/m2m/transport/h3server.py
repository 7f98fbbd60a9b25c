"""An HTTP/3 listener that runs an ASGI 3 application, on aioquic.

Why not Hypercorn's HTTP/3 (it serves ``quic_bind`` too): it issues no session tickets (no
resumption, no 0-RTT to reason about), cannot tell a request that came in 0-RTT from one that did
not, never tells the application when the peer resets a request stream (so a client that goes away
does not cancel the upstream request), and funnels every datagram through a 10-slot queue that drops
packets under concurrent load. This module keeps the same ASGI bridge small and fixes those.

Per request stream: headers -> ASGI ``http`` scope, DATA -> ``http.request`` messages, each
``http.response.body`` -> one DATA frame sent at once (SSE events are never held back), stream reset
by the peer -> ``http.disconnect`` and the application task cancelled.

Bounded against hostile peers: flow-control credit is granted as the application reads a body,
not as datagrams arrive (a stream that never finishes holds at most one window); concurrent streams
per connection and live connections are capped; new connections must prove their address with a
Retry packet (RFC 9000 §8.1.2) while many handshakes are pending (or always); a request whose
``:path`` is not an absolute path is refused (it would otherwise name another authority).

Early data (0-RTT, RFC 9001 §4.6): a request whose headers arrive before the handshake completes
may be a replay (RFC 8470 §1, RFC 9001 §9.2). Safe methods run at once; other methods are held
until the handshake completes (RFC 8470 §3), which a replaying attacker cannot do, unless
``allow_0rtt_unsafe`` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.asyncio.server import QuicServer
from aioquic.buffer import Buffer  # type: ignore[attr-defined]
from aioquic.h3.connection import H3_ALPN, ErrorCode, H3Connection, ProtocolError
from aioquic.h3.events import DataReceived, H3Event, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.connection import MAX_STREAM_DATA_FRAME_CAPACITY, QuicConnection
from aioquic.quic.events import (
    ConnectionTerminated,
    HandshakeCompleted,
    ProtocolNegotiated,
    QuicEvent,
    StopSendingReceived,
    StreamReset,
)
from aioquic.quic.packet import QuicFrameType, QuicPacketType, pull_quic_header
from aioquic.tls import SessionTicket

__all__ = [
    "MAX_FIELD_SECTION_SIZE",
    "SAFE_METHODS",
    "H3Listener",
    "ListenerStats",
    "QuicLimits",
    "SessionTicketStore",
    "grow_socket_buffers",
    "server_configuration",
    "start_h3",
]

log = logging.getLogger("m2m.transport")

ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]

# RFC 9110 §9.2.1: methods with no side effects a replay could repeat.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# RFC 9114 §4.2.2 lets a server bound the header section; 64 KiB is far above any real OpenAI
# request (a few hundred bytes of headers) and what common front servers allow.
MAX_FIELD_SECTION_SIZE = 64 * 1024
# RFC 9114 §4.2: connection-specific fields make an HTTP/3 message malformed and the peer would
# close the whole connection; an app written for HTTP/1.1 may still set them.
_CONNECTION_SPECIFIC = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"}
)
# Per-stream and per-connection flow-control windows. aioquic's 1 MiB default throttles a fast
# loopback or LAN link to one window per round trip; 4/16 MiB keep a bulk body moving.
_MAX_STREAM_DATA = 4 * 1024 * 1024
_MAX_DATA = 16 * 1024 * 1024
# Session tickets are kept this long (RFC 8446 §4.6.1 allows up to 7 days); an hour bounds how long
# a stolen ticket is useful while still covering reconnects of a busy peer.
_TICKET_LIFETIME = 3600
# Unacknowledged response bytes per stream before the app's send() waits: several round trips
# of a fast link, and far above any SSE event.
_SEND_HIGH_WATER = 1024 * 1024
# Capped by net.core.rmem_max / wmem_max; asking for more than allowed is harmless.
_SOCKET_BUFFER = 4 * 1024 * 1024
_TICKET_CAPACITY = 10_000


class SessionTicketStore:
    """Server-side ticket store for TLS session resumption, bounded and expiring."""

    def __init__(self, capacity: int = _TICKET_CAPACITY) -> None:
        self._tickets: dict[bytes, tuple[SessionTicket, float]] = {}
        self._capacity = capacity
        self.lifetime = float(_TICKET_LIFETIME)

    def add(self, ticket: SessionTicket) -> None:
        if len(self._tickets) >= self._capacity:
            # Dicts keep insertion order: dropping the first entry drops the oldest ticket.
            self._tickets.pop(next(iter(self._tickets)))
        self._tickets[ticket.ticket] = (ticket, time.monotonic())

    def pop(self, label: bytes) -> SessionTicket | None:
        # Single use (RFC 8446 §8.1): a ticket presented twice resumes at most once, which also
        # stops the same 0-RTT flight from being accepted twice through this process.
        entry = self._tickets.pop(label, None)
        if entry is None:
            return None
        ticket, issued = entry
        if not ticket.is_valid or time.monotonic() - issued > self.lifetime:
            return None
        return ticket

    def __len__(self) -> int:
        return len(self._tickets)


@dataclass
class ListenerStats:
    connections: int = 0
    requests: int = 0
    early_requests: int = 0
    deferred_requests: int = 0
    resumed: int = 0
    rejected_headers: int = 0
    resets: int = 0


@dataclass(frozen=True)
class QuicLimits:
    """Bounds of one HTTP/3 listener (``[proxy.limits] quic_*``)."""

    max_connections: int = 1024
    max_streams: int = 128
    connection_window: int = 8 * 1024 * 1024
    stream_window: int = 2 * 1024 * 1024
    retry: str = "auto"  # "always", "never", or "auto": while this many handshakes are pending
    retry_after: int = 64


@dataclass
class _Options:
    app: ASGIApp
    state: dict[str, Any]
    allow_0rtt_unsafe: bool
    server_addr: tuple[str, int]
    limits: QuicLimits = field(default_factory=QuicLimits)
    max_field_section: int = MAX_FIELD_SECTION_SIZE
    max_fields: int = 128
    body_timeout: float = 30.0
    stats: ListenerStats = field(default_factory=ListenerStats)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    live: int = 0
    handshaking: int = 0


class _CreditedConnection(QuicConnection):
    """aioquic's connection, granting flow-control credit as the application consumes data.

    aioquic doubles a window whenever the peer has used half of it, whether or not anyone read
    the data; here the peer may have ``window`` bytes in flight beyond what the application read.
    """

    m2m_window: int
    m2m_stream_window: int
    m2m_consumed: int
    m2m_stream_consumed: dict[int, int]

    def _write_connection_limits(self, builder: Any, space: Any) -> None:
        max_data = self._local_max_data
        target = self.m2m_consumed + self.m2m_window
        if target - max_data.value >= self.m2m_window // 2:
            max_data.value = target
        used, max_data.used = max_data.used, 0  # keeps aioquic's own doubling out
        try:
            super()._write_connection_limits(builder, space)
        finally:
            max_data.used = used

    def _write_stream_limits(self, builder: Any, space: Any, stream: Any) -> None:
        if stream.max_stream_data_local:
            target = self.m2m_stream_consumed.get(stream.stream_id, 0) + self.m2m_stream_window
            if target - stream.max_stream_data_local >= self.m2m_stream_window // 2:
                stream.max_stream_data_local = target
        if stream.max_stream_data_local_sent != stream.max_stream_data_local:
            buf = builder.start_frame(
                QuicFrameType.MAX_STREAM_DATA,
                capacity=MAX_STREAM_DATA_FRAME_CAPACITY,
                handler=self._on_max_stream_data_delivery,
                handler_args=(stream,),
            )
            buf.push_uint_var(stream.stream_id)
            buf.push_uint_var(stream.max_stream_data_local)
            stream.max_stream_data_local_sent = stream.max_stream_data_local


def _field_section_size(headers: list[tuple[bytes, bytes]]) -> int:
    # RFC 9114 §4.2.2: name + value + 32 octets per field.
    return sum(len(name) + len(value) + 32 for name, value in headers)


class _ASGIMisuseError(RuntimeError):
    """The application broke the ASGI message order; a bug in the app, reported as a 500."""


class _Request:
    """One request stream bridged to one ASGI application call."""

    def __init__(self, conn: _H3ServerProtocol, stream_id: int, scope: dict[str, Any]) -> None:
        self.conn = conn
        self.stream_id = stream_id
        self.scope = scope
        self.body: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.disconnected = asyncio.Event()
        self.response_started = False
        self.response_ended = False
        self.body_complete = False
        self.task: asyncio.Task[None] | None = None

    def feed(self, data: bytes, ended: bool) -> None:
        if ended:
            self.body_complete = True
        if data or ended:
            self.body.put_nowait({"type": "http.request", "body": data, "more_body": not ended})

    def disconnect(self) -> None:
        self.disconnected.set()
        if self.task is not None and not self.task.done() and not self.response_ended:
            self.task.cancel()

    def start(self, options: _Options) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run(options.app))
        options.tasks.add(self.task)
        self.task.add_done_callback(options.tasks.discard)

    async def receive(self) -> dict[str, Any]:
        message = await self._next()
        body = message.get("body")
        if body:
            self.conn.consumed(self.stream_id, len(body))
        return message

    async def _next(self) -> dict[str, Any]:
        if not self.body.empty():
            return self.body.get_nowait()
        if not self.disconnected.is_set():
            getter = asyncio.ensure_future(self.body.get())
            waiter = asyncio.ensure_future(self.disconnected.wait())
            timeout = self.conn.options.body_timeout if not self.body_complete else None
            try:
                await asyncio.wait({getter, waiter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
                if not getter.done():
                    getter.cancel()
            if getter.done() and not getter.cancelled():
                return getter.result()
            if not waiter.done() and not self.disconnected.is_set():
                # The body went silent: the stream is given up (RFC 9114 §4.1.1, incomplete).
                self.conn.reset(self.stream_id, ErrorCode.H3_REQUEST_INCOMPLETE)
                self.disconnect()
        return {"type": "http.disconnect"}

    async def send(self, message: MutableMapping[str, Any]) -> None:
        if self.disconnected.is_set():
            # ASGI: sending after the client went away is a no-op; the app learns of it via receive.
            return
        kind = message["type"]
        h3 = self.conn.h3
        assert h3 is not None
        try:
            if kind == "http.response.start":
                if self.response_started:
                    raise _ASGIMisuseError("http.response.start sent twice")
                self.response_started = True
                headers = [(b":status", str(message["status"]).encode())]
                for name, value in message.get("headers", []):
                    lname = bytes(name).lower()
                    if lname not in _CONNECTION_SPECIFIC:
                        headers.append((lname, bytes(value)))
                h3.send_headers(self.stream_id, headers)
            elif kind == "http.response.body":
                if not self.response_started:
                    raise _ASGIMisuseError("http.response.body before http.response.start")
                more = bool(message.get("more_body", False))
                body = bytes(message.get("body", b""))
                if body or not more:
                    h3.send_data(self.stream_id, body, end_stream=not more)
                if not more:
                    self.response_ended = True
                    self.disconnected.set()
            else:
                return
        except _ASGIMisuseError:
            raise
        except (ProtocolError, RuntimeError, ValueError) as exc:
            # The stream was closed under us (a peer reset racing this send): a disconnect.
            log.debug("HTTP/3 stream %d closed while sending: %s", self.stream_id, exc)
            self.disconnect()
            return
        # Flushed in this same loop iteration, so an SSE event leaves as soon as it is sent, while
        # messages of many streams sent in one iteration share packets.
        self.conn.transmit_soon()
        if not self.response_ended:
            # aioquic keeps every unacknowledged byte; a big body to a slow or vanished reader
            # would pile up in memory. Wait for ACKs once too much is in flight on this stream.
            while not self.disconnected.is_set() and self.conn.unacked(self.stream_id) > _SEND_HIGH_WATER:
                await self.conn.progress()

    async def _run(self, app: ASGIApp) -> None:
        try:
            await app(self.scope, self.receive, self.send)
        except asyncio.CancelledError:
            self.conn.reset(self.stream_id, ErrorCode.H3_REQUEST_CANCELLED)
            raise
        except Exception:
            log.exception("ASGI application failed on HTTP/3 stream %d", self.stream_id)
            if self.response_started:
                self.conn.reset(self.stream_id, ErrorCode.H3_INTERNAL_ERROR)
            else:
                self._plain(500, b"Internal Server Error")
            return
        if not self.response_ended and not self.disconnected.is_set():
            if self.response_started:
                self.conn.reset(self.stream_id, ErrorCode.H3_INTERNAL_ERROR)
            else:
                self._plain(500, b"Internal Server Error")
        self.conn.finished(self.stream_id)

    def _plain(self, status: int, body: bytes) -> None:
        h3 = self.conn.h3
        assert h3 is not None
        h3.send_headers(
            self.stream_id,
            [
                (b":status", str(status).encode()),
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        )
        h3.send_data(self.stream_id, body, end_stream=True)
        self.response_started = self.response_ended = True
        self.conn.transmit()
        self.conn.finished(self.stream_id)


class _H3ServerProtocol(QuicConnectionProtocol):
    def __init__(self, quic: QuicConnection, stream_handler: Any = None, *, options: _Options) -> None:
        super().__init__(quic, stream_handler)
        self.options = options
        self.h3: H3Connection | None = None
        self.handshake_done = False
        self.requests: dict[int, _Request] = {}
        self.deferred: list[_Request] = []
        self.peer: tuple[str, int] | None = None
        self._flush_scheduled = False
        self._progress: asyncio.Future[None] | None = None
        self._ended = False
        options.stats.connections += 1
        options.live += 1
        options.handshaking += 1
        limits = options.limits
        quic._local_max_streams_bidi.value = limits.max_streams
        quic.__class__ = _CreditedConnection
        credited: Any = quic
        credited.m2m_window = limits.connection_window
        credited.m2m_stream_window = limits.stream_window
        credited.m2m_consumed = 0
        credited.m2m_stream_consumed = {}

    def consumed(self, stream_id: int, n: int) -> None:
        """The application read ``n`` more body bytes of ``stream_id``: the peer may send more."""
        quic: Any = self._quic
        quic.m2m_consumed += n
        quic.m2m_stream_consumed[stream_id] = quic.m2m_stream_consumed.get(stream_id, 0) + n
        self.transmit_soon()

    def _end(self) -> None:
        if not self._ended:
            self._ended = True
            self.options.live -= 1
            if not self.handshake_done:
                self.options.handshaking -= 1

    def datagram_received(self, data: bytes | str, addr: Any) -> None:
        if self.peer is None:
            self.peer = (str(addr[0]), int(addr[1]))
        super().datagram_received(data, addr)
        self._wake()

    def unacked(self, stream_id: int) -> int:
        stream = self._quic._streams.get(stream_id)
        if stream is None:
            return 0
        return len(stream.sender._buffer)

    async def progress(self) -> None:
        """Wait until the next datagram from the peer (which may acknowledge data) or the end."""
        if self._progress is None or self._progress.done():
            self._progress = self._loop.create_future()
        await self._progress

    def _wake(self) -> None:
        if self._progress is not None and not self._progress.done():
            self._progress.set_result(None)

    def transmit_soon(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        self.transmit()

    def reset(self, stream_id: int, code: int) -> None:
        with contextlib.suppress(Exception):
            # The stream may already be finished or reset by the peer; nothing is left to do then.
            self._quic.reset_stream(stream_id, code)
            self.transmit()

    def finished(self, stream_id: int) -> None:
        consumed: Any = self._quic
        consumed.m2m_stream_consumed.pop(stream_id, None)
        request = self.requests.pop(stream_id, None)
        if request is not None and not request.body_complete:
            # The response is complete but the request body is not (e.g. a 413): ask the peer to
            # stop sending it rather than read and drop the rest (RFC 9114 §4.1.2).
            with contextlib.suppress(Exception):
                self._quic.stop_stream(stream_id, ErrorCode.H3_NO_ERROR)
                self.transmit_soon()

    def quic_event_received(self, event: QuicEvent) -> None:
        try:
            self._on_quic_event(event)
        except Exception:
            # A bug or an unexpected peer must cost this connection only, never the listener.
            log.exception("HTTP/3 connection failed; closing it")
            self.close(error_code=ErrorCode.H3_INTERNAL_ERROR, reason_phrase="internal error")

    def _on_quic_event(self, event: QuicEvent) -> None:
        if isinstance(event, ProtocolNegotiated):
            if event.alpn_protocol in H3_ALPN:
                self.h3 = H3Connection(self._quic)
        elif isinstance(event, HandshakeCompleted):
            if not self.handshake_done and not self._ended:
                self.options.handshaking -= 1
            self.handshake_done = True
            if event.session_resumed:
                self.options.stats.resumed += 1
            deferred, self.deferred = self.deferred, []
            for request in deferred:
                if request.stream_id in self.requests:
                    request.start(self.options)
        elif isinstance(event, StreamReset | StopSendingReceived):
            # Either half closed by the peer means nobody will read the response: stop the app.
            reset = self.requests.get(event.stream_id)
            if reset is not None:
                del self.requests[event.stream_id]
                self.options.stats.resets += 1
                reset.disconnect()
        elif isinstance(event, ConnectionTerminated):
            self._end()
            self._wake()
            for request in self.requests.values():
                request.disconnect()
            self.requests.clear()
            self.deferred.clear()
        if self.h3 is not None:
            for h3_event in self.h3.handle_event(event):
                self._on_h3_event(h3_event)

    def _on_h3_event(self, event: H3Event) -> None:
        if isinstance(event, HeadersReceived):
            request = self.requests.get(event.stream_id)
            if request is not None:
                # Trailers (RFC 9114 §4.1): nothing in the proxy reads them; they only end the body.
                if event.stream_ended:
                    request.feed(b"", True)
                return
            self._new_request(event)
        elif isinstance(event, DataReceived):
            request = self.requests.get(event.stream_id)
            if request is not None:
                request.feed(event.data, event.stream_ended)

    def _refuse(self, event: HeadersReceived, status: int, body: bytes) -> None:
        assert self.h3 is not None
        self.h3.send_headers(
            event.stream_id,
            [(b":status", str(status).encode()), (b"content-length", str(len(body)).encode())],
        )
        self.h3.send_data(event.stream_id, body, end_stream=True)
        if not event.stream_ended:
            # RFC 9114 §4.1.1: a complete response lets the server stop reading the request.
            with contextlib.suppress(Exception):
                self._quic.stop_stream(event.stream_id, ErrorCode.H3_NO_ERROR)
        self.transmit()

    def _new_request(self, event: HeadersReceived) -> None:
        options = self.options
        assert self.h3 is not None
        if (
            _field_section_size(event.headers) > options.max_field_section
            or len(event.headers) > options.max_fields
        ):
            options.stats.rejected_headers += 1
            self._refuse(event, 431, b"Request Header Fields Too Large")
            return
        pseudo: dict[bytes, bytes] = {}
        headers: list[tuple[bytes, bytes]] = []
        for name, value in event.headers:
            if name.startswith(b":"):
                pseudo[name] = value
            else:
                headers.append((name, value))
        # aioquic has validated :method/:scheme/:path (RFC 9114 §4.3.1) before we see them.
        method = pseudo.get(b":method", b"GET").decode("ascii", "replace")
        raw_path = pseudo.get(b":path", b"/")
        if not raw_path.startswith(b"/") and not (method == "OPTIONS" and raw_path == b"*"):
            # RFC 9114 §4.3.1: an origin-form path. Anything else would name another authority.
            self._refuse(event, 400, b"the :path must start with /")
            return
        authority = pseudo.get(b":authority")
        if authority is not None and not any(name == b"host" for name, _ in headers):
            headers.insert(0, (b"host", authority))
        path_bytes, _, query = raw_path.partition(b"?")
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "3",
            "method": method,
            "scheme": pseudo.get(b":scheme", b"https").decode("ascii", "replace"),
            "path": unquote(path_bytes.decode("utf-8", "replace")),
            "raw_path": path_bytes,
            "query_string": query,
            "root_path": "",
            "headers": headers,
            "client": self.peer,
            "server": options.server_addr,
            "state": dict(options.state),
            # This listener times a silent request body out itself (see _Request._next).
            "extensions": {"m2m.early_data": not self.handshake_done, "m2m.bounded_body": True},
        }
        request = _Request(self, event.stream_id, scope)
        self.requests[event.stream_id] = request
        request.feed(b"", event.stream_ended)
        options.stats.requests += 1
        if not self.handshake_done:
            options.stats.early_requests += 1
            if method not in SAFE_METHODS and not options.allow_0rtt_unsafe:
                options.stats.deferred_requests += 1
                self.deferred.append(request)
                return
        request.start(options)


@dataclass
class H3Listener:
    """A running HTTP/3 listener; ``close()`` stops it and cancels requests in flight."""

    server: QuicServer
    host: str
    port: int
    stats: ListenerStats
    tickets: SessionTicketStore
    _options: _Options

    async def close(self, grace: float = 5.0) -> None:
        tasks = set(self._options.tasks)
        if tasks:
            # Let responses in flight finish first, as uvicorn does on shutdown, then cut the rest.
            deadline = time.monotonic() + grace
            _, pending = await asyncio.wait(tasks, timeout=max(0.0, deadline - time.monotonic()))
            for task in pending:
                task.cancel()
        self.server.close()
        await asyncio.sleep(0)


def grow_socket_buffers(sock: Any) -> None:
    # A burst of requests from many clients arrives faster than one Python thread drains the
    # socket; the kernel's ~200 KB default then drops datagrams and QUIC has to retransmit them.
    for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, option, _SOCKET_BUFFER)


def server_configuration(
    certfile: str,
    keyfile: str,
    *,
    idle_timeout: float = 60.0,
    max_data: int = _MAX_DATA,
    max_stream_data: int = _MAX_STREAM_DATA,
) -> QuicConfiguration:
    config = QuicConfiguration(
        alpn_protocols=list(H3_ALPN),
        is_client=False,
        idle_timeout=idle_timeout,
        max_datagram_frame_size=None,
        max_data=max_data,
        max_stream_data=max_stream_data,
    )
    config.load_cert_chain(certfile, keyfile)
    return config


class _GuardedServer(QuicServer):
    """aioquic's listener, capping live connections and asking for Retry under load."""

    def __init__(self, *, options: _Options, **kwargs: Any) -> None:
        super().__init__(retry=True, **kwargs)
        self._options = options
        self._retry_handler: Any = self._retry
        self._retry: Any
        self.refused = 0

    def datagram_received(self, data: bytes | str, addr: Any) -> None:
        options = self._options
        limits = options.limits
        if limits.retry == "always" or (limits.retry == "auto" and options.handshaking >= limits.retry_after):
            self._retry = self._retry_handler
        else:
            self._retry = None
        if options.live >= limits.max_connections:
            try:
                header = pull_quic_header(
                    Buffer(data=data if isinstance(data, bytes) else data.encode()),
                    host_cid_length=self._configuration.connection_id_length,
                )
            except ValueError:
                return
            if header.packet_type == QuicPacketType.INITIAL and header.destination_cid not in self._protocols:
                self.refused += 1
                return  # no room for another connection: the client retries or goes elsewhere
        super().datagram_received(data, addr)


async def start_h3(
    app: ASGIApp,
    *,
    host: str,
    port: int,
    certfile: str,
    keyfile: str,
    state: dict[str, Any] | None = None,
    allow_0rtt_unsafe: bool = False,
    tickets: SessionTicketStore | None = None,
    idle_timeout: float = 60.0,
    limits: QuicLimits | None = None,
    max_field_section: int = MAX_FIELD_SECTION_SIZE,
    max_fields: int = 128,
    body_timeout: float = 30.0,
) -> H3Listener:
    """Listen for HTTP/3 on ``host:port`` (UDP; port 0 picks a free one) and serve ``app``.

    ``idle_timeout`` (RFC 9000 §10.1) should not be shorter than the longest silence a response
    may have (the proxy's upstream timeout), or a quiet stream would lose its connection.
    """
    limits = limits or QuicLimits()
    configuration = server_configuration(
        certfile,
        keyfile,
        idle_timeout=idle_timeout,
        max_data=limits.connection_window,
        max_stream_data=limits.stream_window,
    )
    tickets = SessionTicketStore() if tickets is None else tickets
    options = _Options(
        app=app,
        state={} if state is None else state,
        allow_0rtt_unsafe=allow_0rtt_unsafe,
        server_addr=(host, port),
        limits=limits,
        max_field_section=max_field_section,
        max_fields=max_fields,
        body_timeout=body_timeout,
    )

    def create_protocol(quic: QuicConnection, stream_handler: Any = None) -> _H3ServerProtocol:
        return _H3ServerProtocol(quic, stream_handler, options=options)

    loop = asyncio.get_running_loop()
    _, server = await loop.create_datagram_endpoint(
        lambda: _GuardedServer(
            options=options,
            configuration=configuration,
            create_protocol=create_protocol,
            session_ticket_fetcher=tickets.pop,
            session_ticket_handler=tickets.add,
        ),
        local_addr=(host, port),
    )
    assert server._transport is not None
    grow_socket_buffers(server._transport.get_extra_info("socket"))
    bound = server._transport.get_extra_info("sockname")
    options.server_addr = (host, int(bound[1]))
    return H3Listener(server, host, int(bound[1]), options.stats, tickets, options)
