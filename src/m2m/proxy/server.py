"""Serving the proxy app: one process, N worker processes, or a background thread (demo, tests).

HTTP/1.1 runs on uvicorn with httptools and uvloop (when installed). ``--workers N`` uses
uvicorn's multiprocess supervisor: the parent binds the socket and N spawned workers accept on it;
metrics are shared through ``prometheus_client``'s multiprocess files in a per-run temporary
directory that is removed at exit. QUIC is served by :mod:`m2m.transport.quic`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from m2m.config import Config, as_env, load
from m2m.errors import ConfigError, M2MError

__all__ = ["BackgroundServer", "serve", "worker_app"]

_METRICS_ENV = "M2M_METRICS_DIR"


def _uvicorn_options(log_level: str) -> dict[str, Any]:
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:  # pragma: no cover - Windows
        loop = "asyncio"
    return {
        "http": "httptools",
        "loop": loop,
        "lifespan": "on",
        "access_log": False,  # the proxy logs method, path, status and latency itself (debug level)
        "server_header": False,  # the upstream's Server and Date headers pass through instead
        "date_header": False,
        "proxy_headers": False,  # client addresses are not used; skips a middleware per request
        "log_level": log_level,
        "timeout_keep_alive": 75,  # longer than typical load-balancer idle timeouts (60 s)
        "backlog": 2048,
    }


def worker_app() -> Any:
    """App factory for worker processes: the parent hands the config over in ``M2M_*`` variables."""
    import logging

    from m2m.proxy.app import create_app

    config = load(env=os.environ, path=os.devnull)
    logging.basicConfig(
        level=config.proxy.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return create_app(config)


def bind_tcp(host: str, port: int) -> socket.socket:
    # Bound here rather than by uvicorn, whose bind failure is a sys.exit() from inside the loop;
    # inheritable so that worker processes can serve the same socket.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", key="proxy.port"
        ) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(config: Config, *, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted (blocks)."""
    proxy = config.proxy
    if proxy.transport.transport != "tcp":
        try:
            from m2m.transport.quic import serve as serve_quic
        except ImportError as exc:
            raise M2MError(f"QUIC transport is not available: {exc}") from None
        from m2m.proxy.app import create_app

        serve_quic(lambda: create_app(config), config)
        return
    import uvicorn

    sock = bind_tcp(proxy.host, proxy.port)
    options = _uvicorn_options(proxy.log_level)
    if on_ready is not None:
        on_ready(f"http://{proxy.host}:{sock.getsockname()[1]}")
    if proxy.workers == 1:
        from m2m.proxy.app import create_app

        uv_config = uvicorn.Config(create_app(config), **options)
        server = uvicorn.Server(uv_config)
        server.run(sockets=[sock])
        return
    metrics_dir = tempfile.mkdtemp(prefix="m2m-metrics-")
    saved = dict(os.environ)
    try:
        os.environ.update(as_env(config))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        os.environ[_METRICS_ENV] = metrics_dir
        uv_config = uvicorn.Config(
            "m2m.proxy.server:worker_app", factory=True, workers=proxy.workers, **options
        )
        from uvicorn.supervisors import Multiprocess

        Multiprocess(uv_config, sockets=[sock]).run()
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(metrics_dir, ignore_errors=True)
        sock.close()


class BackgroundServer:
    """An ASGI app under uvicorn in a daemon thread on a free loopback port; stops on ``stop()``."""

    def __init__(
        self, app: Any, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"
    ) -> None:
        import uvicorn

        self._sock = bind_tcp(host, port)
        self.host = host
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        options = _uvicorn_options(log_level)
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
