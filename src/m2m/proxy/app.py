"""The proxy as a framework-free ASGI 3 application: routing and lifespan.

A request is routed once: a local endpoint (:mod:`m2m.proxy.local`), or the one pipeline that
forwards every ``/v1/...`` route (:mod:`m2m.proxy.pipeline`). Errors become OpenAI's error JSON
(:func:`m2m.proxy.http.send_error`). The upstream client and the delta store come from the caller
(:mod:`m2m.cli.proxy` wires them from :mod:`m2m.transport` and :mod:`m2m.store`).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable
from typing import Any

from m2m.config import Config
from m2m.errors import M2MError, RequestError
from m2m.proxy.http import ClientGone, Receive, Scope, Send, error_body, send_bytes, send_error
from m2m.proxy.local import LocalEndpoints
from m2m.proxy.pipeline import Pipeline, default_auth, upstream_root
from m2m.proxy.routes import MethodNotAllowedError, NotFoundError, Route, classify, normalise
from m2m.proxy.upstream import Upstream
from m2m.stats import FLUSH_SECONDS, Stats
from m2m.store import DeltaStore

__all__ = ["ProxyApp", "create_app"]

_log = logging.getLogger("m2m.proxy")

UpstreamFactory = Callable[[], Upstream]
# Forwarded (method, path) pairs whose routing is remembered.
_ROUTE_CACHE = 1024
StoreFactory = Callable[[], DeltaStore]


class ProxyApp:
    """ASGI application. ``upstream`` builds the upstream client inside the running loop (at
    startup); ``store`` builds the delta store (default: in this process's memory)."""

    def __init__(
        self,
        config: Config,
        *,
        upstream: UpstreamFactory,
        store: StoreFactory | None = None,
        stats: Stats | None = None,
        metrics_dir: str | None = None,
    ) -> None:
        self.config = config
        proxy = config.proxy
        self.stats = stats or Stats(multiprocess_dir=metrics_dir)
        self._make_upstream = upstream
        self._make_store = store or _configured_store(config)
        self._upstream: Upstream | None = None
        self._store: DeltaStore | None = None
        self._flusher: asyncio.Task[None] | None = None
        self.pipeline = Pipeline(config, stats=self.stats, upstream=self.upstream, store=self.store)
        self.local = LocalEndpoints(
            config,
            stats=self.stats,
            upstream=self.upstream,
            store=self.store,
            upstream_root=upstream_root(proxy.upstream),
            auth=default_auth(proxy),
            budget=self.pipeline._budget,
            offload=self.pipeline.offload,
        )
        self._methods = frozenset(proxy.routes.methods)
        self._prefixes = proxy.routes.prefixes
        # With a separate admin listener, the proxy's port answers /health only (minimal).
        self._serve_local = proxy.admin.listen is None
        self.admin = _AdminApp(self)
        self._route_cache: dict[tuple[str, bytes], Route] = {}

    # -- parts built in the running loop ----------------------------------------------------------

    def upstream(self) -> Upstream:
        if self._upstream is None:  # servers that skip lifespan (some test transports)
            self._upstream = self._make_upstream()
        return self._upstream

    def store(self) -> DeltaStore:
        if self._store is None:
            self._store = self._make_store()
            self.stats.track_store(self._store.stats.snapshot)
        return self._store

    # -- ASGI entry ---------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send, local=self._serve_local)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            await _refuse_websocket(scope, send)

    async def _http(
        self, scope: Scope, receive: Receive, send: Send, *, local: bool, forward: bool = True
    ) -> None:
        started = time.perf_counter()
        method: str = scope["method"]
        status = 500
        path = "?"
        try:
            raw: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
            if raw == b"*" and method == "OPTIONS":
                allow = ", ".join(sorted(self._methods)).encode()
                status = await send_bytes(send, 200, b"", b"text/plain", [(b"allow", allow)])
                return
            cached = self._route_cache.get((method, raw))
            if cached is not None:
                status = await self.pipeline.handle(scope, receive, send, cached)
                return
            path = normalise(raw)
            handler = self.local.routes.get((method, path))
            if handler is not None and (local or path in ("/health", "/_m2m/health")):
                status = await handler(scope, receive, send)
                return
            if path in self.local.paths or path.startswith("/_m2m/"):
                if not local:
                    raise NotFoundError(f"no route for {path} here (see the admin listener)")
                error = MethodNotAllowedError(f"method {method} not allowed on {path}")
                raise error
            if not forward:
                raise NotFoundError(f"no route for {path} on the admin listener")
            if method not in self._methods:
                error = MethodNotAllowedError(f"method {method} is not forwarded by this proxy")
                error.allow = ", ".join(sorted(self._methods))  # type: ignore[attr-defined]
                raise error
            route = classify(method, path, prefixes=self._prefixes)
            if forward and local and raw == route.path.encode():
                # Clients repeat a few paths: remember how they route (bounded; cleared when full).
                if len(self._route_cache) >= _ROUTE_CACHE:
                    self._route_cache.clear()
                self._route_cache[(method, raw)] = route
            status = await self.pipeline.handle(scope, receive, send, route)
        except ClientGone:
            status = 499  # nginx's "client closed request"
        except M2MError as exc:
            status = await send_error(send, exc)
            self.stats.record(status, time.perf_counter() - started)
        except (RecursionError, UnicodeError) as exc:
            status = await send_error(send, RequestError(f"malformed request: {type(exc).__name__}"))
            self.stats.record(status, time.perf_counter() - started)
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("%s %s: internal error", method, path)
            status = await send_error(send, M2MError("internal proxy error"))
            self.stats.record(status, time.perf_counter() - started)
        finally:
            if _log.isEnabledFor(logging.DEBUG):
                _log.debug("%s %s %d %.2fms", method, path, status, (time.perf_counter() - started) * 1000)

    # -- lifespan -----------------------------------------------------------------------------

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
        from m2m.tokenizer import CL100K, O200K, get_encoding, set_llama3_vocab

        if self.config.tokenizer.llama3_vocab:
            set_llama3_vocab(self.config.tokenizer.llama3_vocab)
        # Load the BPE tables now, not on the first request (about 0.5 s each).
        for name in (O200K, CL100K):
            get_encoding(name)
        if self.config.proxy.security.enabled:  # the scanner builds its tables on first use
            from m2m.security import scan_request

            scan_request({"messages": [{"role": "user", "content": "hi"}]}, route="chat", blocking=False)
        # A full collection walks the large vocabulary tables (about 20 ms, a p99 spike on a busy
        # proxy); what exists after startup lives as long as the process, so keep it out of GC.
        gc.collect()
        gc.freeze()
        self.upstream()
        self.store()
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush_forever())

    async def shutdown(self) -> None:
        self.pipeline.close()
        if self._flusher is not None:
            self._flusher.cancel()
            self._flusher = None
        self.stats.flush()
        if self._upstream is not None:
            await self._upstream.aclose()
            self._upstream = None
        if self._store is not None:
            await self._store.aclose()
            self._store = None
            self.stats.track_store(None)

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            self.stats.flush()


class _AdminApp:
    """The local endpoints alone, for a separate admin listener (``[proxy.admin] listen``)."""

    def __init__(self, app: ProxyApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._app._http(scope, receive, send, local=True, forward=False)


async def _refuse_websocket(scope: Scope, send: Send) -> None:
    error = NotFoundError("WebSocket endpoints (such as the Realtime API) are not proxied by m2m")
    error.status = 501
    if "websocket.http.response" in (scope.get("extensions") or {}):
        body = error_body(error)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "websocket.http.response.start", "status": error.status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
        return
    await send({"type": "websocket.close", "code": 1008, "reason": error.message[:120]})


def _configured_store(config: Config) -> StoreFactory:
    def make() -> DeltaStore:
        from m2m.store import make_store

        delta = config.proxy.delta
        return make_store(
            delta.store,
            ttl_seconds=max(delta.ttl_seconds, 1e-3),
            max_entries=max(delta.cache_entries, 1),
            max_bytes=delta.max_bytes,
            timeout=delta.store_timeout,
        )

    return make


def create_app(config: Config, *, upstream: UpstreamFactory, **kwargs: Any) -> ProxyApp:
    """The proxy ASGI app for ``config``."""
    return ProxyApp(config, upstream=upstream, **kwargs)
