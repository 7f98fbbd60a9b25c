"""The OpenAI-compatible reverse proxy: ASGI app, upstream client, SSE relay, fake upstream."""

from __future__ import annotations

from m2m.proxy.app import ProxyApp, create_app

__all__ = ["ProxyApp", "create_app"]
