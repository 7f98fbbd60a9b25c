"""The one request pipeline, the same for every forwarded route::

    bounded read -> decode (tunnel, Content-Encoding) -> scan -> optimize -> forward -> relay

Every route gets the same limits, timeouts, cancellation, error shape and stats; what differs per
route is data (which text is scanned, whether tokens are counted), not code paths.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from m2m import router
from m2m.config import Config
from m2m.errors import (
    DeltaBaseUnknownError,
    M2MError,
    PayloadTooLargeError,
    RequestError,
    SecurityBlockedError,
)
from m2m.headers import Headers, get, media_type, replace
from m2m.proxy import coding
from m2m.proxy.http import (
    BodyBudget,
    ClientGone,
    Receive,
    Scope,
    Send,
    _receive,
    forward_headers,
    read_body,
    response_head,
    send_error,
    stream_body,
)
from m2m.proxy.offload import Offload
from m2m.proxy.relay import DisconnectWatch, relay
from m2m.proxy.routes import Kind, Route
from m2m.proxy.upstream import BufferedResponse, Upstream, UpstreamResponse
from m2m.stats import Stats
from m2m.store import DeltaStore
from m2m.tokenizer import MAX_EXACT_CHARS, TextCache, count_chat_tokens
from m2m.tunnel import (
    ClientExchange,
    ClientSettings,
    OverBudget,
    ServerExchange,
    ServerSettings,
    TunnelClient,
    TunnelServer,
)
from m2m.tunnel.body import Kind as BodyKind
from m2m.tunnel.body import kind_of
from m2m.tunnel.protocol import PROTOCOL, VERSION
from m2m.tunnel.transform import Buffered, Chain, EventMap, Identity, Transform

__all__ = ["Pipeline"]

_log = logging.getLogger("m2m.proxy")

try:  # 3-4x faster than json for request bodies
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover
    _fast_loads = json.loads  # type: ignore[assignment]

# Bodies up to this size are read whole before forwarding even when nothing reads them (keeps a
# Content-Length for upstreams that dislike chunked uploads); larger ones stream.
_BUFFER_PASSTHROUGH = 256 * 1024
# A refusal (409) of a delta is a short JSON error; read at most this much of it.
_REFUSAL_BYTES = 64 * 1024
# Below this a compressed response is not worth a client's decoding.
_MIN_COMPRESS = 512
# Decoded bytes an m2m body may grow to on the event loop (about a millisecond of work); past it,
# decoding starts again in the worker process, so a request that expands far does not stall others.
INLINE_DECODE_BYTES = 256 * 1024
# Above this much request text, scanning moves to a worker thread: the scanner reads 0.2-0.6 ms
# per KB (docs/bench/security.md), so a scan on the event loop stays within about 2 ms.
_SCAN_INLINE_BYTES = 4 * 1024
# Above this body size tokens are counted in a thread (the tokenizer lets go of the GIL; a
# megabyte of new text is hundreds of milliseconds of BPE); bodies over ``offload_bytes`` are
# read whole in the worker process instead.
_COUNT_INLINE_BYTES = 64 * 1024
_NO_BODY_STATUSES = frozenset({204, 304})
# Scanned routes by the scanner's name for them.
_SCAN_ROUTES = {
    Kind.CHAT: "chat",
    Kind.RESPONSES: "responses",
    Kind.COMPLETIONS: "completions",
    Kind.MESSAGES: "messages",
}
_MARK = (PROTOCOL, VERSION)
_IDENTITY = Identity()


@dataclass(slots=True)
class _Request:
    """What one request carries through the pipeline."""

    scope: Scope
    route: Route
    method: str
    started: float
    headers: Headers  # the standard fields (a tunnel peer's compact head restored)
    peer: ServerExchange | None
    length: int | None  # Content-Length as received
    accept_encoding: bytes | None
    body: bytes | None = None  # standard bytes (None: streamed)
    wire_bytes: int = 0  # body bytes as they crossed the m2m side of this hop
    standard_bytes: int = 0
    tokens: int = 0
    tokens_sent: int = 0
    decision: router.Decision | None = None
    budget: int = 0
    extra: Headers = field(default_factory=list)


class Pipeline:
    def __init__(
        self,
        config: Config,
        *,
        stats: Stats,
        upstream: Callable[[], Upstream],
        store: Callable[[], DeltaStore | None],
    ) -> None:
        proxy = config.proxy
        limits = proxy.limits
        self.config = config
        self.stats = stats
        self._upstream = upstream
        self._store = store
        self._root = upstream_root(proxy.upstream)
        self._auth = default_auth(proxy)
        self._timeout = proxy.timeout
        self._max_body = proxy.max_body_bytes
        self._body_timeout = limits.body_timeout
        self._max_response = limits.max_response_bytes
        self._max_event = limits.max_event_bytes
        self._budget = BodyBudget(limits.max_buffered_bytes)
        self._security = proxy.security if proxy.security.enabled else None
        self._optimize = proxy.optimize
        self._store_timeout = proxy.delta.store_timeout
        tenant = (proxy.tenant_header.encode(),) if proxy.tenant_header else ()
        self._tunnel_server = TunnelServer(
            ServerSettings(
                encode_responses=proxy.compression.responses,
                deltas=proxy.delta.cache_entries > 0 and proxy.delta.ttl_seconds > 0,
                max_request_bytes=proxy.max_body_bytes,
                max_response_bytes=limits.max_response_bytes,
                max_event_bytes=limits.max_event_bytes,
                tenant_headers=tenant,
            )
        )
        self._tunnel_client: TunnelClient | None = None
        if proxy.upstream_protocol == "m2m":
            formats = proxy.compression.formats
            self._tunnel_client = TunnelClient(
                ClientSettings(
                    compress_requests=proxy.compression.requests,
                    accept=", ".join(formats) if formats else None,
                    deltas=proxy.delta.cache_entries > 0 and proxy.delta.ttl_seconds > 0,
                    compact_heads=proxy.transport.upstream_transport == "tcp",
                    max_response_bytes=limits.max_response_bytes,
                    max_event_bytes=limits.max_event_bytes,
                    tenant_headers=tenant,
                    ttl_seconds=proxy.delta.ttl_seconds,
                )
            )
        # HTTP compression for standard clients, where the proxy faces them (not next to the app
        # in the tunnel's client role, where the link is local).
        self._http_coding = proxy.compression.http and proxy.upstream_protocol == "openai"
        self._tokens = TextCache()
        # Counts made in a thread, one at a time (a TextCache is not shared between threads).
        self._thread_tokens = TextCache()
        self._count_lock: asyncio.Lock | None = None
        self._scan_cache: Any = None
        self.offload = Offload(limits.offload_bytes)

    def close(self) -> None:
        self.offload.close()

    @property
    def client_role(self) -> bool:
        return self._tunnel_client is not None

    # -- entry --------------------------------------------------------------------------------

    async def handle(self, scope: Scope, receive: Receive, send: Send, route: Route) -> int:
        started = time.perf_counter()
        headers: Headers = scope["headers"]
        peer = None
        request: _Request | None = None
        try:
            length, tunnel, accept_encoding = _scan_head(headers)
            if tunnel:
                peer = self._tunnel_server.exchange(headers)
                if peer is not None:
                    accept_encoding = get(peer.headers, b"accept-encoding")
            request = _Request(
                scope,
                route,
                scope["method"],
                started,
                peer.headers if peer is not None else headers,
                peer,
                length,
                accept_encoding,
            )
            upstream_body = await self._read(request, receive)
            if request.body is not None:
                await self._understand(request)
            return await self._forward(request, receive, send, upstream_body)
        except M2MError as exc:
            if request is not None:
                self._budget.give(request.budget)
                request.budget = 0
            extra = [_MARK] if peer is not None else []
            status = await send_error(send, exc, extra)
            if status >= 500:
                _log.warning("%s %s -> %d: %s", scope["method"], route.path, status, exc.message)
            self.stats.record(status, time.perf_counter() - started, route=route.kind.value)
            if isinstance(exc, DeltaBaseUnknownError):
                self.stats.delta("server", "base_missing")
            return status
        finally:
            if request is not None and request.budget:
                self._budget.give(request.budget)

    # -- read and decode ----------------------------------------------------------------------

    def _must_read(self, req: _Request, length: int | None) -> bool:
        if req.peer is not None and req.peer.encoded:
            return True
        if req.route.kind in _SCAN_ROUTES and (self._security is not None or req.route.kind is Kind.CHAT):
            return True
        if self.client_role and kind_of(req.headers) in (BodyKind.JSON, BodyKind.TEXT):
            return True
        return length is not None and length <= _BUFFER_PASSTHROUGH

    async def _read(self, req: _Request, receive: Receive) -> bytes | AsyncIterator[bytes]:
        """The body to forward: bytes read whole, or an iterator for a large body nobody reads."""
        extensions = req.scope.get("extensions") or {}
        # m2m's listeners time a silent body out themselves, at no cost per request.
        timeout = 0.0 if extensions.get("m2m.bounded_body") else self._body_timeout
        length = req.length
        if length is not None and length > self._max_body:
            raise PayloadTooLargeError(
                f"request body of {length} bytes is over the {self._max_body}-byte limit"
            )
        if self._must_read(req, length):
            body, req.budget = await read_body(
                receive, length, limit=self._max_body, timeout=timeout, budget=self._budget
            )
            req.wire_bytes = len(body)
            if req.peer is not None:
                body = await self._decode_tunnel(req.peer, body)
            req.body = body
            req.standard_bytes = len(body)
            return body
        first = await _receive(receive, timeout)
        chunk: bytes = first.get("body", b"")
        if len(chunk) > self._max_body:  # a body without Content-Length that came in one piece
            raise PayloadTooLargeError(f"request body is over the {self._max_body}-byte limit")
        if not first.get("more_body", False):
            req.body = chunk
            req.wire_bytes = req.standard_bytes = len(chunk)
            return chunk
        if length is not None:
            req.extra.append((b"content-length", str(length).encode()))
        return stream_body(receive, limit=self._max_body, timeout=timeout, first=chunk)

    async def _decode_tunnel(self, peer: ServerExchange, body: bytes) -> bytes:
        keys = peer.wanted(body)
        found: list[bytes | None] = []
        if keys:
            store = self._store()
            if store is not None and peer.scope is not None:
                found = await store.get_many(peer.scope, keys)
        try:  # most bodies decode in well under a millisecond: here, on the event loop
            decoded = peer.decode(body, found, budget=INLINE_DECODE_BYTES)
        except OverBudget:  # a large one (or a bomb, up to the limit) in the worker process
            decoded = await self.offload.run_job(peer.decode_job(body, found))
        if keys:
            self.stats.delta("server", "accepted")
        return decoded

    async def _understand(self, req: _Request) -> None:
        """What the pipeline reads in the body: tokens (chat), the screen, optimize."""
        kind = req.route.kind
        scanning = self._security is not None and kind in _SCAN_ROUTES
        if kind is not Kind.CHAT and not scanning:
            return
        body = req.body
        assert body is not None
        if not body:
            return
        if self.offload.wanted(len(body)):
            await self._understand_elsewhere(req, body, scanning)
            return
        readable = self._readable(req.headers, body)
        if readable is None:
            return
        request = _parse_request(readable, check_keys=scanning)
        if scanning:
            await self._scan(request, _SCAN_ROUTES[kind], len(readable))
        if kind is Kind.CHAT:
            if self._optimize and readable is body:
                optimized = _optimized(request)
                if optimized is not None:
                    request, req.body = optimized
            if len(readable) > _COUNT_INLINE_BYTES:
                if self._count_lock is None:
                    self._count_lock = asyncio.Lock()
                async with self._count_lock:
                    req.tokens = await asyncio.to_thread(count_request, request, self._thread_tokens)
            else:
                req.tokens = count_request(request, self._tokens)
            req.tokens_sent = req.tokens
            if self.client_role:
                req.decision = router.route(request, text=None, tokens=req.tokens, size=len(req.body or b""))

    async def _understand_elsewhere(self, req: _Request, body: bytes, scanning: bool) -> None:
        """:meth:`_understand` for a large body: read in the worker process (see ``offload``)."""
        security = self._security
        encoding = get(req.headers, b"content-encoding")
        kind = req.route.kind
        result = await self.offload.run(
            understand,
            body,
            coding.canonical(encoding) if encoding is not None else None,
            kind.value,
            (_SCAN_ROUTES[kind], security.threshold, security.blocking)
            if scanning and security is not None
            else None,
            self._optimize,
            self.client_role,
            self._max_body,
        )
        if result.scan is not None:
            self._verdict(result.scan)
        if kind is Kind.CHAT:
            if result.body is not None:
                req.body = result.body
            req.tokens = req.tokens_sent = result.tokens
            req.decision = result.decision

    def _readable(self, headers: Headers, body: bytes) -> bytes | None:
        """The body as the upstream will read it (a client's Content-Encoding undone), or None
        when it is not something the pipeline reads."""
        encoding = get(headers, b"content-encoding")
        if encoding is None:
            return body
        name = coding.canonical(encoding)
        if name is None:
            return body
        return coding.decode_all(body, name, limit=self._max_body)

    async def _scan(self, request: dict[str, Any], route: str, size: int) -> None:
        from m2m.security import ScanCache, scan_request

        security = self._security
        assert security is not None
        if self._scan_cache is None:
            self._scan_cache = ScanCache()
        kwargs = {
            "route": route,
            "threshold": security.threshold,
            "blocking": security.blocking,
            "cache": self._scan_cache,
        }
        if size > _SCAN_INLINE_BYTES:
            # Large requests are scanned off the event loop; the cache keeps it cheap for the
            # history a conversation repeats.
            result = await asyncio.to_thread(scan_request, request, **kwargs)
        else:
            result = scan_request(request, **kwargs)
        self._verdict(result)

    def _verdict(self, result: Any) -> None:
        """Counts a scan's result; raises when it blocks the request."""
        flagged = not result.safe
        self.stats.record_scan(flagged=flagged, blocked=result.blocked)
        if result.blocked:
            raise SecurityBlockedError("request blocked by the security screen", result=result)
        if flagged:
            for threat in result.threats:
                _log.warning(
                    "security: flagged category=%s score=%s (monitoring)", threat.category, threat.score
                )

    # -- forward ------------------------------------------------------------------------------

    async def _forward(
        self, req: _Request, receive: Receive, send: Send, upstream_body: bytes | AsyncIterator[bytes]
    ) -> int:
        method = req.method
        url = self._root + _target(req)
        headers = forward_headers(req.headers, default_auth=self._auth) + req.extra
        if req.peer is not None:
            # This side re-encodes the answer for the peer: it must read it plain.
            headers = replace(headers, b"accept-encoding", b"identity")
        body: bytes | AsyncIterator[bytes] = req.body if req.body is not None else upstream_body
        if req.peer is not None and isinstance(body, bytes) and self._store_available():
            await self._keep(req.peer, req.peer.keep(body))
        upstream = self._upstream()
        exchange: ClientExchange | None = None
        # From here the client's going away cancels the upstream request, while it waits for the
        # answer too. A streamed body still holds receive(): the watch starts once it is sent.
        watch = DisconnectWatch(receive, start=isinstance(body, bytes))
        if not isinstance(body, bytes):
            body = _then(body, watch.arm)
        try:
            if self._tunnel_client is not None:
                exchange = self._tunnel_client.exchange(
                    method, headers, body if isinstance(body, bytes) else None, decision=req.decision
                )
                resp = await self._send_to_peer(upstream, method, url, exchange, body)
                req.wire_bytes = exchange.bytes_sent
            else:
                resp = await upstream.request(method, url, headers, body, timeout=self._timeout)
                if isinstance(body, bytes) and req.peer is None:
                    req.wire_bytes = len(body)
        except asyncio.CancelledError:
            watch.stop()
            if watch.fired:
                task = asyncio.current_task()
                if task is not None:
                    task.uncancel()
                raise ClientGone from None
            raise
        except BaseException:
            watch.stop()
            raise
        try:
            return await self._respond(req, send, resp, exchange, watch)
        finally:
            watch.stop()

    async def _send_to_peer(
        self,
        upstream: Upstream,
        method: str,
        url: str,
        exchange: ClientExchange,
        body: bytes | AsyncIterator[bytes],
    ) -> UpstreamResponse:
        out = exchange.request() if isinstance(body, bytes) else exchange.streamed()
        sent: bytes | AsyncIterator[bytes] = out.body if isinstance(body, bytes) else body
        resp = await upstream.request(method, url, out.headers, sent, timeout=self._timeout)
        if exchange.sent_delta:
            self.stats.delta("client", "sent")
        try:
            verdict = exchange.response(resp.status, resp.headers)
        except M2MError:
            await resp.aclose()
            raise
        if verdict == "deliver":
            return resp
        try:
            payload = await resp.read(_REFUSAL_BYTES)
        finally:
            await resp.aclose()
        again = exchange.refused(resp.status, payload)
        if again is None:
            return BufferedResponse(resp.status, resp.headers, payload)
        self.stats.delta("client", "refused")
        self.stats.delta("client", "full_resend")
        resp = await upstream.request(method, url, again.headers, again.body, timeout=self._timeout)
        exchange.response(resp.status, resp.headers)
        return resp

    def _store_available(self) -> bool:
        # While the store is down the answer does not promise to keep this turn, so the peer
        # sends the next ones in full instead of deltas that would be refused (409) and resent.
        store = self._store()
        return store is not None and store.available

    async def _keep(self, peer: ServerExchange, items: list[tuple[str, bytes]]) -> None:
        if not items or peer.scope is None:
            return
        store = self._store()
        if store is None:
            return
        for key, data in items:
            await store.put(peer.scope, key, data)

    # -- respond ------------------------------------------------------------------------------

    async def _respond(
        self,
        req: _Request,
        send: Send,
        resp: UpstreamResponse,
        exchange: ClientExchange | None,
        watch: DisconnectWatch,
    ) -> int:
        status = resp.status
        peer = req.peer
        upstream_length: int | None = None
        if exchange is not None:
            headers, inbound = exchange.transform(status, resp.headers)
            sse = media_type(headers) == b"text/event-stream"
        else:
            headers, upstream_length, media = response_head(resp.headers)
            inbound = _IDENTITY
            sse = media == b"text/event-stream"
        no_body = req.method == "HEAD" or status in _NO_BODY_STATUSES or status < 200
        outbound: Transform
        if peer is not None:
            wire, outbound = peer.response(status, headers, method=req.method)
        else:
            wire, outbound = self._for_client(req, headers, no_body, sse, upstream_length)
        transform = outbound if isinstance(inbound, Identity) else _chain(inbound, outbound)
        if not isinstance(transform, Identity):
            upstream_length = None
        if req.body is not None and peer is None:
            # (a peer drops x-m2m-* fields: it reports its own figures to its client)
            wire.extend(self._figures(req))
        if sse:
            wire = replace(wire, b"x-accel-buffering", b"no")
        started = req.started

        def on_head() -> None:
            self.stats.record(
                status,
                time.perf_counter() - started,
                route=req.route.kind.value,
                bytes_in=req.standard_bytes,
                bytes_out=req.wire_bytes,
                tokens_original=req.tokens,
                tokens_sent=req.tokens_sent,
            )

        before_end: Callable[[], Awaitable[None]] | None = None
        if peer is not None:

            async def before_end() -> None:
                await self._keep(peer, peer.reply())

        result = await relay(
            send,
            resp,
            status,
            wire,
            transform,
            watch=watch,
            peer=exchange is not None,
            on_head=on_head,
            before_end=before_end,
            length=upstream_length,
            no_body=no_body,
            offload=self.offload,
        )
        # The m2m side of the response: the peer's bytes in the client role, else what we sent.
        if exchange is not None:
            self.stats.add_bytes(result.bytes_out, result.bytes_in)
        else:
            self.stats.add_bytes(result.bytes_in, result.bytes_out)
        return status

    def _for_client(
        self, req: _Request, headers: Headers, no_body: bool, sse: bool, length: int | None
    ) -> tuple[Headers, Transform]:
        """A standard client's answer: SSE framed per event; compressed when it asks and it pays."""
        if no_body or (not sse and (req.accept_encoding is None or not self._http_coding)):
            return headers, _IDENTITY  # the fast path: passed through as it came
        encoding = get(headers, b"content-encoding")
        if encoding is not None:
            name = (
                coding.canonical(encoding)
                if encoding.strip().lower() in (b"gzip", b"br", b"zstd", b"deflate", b"x-gzip")
                else None
            )
            if not sse or name is None:
                return headers, Identity()  # the upstream's own coding, passed through unchanged
            # SSE in a coding: decode to frame events (an error can then end the stream cleanly),
            # encode again in the same coding, flushed per event.
            return headers, Chain(
                [
                    coding.Decoder(name, limit=None, step=self._max_event),
                    self._events(),
                    coding.Encoder(name),
                ]
            )
        chosen = None
        compressible = sse or kind_of(headers) in (BodyKind.JSON, BodyKind.TEXT)
        if self._http_coding and compressible and (sse or length is None or length >= _MIN_COMPRESS):
            chosen = coding.choose(req.accept_encoding)
        steps: list[Transform] = [self._events()] if sse else []
        if chosen is not None:
            if sse or length is None or length > self._max_response:
                steps.append(coding.Encoder(chosen))
            else:  # a document of known size: compressed whole, sent with its Content-Length
                steps.append(Buffered(coding.compressor(chosen), limit=self._max_response))
            headers = replace(headers, b"content-encoding", chosen.encode())
            headers = _vary(headers)
        if not steps:
            return headers, Identity()
        return headers, _chain(*steps)

    def _events(self) -> EventMap:
        return EventMap(_raw, max_event_bytes=self._max_event)

    def _figures(self, req: _Request) -> Headers:
        figures = [
            (b"x-m2m-bytes-original", b"%d" % req.standard_bytes),
            (b"x-m2m-bytes-sent", b"%d" % req.wire_bytes),
        ]
        if req.route.kind is Kind.CHAT:
            return [
                (b"x-m2m-tokens-original", b"%d" % req.tokens),
                (b"x-m2m-tokens-sent", b"%d" % req.tokens_sent),
                (b"x-m2m-tokens-saved", b"%d" % (req.tokens - req.tokens_sent)),
                *figures,
            ]
        return figures


async def _then(body: AsyncIterator[bytes], done: Callable[[], None]) -> AsyncIterator[bytes]:
    """``body``, then ``done()`` once it is all sent."""
    async for chunk in body:
        yield chunk
    done()


def _raw(event: Any) -> bytes:
    return event.raw  # type: ignore[no-any-return]


def _chain(*steps: Transform) -> Transform:
    useful = [s for s in steps if not isinstance(s, Identity)]
    if not useful:
        return Identity()
    if len(useful) == 1:
        return useful[0]
    return Chain(useful)


def _vary(headers: Headers) -> Headers:
    vary = get(headers, b"vary")
    if vary is None:
        return [*headers, (b"vary", b"accept-encoding")]
    if b"accept-encoding" in vary.lower():
        return headers
    return replace(headers, b"vary", vary + b", accept-encoding")


def _scan_head(headers: Headers) -> tuple[int | None, bool, bytes | None]:
    """(Content-Length, any tunnel field, Accept-Encoding) of a request, in one pass."""
    length: int | None = None
    tunnel = False
    accept_encoding = None
    for name, value in headers:
        if name == b"content-length":
            if not value.isdigit() or (length is not None and int(value) != length):
                raise RequestError("invalid Content-Length header")
            length = int(value)
        elif name == b"accept-encoding":
            accept_encoding = value
        elif name[:6] == b"x-m2m-":
            tunnel = True
    return length, tunnel, accept_encoding


def _target(req: _Request) -> str:
    query: bytes = req.scope.get("query_string", b"")
    path = req.route.path
    if not query:
        return path
    if any(c < 0x21 or c == 0x7F or c == 0x23 for c in query):
        raise RequestError("the query string holds characters a proxy cannot forward")
    return f"{path}?{query.decode('latin-1')}"


def _parse_request(readable: bytes, *, check_keys: bool) -> dict[str, Any]:
    """A request body's JSON object; ``check_keys``: a repeated key is refused (the screen reads
    one of the values, an upstream may read the other)."""
    if check_keys:
        from m2m.security import has_duplicate_keys

        if has_duplicate_keys(readable):
            raise RequestError("the request body repeats a key; which one an upstream reads is ambiguous")
    return _parse_json(readable)


def _optimized(request: dict[str, Any]) -> tuple[dict[str, Any], bytes] | None:
    """The request without documented defaults, and its bytes; None when nothing changes."""
    optimized = optimize_request(request)
    if optimized is None:
        return None
    return optimized, json.dumps(optimized, separators=(",", ":"), ensure_ascii=False).encode()


def count_request(request: dict[str, Any], cache: TextCache) -> int:
    """Prompt tokens of a chat request (0 when it has no message list)."""
    messages = request.get("messages")
    if not isinstance(messages, list):
        return 0
    model = request.get("model")
    try:
        return int(
            count_chat_tokens(
                messages,
                model=model if isinstance(model, str) else None,
                cache=cache,
                max_chars=MAX_EXACT_CHARS,
            )
        )
    except M2MError:
        return 0


@dataclass(frozen=True, slots=True)
class Understood:
    """What :func:`understand` read in a request body."""

    tokens: int
    body: bytes | None  # the optimized body (None: unchanged)
    scan: Any  # the screen's ScanResult (None: not screened)
    decision: router.Decision | None


# The worker process's caches: counts and scan results of texts it has seen (conversations repeat
# their history on every request).
_worker_tokens: TextCache | None = None
_worker_scans: Any = None


def understand(
    body: bytes,
    encoding: str | None,
    kind: str,
    scan: tuple[str, float, bool] | None,
    optimize: bool,
    decide: bool,
    max_body: int,
) -> Understood:
    """:meth:`Pipeline._understand`'s work on one body, as a job for the worker process: undo a
    client's Content-Encoding, parse, screen (``scan``: route, threshold, blocking), optimize,
    count tokens (chat), choose the wire format (``decide``)."""
    global _worker_tokens, _worker_scans
    readable = body if encoding is None else coding.decode_all(body, encoding, limit=max_body)
    request = _parse_request(readable, check_keys=scan is not None)
    result = None
    if scan is not None:
        from m2m.security import ScanCache, scan_request

        if _worker_scans is None:
            _worker_scans = ScanCache()
        route, threshold, blocking = scan
        result = scan_request(
            request, route=route, threshold=threshold, blocking=blocking, cache=_worker_scans
        )
        if result.blocked:
            return Understood(0, None, result, None)
    if kind != Kind.CHAT.value:
        return Understood(0, None, result, None)
    new_body = None
    if optimize and encoding is None:
        optimized = _optimized(request)
        if optimized is not None:
            request, new_body = optimized
    if _worker_tokens is None:
        _worker_tokens = TextCache()
    tokens = count_request(request, _worker_tokens)
    decision = None
    if decide:
        decision = router.route(request, text=None, tokens=tokens, size=len(new_body or body))
    return Understood(tokens, new_body, result, decision)


def _parse_json(body: bytes) -> dict[str, Any]:
    try:
        try:
            value = _fast_loads(body)
        except ValueError:  # orjson refuses what json accepts (integers over 64 bits): ask json
            value = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise RequestError(f"request body is not valid JSON: {str(exc)[:200]}") from None
    if not isinstance(value, dict):
        raise RequestError("request body must be a JSON object")
    return value


def optimize_request(request: dict[str, Any]) -> dict[str, Any] | None:
    """The request without parameters equal to the model's documented defaults, or None when the
    model is unknown or nothing changes."""
    from m2m import models

    model = request.get("model")
    if not isinstance(model, str):
        return None
    card = models.get(model)
    if card is None:
        return None
    optimized = router.optimize(request, card)
    return optimized if optimized != request else None


def upstream_root(upstream: str) -> str:
    """The upstream URL without a trailing ``/v1``: incoming paths start with ``/v1`` already."""
    parts = urlsplit(upstream.rstrip("/"))
    path = parts.path.rstrip("/")
    if path.endswith("/v1"):
        path = path[:-3]
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def default_auth(proxy: Any) -> bytes | None:
    """The Authorization added when a client sends no credential: ``--api-key``, else credentials
    in the upstream URL (never sent in the URL itself)."""
    if proxy.api_key:
        return f"Bearer {proxy.api_key}".encode("latin-1")
    parts = urlsplit(proxy.upstream)
    if parts.username is None:
        return None
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return b"Basic " + base64.b64encode(pair.encode())
