"""HTTP/3 client for the proxy's client role (``--upstream-transport quic``), on aioquic.

One QUIC connection per upstream ``host:port`` carries every request as its own stream, so
concurrent requests share one handshake and never block each other (no head-of-line blocking).
Response bodies are yielded as DATA frames arrive. The server certificate is verified against the
system CAs (or ``ca_file``) unless ``insecure`` is set. Session tickets are kept per upstream, so a
reconnect resumes the TLS session; a resumed connection sends a request in 0-RTT only if it is safe
to replay (GET/HEAD/OPTIONS, RFC 8470 §4 / RFC 9001 §9.2) unless ``allow_0rtt_unsafe`` is set.

This module is the one place QUIC/HTTP/3 failures are translated: handshake, certificate and
connection failures become ``UpstreamUnavailableError``, time-outs ``UpstreamTimeoutError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h3.connection import H3_ALPN, ErrorCode, H3Connection, ProtocolError
from aioquic.h3.events import DataReceived, H3Event, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.connection import QuicConnection, QuicConnectionState
from aioquic.quic.events import ConnectionTerminated, HandshakeCompleted, QuicEvent, StreamReset
from aioquic.tls import SessionTicket

from m2m.errors import ConfigError, UpstreamTimeoutError, UpstreamUnavailableError
from m2m.headers import HOP_BY_HOP
from m2m.transport.h3server import SAFE_METHODS, grow_socket_buffers

__all__ = ["H3Options", "H3Response", "H3Upstream"]

# RFC 9114 §4.2: connection-specific fields are malformed in HTTP/3; a peer must reject the whole
# request, so they are dropped here rather than forwarded from an HTTP/1.1 client. Content-Length
# is set here for a body in hand and kept as given for a streamed one.
_DROP = HOP_BY_HOP - {b"content-length"}
# Shorter than the server's 60 s idle timeout, so this side notices an idle connection is gone
# before it would send a request into a connection the server already forgot.
_IDLE_TIMEOUT = 30.0
_KEEPALIVE_INTERVAL = 10.0
_KEEPALIVE_FOR = 300.0
_MAX_STREAM_DATA = 4 * 1024 * 1024
_MAX_DATA = 16 * 1024 * 1024
_CLOSED_STATES = frozenset(
    {QuicConnectionState.CLOSING, QuicConnectionState.DRAINING, QuicConnectionState.TERMINATED}
)


@dataclass(frozen=True, slots=True)
class H3Options:
    insecure: bool = False
    ca_file: str | None = None
    allow_0rtt_unsafe: bool = False
    idle_timeout: float = _IDLE_TIMEOUT
    # PING this often while the connection was used within keepalive_for seconds, so an agent that
    # pauses between calls does not pay a new handshake (and a POST's extra round trip) each time.
    keepalive_interval: float = _KEEPALIVE_INTERVAL
    keepalive_for: float = _KEEPALIVE_FOR


def _options_from_config(config: Any) -> H3Options:
    """Read the ``[proxy.transport]`` settings of an ``m2m.config`` Config (or a bare section)."""
    section = config
    for name in ("proxy", "transport"):
        inner = getattr(section, name, None)
        if inner is not None and not isinstance(inner, str):
            section = inner

    def pick(*names: str, default: Any = None) -> Any:
        for name in names:
            value = getattr(section, name, None)
            if value is not None:
                return value
        return default

    return H3Options(
        insecure=bool(pick("upstream_insecure", "insecure", default=False)),
        ca_file=pick("upstream_ca", "upstream_ca_file", "ca_file"),
        allow_0rtt_unsafe=bool(pick("allow_0rtt_post", "allow_0rtt_unsafe", default=False)),
    )


class _H3Client(H3Connection):
    """aioquic's HTTP/3 connection, told which requests were HEAD: their answers carry the
    Content-Length of the body they do not have (RFC 9110 §9.3.2), which aioquic would otherwise
    take for a malformed message and close the whole connection over."""

    def __init__(self, quic: QuicConnection) -> None:
        super().__init__(quic)
        self.head_streams: set[int] = set()

    def _check_content_length(self, stream: Any) -> None:
        if stream.stream_id not in self.head_streams:
            super()._check_content_length(stream)


class _Stream:
    __slots__ = ("chunks", "ended", "headers")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.headers: asyncio.Future[list[tuple[bytes, bytes]]] = loop.create_future()
        self.chunks: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue()
        self.ended = False

    def fail(self, exc: BaseException) -> None:
        if not self.headers.done():
            self.headers.set_exception(exc)
            # Nobody may ever await it (the request already timed out); do not warn about that.
            self.headers.exception()
        if not self.ended:
            self.ended = True
            self.chunks.put_nowait(exc)


class _H3ClientProtocol(QuicConnectionProtocol):
    def __init__(self, quic: QuicConnection, stream_handler: Any = None) -> None:
        super().__init__(quic, stream_handler)
        self.h3 = _H3Client(quic)
        self.streams: dict[int, _Stream] = {}
        self.handshake: asyncio.Future[HandshakeCompleted] = self._loop.create_future()
        self.dead: BaseException | None = None
        self.may_send_early = False
        self._flush_scheduled = False
        self.last_used = self._loop.time()
        self.keepalive: asyncio.Task[None] | None = None
        self.refused = False
        self.next_address: int | None = None

    def quic_event_received(self, event: QuicEvent) -> None:
        if isinstance(event, HandshakeCompleted):
            if not self.handshake.done():
                self.handshake.set_result(event)
        elif isinstance(event, ConnectionTerminated):
            if self.dead is None:
                reason = event.reason_phrase or (
                    "closed by the upstream" if event.error_code == 0 else f"error 0x{event.error_code:x}"
                )
                stage = "handshake" if not self.handshake.done() else "connection"
                self.dead = UpstreamUnavailableError(f"HTTP/3 upstream {stage} failed: {reason}")
            if not self.handshake.done():
                self.handshake.set_exception(self.dead)
                self.handshake.exception()
            for stream in self.streams.values():
                stream.fail(self.dead)
            self.streams.clear()
        elif isinstance(event, StreamReset):
            reset = self.streams.get(event.stream_id)
            if reset is not None:
                del self.streams[event.stream_id]
                reset.fail(
                    UpstreamUnavailableError(
                        f"HTTP/3 upstream reset the stream (error 0x{event.error_code:x})"
                    )
                )
        for h3_event in self.h3.handle_event(event):
            self._on_h3_event(h3_event)

    def _on_h3_event(self, event: H3Event) -> None:
        if isinstance(event, HeadersReceived):
            stream = self.streams.get(event.stream_id)
            if stream is None:
                return
            if not stream.headers.done():
                status = dict(event.headers).get(b":status", b"")
                if status.startswith(b"1") and not event.stream_ended:
                    return  # interim response (RFC 9114 §4.1); the final one follows
                stream.headers.set_result(event.headers)
            if event.stream_ended:
                self._end(event.stream_id, stream)
        elif isinstance(event, DataReceived):
            stream = self.streams.get(event.stream_id)
            if stream is None:
                return
            if event.data:
                stream.chunks.put_nowait(event.data)
            if event.stream_ended:
                self._end(event.stream_id, stream)

    def _end(self, stream_id: int, stream: _Stream) -> None:
        self.h3.head_streams.discard(stream_id)
        stream.ended = True
        stream.chunks.put_nowait(None)
        self.streams.pop(stream_id, None)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable: nothing listens on that UDP port. Failing now gives a prompt 502
        # instead of waiting out the handshake timeout.
        if isinstance(exc, ConnectionRefusedError) and self.dead is None:
            self.refused = True
            self.quic_event_received(
                ConnectionTerminated(error_code=0, frame_type=None, reason_phrase="connection refused")
            )
            self._closed.set()

    def datagram_received(self, data: bytes | str, addr: Any) -> None:
        super().datagram_received(data, addr)
        # aioquic reports a peer's CONNECTION_CLOSE only after the draining period (RFC 9000
        # §10.2, 3 PTO); requests must not be sent into a connection that is already gone.
        if self.dead is None and self._quic._state in _CLOSED_STATES:
            closing = self._quic._close_event
            if closing is None:
                closing = ConnectionTerminated(error_code=0, frame_type=None, reason_phrase="closed")
            self.quic_event_received(closing)

    def transmit_soon(self) -> None:
        # Requests issued in the same loop iteration share packets; the flush still happens in
        # this iteration, so nothing waits on a timer.
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        self.transmit()

    def release(self) -> None:
        if self.keepalive is not None:
            self.keepalive.cancel()
        if self._transport is not None:
            self._transport.close()

    def cancel(self, stream_id: int) -> None:
        self.h3.head_streams.discard(stream_id)
        stream = self.streams.pop(stream_id, None)
        if stream is None:
            return
        stream.ended = True
        with contextlib.suppress(Exception):
            # Either half may already be closed; the point is only to stop the upstream's work.
            self._quic.reset_stream(stream_id, ErrorCode.H3_REQUEST_CANCELLED)
        with contextlib.suppress(Exception):
            self._quic.stop_stream(stream_id, ErrorCode.H3_REQUEST_CANCELLED)
        self.transmit()


class H3Response:
    """A response whose body arrives as the upstream sends it."""

    http_version = "HTTP/3"

    def __init__(
        self,
        protocol: _H3ClientProtocol,
        stream_id: int,
        stream: _Stream,
        raw_headers: list[tuple[bytes, bytes]],
        timeout: float | None,
    ) -> None:
        self._protocol = protocol
        self._stream_id = stream_id
        self._stream = stream
        self._timeout = timeout
        self._consumed = False
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        for name, value in raw_headers:
            if name == b":status":
                self.status = int(value)
            elif not name.startswith(b":"):
                self.headers.append((name, value))

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        if self._consumed:
            raise RuntimeError("the response body was already read")
        self._consumed = True
        try:
            while True:
                try:
                    async with asyncio.timeout(self._timeout):
                        item = await self._stream.chunks.get()
                except TimeoutError:
                    raise UpstreamTimeoutError(
                        f"HTTP/3 upstream sent nothing for {self._timeout:g} s mid-body"
                    ) from None
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            await self.aclose()

    async def read(self, limit: int) -> bytes:
        parts: list[bytes] = []
        size = 0
        async for chunk in self.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise UpstreamUnavailableError(f"HTTP/3 upstream response over the {limit}-byte limit")
            parts.append(chunk)
        return b"".join(parts)

    async def aclose(self) -> None:
        if not self._stream.ended:
            self._protocol.cancel(self._stream_id)


class H3Upstream:
    """An ``Upstream`` (see ``m2m.proxy.upstream``) speaking HTTP/3 to another m2m proxy."""

    def __init__(self, config: Any = None, *, options: H3Options | None = None) -> None:
        if options is None:
            options = _options_from_config(config) if config is not None else H3Options()
        if options.ca_file and not options.insecure and not os.path.isfile(options.ca_file):
            # At startup, not at the first request: a typo in the path must not look like an outage.
            raise ConfigError(f"CA file {options.ca_file} does not exist", key="proxy.transport.upstream_ca")
        self.options = options
        self._connections: dict[tuple[str, int], _H3ClientProtocol] = {}
        self._locks: dict[tuple[str, int], asyncio.Lock] = {}
        self._tickets: dict[tuple[str, int], SessionTicket] = {}
        # Which of a host name's addresses to use: the next one after a refusal ("localhost" is
        # 127.0.0.1 and ::1, a server often listens on only one of them).
        self._address_index: dict[tuple[str, int], int] = {}
        self._closed = False
        self.handshakes = 0
        self.resumed = 0

    def _configuration(self, host: str, port: int) -> QuicConfiguration:
        config = QuicConfiguration(
            is_client=True,
            alpn_protocols=list(H3_ALPN),
            server_name=host,
            idle_timeout=self.options.idle_timeout,
            max_data=_MAX_DATA,
            max_stream_data=_MAX_STREAM_DATA,
        )
        if self.options.insecure:
            config.verify_mode = ssl.CERT_NONE
        else:
            config.verify_mode = ssl.CERT_REQUIRED
            if self.options.ca_file:
                config.load_verify_locations(cafile=self.options.ca_file)
            else:
                paths = ssl.get_default_verify_paths()
                # The system trust store, as curl and httpx use; aioquic alone would use certifi.
                if paths.cafile and os.path.isfile(paths.cafile):
                    config.load_verify_locations(cafile=paths.cafile)
                elif paths.capath and os.path.isdir(paths.capath):
                    config.load_verify_locations(capath=paths.capath)
        ticket = self._tickets.pop((host, port), None)
        if ticket is not None and ticket.is_valid and ticket.server_name == host:
            config.session_ticket = ticket
        return config

    async def _connect(self, host: str, port: int) -> _H3ClientProtocol:
        key = (host, port)
        loop = asyncio.get_running_loop()
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            try:
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
            except OSError as exc:
                raise UpstreamUnavailableError(f"cannot resolve HTTP/3 upstream {host}: {exc}") from exc
            addresses = [(info[0], info[4]) for info in infos]
        else:
            # An address literal needs no resolver round trip through the executor thread.
            addresses = [(socket.AF_INET6 if ip.version == 6 else socket.AF_INET, (host, port))]
        index = self._address_index.get(key, 0) % len(addresses)
        family, addr = addresses[index]
        configuration = self._configuration(host, port)
        resuming = configuration.session_ticket is not None

        def remember(ticket: SessionTicket) -> None:
            self._tickets[key] = ticket

        quic = QuicConnection(configuration=configuration, session_ticket_handler=remember)
        try:
            # A connected UDP socket: the kernel then reports ICMP "port unreachable" to us.
            transport, protocol = await loop.create_datagram_endpoint(
                lambda: _H3ClientProtocol(quic), remote_addr=(str(addr[0]), int(addr[1])), family=family
            )
        except OSError as exc:
            raise UpstreamUnavailableError(f"cannot open a UDP socket for {host}:{port}: {exc}") from exc
        assert isinstance(protocol, _H3ClientProtocol)
        grow_socket_buffers(transport.get_extra_info("socket"))
        protocol.connect(transport.get_extra_info("peername"))
        protocol.may_send_early = resuming
        protocol.next_address = index + 1 if index + 1 < len(addresses) else None
        self.handshakes += 1
        protocol.handshake.add_done_callback(self._count_resumption)
        protocol.keepalive = loop.create_task(self._keepalive(protocol))
        return protocol

    async def _keepalive(self, protocol: _H3ClientProtocol) -> None:
        options = self.options
        loop = asyncio.get_running_loop()
        while protocol.dead is None and not protocol._closed.is_set():
            await asyncio.sleep(options.keepalive_interval)
            if not protocol.streams and loop.time() - protocol.last_used > options.keepalive_for:
                return  # let an unused connection idle out; an open stream keeps it alive
            if protocol.dead is None and not protocol._closed.is_set():
                protocol._quic.send_ping(0)
                protocol.transmit()

    def _count_resumption(self, future: asyncio.Future[HandshakeCompleted]) -> None:
        if not future.cancelled() and future.exception() is None and future.result().session_resumed:
            self.resumed += 1

    async def connection(self, host: str, port: int) -> _H3ClientProtocol:
        """The live connection to ``host:port``, opened (or resumed) if there is none."""
        if self._closed:
            raise UpstreamUnavailableError("HTTP/3 upstream client is closed")
        key = (host, port)
        protocol = self._connections.get(key)
        if protocol is not None and protocol.dead is None and not protocol._closed.is_set():
            return protocol
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            protocol = self._connections.get(key)
            if protocol is None or protocol.dead is not None or protocol._closed.is_set():
                if protocol is not None:
                    protocol.close()
                    protocol.release()
                protocol = await self._connect(host, port)
                self._connections[key] = protocol
            return protocol

    async def request(
        self,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes | AsyncIterator[bytes],
        *,
        timeout: float | None,
    ) -> H3Response:
        parts = urlsplit(url)
        if not parts.hostname:
            raise UpstreamUnavailableError(f"HTTP/3 upstream URL has no host: {url!r}")
        host, port = parts.hostname, parts.port or 443
        method = method.upper()
        authority = parts.netloc.rpartition("@")[2].encode("idna" if not parts.netloc.isascii() else "ascii")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        h3_headers = [
            (b":method", method.encode("ascii")),
            (b":scheme", b"https"),
            (b":authority", authority),
            (b":path", path.encode("utf-8")),
        ]
        in_hand = isinstance(body, bytes | bytearray | memoryview)
        for name, value in headers:
            lname = name.lower()
            if lname not in _DROP and not (in_hand and lname == b"content-length"):
                h3_headers.append((lname, value))
        if isinstance(body, bytes | bytearray | memoryview) and (body or method not in SAFE_METHODS):
            h3_headers.append((b"content-length", str(len(body)).encode()))
        while True:
            try:
                return await self._request_once(host, port, method, h3_headers, body, timeout)
            except UpstreamUnavailableError:
                protocol = self._connections.get((host, port))
                if protocol is None or not protocol.refused:
                    raise
                # Refused means the server never saw the request: another address may take it.
                retry = protocol.next_address is not None and isinstance(body, bytes | bytearray | memoryview)
                self._address_index[(host, port)] = protocol.next_address or 0
                if not retry:
                    raise

    async def _request_once(
        self,
        host: str,
        port: int,
        method: str,
        h3_headers: list[tuple[bytes, bytes]],
        body: bytes | AsyncIterator[bytes],
        timeout: float | None,
    ) -> H3Response:
        protocol: _H3ClientProtocol | None = None
        stream_id: int | None = None
        answered = False
        try:
            async with asyncio.timeout(timeout):
                protocol = await self.connection(host, port)
                protocol.last_used = protocol._loop.time()
                early_ok = protocol.may_send_early and (
                    method in SAFE_METHODS or self.options.allow_0rtt_unsafe
                )
                if not early_ok:
                    # A request that is not safe to replay waits for the handshake, so it is never
                    # carried in 0-RTT (RFC 9001 §9.2).
                    await asyncio.shield(protocol.handshake)
                elif protocol.dead is not None:
                    raise protocol.dead
                stream_id = protocol._quic.get_next_available_stream_id()
                stream = _Stream(asyncio.get_running_loop())
                protocol.streams[stream_id] = stream
                if method == "HEAD":
                    protocol.h3.head_streams.add(stream_id)
                if isinstance(body, bytes | bytearray | memoryview):
                    protocol.h3.send_headers(stream_id, h3_headers, end_stream=not body)
                    if body:
                        protocol.h3.send_data(stream_id, bytes(body), end_stream=True)
                    protocol.transmit_soon()
                else:
                    protocol.h3.send_headers(stream_id, h3_headers)
                    protocol.transmit_soon()
                    await self._upload(protocol, stream_id, body)
                raw_headers = await stream.headers
                answered = True
        except TimeoutError:
            raise UpstreamTimeoutError(
                f"HTTP/3 upstream {host}:{port} did not answer within {timeout} s"
            ) from None
        except (ConnectionError, OSError) as exc:
            raise UpstreamUnavailableError(f"HTTP/3 upstream {host}:{port} failed: {exc}") from exc
        finally:
            # Whatever stopped this request before the answer (time-out, cancellation, a failing
            # request body), the upstream must stop working on it too.
            if not answered and protocol is not None and stream_id is not None:
                protocol.cancel(stream_id)
        return H3Response(protocol, stream_id, stream, raw_headers, timeout)

    @staticmethod
    async def _upload(protocol: _H3ClientProtocol, stream_id: int, body: AsyncIterator[bytes]) -> None:
        try:
            async for chunk in body:
                if protocol.dead is not None:
                    raise protocol.dead
                if chunk:
                    protocol.h3.send_data(stream_id, chunk, end_stream=False)
                    protocol.transmit_soon()
            protocol.h3.send_data(stream_id, b"", end_stream=True)
            protocol.transmit_soon()
        except (ProtocolError, RuntimeError, ValueError):
            # The server stopped reading the body (STOP_SENDING, e.g. with a 413 it already
            # sent): its response, not the rest of the upload, is what counts now.
            if protocol.dead is not None:
                raise protocol.dead from None

    async def disconnect(self) -> None:
        """Close every connection but keep the session tickets: the next request resumes."""
        await self._close_connections()

    async def aclose(self) -> None:
        self._closed = True
        await self._close_connections()

    async def _close_connections(self) -> None:
        connections = list(self._connections.values())
        self._connections.clear()
        for protocol in connections:
            # close() sends CONNECTION_CLOSE at once; waiting out the closing period (RFC 9000
            # §10.2, 3 PTO) would only matter if that datagram were lost, and the peer's idle
            # timeout covers that case.
            protocol.close()
            protocol.release()
