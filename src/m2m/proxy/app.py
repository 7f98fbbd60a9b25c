"""The proxy as a framework-free ASGI 3 application: ``create_app(config)``.

Standard clients get the upstream's bytes; M2M peers (see :mod:`m2m.proxy.wire`) get negotiated
encodings. Every failure becomes OpenAI's error JSON in :func:`_error_body`, the one place errors
are rendered; a failure after a stream has started becomes a final ``event: error`` SSE event.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from m2m import __version__
from m2m.config import Config
from m2m.errors import CodecError, M2MError, PayloadTooLargeError, RequestError
from m2m.proxy import adapters, stateful, wire
from m2m.proxy.sse import SSEParser, encode_event
from m2m.proxy.upstream import Upstream, UpstreamResponse, make_upstream
from m2m.stats import FLUSH_SECONDS, Stats

__all__ = ["ProxyApp", "create_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_log = logging.getLogger("m2m.proxy")

# RFC 9110 section 7.6.1: connection-specific fields never cross a proxy. Host and length are
# re-derived for the upstream connection.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "expect",  # the proxy has read (or is streaming) the body already
    }
)
_JSON = b"application/json"
# Bodies up to this size are read whole before forwarding (keeps Content-Length for upstreams
# that dislike chunked uploads); larger passthrough bodies are streamed.
_BUFFER_PASSTHROUGH = 256 * 1024


try:  # optional accelerator: 3-4x faster parsing of request bodies
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - the standard library does the same, slower
    _fast_loads = json.loads  # type: ignore[assignment]

_MONITOR_THRESHOLD = 0.8
_WATCH_AFTER = 0.05  # seconds before a request starts listening for its client's disconnect


class _ClientGone(Exception):
    """The client disconnected; nothing can be sent any more."""


class ProxyApp:
    """ASGI application. ``upstream``/``stats`` may be injected (tests, embedding)."""

    def __init__(
        self, config: Config, *, upstream: Upstream | None = None, stats: Stats | None = None
    ) -> None:
        self.config = config
        proxy = config.proxy
        self.stats = stats or Stats(multiprocess_dir=os.environ.get("M2M_METRICS_DIR") or None)
        self._upstream = upstream
        self._own_upstream = upstream is None
        self._root = _upstream_root(proxy.upstream)
        self._timeout = proxy.timeout
        self._max_body = proxy.max_body_bytes
        self._auth = f"Bearer {proxy.api_key}" if proxy.api_key else _basic_auth(proxy.upstream)
        self._client_role = proxy.upstream_protocol == "m2m"
        self._accept = (
            adapters.accept_header(proxy.compression.formats)
            if self._client_role and proxy.compression.responses
            else None
        )
        # Conversation deltas (m2m.proxy.stateful): the server side resolves them, the client
        # role sends them once its peer says it keeps bases.
        self._delta_server = stateful.DeltaServer(
            cache_entries=proxy.delta.cache_entries,
            ttl_seconds=proxy.delta.ttl_seconds,
            max_bytes=proxy.delta.max_bytes,
        )
        self._delta_client = (
            stateful.DeltaClient(cache_entries=proxy.delta.cache_entries, ttl_seconds=proxy.delta.ttl_seconds)
            if self._client_role and proxy.compression.requests
            else None
        )
        # [proxy.compression] responses = false: answer M2M clients in plain JSON/SSE too.
        self._encode_responses = proxy.compression.responses
        self._security = proxy.security if proxy.security.enabled else None
        self._optimize = proxy.optimize
        self._flusher: asyncio.Task[None] | None = None
        health = {
            "status": "ok",
            "version": __version__,
            "upstream": proxy.upstream_host,
            "upstream_protocol": proxy.upstream_protocol,
            "security": proxy.security.enabled,
            "optimize": proxy.optimize,
            "pid": os.getpid(),
        }
        self._health = json.dumps(health).encode()
        local: dict[tuple[str, str], Callable[[Scope, Receive, Send], Awaitable[int]]] = {}
        for prefix in ("", "/_m2m"):
            local[("GET", f"{prefix}/health")] = self._get_health
            local[("GET", f"{prefix}/stats")] = self._get_stats
            local[("GET", f"{prefix}/metrics")] = self._get_metrics
        for prefix in ("/v1", "/_m2m"):
            local[("POST", f"{prefix}/compress")] = self._post_compress
            local[("POST", f"{prefix}/decompress")] = self._post_decompress
        local[("POST", "/v1/chat/completions")] = self._chat
        self._routes = local
        self._local_paths = frozenset(path for _, path in local if not path.endswith("completions"))

    # -- ASGI entry ----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        else:  # websocket: not proxied
            await send({"type": "websocket.close", "code": 1003})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        path = scope["path"]
        handler = self._routes.get((scope["method"], path))
        status = 500
        try:
            if handler is not None:
                status = await handler(scope, receive, send)
            elif path in self._local_paths:
                status = await _send_error(send, RequestError(f"method not allowed on {path}", status=405))
            else:
                status = await self._passthrough(scope, receive, send, started)
        except _ClientGone:
            status = 499  # nginx's "client closed request"
        except M2MError as exc:
            status = await _send_error(send, exc)
            if status >= 500:
                _log.warning("%s %s -> %d: %s", scope["method"], path, status, exc.message)
            if handler is None:  # the chat handler records its own failures
                self.stats.record(status, time.perf_counter() - started)
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("%s %s: internal error", scope["method"], path)
            status = await _send_error(send, M2MError("internal proxy error"))
            self.stats.record(status, time.perf_counter() - started)
        finally:
            if _log.isEnabledFor(logging.DEBUG):
                elapsed = (time.perf_counter() - started) * 1000
                _log.debug("%s %s %d %.2fms", scope["method"], path, status, elapsed)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def startup(self) -> None:
        if self.config.tokenizer.llama3_vocab:
            from m2m.tokenizer import set_llama3_vocab

            set_llama3_vocab(self.config.tokenizer.llama3_vocab)
        # Load the BPE tables now, not on the first request (about 0.5 s each).
        adapters.warm_up()
        if self._security is not None:  # the scanner builds its tables on first use
            adapters.scan_request(
                {"messages": [{"role": "user", "content": "hi"}]}, threshold=0.8, blocking=False
            )
        # A full collection walks the large vocabulary tables (about 20 ms, a p99 spike on a busy
        # proxy); what exists after startup lives as long as the process, so keep it out of GC.
        gc.collect()
        gc.freeze()
        if self._upstream is None:
            self._upstream = make_upstream(self.config)
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush_forever())

    async def shutdown(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            self._flusher = None
        self.stats.flush()
        if self._upstream is not None and self._own_upstream:
            await self._upstream.aclose()
            self._upstream = None

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            self.stats.flush()

    def _get_upstream(self) -> Upstream:
        if self._upstream is None:  # servers that skip lifespan (e.g. some test transports)
            self._upstream = make_upstream(self.config)
        return self._upstream

    # -- local endpoints -----------------------------------------------------------------------

    async def _get_health(self, scope: Scope, receive: Receive, send: Send) -> int:
        return await _send_bytes(send, 200, self._health, _JSON)

    async def _get_stats(self, scope: Scope, receive: Receive, send: Send) -> int:
        return await _send_bytes(send, 200, json.dumps(self.stats.snapshot()).encode(), _JSON)

    async def _get_metrics(self, scope: Scope, receive: Receive, send: Send) -> int:
        body = self.stats.metrics()
        return await _send_bytes(send, 200, body, b"text/plain; version=0.0.4; charset=utf-8")

    async def _post_compress(self, scope: Scope, receive: Receive, send: Send) -> int:
        request = _parse_json(await self._read_body(scope, receive))
        data = request.get("data", request.get("text"))
        if data is None:
            raise RequestError('expected {"data": <text or JSON>, "algorithm": "auto"}')
        algorithm = request.get("algorithm", "auto")
        if not isinstance(algorithm, str):
            raise RequestError("algorithm must be a string")
        text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        wire_text = adapters.compress(text, algorithm)
        assert isinstance(wire_text, str)
        original = len(text.encode())
        encoded = len(wire_text.encode())
        body = {
            "algorithm": adapters.detect(wire_text) or "none",
            "wire": wire_text,
            "original_bytes": original,
            "wire_bytes": encoded,
            "ratio": round(encoded / original, 4) if original else 1.0,
        }
        return await _send_bytes(send, 200, json.dumps(body, ensure_ascii=False).encode(), _JSON)

    async def _post_decompress(self, scope: Scope, receive: Receive, send: Send) -> int:
        request = _parse_json(await self._read_body(scope, receive))
        wire_text = request.get("wire")
        if not isinstance(wire_text, str):
            raise RequestError('expected {"wire": "<m2m wire string>"}')
        text = adapters.decompress(wire_text, max_decoded_bytes=self._max_body)
        body = {"algorithm": adapters.detect(wire_text) or "none", "data": text}
        return await _send_bytes(send, 200, json.dumps(body, ensure_ascii=False).encode(), _JSON)

    # -- chat completions ----------------------------------------------------------------------

    async def _chat(self, scope: Scope, receive: Receive, send: Send) -> int:
        started = time.perf_counter()
        headers = scope["headers"]
        marked, accept = _m2m_request_headers(headers)
        if not self._encode_responses:
            accept = None
        raw = await self._read_body(scope, receive)
        try:
            return await self._chat_inner(scope, receive, send, started, headers, raw, marked, accept)
        except (M2MError, _ClientGone) as exc:
            status = exc.status if isinstance(exc, M2MError) else 499
            self.stats.record(status, time.perf_counter() - started, bytes_in=len(raw), bytes_out=len(raw))
            raise

    async def _chat_inner(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        started: float,
        headers: list[tuple[bytes, bytes]],
        raw: bytes,
        marked: bool,
        accept: str | None,
    ) -> int:
        peer = self._delta_server.exchange(headers) if marked else None
        delta_body = self._delta_server.decode(raw, headers, max_bytes=self._max_body) if marked else None
        if delta_body is not None:
            body = delta_body
        else:
            body = wire.decode_request_body(raw, max_bytes=self._max_body) if marked else raw
        if peer is not None:
            peer.remember_request(body)
        request = _parse_json(body)
        standard_len = len(body)  # the request in standard JSON, before --optimize
        if self._security is not None:
            self._scan(request)
        if self._optimize:
            optimized = adapters.optimize_request(request)
            if optimized is not None:
                request = optimized
                body = json.dumps(optimized, separators=(",", ":"), ensure_ascii=False).encode()
        stream = request.get("stream") is True

        out_headers = _forward_headers(headers, self._auth, chat=True)
        sent_body = body
        exchange = self._delta_client.exchange(out_headers, body) if self._delta_client else None
        if self._client_role:
            sent_body, out_headers = self._encode_for_peer(body, out_headers, exchange)
        url = self._root + _target(scope)

        upstream = self._get_upstream()
        watch = _DisconnectWatch(receive)
        try:
            # Counted before sending: with the per-text cache this costs a few microseconds, less
            # than running the upstream call as a separate task to overlap the two.
            tokens = adapters.count_prompt_tokens(request)
            resp = await (
                upstream.request("POST", url, out_headers, sent_body, timeout=self._timeout)
                if exchange is None
                else self._send_to_peer(upstream, url, out_headers, sent_body, exchange)
            )
            meta = _Meta(tokens, tokens, standard_len, len(sent_body))
            meta.peer, meta.exchange = peer, exchange
            if stream and _is_event_stream(resp.headers) and resp.status < 300:
                return await self._relay_stream(send, resp, started, meta, accept, watch)
            try:
                payload = await resp.read()
            finally:
                await resp.aclose()
            watch.stop()
            return await self._respond_json(send, resp, payload, started, meta, accept)
        except asyncio.CancelledError:
            if watch.fired:
                asyncio.current_task().uncancel()  # type: ignore[union-attr]
                raise _ClientGone from None
            raise
        finally:
            watch.stop()

    def _scan(self, request: dict[str, Any]) -> None:
        sec = self._security
        assert sec is not None
        # The seeds define threshold 0.0 as monitoring: scan at the default threshold, never block.
        monitor = not sec.blocking or sec.threshold == 0.0
        threshold = sec.threshold or _MONITOR_THRESHOLD
        try:
            result = adapters.scan_request(request, threshold=threshold, blocking=not monitor)
        except M2MError as exc:
            self.stats.record_scan(flagged=True, blocked=True)
            raise exc
        self.stats.record_scan(flagged=not result.safe, blocked=False)

    def _encode_for_peer(
        self, body: bytes, headers: list[tuple[str, str]], exchange: stateful.ClientExchange | None = None
    ) -> tuple[bytes, list[tuple[str, str]]]:
        compression = self.config.proxy.compression
        headers = [h for h in headers if h[0] != "content-type"]
        if compression.requests:
            full = body
            body = (
                exchange.encode(lambda: wire.encode_request_body(full))
                if exchange
                else wire.encode_request_body(body)
            )
            headers.append(("content-type", wire.CONTENT_TYPE))
            headers.append((wire.PROTOCOL, wire.PROTOCOL_VERSION))
        else:
            headers.append(("content-type", "application/json"))
        if self._accept:
            headers.append((wire.ACCEPT, self._accept))
        if exchange is not None:
            headers.extend(exchange.request_headers())
        return body, headers

    async def _send_to_peer(
        self,
        upstream: Upstream,
        url: str,
        headers: list[tuple[str, str]],
        body: bytes,
        exchange: stateful.ClientExchange,
    ) -> UpstreamResponse:
        """Send to the m2m peer; a delta whose base the peer lacks (409) is resent in full."""
        resp = await upstream.request("POST", url, headers, body, timeout=self._timeout)
        if exchange.sent_delta and resp.status in stateful.REFUSED_STATUSES:
            try:
                payload = await resp.read()
            finally:
                await resp.aclose()
            if not exchange.base_unknown(resp.status, payload):
                return stateful.BufferedResponse(resp.status, resp.headers, payload)
            full = wire.encode_request_body(exchange.full)
            resp = await upstream.request("POST", url, headers, full, timeout=self._timeout)
        if resp.status < 300:
            exchange.sent()
        exchange.learn(resp.status, resp.headers)
        return resp

    async def _respond_json(
        self,
        send: Send,
        resp: UpstreamResponse,
        payload: bytes,
        started: float,
        meta: _Meta,
        accept: str | None,
    ) -> int:
        status = resp.status
        headers = _response_headers(resp.headers)
        upstream_encoding = _find(resp.headers, wire.ENCODING)
        standard = payload
        if upstream_encoding is not None:
            decoder = wire.response_decoder(upstream_encoding, max_bytes=self._max_body)
            assert decoder is not None
            try:
                standard = decoder.decode_body(payload)
            except CodecError as exc:
                raise _peer_error(exc) from None
            headers = _replace_content_type(_without(headers, wire.ENCODING.encode()), _JSON)
        if status < 300:
            if meta.exchange is not None:
                meta.exchange.reply_json(standard)
            if meta.peer is not None:
                meta.peer.reply_json(standard)
                headers.extend(meta.peer.response_headers())
        sent = standard
        if accept and status < 300 and _is_json(headers):
            codec = wire.choose_response_codec(accept, stream=False)
            if codec is not None:
                sent = codec.encode_body(standard)
                headers = _replace_content_type(headers, wire.CONTENT_TYPE.encode())
                headers.append((wire.ENCODING.encode(), codec.header.encode()))
        headers.extend(meta.headers())
        headers.append((b"content-length", str(len(sent)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": sent})
        # The M2M side of this hop: the upstream link in client role, else the client link.
        m2m_side = len(payload) if upstream_encoding is not None else len(sent)
        self.stats.record(
            status,
            time.perf_counter() - started,
            bytes_in=meta.bytes_original + len(standard),
            bytes_out=meta.bytes_sent + m2m_side,
            tokens_original=meta.tokens_original,
            tokens_sent=meta.tokens_sent,
        )
        return status

    async def _relay_stream(
        self,
        send: Send,
        resp: UpstreamResponse,
        started: float,
        meta: _Meta,
        accept: str | None,
        watch: _DisconnectWatch,
    ) -> int:
        status = resp.status
        headers = _response_headers(resp.headers)
        upstream_encoding = _find(resp.headers, wire.ENCODING)
        decoder = None
        if upstream_encoding is not None:
            rd = wire.response_decoder(upstream_encoding, max_bytes=self._max_body)
            assert rd is not None
            decoder = rd.event_decoder()
            headers = _without(headers, wire.ENCODING.encode())
        encoder = None
        if accept:
            codec = wire.choose_response_codec(accept, stream=True)
            if codec is not None:
                encoder = codec.event_encoder()
                headers.append((wire.ENCODING.encode(), codec.header.encode()))
        headers = _without(headers, b"x-accel-buffering")
        headers.append((b"x-accel-buffering", b"no"))
        headers.extend(meta.headers())
        if meta.peer is not None:
            headers.extend(meta.peer.response_headers())
        replies = [r for r in (meta.peer, meta.exchange) if r is not None]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        self.stats.record(
            status,
            time.perf_counter() - started,
            bytes_in=meta.bytes_original,
            bytes_out=meta.bytes_sent,
            tokens_original=meta.tokens_original,
            tokens_sent=meta.tokens_sent,
        )
        parser = SSEParser()
        standard_bytes = 0
        wire_bytes = 0
        try:
            async for chunk in resp.aiter_bytes():
                events = parser.feed(chunk)
                if not events:
                    continue
                upstream_side = sum(len(e.raw) for e in events)
                if decoder is not None:
                    standard = [decoder.decode(e) for e in events]
                    standard_bytes += sum(len(b) for b in standard)
                    wire_bytes += upstream_side
                    out = b"".join(standard)
                else:
                    standard_bytes += upstream_side
                    out = b"".join(e.raw for e in events)
                    if encoder is not None:
                        out = b"".join(encoder.encode(e) for e in events)
                        wire_bytes += len(out)
                    else:
                        wire_bytes += upstream_side
                for reply in replies:
                    for original in standard if decoder is not None else [e.raw for e in events]:
                        reply.feed_event(original)
                await send({"type": "http.response.body", "body": out, "more_body": True})
            if parser.in_event():
                raise _MidStreamClose("upstream closed the stream in the middle of an event")
            if decoder is not None:
                decoder.finish()  # a peer's stream that was cut is an error, not an end
            for reply in replies:
                reply.stream_done()  # before the end marker: the peer's next turn may build on it
            tail = encoder.finish() if encoder is not None else b""
            if tail:
                wire_bytes += len(tail)
                await send({"type": "http.response.body", "body": tail, "more_body": True})
        except asyncio.CancelledError:
            raise
        except (M2MError, _MidStreamClose) as exc:
            error = exc if isinstance(exc, M2MError) else _upstream_cut(str(exc))
            if decoder is not None and isinstance(error, CodecError):
                error = _peer_error(error)
            _log.warning("stream ended by error: %s", error.message)
            self.stats.record(error.status, 0.0)
            watch.stop()
            await send({"type": "http.response.body", "body": _error_event(error), "more_body": False})
            return status
        finally:
            await resp.aclose()
            self.stats.add_bytes(standard_bytes, wire_bytes)
        watch.stop()
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return status

    # -- everything else: forwarded unchanged --------------------------------------------------

    async def _passthrough(self, scope: Scope, receive: Receive, send: Send, started: float) -> int:
        headers = scope["headers"]
        method = scope["method"]
        marked, _ = _m2m_request_headers(headers)
        length = _content_length(headers)
        out_headers = _forward_headers(headers, self._auth, chat=False)
        body: bytes | AsyncIterator[bytes]
        if marked:
            body = wire.decode_request_body(await self._read_body(scope, receive), max_bytes=self._max_body)
        elif length is not None and length <= _BUFFER_PASSTHROUGH:
            body = await self._read_body(scope, receive)
        else:
            body = _stream_body(receive)
            if length is not None:
                out_headers.append(("content-length", str(length)))
        url = self._root + _target(scope)
        resp = await self._get_upstream().request(method, url, out_headers, body, timeout=self._timeout)
        received = len(body) if isinstance(body, bytes) else 0
        watch = _DisconnectWatch(receive)  # the request body has been sent: receive() is free
        # SSE (e.g. /v1/responses with stream) is relayed event by event, so a failure can end it
        # with an error event; any other body that fails midway is cut, never completed.
        parser = SSEParser() if _is_event_stream(resp.headers) else None
        sent = 0
        try:
            headers_out = _response_headers(resp.headers, keep_length=True)
            if parser is not None:
                headers_out = [*_without(headers_out, b"x-accel-buffering"), (b"x-accel-buffering", b"no")]
            await send({"type": "http.response.start", "status": resp.status, "headers": headers_out})
            self.stats.record(
                resp.status, time.perf_counter() - started, bytes_in=received, bytes_out=received
            )
            async for chunk in resp.aiter_bytes():
                if parser is not None:
                    events = parser.feed(chunk)
                    if not events:
                        continue
                    chunk = b"".join(e.raw for e in events)
                sent += len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if parser is not None and parser.in_event():
                raise _MidStreamClose("upstream closed the stream in the middle of an event")
            watch.stop()
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except (M2MError, _MidStreamClose) as exc:
            error = exc if isinstance(exc, M2MError) else _upstream_cut(str(exc))
            _log.warning("%s %s: response ended by error: %s", method, scope["path"], error.message)
            self.stats.record(error.status, 0.0)
            watch.stop()
            if parser is not None:
                await send({"type": "http.response.body", "body": _error_event(error), "more_body": False})
            # otherwise return without completing: the server drops the connection, so the client
            # sees a cut response instead of a short one that looks whole
        except asyncio.CancelledError:
            if watch.fired:
                asyncio.current_task().uncancel()  # type: ignore[union-attr]
                raise _ClientGone from None
            raise
        finally:
            watch.stop()
            await resp.aclose()
            self.stats.add_bytes(sent, sent)
        return resp.status

    # -- helpers -------------------------------------------------------------------------------

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        limit = self._max_body
        length = _content_length(scope["headers"])
        if length is not None and length > limit:
            raise PayloadTooLargeError(f"request body of {length} bytes is over the {limit}-byte limit")
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        body: bytes = message.get("body", b"")
        if not message.get("more_body", False):
            if len(body) > limit:
                raise PayloadTooLargeError(f"request body is over the {limit}-byte limit")
            return body
        parts = [body]
        size = len(body)
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _ClientGone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise PayloadTooLargeError(f"request body is over the {limit}-byte limit")
            parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts)


class _Meta:
    """Token and byte figures of one chat request, for headers and stats."""

    __slots__ = ("bytes_original", "bytes_sent", "exchange", "peer", "tokens_original", "tokens_sent")

    def __init__(self, tokens_original: int, tokens_sent: int, bytes_original: int, bytes_sent: int) -> None:
        # Delta state of this request: as the peer's server (peer), as its client (exchange).
        self.peer: stateful.ServerExchange | None = None
        self.exchange: stateful.ClientExchange | None = None
        self.tokens_original = tokens_original
        self.tokens_sent = tokens_sent
        self.bytes_original = bytes_original
        self.bytes_sent = bytes_sent

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"x-m2m-tokens-original", str(self.tokens_original).encode()),
            (b"x-m2m-tokens-sent", str(self.tokens_sent).encode()),
            (b"x-m2m-tokens-saved", str(self.tokens_original - self.tokens_sent).encode()),
            (b"x-m2m-bytes-original", str(self.bytes_original).encode()),
            (b"x-m2m-bytes-sent", str(self.bytes_sent).encode()),
        ]


class _MidStreamClose(Exception):
    pass


class _DisconnectWatch:
    """Cancels the handler's task when the client goes away, so the upstream request is dropped.

    Listening for the disconnect takes a task; most answers come back before it would matter, so
    the task starts only once a request has been running for ``_WATCH_AFTER`` seconds.
    """

    __slots__ = ("_owner", "_receive", "_stopped", "_task", "_timer", "fired")

    def __init__(self, receive: Receive) -> None:
        self.fired = False
        self._stopped = False
        self._owner = asyncio.current_task()
        self._receive = receive
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = asyncio.get_running_loop().call_later(
            _WATCH_AFTER, self._start
        )

    def _start(self) -> None:
        self._timer = None
        if not self._stopped:
            self._task = asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                break
        if not self._stopped and self._owner is not None:
            self.fired = True
            self._owner.cancel()

    def stop(self) -> None:
        self._stopped = True
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()


def _peer_error(exc: CodecError) -> M2MError:
    """An M2M response from the upstream peer that does not decode is the upstream's fault."""
    from m2m.errors import UpstreamError

    return UpstreamError(f"the upstream m2m peer sent a response that does not decode: {exc.message}")


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"content-type":
            return b"json" in value.lower()
    return False


def _upstream_cut(message: str) -> M2MError:
    from m2m.errors import UpstreamUnavailableError

    return UpstreamUnavailableError(message)


def create_app(config: Config, **kwargs: Any) -> ProxyApp:
    """The proxy ASGI app for ``config``."""
    return ProxyApp(config, **kwargs)


# -- pure helpers -------------------------------------------------------------------------------


def _upstream_root(upstream: str) -> str:
    """The upstream URL without a trailing ``/v1``: incoming paths start with ``/v1`` already."""
    parts = urlsplit(upstream.rstrip("/"))
    path = parts.path.rstrip("/")
    if path.endswith("/v1"):
        path = path[:-3]
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def _basic_auth(upstream: str) -> str | None:
    """Credentials in the upstream URL become the default Authorization (never sent in the URL)."""
    parts = urlsplit(upstream)
    if parts.username is None:
        return None
    import base64
    from urllib.parse import unquote

    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def _target(scope: Scope) -> str:
    raw_path: bytes | None = scope.get("raw_path")
    path: str = raw_path.decode("latin-1") if raw_path else scope["path"]
    query: bytes = scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path


def _m2m_request_headers(headers: list[tuple[bytes, bytes]]) -> tuple[bool, str | None]:
    marked = False
    accept = None
    for name, value in headers:
        if name.startswith(b"x-m2m-"):
            if name == b"x-m2m-protocol":
                if value.strip() != b"1":
                    raise RequestError(f"unsupported X-M2M-Protocol {value.decode('latin-1')!r}; expected 1")
                marked = True
            elif name == b"x-m2m-accept":
                accept = value.decode("latin-1")
    return marked, accept


# A client sends the same headers on every request (same SDK, same key), so the filtered list is
# cached per distinct header set. Bounded: cleared when full.
_FORWARD_CACHE_ENTRIES = 1024
_forward_cache: dict[tuple[Any, ...], list[tuple[str, str]]] = {}


def _forward_headers(
    headers: list[tuple[bytes, bytes]], auth: str | None, *, chat: bool
) -> list[tuple[str, str]]:
    key = (chat, auth, *headers)
    cached = _forward_cache.get(key)
    if cached is None:
        cached = _filter_headers(headers, auth, chat=chat)
        if len(_forward_cache) >= _FORWARD_CACHE_ENTRIES:
            _forward_cache.clear()
        _forward_cache[key] = cached
    return list(cached)


def _filter_headers(
    headers: list[tuple[bytes, bytes]], auth: str | None, *, chat: bool
) -> list[tuple[str, str]]:
    drop = _HOP_BY_HOP
    for raw_name, raw_value in headers:
        if raw_name == b"connection":
            drop = drop | {t.strip().lower() for t in raw_value.decode("latin-1").split(",")}
    out: list[tuple[str, str]] = []
    has_auth = False
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1")
        if name in drop or name.startswith("x-m2m-"):
            continue
        if chat and name == "accept-encoding":
            continue
        if chat and name == "content-type":
            continue
        if name == "authorization":
            has_auth = True
        out.append((name, raw_value.decode("latin-1")))
    if chat:
        # The proxy reads chat responses (SSE framing, M2M), so it asks for them uncompressed.
        out.append(("accept-encoding", "identity"))
        out.append(("content-type", "application/json"))
    if not has_auth and auth is not None:
        out.append(("authorization", auth))
    return out


def _response_headers(
    headers: list[tuple[str, str]], *, keep_length: bool = False
) -> list[tuple[bytes, bytes]]:
    out = []
    for name, value in headers:
        low = name.lower()
        if low in _HOP_BY_HOP and not (keep_length and low == "content-length"):
            continue
        if low.startswith("x-m2m-") and not keep_length:  # a chained peer's figures: ours replace them
            continue
        out.append((low.encode("latin-1"), value.encode("latin-1")))
    return out


def _find(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _without(headers: list[tuple[bytes, bytes]], name: bytes) -> list[tuple[bytes, bytes]]:
    return [h for h in headers if h[0] != name]


def _replace_content_type(headers: list[tuple[bytes, bytes]], value: bytes) -> list[tuple[bytes, bytes]]:
    out = _without(headers, b"content-type")
    out.append((b"content-type", value))
    return out


def _is_event_stream(headers: list[tuple[str, str]]) -> bool:
    value = _find(headers, "content-type")
    return value is not None and value.lower().startswith("text/event-stream")


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                raise RequestError("invalid Content-Length header") from None
    return None


def _parse_json(body: bytes) -> dict[str, Any]:
    try:
        try:
            value = _fast_loads(body)
        except ValueError:  # orjson refuses what json accepts (integers over 64 bits): ask json
            value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestError(f"request body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise RequestError("request body must be a JSON object")
    return value


async def _stream_body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


def _error_body(exc: M2MError) -> bytes:
    return json.dumps(exc.to_openai(), ensure_ascii=False).encode()


def _error_event(exc: M2MError) -> bytes:
    return encode_event(_error_body(exc).decode(), event="error")


async def _send_error(send: Send, exc: M2MError) -> int:
    return await _send_bytes(send, exc.status, _error_body(exc), _JSON)


async def _send_bytes(send: Send, status: int, body: bytes, content_type: bytes) -> int:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
    return status
