"""Stateful M2M between peers: ``zstream`` SSE responses and conversation deltas for requests.

Both are negotiated; a peer that does not offer them gets the stateless formats.

- ``zstream``: a client lists it in ``X-M2M-Accept``; a streamed response is then encoded with one
  deflate context for the whole stream (:mod:`m2m.codec.stream`), answered with
  ``X-M2M-Encoding: zstream``. A stream that ends without the end marker is an error event, never a
  silently short answer.
- Deltas: a client that keeps bases marks its requests ``X-M2M-Delta: 1``; a server that keeps a
  :class:`~m2m.codec.delta.DeltaCache` caches those requests (and the reply it sent to each) and
  says so with ``X-M2M-Delta: 1`` on its responses. Only after that does the client send a request
  body as a delta (the binary form of :mod:`m2m.codec.delta`), and only when it is smaller than
  the stateless encoding. An unknown base is a 409 with code ``m2m_delta_base_unknown`` (and a
  peer too old to read deltas answers 400 ``m2m_unknown_format``); the client then resends the
  same request in full, so correctness never depends on the cache, on which replica answers or on
  a restart.

Caches are scoped by the request's Authorization value (hashed), so one caller's requests never
serve as another caller's base.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from m2m.codec.delta import (
    DeltaCache,
    DeltaEncoder,
    ReplyCollector,
    is_delta,
    parse_delta,
    reply_text,
    scope_of,
)
from m2m.codec.stream import FORMAT_NAME as STREAM_FORMAT
from m2m.codec.stream import StreamDecoder, StreamEncoder, is_stream_payload
from m2m.errors import DecodeError, DeltaBaseUnknownError, UnknownFormatError
from m2m.proxy.sse import Event

__all__ = [
    "DELTA_HEADER",
    "REFUSED_STATUSES",
    "STREAM_FORMAT",
    "BufferedResponse",
    "ClientExchange",
    "DeltaClient",
    "DeltaServer",
    "ServerExchange",
    "StreamEventDecoder",
    "StreamEventEncoder",
    "offers_stream",
    "use_stream",
]

DELTA_HEADER = "x-m2m-delta"
_DELTA_HEADER_B = DELTA_HEADER.encode()
# Default byte bound of the server's cache ([proxy.delta] max_bytes): a long agent conversation
# with tool schemas is hundreds of KiB per turn.
SERVER_CACHE_BYTES = 256 * 1024 * 1024
# The client side only needs the last turns of the conversations it is carrying right now.
CLIENT_CACHE_ENTRIES = 256
CLIENT_CACHE_BYTES = 64 * 1024 * 1024
# Statuses of a peer refusing a delta; the request is then sent again in full (see base_unknown).
REFUSED_STATUSES = (400, 409)
# zstream contexts alive at once per process (about 128 KiB each): past this, new streams get the
# stateless per-event encoding, so memory stays bounded however many streams are open or stalled.
MAX_LIVE_STREAMS = 1024
# A delta this much smaller than the JSON is sent without first computing the stateless form:
# no stateless format comes near it on chat requests, and computing one costs milliseconds.
_CLEAR_WIN = 0.1


def offers_stream(accept: str | None) -> bool:
    """True when an ``X-M2M-Accept`` value lists ``zstream`` with a non-zero q."""
    if not accept:
        return False
    for item in accept.split(","):
        name, *params = (p.strip().lower() for p in item.split(";"))
        if name != STREAM_FORMAT:
            continue
        for param in params:
            if param.startswith("q="):
                try:
                    return float(param[2:]) > 0
                except ValueError:
                    return False
        return True
    return False


def use_stream(accept: str | None) -> bool:
    """True when a streamed response to a request with this ``X-M2M-Accept`` should be ``zstream``:
    the peer offers it and this process has room for one more stream context."""
    return offers_stream(accept) and StreamEventEncoder.live < MAX_LIVE_STREAMS


class StreamEventEncoder:
    """Server side of a ``zstream`` response: one per stream (``wire.EventEncoder`` + ``finish``).

    ``live`` counts the encoders alive in this process; each holds about 128 KiB of deflate state
    until the stream ends (normally, by error or by a client going away).
    """

    __slots__ = ("_encoder",)
    live = 0

    def __init__(self) -> None:
        self._encoder: StreamEncoder | None = StreamEncoder()
        StreamEventEncoder.live += 1

    def encode(self, event: Event) -> bytes:
        assert self._encoder is not None
        return self._encoder.encode(event.raw)

    def finish(self) -> bytes:
        """The end-of-stream event (once; later calls give nothing); send it only when the
        upstream stream ended normally."""
        if self._encoder is None:
            return b""
        tail = self._encoder.close()
        self._release()
        return tail

    def _release(self) -> None:
        if self._encoder is not None:
            self._encoder = None
            StreamEventEncoder.live -= 1

    def __del__(self) -> None:
        # A stream that ended by error or disconnect never calls finish(); the relay drops the
        # encoder then, and CPython frees it at once.
        self._release()


class StreamEventDecoder:
    """Client side of a ``zstream`` response: gives back each upstream event's exact bytes.

    A plain ``event: error`` from the peer (its upstream failed mid-stream) is passed on as it
    came and ends the stream; anything else that is not the next frame is a
    :class:`~m2m.errors.DecodeError`.
    """

    __slots__ = ("_decoder", "_peer_error")

    def __init__(self, *, max_bytes: int) -> None:
        self._decoder = StreamDecoder(max_event_bytes=max_bytes)
        self._peer_error = False

    def decode(self, event: Event) -> bytes:
        if event.data is None:
            return b""  # a keep-alive comment of the hop itself, not part of the upstream stream
        if event.event == "error" and not self._peer_error and not is_stream_payload(event.data):
            self._peer_error = True
            return event.raw
        if self._peer_error:
            raise DecodeError("zstream: event after the peer's error event")
        return self._decoder.decode(event.data)

    def finish(self) -> None:
        """Raises :class:`~m2m.errors.DecodeError` if the stream was cut before its end marker
        (unless the peer already reported its own error)."""
        if not self._peer_error:
            self._decoder.finish()


def _header(headers: Iterable[tuple[Any, Any]], name: str) -> str | None:
    for key, value in headers:
        key_s = key.decode("latin-1") if isinstance(key, bytes) else key
        if key_s.lower() == name:
            return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return None


def _scope(headers: Iterable[tuple[Any, Any]]) -> str:
    return scope_of(_header(headers, "authorization"))


# -- server role ------------------------------------------------------------------------------------


class ServerExchange:
    """One request from a delta-capable client: what the server keeps of it."""

    __slots__ = ("_cache", "_collector", "_request", "scope")

    def __init__(self, cache: DeltaCache, scope: str) -> None:
        self._cache = cache
        self.scope = scope
        self._request: bytes | None = None
        self._collector: ReplyCollector | None = None

    def remember_request(self, body: bytes) -> None:
        self._request = body
        self._cache.put(body, scope=self.scope)

    def response_headers(self) -> list[tuple[bytes, bytes]]:
        return [(_DELTA_HEADER_B, b"1")]

    def reply_json(self, body: bytes) -> None:
        """Keep the reply of a JSON response; call before sending it, so the next turn finds it."""
        if self._request is not None:
            self._put_reply(reply_text(body))

    def feed_event(self, raw: bytes) -> None:
        if self._request is None:
            return
        if self._collector is None:
            self._collector = ReplyCollector()
        self._collector.feed(raw)

    def stream_done(self) -> None:
        """The upstream stream ended normally; call before sending the end marker."""
        if self._collector is not None:
            self._put_reply(self._collector.text())

    def _put_reply(self, text: bytes | None) -> None:
        if text:
            self._cache.put(text, scope=self.scope, request=False)


class DeltaServer:
    """Server role: resolves ``#D1|`` bodies and keeps recent requests of delta-capable clients."""

    def __init__(
        self,
        *,
        cache_entries: int,
        ttl_seconds: float,
        max_bytes: int = SERVER_CACHE_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache = (
            DeltaCache(max_entries=cache_entries, max_bytes=max_bytes, ttl_seconds=ttl_seconds, clock=clock)
            if cache_entries > 0 and ttl_seconds > 0
            else None
        )

    def exchange(self, headers: Iterable[tuple[Any, Any]]) -> ServerExchange | None:
        """The per-request state, or None when the client did not ask for deltas (or caching is off)."""
        if self.cache is None or (_header(headers, DELTA_HEADER) or "").strip() != "1":
            return None
        return ServerExchange(self.cache, _scope(headers))

    def decode(self, raw: bytes, headers: Iterable[tuple[Any, Any]], *, max_bytes: int) -> bytes | None:
        """The request a delta body stands for; None when ``raw`` is not a delta."""
        if not is_delta(raw):
            return None
        if self.cache is None:
            raise DeltaBaseUnknownError("this server keeps no delta bases; resend the request in full")
        return self.cache.decode(raw, scope=_scope(headers), max_output=max_bytes)


# -- client role ------------------------------------------------------------------------------------


class BufferedResponse:
    """An upstream response whose body was already read (``UpstreamResponse`` protocol)."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self._body = body

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        if self._body:
            yield self._body

    async def read(self) -> bytes:
        return self._body

    async def aclose(self) -> None:
        return None


class ClientExchange:
    """One request sent to a peer by the client role."""

    __slots__ = ("_client", "_collector", "_refused", "base_hash", "full", "scope")

    def __init__(self, client: DeltaClient, scope: str, full: bytes) -> None:
        self._client = client
        self.scope = scope
        self.full = full
        self.base_hash: str | None = None
        self._collector: ReplyCollector | None = None
        self._refused = False

    @property
    def sent_delta(self) -> bool:
        return self.base_hash is not None

    def encode(self, stateless: Callable[[], bytes]) -> bytes:
        """The body to send: a delta when the peer keeps bases and it is smaller, else ``stateless()``.
        After the peer refused a delta (:meth:`base_unknown`) it is always ``stateless()``."""
        wire: str | bytes | None = None
        self.base_hash = None
        if self._client.peer_keeps_bases and not self._refused:
            # Binary form: it travels as an HTTP body, like the stateless formats' binary forms.
            wire = self._client.encoder.encode(self.full, scope=self.scope, binary=True)
        if wire is not None and len(wire) > _CLEAR_WIN * len(self.full):
            fallback = stateless()
            if len(wire) >= len(fallback):
                return fallback
        if wire is None:
            return stateless()
        body = wire.encode("ascii") if isinstance(wire, str) else wire
        self.base_hash = parse_delta(body).base_hash
        return body

    def request_headers(self) -> list[tuple[str, str]]:
        return [(DELTA_HEADER, "1")]

    def sent(self) -> None:
        """The request reached the peer (delta or full): it is a base from now on."""
        self._client.encoder.remember(self.full, scope=self.scope)

    def learn(self, status: int, headers: Iterable[tuple[Any, Any]]) -> None:
        """Note whether the peer keeps bases, from the headers of a successful response."""
        if status < 300:
            self._client.peer_keeps_bases = (_header(headers, DELTA_HEADER) or "").strip() == "1"

    def base_unknown(self, status: int, body: bytes) -> bool:
        """True when the peer refused the delta (then resend ``full``): it lacks the base (409
        ``m2m_delta_base_unknown``), or it is an m2m peer that cannot read deltas at all (400
        ``m2m_unknown_format``, e.g. an older replica behind the same load balancer)."""
        if not self.sent_delta or status not in REFUSED_STATUSES:
            return False
        try:
            code = json.loads(body)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return False
        if (status, code) == (UnknownFormatError.status, UnknownFormatError.code):
            self._client.peer_keeps_bases = False  # until a peer says otherwise again
        elif (status, code) != (DeltaBaseUnknownError.status, DeltaBaseUnknownError.code):
            return False
        assert self.base_hash is not None
        self._client.encoder.forget(self.base_hash, scope=self.scope)
        self.base_hash = None
        self._refused = True
        return True

    def reply_json(self, body: bytes) -> None:
        self._client.encoder.remember_reply(self.full, reply_text(body), scope=self.scope)

    def feed_event(self, raw: bytes) -> None:
        if self._collector is None:
            self._collector = ReplyCollector()
        self._collector.feed(raw)

    def stream_done(self) -> None:
        if self._collector is not None:
            self._client.encoder.remember_reply(self.full, self._collector.text(), scope=self.scope)


class DeltaClient:
    """Client role: what this side sent to its peer, to send later turns as deltas."""

    def __init__(
        self,
        *,
        cache_entries: int = CLIENT_CACHE_ENTRIES,
        ttl_seconds: float = 600.0,
        max_bytes: int = CLIENT_CACHE_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enabled = cache_entries > 0 and ttl_seconds > 0
        self.encoder = DeltaEncoder(
            DeltaCache(
                max_entries=max(1, min(cache_entries, CLIENT_CACHE_ENTRIES)),
                max_bytes=max_bytes,
                ttl_seconds=max(ttl_seconds, 1e-3),
                clock=clock,
            )
        )
        # Learned from the peer's responses; a peer that never says so never gets a delta.
        self.peer_keeps_bases = False

    def exchange(self, headers: Iterable[tuple[Any, Any]], body: bytes) -> ClientExchange | None:
        if not self.enabled:
            return None
        return ClientExchange(self, _scope(headers), body)
