"""A lean HTTP/1.1 upstream client: asyncio protocol + httptools parser + a keep-alive pool.

The general-purpose clients spend most of a fast upstream's round trip in their own Python
(about 110 microseconds per request for aiohttp on this project's benchmark box, against about 20
here). The proxy needs little of what they offer: one request per connection at a time, bytes in
and out unchanged, no redirects, cookies or decompression.

Errors leave as :class:`~m2m.errors.UpstreamUnavailableError` (refused, reset, DNS, TLS, an
invalid response, a close before the response ended) and :class:`~m2m.errors.UpstreamTimeoutError`
(silence longer than the timeout before the head or between body reads). A request that fails on
a reused keep-alive connection before any response byte arrived is retried once on a new
connection: the upstream closed an idle connection as the request went out.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections import deque
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httptools

from m2m.errors import UpstreamError, UpstreamTimeoutError, UpstreamUnavailableError

__all__ = ["H1Upstream"]

# Idle keep-alive connections kept per upstream host (the proxy is sized for 64+ in flight).
MAX_IDLE = 256
# Response bytes buffered for a slow reader before the upstream socket stops being read.
READ_HIGH_WATER = 256 * 1024
READ_LOW_WATER = 64 * 1024
# A response head past these is refused (the upstream is broken or hostile).
MAX_HEADERS = 256
MAX_HEADER_BYTES = 256 * 1024

_Key = tuple[str, str, int]


class _HeadTooLarge(Exception):
    """The upstream's response head is over the limits."""


class _Retry(Exception):
    """The reused connection was dead before any response byte: try a new one."""


class _Connection(asyncio.Protocol):
    def __init__(self, pool: H1Upstream, key: _Key) -> None:
        self._pool = pool
        self._max_headers = pool.max_headers
        self._max_header_bytes = pool.max_header_bytes
        self.key = key
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reused = False
        self._parser = httptools.HttpResponseParser(self)
        self._reset()
        self._write_waiter: asyncio.Future[None] | None = None
        self._write_paused = False

    def _reset(self) -> None:
        self.status = 0
        self.raw_headers: list[tuple[bytes, bytes]] = []
        self.header_bytes = 0
        self.head: asyncio.Future[None] | None = None
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.complete = False
        self.received = False
        self.error: UpstreamError | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.reading_paused = False
        self.no_body = False
        self.until_eof = False  # no length, not chunked: the body ends when the connection does
        self.keep_alive = False

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received = True
        if self.head is None:  # bytes while idle: the upstream broke the protocol
            self._close()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(
                UpstreamUnavailableError("upstream switched protocols, which the proxy does not relay")
            )
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, _HeadTooLarge) or isinstance(exc.__cause__, _HeadTooLarge):
                self._fail(UpstreamUnavailableError("upstream response head over the proxy's limits"))
            else:
                self._fail(UpstreamUnavailableError(f"invalid HTTP response from upstream: {exc}"))
        except _HeadTooLarge:
            self._fail(UpstreamUnavailableError("upstream response head over the proxy's limits"))
        except httptools.HttpParserError as exc:
            self._fail(UpstreamUnavailableError(f"invalid HTTP response from upstream: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.until_eof and self.head is not None and self.head.done() and self.error is None:
            self.complete = True
            self._wake()
        if self.head is not None and not self.complete:
            what = "mid-response" if self.head.done() else "before responding"
            self._fail(UpstreamUnavailableError(f"upstream closed the connection {what}"))
        waiter = self._write_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        waiter = self._write_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- httptools callbacks ------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self.header_bytes += len(name) + len(value)
        if len(self.raw_headers) >= self._max_headers or self.header_bytes > self._max_header_bytes:
            raise _HeadTooLarge
        self.raw_headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self.status = self._parser.get_status_code()
        if self.status < 200:  # 1xx interim response: wait for the real one
            self.raw_headers = []
            self.header_bytes = 0
            return
        if not self.no_body and self.status not in (204, 304):
            names = {name.lower() for name, _ in self.raw_headers}
            self.until_eof = b"content-length" not in names and b"transfer-encoding" not in names
        head = self.head
        if head is not None and not head.done():
            head.set_result(None)
        if self.no_body:
            self.complete = True
            self._wake()

    def on_body(self, body: bytes) -> None:
        if self.status < 200:
            return
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > READ_HIGH_WATER and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self.status < 200:
            self.status = 0
            return
        self.complete = True
        # llhttp answers this only inside the callback; afterwards it describes the next message.
        self.keep_alive = self._parser.should_keep_alive()
        self._wake()

    # -- helpers ------------------------------------------------------------------------------

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: UpstreamError) -> None:
        if self.error is None:
            self.error = error
        head = self.head
        if head is not None and not head.done():
            head.set_result(None)
        self._wake()
        self._close()

    def _close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    @property
    def usable(self) -> bool:
        return not self.closed and self.transport is not None and not self.transport.is_closing()

    async def drain(self) -> None:
        if self._write_paused and not self.closed:
            loop = asyncio.get_running_loop()
            self._write_waiter = loop.create_future()
            try:
                await self._write_waiter
            finally:
                self._write_waiter = None
        if self.closed:
            raise UpstreamUnavailableError("upstream closed the connection while the request was sent")

    async def next_chunk(self, timeout: float) -> bytes:
        """The next body bytes, ``b""`` at the end."""
        while True:
            if self.chunks:
                chunk = self.chunks.popleft()
                self.buffered -= len(chunk)
                if self.reading_paused and self.buffered < READ_LOW_WATER and self.transport is not None:
                    self.reading_paused = False
                    self.transport.resume_reading()
                return chunk
            if self.error is not None:
                raise self.error
            if self.complete:
                return b""
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await self.waiter
            except TimeoutError:
                self._close()
                raise UpstreamTimeoutError(f"upstream sent nothing for {timeout:g} s") from None
            finally:
                self.waiter = None

    def release(self) -> None:
        """Back to the pool when the exchange finished cleanly, else closed."""
        reuse = self.complete and self.error is None and not self.no_body and self.usable and self.keep_alive
        self.head = None
        if reuse:
            self._reset()
            self._pool._put(self)
        else:
            self._close()


class _Response:
    __slots__ = ("_conn", "_done", "_timeout", "headers", "raw_headers", "status")

    def __init__(self, conn: _Connection, timeout: float) -> None:
        self._conn = conn
        self._timeout = timeout
        self._done = False
        self.status = conn.status
        self.raw_headers = conn.raw_headers
        self.headers = conn.raw_headers

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        while True:
            chunk = await self._conn.next_chunk(self._timeout)
            if not chunk:
                return
            yield chunk

    async def read(self, limit: int) -> bytes:
        conn = self._conn
        if conn.complete and conn.error is None and len(conn.chunks) <= 1:
            # The usual small answer: already here whole, no waiting and no iterator.
            body = conn.chunks.popleft() if conn.chunks else b""
            conn.buffered = 0
        else:
            parts: list[bytes] = []
            size = 0
            while chunk := await conn.next_chunk(self._timeout):
                size += len(chunk)
                if size > limit:
                    break
                parts.append(chunk)
            body = b"".join(parts)
            if size > limit:
                raise UpstreamUnavailableError(f"upstream response over the {limit}-byte limit")
        if len(body) > limit:
            raise UpstreamUnavailableError(f"upstream response over the {limit}-byte limit")
        return body

    async def aclose(self) -> None:
        if not self._done:
            self._done = True
            self._conn.release()


class H1Upstream:
    """HTTP/1.1 (http and https) upstream with a keep-alive pool per host."""

    def __init__(
        self,
        *,
        max_idle: int = MAX_IDLE,
        ca_file: str | None = None,
        insecure: bool = False,
        max_headers: int = MAX_HEADERS,
        max_header_bytes: int = MAX_HEADER_BYTES,
    ) -> None:
        self.max_headers = max_headers
        self.max_header_bytes = max_header_bytes
        self._idle: dict[_Key, list[_Connection]] = {}
        self._max_idle = max_idle
        self._ca_file = ca_file
        self._insecure = insecure
        self._ssl: ssl.SSLContext | None = None
        self._closed = False

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            try:
                context = ssl.create_default_context(cafile=self._ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise UpstreamUnavailableError(
                    f"cannot load the upstream CA file {self._ca_file}: {exc}"
                ) from None
            if self._insecure:  # explicit opt-in for development certificates
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            self._ssl = context
        return self._ssl

    def _put(self, conn: _Connection) -> None:
        idle = self._idle.setdefault(conn.key, [])
        if self._closed or len(idle) >= self._max_idle:
            conn._close()
        else:
            idle.append(conn)

    async def _connect(self, key: _Key, timeout: float) -> _Connection:
        scheme, host, port = key
        loop = asyncio.get_running_loop()
        ssl_context = self._ssl_context() if scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                _, protocol = await loop.create_connection(
                    lambda: _Connection(self, key),
                    host,
                    port,
                    ssl=ssl_context,
                    server_hostname=host if ssl_context else None,
                )
        except TimeoutError:
            raise UpstreamTimeoutError(f"no connection to the upstream within {timeout:g} s") from None
        except (OSError, ssl.SSLError) as exc:
            detail = f"{type(exc).__name__}: {exc.strerror or exc}" if isinstance(exc, OSError) else str(exc)
            raise UpstreamUnavailableError(
                f"upstream unavailable: cannot connect to {host}:{port} ({detail})"
            ) from None
        return protocol

    def _acquire_idle(self, key: _Key) -> _Connection | None:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()
            if conn.usable:
                conn.reused = True
                return conn
        return None

    async def request(
        self,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes | AsyncIterator[bytes],
        *,
        timeout: float,
    ) -> _Response:
        if self._closed:
            raise UpstreamUnavailableError("upstream client is closed")
        key, target, host_header = _parse_url(url)
        head = _serialize_head(method, target, host_header, headers, body)
        conn = self._acquire_idle(key)
        if conn is not None and isinstance(body, bytes):
            try:
                return await self._exchange(conn, method, head, body, timeout)
            except _Retry:
                pass
        elif conn is not None:
            self._put(conn)  # a streamed body cannot be replayed: use a fresh connection
        conn = await self._connect(key, timeout)
        try:
            return await self._exchange(conn, method, head, body, timeout)
        except _Retry:
            raise UpstreamUnavailableError("upstream closed the connection before responding") from None

    async def _exchange(
        self, conn: _Connection, method: str, head: bytes, body: bytes | AsyncIterator[bytes], timeout: float
    ) -> _Response:
        loop = asyncio.get_running_loop()
        conn.head = loop.create_future()
        conn.no_body = method == "HEAD"
        transport = conn.transport
        assert transport is not None
        try:
            if isinstance(body, bytes):
                transport.write(head + body if len(body) < 65536 else head)
                if len(body) >= 65536:
                    transport.write(body)
            else:
                transport.write(head)
                await _write_stream(conn, transport, body, chunked=b"\r\ncontent-length:" not in head.lower())
            async with asyncio.timeout(timeout):
                await conn.head
        except TimeoutError:
            conn._close()
            raise UpstreamTimeoutError(f"upstream did not answer within {timeout:g} s") from None
        except BaseException:
            conn._close()
            raise
        if conn.error is not None:
            conn._close()
            if conn.reused and not conn.received:
                raise _Retry
            raise conn.error
        return _Response(conn, timeout)

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for conn in idle:
                conn._close()
        self._idle.clear()


async def _write_stream(
    conn: _Connection, transport: asyncio.Transport, body: AsyncIterator[bytes], *, chunked: bool
) -> None:
    async for chunk in body:
        if not chunk:
            continue
        if chunked:
            transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
        else:
            transport.write(chunk)
        await conn.drain()
    if chunked:
        transport.write(b"0\r\n\r\n")


@functools.lru_cache(maxsize=1024)
def _parse_url(url: str) -> tuple[_Key, str, str]:
    """(pool key, request target, Host header) of ``url``; the proxy sends few distinct URLs."""
    parts = urlsplit(url)
    scheme = parts.scheme
    host = parts.hostname or ""
    default_port = 443 if scheme == "https" else 80
    port = parts.port or default_port
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port == default_port else f"{shown}:{port}"
    return (scheme, host, port), target, host_header


def _serialize_head(
    method: str,
    target: str,
    host: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes | AsyncIterator[bytes],
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1\r\nhost: {host}\r\n".encode("latin-1")]
    has_length = False
    for name, value in headers:
        lines.append(b"%s: %s\r\n" % (name, value))
        if name == b"content-length":
            has_length = True
    if isinstance(body, bytes):
        if not has_length and (body or method not in ("GET", "HEAD", "DELETE", "OPTIONS")):
            lines.append(b"content-length: %d\r\n" % len(body))
    elif not has_length:
        lines.append(b"transfer-encoding: chunked\r\n")
    lines.append(b"\r\n")
    return b"".join(lines)
