"""Server side of the tunnel: restore a peer's request, encode the answer for it.

Per request, :meth:`TunnelServer.exchange` gives a :class:`ServerExchange` (None for a standard
client). The adapter then:

1. forwards ``exchange.headers`` (the request's standard fields) instead of what it received;
2. asks ``exchange.wanted(body)`` for the bases a delta body names, fetches them from its store,
   and gets the request's original bytes from ``exchange.decode(body, found)``;
3. keeps ``exchange.keep(request)`` in its store when it is not empty;
4. sends the upstream's answer through ``exchange.response(...)``: the wire head and the transform
   for the body; once the body has gone through, it keeps ``exchange.reply()`` before the last bytes
   go out, so the peer's next turn can build on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace as with_fields

from m2m.codec import Limits, negotiate
from m2m.codec.delta import (
    DeltaWire,
    ReplyCollector,
    apply_delta,
    content_hash,
    is_delta,
    parse_delta,
    reply_text,
)
from m2m.codec.head import decode_head_text, encode_head_text
from m2m.codec.negotiation import parse_accept
from m2m.errors import CodecError, DeltaBaseUnknownError, LimitExceededError, RequestError
from m2m.headers import Headers, get, replace
from m2m.tunnel import body as bodies
from m2m.tunnel.body import Kind, kind_of
from m2m.tunnel.events import BINARY_STREAM, STREAM, encode_events
from m2m.tunnel.protocol import (
    ACCEPT,
    BYTES,
    DELTA,
    ENCODING,
    HEAD,
    HEAD_TOKEN,
    IDENTITY,
    PREFIX,
    PROTOCOL,
    VERSION,
    check_version,
    strip,
    tenant_scope,
)
from m2m.tunnel.transform import Buffered, Identity, Job, OverBudget, Transform

__all__ = ["ServerExchange", "ServerSettings", "TunnelServer"]

_LEGACY_CONTENT_TYPE = b"application/vnd.m2m"
_PLACEHOLDER = b"x-m2m-real"
_NO_BODY_STATUSES = frozenset({204, 304})
# Kept as real fields next to a compact head: balancers and buffering proxies between the peers
# read them.
_REAL_FIELDS = (b"content-type", b"x-accel-buffering", b"cache-control")
_UNKNOWN_BASE = (
    "this delta's base is not known here (evicted, expired, another replica, or not yours); "
    "resend the request in full"
)


@dataclass(frozen=True)
class ServerSettings:
    encode_responses: bool = True
    deltas: bool = True
    # Decoded size of a request, of a buffered response, of one event.
    max_request_bytes: int = 16 * 1024 * 1024
    max_response_bytes: int = 64 * 1024 * 1024
    max_event_bytes: int = 16 * 1024 * 1024
    # Stream contexts alive at once (zsse about 350 KB each, zstream 128 KiB); past this, streams get
    # a stateless format.
    max_live_streams: int = 1024
    tenant_headers: tuple[bytes, ...] = ()
    max_head_fields: int = 256
    max_head_bytes: int = 64 * 1024


class TunnelServer:
    def __init__(self, settings: ServerSettings = ServerSettings()) -> None:
        self.settings = settings
        self.live_streams = 0
        self._request_limits = Limits(max_decoded_bytes=settings.max_request_bytes)

    def exchange(self, headers: Headers) -> ServerExchange | None:
        """The tunnel state of a request with these fields; None for a standard client."""
        protocol = get(headers, PROTOCOL)
        if protocol is None and get(headers, ACCEPT) is None and get(headers, HEAD) is None:
            return None
        if protocol is not None:
            check_version(protocol)
        return ServerExchange(self, headers, marked=protocol is not None)

    def _release_stream(self) -> None:
        self.live_streams -= 1


def _same(body: bytes) -> bytes:
    return body


def rebuild(delta: DeltaWire, base: bytes, reply: bytes | None, limit: int) -> bytes:
    """A request rebuilt from its delta on ``base`` (and ``reply``), at most ``limit`` bytes."""
    try:
        return apply_delta(delta, base, reply=reply, max_output=limit)
    except LimitExceededError as exc:
        raise DeltaBaseUnknownError(_UNKNOWN_BASE) from exc
    except CodecError:
        # A delta that does not rebuild exactly gets the same answer as an unknown base: the
        # difference would confirm a guess at someone else's request.
        raise DeltaBaseUnknownError(_UNKNOWN_BASE) from None


class ServerExchange:
    def __init__(self, server: TunnelServer, wire: Headers, *, marked: bool) -> None:
        self._server = server
        settings = server.settings
        self.marked = marked
        self.headers, tunnel = self._restore(wire)
        accept = get(tunnel, ACCEPT)
        self.accept = accept.decode("latin-1") if accept is not None else None
        encoding = get(tunnel, ENCODING)
        if encoding is not None and encoding.strip().lower() != IDENTITY:
            raise RequestError(f"unknown X-M2M-Encoding {encoding.decode('latin-1')!r} on a request")
        self._identity = encoding is not None
        self.scope = tenant_scope(self.headers, settings.tenant_headers)
        self.keeps = (
            marked
            and settings.deltas
            and self.scope is not None
            and (get(tunnel, DELTA) or b"").strip() == b"1"
        )
        self._compact = bool(self.accept) and HEAD_TOKEN in _accepted(self.accept or "")
        self._delta: DeltaWire | None = None
        self._request: bytes | None = None
        self._reply: bytes | None = None

    def _restore(self, wire: Headers) -> tuple[Headers, Headers]:
        """The request's standard fields, and the tunnel's own (real ones, then packed ones)."""
        tunnel = [(name, value) for name, value in wire if name.startswith(PREFIX) and name != HEAD]
        packed = get(wire, HEAD)
        if packed is None:
            headers = strip(wire)
        else:
            settings = self._server.settings
            fields = decode_head_text(
                packed, max_fields=settings.max_head_fields, max_bytes=settings.max_head_bytes
            )
            real = strip(wire)
            placed: set[bytes] = set()
            headers = []
            for name, value in fields:
                if name == _PLACEHOLDER:
                    if value not in placed:  # every real field of that name, once, in its place
                        placed.add(value)
                        headers.extend(field for field in real if field[0] == value)
                elif name.startswith(PREFIX):
                    tunnel.append((name, value))
                else:
                    headers.append((name, value))
        if self.marked and get(headers, b"content-type") == _LEGACY_CONTENT_TYPE:
            headers = replace(headers, b"content-type", b"application/json")
        return headers, tunnel

    # -- the request --------------------------------------------------------------------------

    @property
    def encoded(self) -> bool:
        """True when a non-empty body of this request is in an m2m wire form."""
        return self.marked and not self._identity

    def wanted(self, body: bytes) -> list[str]:
        """Content hashes of the stored data a delta body builds on (empty: not a delta)."""
        if not self.encoded or not body or not is_delta(body):
            return []
        if self.scope is None or not self._server.settings.deltas:
            raise DeltaBaseUnknownError(_UNKNOWN_BASE)
        self._delta = delta = parse_delta(body)
        return [delta.base_hash] if delta.reply_hash is None else [delta.base_hash, delta.reply_hash]

    def decode(self, body: bytes, found: Sequence[bytes | None] = (), *, budget: int | None = None) -> bytes:
        """The request's original bytes; ``found`` holds what :meth:`wanted` named, in order (None
        for what the store did not have).

        ``budget``: decode at most that many bytes and raise :class:`OverBudget` past it, so that
        an adapter can decode small bodies where it is (its event loop) and only the large ones
        (a few compressed bytes can stand for megabytes) again with the full limit elsewhere:
        :meth:`decode_job` gives that work as a :class:`Job`."""
        if not self.encoded or not body:
            return body
        limit = self._server.settings.max_request_bytes
        if budget is None or budget >= limit:
            job = self.decode_job(body, found)
            return job.run(*job.args, **job.kwargs)  # type: ignore[no-any-return]
        job = self.decode_job(body, found, cap=budget)
        try:
            return job.run(*job.args, **job.kwargs)  # type: ignore[no-any-return]
        except (LimitExceededError, DeltaBaseUnknownError) as exc:
            if isinstance(exc, DeltaBaseUnknownError) and not isinstance(exc.__cause__, LimitExceededError):
                raise
            raise OverBudget from None

    def decode_job(self, body: bytes, found: Sequence[bytes | None] = (), *, cap: int | None = None) -> Job:
        """:meth:`decode` as a job (a picklable function and its arguments) to run elsewhere."""
        if not self.encoded or not body:
            return Job(_same, (body,), {})
        limit = self._server.settings.max_request_bytes if cap is None else cap
        delta = self._delta
        if delta is None:
            limits = self._server._request_limits
            if cap is not None:
                limits = with_fields(limits, max_decoded_bytes=cap)
            return Job(bodies.decode_body, (body,), {"limits": limits})
        base = found[0] if found else None
        reply = found[1] if len(found) > 1 else None
        if base is None or (delta.reply_hash is not None and reply is None):
            raise DeltaBaseUnknownError(_UNKNOWN_BASE)
        return Job(rebuild, (delta, base, reply, limit), {})

    def keep(self, request: bytes) -> list[tuple[str, bytes]]:
        """What to store of this request (its standard bytes) for later deltas."""
        if not self.keeps or not request:
            return []
        self._request = request
        return [(content_hash(request), request)]

    # -- the response -------------------------------------------------------------------------

    def response(self, status: int, headers: Headers, *, method: str) -> tuple[Headers, Transform]:
        """The wire head (fields) and body transform of the upstream's answer ``headers`` (hop-by-
        hop fields already removed by the caller)."""
        settings = self._server.settings
        kind = kind_of(headers)
        no_body = method == "HEAD" or status in _NO_BODY_STATUSES or status < 200
        encoding: str | None = None
        transform: Transform = Identity()
        collect = self._request is not None and status < 300 and not no_body
        if settings.encode_responses and self.accept and not no_body:
            encoding, transform = self._encoder(kind, collect)
        elif collect and kind is Kind.JSON:
            transform = Buffered(self._observed_json, limit=settings.max_response_bytes)
        if self._compact:
            out = [(name, value) for name, value in headers if name in _REAL_FIELDS]
            out.append((HEAD, encode_head_text(headers).encode("ascii")))
        else:
            out = list(headers)
        out.append((PROTOCOL, VERSION))
        if encoding is not None:
            out.append((ENCODING, encoding.encode("latin-1")))
        if self._request is not None:
            out.append((DELTA, b"1"))
        return out, transform

    def _encoder(self, kind: Kind, collect: bool) -> tuple[str | None, Transform]:
        settings = self._server.settings
        accept = self.accept
        assert accept is not None
        tokens = _accepted(accept)
        if kind is Kind.JSON:
            choice = negotiate(accept, binary_ok=True)
            if choice is None:
                return None, Identity()
            algorithm, binary = choice

            def encode(body: bytes) -> bytes:
                if collect:
                    self._collect_json(body)
                return bodies.encode_json(body, algorithm) if binary else _text_json(body, algorithm)

            return algorithm, Buffered(
                encode, limit=settings.max_response_bytes, what="upstream response body"
            )
        if kind is Kind.SSE:
            collector = ReplyCollector() if collect else None
            stateful = [t for t in (BINARY_STREAM, STREAM) if t in tokens]
            if stateful and self._server.live_streams < settings.max_live_streams:
                algorithm = stateful[0]
                self._server.live_streams += 1
                release = self._server._release_stream
            else:
                choice = negotiate(accept, binary_ok=False)
                if choice is None:
                    return None, Identity()
                algorithm = choice[0]
                release = _nothing

            def close() -> None:
                release()
                if collector is not None:
                    self._reply = collector.text()

            return algorithm, encode_events(
                algorithm,
                max_event_bytes=settings.max_event_bytes,
                observe=collector.feed if collector is not None else None,
                on_close=close,
            )
        if kind is Kind.TEXT and BYTES in tokens:
            return BYTES, bodies.BytesOut()
        return None, Identity()

    def _collect_json(self, body: bytes) -> None:
        self._reply = reply_text(body)

    def _observed_json(self, body: bytes) -> bytes:
        self._collect_json(body)
        return body

    def reply(self) -> list[tuple[str, bytes]]:
        """The reply to keep (its dictionary text for the peer's next delta), once the body went
        through the transform; empty when there is none."""
        reply, self._reply = self._reply, None
        if not reply:
            return []
        return [(content_hash(reply), reply)]


def _accepted(accept: str) -> set[str]:
    return {item.name for item in parse_accept(accept) if item.q > 0}


def _text_json(body: bytes, algorithm: str) -> bytes:
    from m2m.codec import compress

    wire = compress(body.decode("utf-8"), algorithm)
    assert isinstance(wire, str)
    return wire.encode("utf-8")


def _nothing() -> None:
    return None
