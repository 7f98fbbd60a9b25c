"""Client side of the tunnel: encode a request for the peer, read the peer's answer back.

One :class:`TunnelClient` per peer holds what outlives a request: the bases sent (for deltas),
whether the peer keeps bases for a tenant, and whether it is an m2m peer at all. Per request, a
:class:`ClientExchange` walks these states::

    request() ──> sent ──response(status, head)──> "deliver" ──transform()──> done
                    │                               "read": a refused delta?
                    │                                   refused(body) ──> Outgoing: resend in full (once)
                    │                                                 └─> None: deliver that answer
                    └─ a full resend is never refused again

The adapter sends ``Outgoing`` requests, reads bodies and feeds chunks to the transform; this
module makes every decision.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from dataclasses import replace as with_fields
from typing import Literal, NamedTuple

from m2m import router
from m2m.codec import Limits
from m2m.codec.delta import DeltaCache, DeltaEncoder, ReplyCollector, parse_delta, reply_text
from m2m.codec.head import decode_head_text, encode_head_text
from m2m.codec.negotiation import PREFERENCE
from m2m.errors import (
    DeltaBaseUnknownError,
    LimitExceededError,
    PeerError,
    UnknownFormatError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from m2m.headers import CREDENTIALS, HOP_BY_HOP, Headers, get, media_type, without
from m2m.tunnel import body as bodies
from m2m.tunnel.body import Kind, kind_of
from m2m.tunnel.events import BINARY_STREAM, STREAM, decode_events
from m2m.tunnel.protocol import (
    ACCEPT,
    BYTES,
    DELTA,
    ENCODING,
    HEAD,
    HEAD_TOKEN,
    IDENTITY,
    PROTOCOL,
    VERSION,
    strip,
    tenant_scope,
)
from m2m.tunnel.transform import Buffered, Identity, Job, OverBudget, Transform

__all__ = ["ClientExchange", "ClientSettings", "Outgoing", "TunnelClient", "default_accept"]

# Statuses of a peer refusing a delta: 409 (base unknown) or 400 m2m_unknown_format (a peer that
# cannot read deltas, e.g. an older replica behind the same balancer).
_REFUSED = (400, 409)
# Answers of a balancer or gateway in front of a peer that cannot answer itself.
_GATEWAY_FAILURES = frozenset({502, 503, 504})
# Tenants whose "keeps bases" answer is remembered (bounded: one small entry each).
_TENANTS = 4096
# The client only needs the last turns of the conversations it is carrying right now.
CLIENT_CACHE_ENTRIES = 256
CLIENT_CACHE_BYTES = 64 * 1024 * 1024
# A delta this much smaller than the JSON is sent without first computing the stateless form:
# no stateless format comes near it on chat requests, and computing one costs milliseconds.
_CLEAR_WIN = 0.1
_FRAMING = (b"content-length", b"transfer-encoding")
# Request fields that travel as themselves next to a compact head (with credentials).
_REAL_FIELDS = (b"content-type", b"content-length")
# Marks, inside a compact head, where a field that travels as itself (a credential) belongs.
_PLACEHOLDER = b"x-m2m-real"
_NO_BODY_STATUSES = frozenset({204, 304})
# A peer's compact head is bounded like any response head.
_HEAD_FIELDS = 256
_HEAD_BYTES = 256 * 1024


def default_accept(*, heads: bool = False) -> str:
    """Every response encoding this side reads, best first: zsse and zstream for streams, then the
    stateless formats, the byte codec and, when wanted, compact heads."""
    tokens = [BINARY_STREAM, STREAM, *PREFERENCE, BYTES]
    if heads:
        tokens.append(HEAD_TOKEN)
    return ", ".join(tokens)


@dataclass(frozen=True)
class ClientSettings:
    compress_requests: bool = True
    # X-M2M-Accept sent with every request; None: :func:`default_accept`.
    accept: str | None = None
    deltas: bool = True
    # Compact request and response heads (worth it over HTTP/1.1; HTTP/3 has QPACK).
    compact_heads: bool = True
    # Decoded size of a response body, and of one event of a stream.
    max_response_bytes: int = 64 * 1024 * 1024
    max_event_bytes: int = 16 * 1024 * 1024
    tenant_headers: tuple[bytes, ...] = ()
    cache_entries: int = CLIENT_CACHE_ENTRIES
    cache_bytes: int = CLIENT_CACHE_BYTES
    ttl_seconds: float = 600.0
    router: router.RouterConfig = field(default_factory=router.RouterConfig)


class Outgoing(NamedTuple):
    """A request to send to the peer: its header list and body (the method and target are the
    app's own)."""

    headers: Headers
    body: bytes


class TunnelClient:
    """What one side knows about its peer; create one per peer (URL) and reuse it."""

    def __init__(
        self, settings: ClientSettings = ClientSettings(), *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self.accept = settings.accept or default_accept(heads=settings.compact_heads)
        self.deltas: DeltaEncoder | None = None
        if settings.deltas and settings.compress_requests and settings.cache_entries > 0:
            cache = DeltaCache(
                max_entries=settings.cache_entries,
                max_bytes=settings.cache_bytes,
                ttl_seconds=max(settings.ttl_seconds, 1e-3),
                clock=clock,
            )
            self.deltas = DeltaEncoder(cache)
        self._limits = Limits(max_decoded_bytes=settings.max_response_bytes)
        self._event_limits = Limits(max_decoded_bytes=settings.max_event_bytes)
        self._keeps: OrderedDict[str, bool] = OrderedDict()
        # Counters the adapters report (per peer).
        self.deltas_sent = 0
        self.deltas_refused = 0
        self.full_resends = 0

    def exchange(
        self, method: str, headers: Headers, body: bytes | None, *, decision: router.Decision | None = None
    ) -> ClientExchange:
        """One request of the app (its header list and whole body, or None for a body the adapter
        streams as it came) on its way to the peer. ``decision``: the router's verdict on a JSON
        request the caller already parsed."""
        return ClientExchange(self, method, headers, body, decision)

    def keeps_bases(self, scope: str) -> bool:
        return self._keeps.get(scope, False)

    def _learn(self, scope: str, keeps: bool) -> None:
        self._keeps[scope] = keeps
        self._keeps.move_to_end(scope)
        while len(self._keeps) > _TENANTS:
            self._keeps.popitem(last=False)


class ClientExchange:
    """One request through the tunnel (see the module docstring for its states)."""

    def __init__(
        self,
        client: TunnelClient,
        method: str,
        headers: Headers,
        body: bytes | None,
        decision: router.Decision | None,
    ) -> None:
        self._client = client
        self.method = method
        # An app never sets tunnel fields: they would tell the peer lies about this request.
        self._headers = strip(headers)
        self._streamed = body is None
        if not self._streamed:
            # The body sent is this one, or its encoding: the adapter's transport frames it.
            self._headers = without(self._headers, _FRAMING)
        self.full = body if body is not None else b""
        self.kind = kind_of(self._headers, body)
        settings = client.settings
        self.scope = tenant_scope(self._headers, settings.tenant_headers)
        self._decision = decision
        self._delta_ok = (
            client.deltas is not None
            and self.scope is not None
            and self.kind is Kind.JSON
            and not self._streamed
        )
        self.base_hash: str | None = None
        self.encoded = False
        self.state: Literal["new", "sent", "resent", "done"] = "new"
        self.bytes_sent = 0

    # -- sending ------------------------------------------------------------------------------

    @property
    def sent_delta(self) -> bool:
        return self.base_hash is not None

    def request(self) -> Outgoing:
        """The first request to send."""
        assert self.state == "new" and not self._streamed
        self.state = "sent"
        return self._outgoing(allow_delta=True)

    def streamed(self) -> Outgoing:
        """The head of a request whose body the adapter streams to the peer as it came (a large
        upload nobody reads); ``body`` is empty."""
        assert self.state == "new" and self._streamed
        self.state = "sent"
        return Outgoing(self._wire_headers(False), b"")

    def _outgoing(self, *, allow_delta: bool) -> Outgoing:
        wire, encoded = self._encode_body(allow_delta)
        self.encoded = encoded
        self.bytes_sent = len(wire)
        return Outgoing(self._wire_headers(encoded), wire)

    def _encode_body(self, allow_delta: bool) -> tuple[bytes, bool]:
        body = self.full
        self.base_hash = None
        settings = self._client.settings
        if not body or not settings.compress_requests or self.kind in (Kind.MEDIA, Kind.EMPTY, Kind.SSE):
            return body, False
        if self.kind is Kind.TEXT:
            wire = bodies.encode_bytes(body)
            return (wire, True) if len(wire) < len(body) else (body, False)
        algorithm = self._algorithm()
        if algorithm == "none":
            return body, False
        stateless: bytes | None = None
        deltas = self._client.deltas
        if allow_delta and self._delta_ok and deltas is not None:
            assert self.scope is not None
            if self._client.keeps_bases(self.scope):
                delta = deltas.encode(body, scope=self.scope, binary=True)
                if delta is not None:
                    assert isinstance(delta, bytes)
                    if len(delta) > _CLEAR_WIN * len(body):
                        stateless = bodies.encode_json(body, algorithm)
                    if stateless is None or len(delta) < len(stateless):
                        self.base_hash = parse_delta(delta).base_hash
                        self._client.deltas_sent += 1
                        return delta, True
        wire = stateless if stateless is not None else bodies.encode_json(body, algorithm)
        return (wire, True) if len(wire) < len(body) else (body, False)

    def _algorithm(self) -> str:
        decision = self._decision
        if decision is not None and decision.strategy is not router.Strategy.SKIP:
            return decision.algorithm
        # Skip is a rule on prompt tokens; on the wire only bytes count, and an encoding is sent only
        # when it is smaller, so a skipped request is still encoded by its size (an image request of
        # a dozen tokens is megabytes; a short chat request still halves with the dictionary).
        settings = self._client.settings
        return router.choose_algorithm(
            len(self.full), kind="json", small_payload_bytes=settings.router.small_payload_bytes
        )

    def _wire_headers(self, encoded: bool) -> Headers:
        settings = self._client.settings
        tunnel: Headers = [(ACCEPT, self._client.accept.encode("latin-1"))]
        if self._delta_ok:
            tunnel.append((DELTA, b"1"))
        out: Headers
        if settings.compact_heads:
            kept: Headers = []
            packed: Headers = []
            for name, value in self._headers:
                if name in CREDENTIALS or name in settings.tenant_headers or name in _REAL_FIELDS:
                    # Credentials are never compressed with other data; intermediaries (balancers)
                    # read the media type; the transport to the peer frames a streamed body by its
                    # length.
                    kept.append((name, value))
                    packed.append((_PLACEHOLDER, name))
                else:
                    packed.append((name, value))
            # The tunnel's own fields travel in the compact head too (the peer reads them there).
            out = kept
            out.append((HEAD, encode_head_text(packed + tunnel).encode("ascii")))
        else:
            out = [*self._headers, *tunnel]
        out.append((PROTOCOL, VERSION))
        if (self.full or self._streamed) and not encoded:
            out.append((ENCODING, IDENTITY))
        return out

    # -- receiving ----------------------------------------------------------------------------

    def response(self, status: int, headers: Headers) -> Literal["deliver", "read"]:
        """What to do with the peer's answer: deliver it, or read its (small) body first and call
        :meth:`refused`."""
        if get(headers, PROTOCOL) is None:
            if self.encoded and status in _GATEWAY_FAILURES:
                # A balancer or gateway between the peers answered for a peer that died, restarts
                # or cannot be reached; not a misconfiguration.
                error_type = UpstreamTimeoutError if status == 504 else UpstreamUnavailableError
                error = error_type(
                    f"a gateway between this proxy and its m2m peer answered {status}: the peer is "
                    "down, restarting or unreachable"
                )
                error.status = status
                raise error
            if self.encoded:
                raise PeerError(
                    f"the upstream answered {status} without X-M2M-Protocol: it is not an m2m proxy, so "
                    "it cannot read m2m-encoded requests (point --upstream at an m2m proxy, or use "
                    "--upstream-protocol openai for a standard upstream)"
                )
            return "deliver"
        if self.sent_delta and status in _REFUSED:
            return "read"
        return "deliver"

    def refused(self, status: int, body: bytes) -> Outgoing | None:
        """After ``response`` said "read": the request to resend in full when the peer refused the
        delta (once), or None when this is a real answer to deliver."""
        assert self.sent_delta and self.state == "sent"
        try:
            code = json.loads(body)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return None
        deltas = self._client.deltas
        assert deltas is not None and self.scope is not None and self.base_hash is not None
        if (status, code) == (UnknownFormatError.status, UnknownFormatError.code):
            self._client._learn(self.scope, False)  # until the peer says otherwise again
        elif (status, code) != (DeltaBaseUnknownError.status, DeltaBaseUnknownError.code):
            return None
        deltas.forget(self.base_hash, scope=self.scope)
        self._client.deltas_refused += 1
        self._client.full_resends += 1
        self.state = "resent"
        return self._outgoing(allow_delta=False)

    def transform(self, status: int, headers: Headers) -> tuple[Headers, Transform]:
        """The app's view of the peer's answer: its restored header list (no tunnel fields, no
        framing fields) and the transform that turns the peer's body into the upstream's bytes."""
        client = self._client
        self.state = "done"
        if get(headers, PROTOCOL) is None:  # not an m2m peer: a standard answer
            return without(headers, HOP_BY_HOP), Identity()
        keeps = (get(headers, DELTA) or b"").strip() == b"1"
        remember = keeps and self._delta_ok and self.scope is not None
        if self._delta_ok and self.scope is not None and (status < 300 or keeps):
            client._learn(self.scope, keeps)
        if remember:
            assert client.deltas is not None and self.scope is not None
            client.deltas.remember(self.full, scope=self.scope)
        packed = get(headers, HEAD)
        restored = (
            decode_head_text(packed, max_fields=_HEAD_FIELDS, max_bytes=_HEAD_BYTES)
            if packed is not None
            else without(strip(headers), HOP_BY_HOP)
        )
        encoding = get(headers, ENCODING)
        restored = without(strip(restored), (b"content-length", b"transfer-encoding"))
        if self.method == "HEAD" or status in _NO_BODY_STATUSES or status < 200:
            return restored, Identity()
        collect = remember and status < 300
        if encoding is None:
            return restored, Identity()
        name = encoding.decode("latin-1").strip().lower()
        if media_type(restored) == b"text/event-stream":
            collector = ReplyCollector() if collect else None
            events = decode_events(
                name,
                limits=self._client._event_limits,
                observe=collector.feed if collector is not None else None,
            )
            if collector is None:
                return restored, events
            return restored, _Finishing(events, lambda: self._keep_reply(collector.text()))
        limits = self._client._limits
        if name == BYTES:
            return restored, bodies.BytesIn(limit=None)

        def decode(wire: bytes) -> bytes:
            original, reply = decode_reply(wire, limits, collect)
            self._keep_reply(reply)
            return original

        def decode_within(wire: bytes, budget: int) -> bytes:
            if budget >= limits.max_decoded_bytes:
                return decode(wire)
            try:
                original, reply = decode_reply(wire, with_fields(limits, max_decoded_bytes=budget), collect)
            except LimitExceededError:
                raise OverBudget from None
            self._keep_reply(reply)
            return original

        def done(result: tuple[bytes, bytes | None]) -> bytes:
            self._keep_reply(result[1])
            return result[0]

        def job(wire: bytes) -> Job:
            return Job(decode_reply, (wire, limits, collect), {}, done)

        return restored, Buffered(
            decode, limit=limits.max_decoded_bytes, what="m2m response body", within=decode_within, job=job
        )

    def _keep_reply(self, reply: bytes | None) -> None:
        deltas = self._client.deltas
        if deltas is not None and self.scope is not None and reply:
            deltas.remember_reply(self.full, reply, scope=self.scope)


def decode_reply(wire: bytes, limits: Limits, collect: bool) -> tuple[bytes, bytes | None]:
    """A peer's buffered answer decoded, and (``collect``) the reply a later delta builds on: the
    work of a client exchange's response transform, as a function a worker process can run."""
    original = bodies.decode_body(wire, limits=limits) if wire else wire
    return original, reply_text(original) if collect else None


class _Finishing:
    """A transform that runs ``done`` once its input ended normally."""

    __slots__ = ("_done", "_inner")
    buffers = False

    def __init__(self, inner: Transform, done: Callable[[], None]) -> None:
        self._inner = inner
        self._done = done

    def feed(self, chunk: bytes) -> bytes:
        return self._inner.feed(chunk)

    def finish(self) -> bytes:
        out = self._inner.finish()
        self._done()
        return out

    def fail(self, error: object) -> bytes:
        return self._inner.fail(error)  # type: ignore[arg-type]
