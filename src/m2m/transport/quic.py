"""Serve one ASGI app over HTTP/3 (``--transport quic``) or HTTP/1.1 and HTTP/3 at once (``both``).

``serve(app_or_factory, config)`` blocks until SIGINT/SIGTERM and returns an exit code;
``serving(...)`` is the same as an async context manager for tests and embedders. In ``both`` mode
uvicorn serves HTTP/1.1 on ``proxy.port`` and every HTTP/1.1 response advertises the HTTP/3 port
with ``Alt-Svc`` (RFC 7838), so clients that speak HTTP/3 can switch. The application's lifespan
runs once, here, and both listeners hand the same lifespan state to each request.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from m2m.errors import ConfigError, M2MError
from m2m.transport.h3server import ASGIApp, H3Listener, QuicLimits, start_h3
from m2m.transport.server import bind_tcp, raise_fd_limit, uvicorn_options
from m2m.transport.tls import ServerCredentials, load_server_credentials

__all__ = ["Servers", "TransportSettings", "alt_svc", "serve", "serving", "settings"]

log = logging.getLogger("m2m.transport")

# How long clients may remember the HTTP/3 alternative (RFC 7838 §3 "ma"); a day, as common CDNs use.
_ALT_SVC_MAX_AGE = 86400
_SHUTDOWN_GRACE = 5.0
_DEFAULT_QUIC_PORT = 8443
_MIN_IDLE_TIMEOUT = 60.0


def alt_svc(app: ASGIApp, quic_port: int) -> ASGIApp:
    """Wrap ``app`` so that every response carries ``Alt-Svc: h3=":<quic_port>"``."""
    value = f'h3=":{quic_port}"; ma={_ALT_SVC_MAX_AGE}'.encode()

    async def wrapped(
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_alt_svc(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"alt-svc", value))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_alt_svc)

    return wrapped


def _with_state(app: ASGIApp, state: dict[str, Any]) -> ASGIApp:
    """Give uvicorn's requests the lifespan state that this module, not uvicorn, collected."""

    async def wrapped(
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope["type"] == "http":
            scope["state"] = dict(state)
        await app(scope, receive, send)

    return wrapped


def _resolve_app(app_or_factory: Any, config: Any) -> ASGIApp:
    try:
        params = [
            p
            for p in inspect.signature(app_or_factory).parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return cast(ASGIApp, app_or_factory)
    if len(params) == 3:  # (scope, receive, send): already an ASGI app
        return cast(ASGIApp, app_or_factory)
    app = app_or_factory(config) if len(params) == 1 else app_or_factory()
    return cast(ASGIApp, app)


class _Lifespan:
    """The ASGI lifespan protocol, run once for all listeners (uvicorn's ``lifespan="auto"``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._supported = True

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.3"}, "state": self.state}
        try:
            await self.app(scope, self._inbox.get, self._outbox.put)
        except Exception as exc:
            # An app that raises on the lifespan scope does not support it (ASGI lifespan spec).
            await self._outbox.put({"type": "_raised", "error": exc})
        else:
            # An app that simply returns has nothing to start or stop.
            await self._outbox.put({"type": "_returned"})

    async def _wait(self, expected: str) -> None:
        message = await self._outbox.get()
        kind = message["type"]
        if kind == "_returned":
            self._supported = False
            return
        if kind == "_raised":
            if expected == "lifespan.startup.complete":
                self._supported = False
                log.debug("the application does not support lifespan: %r", message["error"])
                return
            raise M2MError(f"application failed during shutdown: {message['error']}")
        if kind.endswith(".failed"):
            raise M2MError(f"application {expected.split('.')[1]} failed: {message.get('message', '')}")

    async def startup(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())
        await self._inbox.put({"type": "lifespan.startup"})
        await self._wait("lifespan.startup.complete")

    async def shutdown(self) -> None:
        if self._task is None:
            return
        if self._supported and not self._task.done():
            await self._inbox.put({"type": "lifespan.shutdown"})
            with contextlib.suppress(M2MError, TimeoutError):
                async with asyncio.timeout(_SHUTDOWN_GRACE):
                    await self._wait("lifespan.shutdown.complete")
        if not self._task.done():
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task


@dataclass(frozen=True, slots=True)
class TransportSettings:
    transport: str
    host: str
    port: int
    quic_port: int
    cert: str | None
    key: str | None
    allow_0rtt_unsafe: bool
    log_level: str
    timeout: float
    quic_limits: QuicLimits
    max_header_bytes: int
    max_headers: int
    shutdown_grace: float
    body_timeout: float


def settings(config: Any) -> TransportSettings:
    from m2m.config import LimitsConfig

    proxy = config.proxy
    t = proxy.transport
    limits = getattr(proxy, "limits", None) or LimitsConfig()
    return TransportSettings(
        transport=t.transport,
        host=proxy.host,
        port=proxy.port,
        quic_port=t.quic_port,
        cert=t.cert,
        key=t.key,
        allow_0rtt_unsafe=bool(getattr(t, "allow_0rtt_post", False)),
        log_level=getattr(proxy, "log_level", "info"),
        timeout=float(getattr(proxy, "timeout", 300.0)),
        quic_limits=QuicLimits(
            max_connections=limits.quic_max_connections,
            max_streams=limits.quic_max_streams,
            connection_window=limits.quic_connection_window,
            stream_window=limits.quic_stream_window,
            retry=limits.quic_retry,
        ),
        max_header_bytes=limits.max_header_bytes,
        max_headers=limits.max_headers,
        shutdown_grace=limits.shutdown_grace,
        body_timeout=limits.body_timeout,
    )


@dataclass
class Servers:
    """What ``serving`` started: the HTTP/3 listener and, in ``both`` mode, the TCP one."""

    settings: TransportSettings
    credentials: ServerCredentials
    h3: H3Listener
    tcp_port: int | None = None
    _uvicorn: Any = None
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)


async def _start_uvicorn(
    app: ASGIApp, s: TransportSettings, config: Any
) -> tuple[Any, asyncio.Task[None], int]:
    import uvicorn

    from m2m.config import Config

    # The same HTTP/1.1 settings as the proxy's own TCP mode (m2m.transport.server); the lifespan
    # runs once, in _Lifespan, for both listeners.
    options = uvicorn_options(config if isinstance(config, Config) else None)
    options.update(lifespan="off", log_level=s.log_level)
    server = uvicorn.Server(uvicorn.Config(app, **options))
    sock = bind_tcp(s.host, s.port)
    # _serve, not serve: serve() installs its own signal handlers and re-raises the signal on the
    # way out; here one handler stops both listeners.
    task = asyncio.get_running_loop().create_task(server._serve(sockets=[sock]))
    while not server.started:
        if task.done():
            sock.close()
            await task
            raise M2MError(f"HTTP/1.1 listener on {s.host}:{s.port} did not start")
        await asyncio.sleep(0.01)
    port = int(sock.getsockname()[1])
    return server, task, port


@contextlib.asynccontextmanager
async def serving(
    app_or_factory: Any, config: Any, *, cert_dir: Path | None = None
) -> AsyncIterator[Servers]:
    """Start the listeners ``config.proxy.transport`` asks for; stop them on exit. ``cert_dir``:
    where a development certificate is made when the config names none."""
    s = settings(config)
    if s.transport not in ("quic", "both"):
        raise ConfigError(f"expected quic or both here, got {s.transport!r}", key="proxy.transport.transport")
    credentials = load_server_credentials(s.cert, s.key, directory=cert_dir)
    app = _resolve_app(app_or_factory, config)
    lifespan = _Lifespan(app)
    await lifespan.startup()
    uv_server: Any = None
    uv_task: asyncio.Task[None] | None = None
    h3: H3Listener | None = None
    # As in the seed CLI: "quic" serves HTTP/3 on --port; "both" keeps --port for HTTP/1.1 and
    # puts HTTP/3 on --quic-port.
    h3_port, port_key = (
        (s.quic_port, "proxy.transport.quic_port") if s.transport == "both" else (s.port, "proxy.port")
    )
    if s.transport == "quic" and s.quic_port not in (_DEFAULT_QUIC_PORT, s.port):
        log.warning("--quic-port applies to --transport both; with quic, HTTP/3 listens on --port %d", s.port)
    try:
        try:
            h3 = await start_h3(
                app,
                host=s.host,
                port=h3_port,
                certfile=str(credentials.certfile),
                keyfile=str(credentials.keyfile),
                state=lifespan.state,
                allow_0rtt_unsafe=s.allow_0rtt_unsafe,
                # A stream may stay silent as long as the proxy waits for its upstream.
                idle_timeout=max(_MIN_IDLE_TIMEOUT, s.timeout + 5.0),
                limits=s.quic_limits,
                max_field_section=s.max_header_bytes,
                max_fields=s.max_headers,
                body_timeout=s.body_timeout,
            )
        except OSError as exc:
            raise ConfigError(
                f"cannot listen for QUIC on {s.host}:{h3_port}/udp: {exc.strerror or exc}",
                key=port_key,
            ) from None
        servers = Servers(s, credentials, h3)
        if s.transport == "both":
            tcp_app = alt_svc(_with_state(app, lifespan.state), h3.port)
            uv_server, uv_task, servers.tcp_port = await _start_uvicorn(tcp_app, s, config)
            servers._uvicorn = uv_server
        log.info(
            "HTTP/3 on %s:%d/udp%s",
            s.host,
            h3.port,
            f", HTTP/1.1 on {s.host}:{servers.tcp_port}/tcp" if servers.tcp_port else "",
        )
        yield servers
    finally:
        if uv_server is not None and uv_task is not None:
            uv_server.should_exit = True
            with contextlib.suppress(Exception):
                await uv_task
        if h3 is not None:
            await h3.close(s.shutdown_grace)
        await lifespan.shutdown()


async def _serve_until_signal(app_or_factory: Any, config: Any, cert_dir: Path | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)

    def first_signal() -> None:
        stop.set()
        # A second Ctrl-C interrupts the graceful shutdown (default handlers: KeyboardInterrupt).
        for sig in signals:
            loop.remove_signal_handler(sig)

    for sig in signals:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, first_signal)
    async with serving(app_or_factory, config, cert_dir=cert_dir) as servers:
        uv_task = None
        if servers._uvicorn is not None:
            uv_task = asyncio.ensure_future(_wait_uvicorn_exit(servers._uvicorn))
        stopper = asyncio.ensure_future(stop.wait())
        waiters = {stopper} | ({uv_task} if uv_task else set())
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()


async def _wait_uvicorn_exit(server: Any) -> None:
    while not server.should_exit:
        await asyncio.sleep(0.2)


def serve(app_or_factory: Any, config: Any, *, cert_dir: Path | None = None) -> int:
    """Run until SIGINT/SIGTERM. ``app_or_factory`` is an ASGI app or ``factory(config) -> app``."""
    s = settings(config)  # fail on a config without transport settings before starting anything
    if s.log_level != "debug":
        # aioquic logs every handshake at INFO under "quic"; one line per connection is noise here.
        logging.getLogger("quic").setLevel(logging.WARNING)
    limits = getattr(config.proxy, "limits", None)
    if limits is not None:
        # As for TCP alone: the HTTP/1.1 connections of "both", live QUIC connections' upstream
        # sockets, and room for the rest.
        raise_fd_limit(limits.max_connections * 2 + limits.quic_max_connections + 256)
    workers = int(getattr(config.proxy, "workers", 1) or 1)
    if workers > 1:
        log.warning(
            "--workers %d is not used with --transport %s: HTTP/3 runs in one process "
            "(run several proxies behind a UDP load balancer to scale out)",
            workers,
            s.transport,
        )
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:  # pragma: no cover - Windows has no uvloop
        runner = asyncio.Runner()
    with runner:
        runner.run(_serve_until_signal(app_or_factory, config, cert_dir))
    return 0
