"""The proxy's own endpoints: health, readiness, stats, metrics, and the codec for debugging.

``/health`` is liveness: cheap, always answered. ``/ready`` is readiness: whether the upstream
answers (503 when not, so a balancer stops sending to a replica that cannot serve), and whether
the delta store does (reported; a 503 only with ``[proxy.delta] store_required``, since without
the store a replica still serves, sending turns in full). With an admin token set, everything but
``/health`` needs it, and ``/health`` says no more than "ok" to a caller without it.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from m2m import __version__
from m2m.config import Config
from m2m.errors import M2MError, RequestError
from m2m.headers import content_length, get
from m2m.proxy.http import JSON, BodyBudget, Receive, Scope, Send, read_body, send_bytes
from m2m.proxy.offload import Offload
from m2m.proxy.upstream import Upstream
from m2m.stats import Stats
from m2m.store import DeltaStore

__all__ = ["LocalEndpoints", "UnauthorizedError"]

# Seconds a readiness answer is reused: a balancer probing every second must not become load.
_READY_TTL = 2.0
# Seconds the readiness probe of the upstream may take.
_PROBE_TIMEOUT = 2.0
# Texts longer than this get an estimated token count on /v1/compress.
_EXACT_TOKENS_CHARS = 1024 * 1024

Handler = Callable[[Scope, Receive, Send], Awaitable[int]]


class UnauthorizedError(M2MError):
    status = 401
    openai_error_type = "invalid_request_error"
    code = "m2m_admin_token_required"


class LocalEndpoints:
    def __init__(
        self,
        config: Config,
        *,
        stats: Stats,
        upstream: Callable[[], Upstream],
        store: Callable[[], DeltaStore | None],
        upstream_root: str,
        auth: bytes | None,
        budget: BodyBudget,
        offload: Offload,
    ) -> None:
        proxy = config.proxy
        self._config = config
        self._stats = stats
        self._upstream = upstream
        self._store = store
        self._probe_url = upstream_root + ("/health" if proxy.upstream_protocol == "m2m" else "/v1/models")
        self._auth = auth
        self._budget = budget
        self._offload = offload
        self._max_body = proxy.max_body_bytes
        self._body_timeout = proxy.limits.body_timeout
        self._token = proxy.admin.token.encode() if proxy.admin.token else None
        self._store_required = proxy.delta.store_required
        self._health_full = json.dumps(
            {
                "status": "ok",
                "version": __version__,
                "upstream": proxy.upstream_host,
                "upstream_protocol": proxy.upstream_protocol,
                "security": proxy.security.enabled,
                "optimize": proxy.optimize,
                "pid": os.getpid(),
            }
        ).encode()
        self._health_min = b'{"status":"ok"}'
        self._ready: tuple[float, int, bytes] | None = None
        self._ready_lock: asyncio.Lock | None = None
        routes: dict[tuple[str, str], Handler] = {}
        for prefix in ("", "/_m2m"):
            routes[("GET", f"{prefix}/health")] = self._get_health
            routes[("GET", f"{prefix}/ready")] = self._admin(self._get_ready)
            routes[("GET", f"{prefix}/stats")] = self._admin(self._get_stats)
            routes[("GET", f"{prefix}/metrics")] = self._admin(self._get_metrics)
        if proxy.admin.codec_endpoints:
            for prefix in ("/v1", "/_m2m"):
                routes[("POST", f"{prefix}/compress")] = self._admin(self._post_compress)
                routes[("POST", f"{prefix}/decompress")] = self._admin(self._post_decompress)
        self.routes = routes
        self.paths = frozenset(path for _, path in routes)

    def _authorized(self, scope: Scope) -> bool:
        if self._token is None:
            return True
        headers = scope["headers"]
        given = get(headers, b"x-m2m-admin-token")
        if given is None:
            auth = get(headers, b"authorization") or b""
            given = auth[7:] if auth[:7].lower() == b"bearer " else None
        return given is not None and hmac.compare_digest(given, self._token)

    def _admin(self, handler: Handler) -> Handler:
        async def guarded(scope: Scope, receive: Receive, send: Send) -> int:
            if not self._authorized(scope):
                raise UnauthorizedError("this endpoint needs the proxy's admin token")
            return await handler(scope, receive, send)

        return guarded

    async def _get_health(self, scope: Scope, receive: Receive, send: Send) -> int:
        body = self._health_full if self._authorized(scope) else self._health_min
        return await send_bytes(send, 200, body, JSON)

    async def _get_ready(self, scope: Scope, receive: Receive, send: Send) -> int:
        now = time.monotonic()
        cached = self._ready
        if cached is None or now - cached[0] > _READY_TTL:
            if self._ready_lock is None:
                self._ready_lock = asyncio.Lock()
            async with self._ready_lock:
                cached = self._ready
                if cached is None or time.monotonic() - cached[0] > _READY_TTL:
                    status, body = await self._check()
                    cached = self._ready = (time.monotonic(), status, body)
        return await send_bytes(send, cached[1], cached[2], JSON)

    async def _check(self) -> tuple[int, bytes]:
        upstream_ok, detail = await self._probe()
        store = self._store()
        store_ok = True
        if store is not None:
            try:
                store_ok = await store.ping()
            except Exception:  # a store client must never raise; if it does, it is not ready
                store_ok = False
        # The store only saves bytes (a miss is a full send), so by default a replica whose store is
        # down still serves: it says so, and stays in the balancer.
        ready = upstream_ok and (store_ok or not self._store_required)
        body = {
            "ready": ready,
            "upstream": "ok" if upstream_ok else detail,
            "store": "ok" if store_ok else "unreachable",
        }
        return (200 if ready else 503), json.dumps(body).encode()

    async def _probe(self) -> tuple[bool, str]:
        headers = [(b"accept", b"application/json")]
        if self._auth is not None:
            headers.append((b"authorization", self._auth))
        try:
            async with asyncio.timeout(_PROBE_TIMEOUT):
                resp = await self._upstream().request(
                    "GET", self._probe_url, headers, b"", timeout=_PROBE_TIMEOUT
                )
                await resp.aclose()
        except (M2MError, TimeoutError) as exc:
            return False, getattr(exc, "message", "timed out")
        # Any HTTP answer means the upstream is there; 5xx means it cannot serve.
        return (resp.status < 500), f"answered {resp.status}"

    async def _get_stats(self, scope: Scope, receive: Receive, send: Send) -> int:
        snapshot = self._stats.snapshot()  # counts summed over every worker
        store = self._store()
        if store is not None:
            # Latencies are this process's own (percentiles do not add up across workers).
            own = store.stats.snapshot()
            snapshot["store"] = {
                **snapshot.get("store", {}),
                "latency_p50_ms": own["latency_p50_ms"],
                "latency_p99_ms": own["latency_p99_ms"],
            }
        return await send_bytes(send, 200, json.dumps(snapshot).encode(), JSON)

    async def _get_metrics(self, scope: Scope, receive: Receive, send: Send) -> int:
        return await send_bytes(send, 200, self._stats.metrics(), b"text/plain; version=0.0.4; charset=utf-8")

    async def _raw_body(self, scope: Scope, receive: Receive) -> tuple[bytes, int]:
        return await read_body(
            receive,
            content_length(scope["headers"]),
            limit=self._max_body,
            timeout=self._body_timeout,
            budget=self._budget,
        )

    async def _post_compress(self, scope: Scope, receive: Receive, send: Send) -> int:
        """Two shapes: ``{"data": <text or JSON>, "algorithm": "auto"}`` (ours), or the payload
        itself (the seed's API; ``?algorithm=`` picks the format). Both answers carry both sets of
        fields."""
        body, taken = await self._raw_body(scope, receive)
        query = scope.get("query_string", b"").decode("latin-1")
        try:
            # Parsing, encoding and counting a large document take a while: off the event loop,
            # in the worker process past ``offload_bytes``.
            if self._offload.wanted(len(body)):
                answer = await self._offload.run(compress_answer, body, query)
            else:
                answer = await asyncio.to_thread(compress_answer, body, query)
        finally:
            self._budget.give(taken)
        return await send_bytes(send, 200, answer, JSON)

    async def _post_decompress(self, scope: Scope, receive: Receive, send: Send) -> int:
        body, taken = await self._raw_body(scope, receive)
        try:
            # A few bytes of wire may decode to the whole limit: in the worker process (or a
            # thread, with ``offload_bytes = 0``), whatever the size.
            answer = await self._offload.run(decompress_answer, body, self._max_body)
        finally:
            self._budget.give(taken)
        return await send_bytes(send, 200, answer, JSON)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise RequestError("request body is not valid JSON") from None


def compress_answer(body: bytes, query: str) -> bytes:
    """The answer of ``POST /v1/compress`` to ``body`` (a job for the worker process)."""
    from m2m.codec import compress, detect

    request = _json(body)
    algorithm: Any = "auto"
    if (
        isinstance(request, dict)
        and set(request) <= {"data", "text", "algorithm"}
        and ("data" in request or "text" in request)
    ):
        data = request.get("data", request.get("text"))
        algorithm = request.get("algorithm", "auto")
    else:
        data = request
        for part in query.split("&"):
            name, _, value = part.partition("=")
            if name == "algorithm" and value:
                algorithm = value
    if not isinstance(algorithm, str):
        raise RequestError("algorithm must be a string")
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    wire = compress(text, algorithm)
    assert isinstance(wire, str)
    original_tokens, compressed_tokens = _tokens(text), _tokens(wire)
    original, encoded = len(text.encode()), len(wire.encode())
    answer = {
        "compressed": wire,
        "original_tokens": original_tokens,
        "compressed_tokens": compressed_tokens,
        "tokens_saved": original_tokens - compressed_tokens,
        "algorithm": detect(wire) or "none",
        "wire": wire,
        "original_bytes": original,
        "wire_bytes": encoded,
        "ratio": round(encoded / original, 4) if original else 1.0,
    }
    return json.dumps(answer, ensure_ascii=False).encode()


def decompress_answer(body: bytes, max_body: int) -> bytes:
    """The answer of ``POST /v1/decompress`` to ``body`` (a job for the worker process)."""
    from m2m.codec import Limits, decompress, detect

    request = _json(body)
    wire = request.get("wire", request.get("compressed")) if isinstance(request, dict) else None
    if not isinstance(wire, str):
        raise RequestError('expected {"wire": "<m2m wire string>"} (or {"compressed": ...})')
    text = decompress(wire, limits=Limits(max_decoded_bytes=max_body))
    return json.dumps({"algorithm": detect(wire) or "none", "data": text}, ensure_ascii=False).encode()


def _tokens(text: str) -> int:
    from m2m.tokenizer import count_tokens

    if len(text) > _EXACT_TOKENS_CHARS:
        return len(text) // 4
    return int(count_tokens(text))
