"""``m2m proxy`` (serve the OpenAI-compatible proxy) and ``m2m demo`` (try it in seconds)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

__all__ = ["register"]


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
    p.set_defaults(func=_run_proxy)

    d = sub.add_parser(
        "demo",
        help="start a fake upstream and the proxy, send requests through, show what was saved",
        description="Runs everything on free loopback ports and stops by itself (a few seconds).",
    )
    d.set_defaults(func=_run_demo)


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
    }


def _run_proxy(args: argparse.Namespace) -> int:
    from m2m.config import load
    from m2m.proxy.server import serve

    config = load(cli=_flags(args), env=os.environ, path=args.config)
    p = config.proxy
    logging.basicConfig(level=p.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    def ready(url: str) -> None:
        role = "m2m peer" if p.upstream_protocol == "m2m" else "OpenAI-compatible"
        extras = [f"workers={p.workers}"]
        if p.security.enabled:
            mode = "monitor" if (not p.security.blocking or p.security.threshold == 0.0) else "block"
            extras.append(f"security={mode}@{p.security.threshold}")
        if p.optimize:
            extras.append("optimize")
        print(
            f"m2m proxy on {url}/v1 -> {p.upstream_host} ({role}); {', '.join(extras)}",
            file=sys.stderr,
            flush=True,
        )

    serve(config, on_ready=ready)
    return 0


def _run_demo(args: argparse.Namespace) -> int:
    from m2m.proxy.demo import run_demo

    return run_demo()
