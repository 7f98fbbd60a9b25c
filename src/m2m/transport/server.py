"""Serving an ASGI app over HTTP/1.1: one process, N worker processes, or a background thread.

HTTP/1.1 runs on uvicorn with httptools and uvloop (when installed), behind the head limits of
:mod:`m2m.transport.h1server`. ``workers > 1`` uses uvicorn's multiprocess supervisor: the parent
binds the socket and N spawned workers accept on it, each building its app from an import string
(the configuration travels in ``M2M_*`` variables). QUIC is served by :mod:`m2m.transport.quic`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from m2m.config import Config
from m2m.errors import ConfigError

__all__ = ["BackgroundServer", "bind_tcp", "raise_fd_limit", "serve_tcp", "uvicorn_options"]


def uvicorn_options(config: Config | None = None, *, workers: bool = False) -> dict[str, Any]:
    """uvicorn settings for the proxy: the limits of ``[proxy.limits]`` and a lean HTTP stack."""
    from m2m.config import LimitsConfig
    from m2m.transport.h1server import WORKER_PROTOCOL, bounds_of, guarded_protocol

    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:  # pragma: no cover - Windows
        loop = "asyncio"
    limits = config.proxy.limits if config is not None else LimitsConfig()
    log_level = config.proxy.log_level if config is not None else "warning"
    protocol: Any = WORKER_PROTOCOL if workers else guarded_protocol(**bounds_of(limits))
    return {
        "http": protocol,
        "loop": loop,
        "lifespan": "on",
        "access_log": False,  # the proxy logs method, path, status and latency itself (debug level)
        "server_header": False,  # the upstream's Server and Date headers pass through instead
        "date_header": False,
        "proxy_headers": False,  # client addresses are not used; skips a middleware per request
        "log_level": log_level,
        "timeout_keep_alive": limits.idle_timeout,
        "timeout_graceful_shutdown": limits.shutdown_grace,
        "limit_concurrency": limits.max_connections,
        "backlog": 2048,
    }


def raise_fd_limit(wanted: int) -> None:
    """Raise the soft file-descriptor limit towards ``wanted`` (within the hard limit), so
    ``max_connections`` connections plus upstream sockets fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def bind_tcp(host: str, port: int, *, key: str = "proxy.port") -> socket.socket:
    # Bound here rather than by uvicorn, whose bind failure is a sys.exit() from inside the loop;
    # inheritable so that worker processes can serve the same socket.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", key=key) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve_tcp(
    config: Config,
    app: Any,
    *,
    sock: socket.socket,
    worker_app: str | None = None,
    worker_env: Mapping[str, str] | None = None,
    admin: tuple[Any, socket.socket] | None = None,
) -> None:
    """Serve ``app`` on ``sock`` until interrupted (blocks). With ``workers > 1``, each worker
    builds its app from the import string ``worker_app`` (a factory), with ``worker_env`` set."""
    import uvicorn

    options = uvicorn_options(config, workers=config.proxy.workers > 1)
    raise_fd_limit(config.proxy.limits.max_connections * 2 + 256)
    if config.proxy.workers == 1:
        server = uvicorn.Server(uvicorn.Config(app, **options))
        if admin is None:
            server.run(sockets=[sock])
            return
        admin_options = {**options, "lifespan": "off"}
        admin_server = uvicorn.Server(uvicorn.Config(admin[0], **admin_options))

        async def both() -> None:
            admin_task = asyncio.ensure_future(admin_server.serve(sockets=[admin[1]]))
            try:
                await server.serve(sockets=[sock])
            finally:
                admin_server.should_exit = True
                await admin_task

        _run(both)
        return
    assert worker_app is not None, "workers need an app factory import string"
    from uvicorn.supervisors import Multiprocess

    saved = dict(os.environ)
    try:
        os.environ.update(worker_env or {})
        uv_config = uvicorn.Config(worker_app, factory=True, workers=config.proxy.workers, **options)
        Multiprocess(uv_config, sockets=[sock]).run()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _run(main: Callable[[], Any]) -> None:
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:  # pragma: no cover - Windows
        runner = asyncio.Runner()
    with runner:
        runner.run(main())


class BackgroundServer:
    """An ASGI app under uvicorn in a daemon thread on a free loopback port; stops on ``stop()``."""

    def __init__(
        self,
        app: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
        config: Config | None = None,
    ) -> None:
        import uvicorn

        self._sock = bind_tcp(host, port)
        self.host = host
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        options = uvicorn_options(config)
        options["log_level"] = log_level
        options["timeout_graceful_shutdown"] = 2
        self._server = uvicorn.Server(uvicorn.Config(app, **options))
        self._thread = threading.Thread(target=self._run, name=f"m2m-server-{self.port}", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            loop: asyncio.AbstractEventLoop
            try:
                import uvloop

                loop = uvloop.new_event_loop()
            except ImportError:  # pragma: no cover
                loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._server.serve(sockets=[self._sock]))
            loop.close()
        except BaseException as exc:  # reported by start()/stop()
            self._error = exc

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"server on port {self.port} failed to start: {self._error}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"server on port {self.port} did not start within {timeout} s")
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        with contextlib.suppress(OSError):
            self._sock.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
