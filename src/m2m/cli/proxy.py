"""``m2m proxy`` (serve the OpenAI-compatible proxy) and ``m2m demo`` (try it in seconds)."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from m2m.errors import ConfigError

if TYPE_CHECKING:
    from m2m.config import Config
    from m2m.proxy.app import ProxyApp

__all__ = ["build_app", "config_path", "register", "serve", "worker_app"]

_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_METRICS_ENV = "M2M_METRICS_DIR"


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this module's sub-commands to ``sub``."""
    p = sub.add_parser(
        "proxy",
        help="run the OpenAI-compatible proxy",
        description=(
            "Transparent OpenAI-compatible reverse proxy. Standard clients get the upstream's bytes; "
            "m2m peers get compressed requests and responses. Settings: flags > M2M_* environment "
            "> --config FILE (default ~/.m2m/config.toml) > defaults."
        ),
    )
    p.add_argument("--host", help="listen address (default 127.0.0.1)")
    p.add_argument("--port", help="listen port (default 8080)")
    p.add_argument(
        "--upstream", help="upstream base URL, with or without /v1 (default http://localhost:11434/v1)"
    )
    p.add_argument("--api-key", help="Authorization for the upstream when the client sends none")
    p.add_argument("--config", metavar="FILE", help="TOML config file")
    p.add_argument("--timeout", help="seconds the upstream may stay silent before 504 (default 300)")
    p.add_argument("--workers", help="worker processes sharing the port (default 1)")
    p.add_argument("--max-body-bytes", help="request body limit (default 16 MiB)")
    p.add_argument(
        "--optimize", action="store_true", default=None, help="drop parameters equal to the model's defaults"
    )
    p.add_argument("--security", action="store_true", default=None, help="scan requests for injection etc.")
    p.add_argument("--threshold", help="security threshold 0-1; 0.0 = monitor only (log, never block)")
    p.add_argument(
        "--upstream-protocol",
        choices=("openai", "m2m"),
        help="m2m: the upstream is another m2m proxy (compressed tunnel)",
    )
    p.add_argument("--log-level", choices=("critical", "error", "warning", "info", "debug"))
    p.add_argument("--transport", choices=("tcp", "quic", "both"), help="serve HTTP/1.1, HTTP/3, or both")
    p.add_argument("--quic-port", help="HTTP/3 port with --transport both (default 8443)")
    p.add_argument("--cert", help="TLS certificate (PEM) for QUIC")
    p.add_argument("--key", help="TLS private key (PEM) for QUIC")
    p.add_argument("--upstream-transport", choices=("tcp", "quic"), help="HTTP/3 to an upstream m2m proxy")
    p.add_argument(
        "--upstream-insecure", action="store_true", default=None, help="skip certificate checks (dev only)"
    )
    p.add_argument("--upstream-ca", help="CA file (PEM) to verify an HTTP/3 upstream (default: system CAs)")
    p.add_argument(
        "--delta-store",
        metavar="URL",
        help="where conversation bases live: memory (default) or redis://[:password@]host:port/db, "
        "shared by workers and replicas",
    )
    p.add_argument(
        "--admin-listen",
        metavar="HOST:PORT",
        help="serve /stats, /metrics, /ready, /v1/compress, /v1/decompress there only "
        "(set an admin token with M2M_ADMIN_TOKEN to protect them in place instead)",
    )
    p.add_argument("--tenant-header", metavar="NAME", help="a request field that names the tenant")
    p.set_defaults(func=_run_proxy)


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "proxy.host": args.host,
        "proxy.port": args.port,
        "proxy.upstream": args.upstream,
        "proxy.api_key": args.api_key,
        "proxy.timeout": args.timeout,
        "proxy.workers": args.workers,
        "proxy.max_body_bytes": args.max_body_bytes,
        "proxy.optimize": args.optimize,
        "proxy.upstream_protocol": args.upstream_protocol,
        "proxy.log_level": args.log_level,
        "proxy.security.enabled": args.security,
        "proxy.security.threshold": args.threshold,
        "proxy.transport.transport": args.transport,
        "proxy.transport.quic_port": args.quic_port,
        "proxy.transport.cert": args.cert,
        "proxy.transport.key": args.key,
        "proxy.transport.upstream_transport": args.upstream_transport,
        "proxy.transport.upstream_insecure": args.upstream_insecure,
        "proxy.transport.upstream_ca": args.upstream_ca,
        "proxy.delta.store": args.delta_store,
        "proxy.admin.listen": args.admin_listen,
        "proxy.tenant_header": args.tenant_header,
    }


def config_path(given: str | None) -> str | None:
    """The config file the CLI reads: ``--config FILE``, else ``~/.m2m/config.toml`` if present."""
    from pathlib import Path

    from m2m.config import default_path

    if given:
        return given
    default = default_path(Path.home())
    return str(default) if default.is_file() else None


def build_app(config: Config, *, metrics_dir: str | None = None) -> ProxyApp:
    """The proxy app with its parts wired: the upstream client from :mod:`m2m.transport`, the
    delta store from :mod:`m2m.store` (both built in the running loop, at startup)."""
    from m2m.proxy.app import ProxyApp
    from m2m.transport.upstream import make_upstream

    return ProxyApp(config, upstream=lambda: make_upstream(config), metrics_dir=metrics_dir)


def worker_app() -> ProxyApp:
    """App factory of a worker process (``--workers N``): the parent hands the configuration over
    in ``M2M_*`` variables and the shared metrics folder in ``M2M_METRICS_DIR``."""
    from m2m.cli._edge import load_model_cache
    from m2m.config import load
    from m2m.transport.h1server import bounds_of, configure_workers

    config = load(env=os.environ)
    load_model_cache()
    logging.basicConfig(level=config.proxy.log_level.upper(), format=_LOG_FORMAT)
    # Every bound of the listener, the body timeout included (the app leaves it to the listener).
    configure_workers(**bounds_of(config.proxy.limits))
    return build_app(config, metrics_dir=os.environ.get(_METRICS_ENV) or None)


def serve(config: Config, *, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted (blocks): HTTP/1.1 (one process or workers), HTTP/3, or both."""
    proxy = config.proxy
    if proxy.transport.transport != "tcp":
        from pathlib import Path

        from m2m.transport.quic import serve as serve_quic
        from m2m.transport.tls import cache_dir

        serve_quic(lambda: build_app(config), config, cert_dir=cache_dir(os.environ, Path.home()))
        return
    from m2m.config import as_env
    from m2m.transport.server import bind_tcp, serve_tcp

    sock = bind_tcp(proxy.host, proxy.port)
    admin_sock = None
    if proxy.admin.listen is not None:
        host, _, port = proxy.admin.listen.rpartition(":")
        admin_sock = bind_tcp(host.strip("[]"), int(port), key="proxy.admin.listen")
    if on_ready is not None:
        on_ready(f"http://{proxy.host}:{sock.getsockname()[1]}")
    try:
        if proxy.workers == 1:
            app = build_app(config)
            serve_tcp(config, app, sock=sock, admin=(app.admin, admin_sock) if admin_sock else None)
            return
        if admin_sock is not None:
            raise ConfigError(
                "a separate admin listener needs --workers 1 (use an admin token with workers)",
                key="proxy.admin.listen",
            )
        metrics_dir = tempfile.mkdtemp(prefix="m2m-metrics-")
        try:
            env = {**as_env(config), "PROMETHEUS_MULTIPROC_DIR": metrics_dir, _METRICS_ENV: metrics_dir}
            serve_tcp(config, None, sock=sock, worker_app="m2m.cli.proxy:worker_app", worker_env=env)
        finally:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    finally:
        sock.close()
        if admin_sock is not None:
            admin_sock.close()


def _run_proxy(args: argparse.Namespace) -> int:
    from m2m.cli._edge import load_model_cache
    from m2m.config import load

    config = load(cli=_flags(args), env=os.environ, path=config_path(args.config))
    load_model_cache()
    p = config.proxy
    logging.basicConfig(level=p.log_level.upper(), format=_LOG_FORMAT)

    def ready(url: str) -> None:
        role = "m2m peer" if p.upstream_protocol == "m2m" else "OpenAI-compatible"
        extras = [f"workers={p.workers}"]
        if p.security.enabled:
            mode = "monitor" if (not p.security.blocking or p.security.threshold == 0.0) else "block"
            extras.append(f"security={mode}@{p.security.threshold}")
        if p.optimize:
            extras.append("optimize")
        if p.delta.store != "memory":
            extras.append("shared delta store")
        print(
            f"m2m proxy on {url}/v1 -> {p.upstream_host} ({role}); {', '.join(extras)}",
            file=sys.stderr,
            flush=True,
        )

    serve(config, on_ready=ready)
    return 0
