"""Fixtures: an in-process fake upstream on a loopback port, proxies built from config mappings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from m2m.cli.proxy import build_app
from m2m.config import Config, load
from m2m.proxy.app import ProxyApp
from m2m.proxy.fake_upstream import FakeUpstream
from m2m.transport.server import BackgroundServer


@pytest.fixture(scope="session")
def fake_server() -> Iterator[tuple[FakeUpstream, BackgroundServer]]:
    fake = FakeUpstream()
    server = BackgroundServer(fake).start()
    yield fake, server
    server.stop()


@pytest.fixture
def fake(fake_server: tuple[FakeUpstream, BackgroundServer]) -> FakeUpstream:
    upstream = fake_server[0]
    upstream.requests.clear()
    return upstream


@pytest.fixture
def upstream_url(fake_server: tuple[FakeUpstream, BackgroundServer]) -> str:
    return fake_server[1].url + "/v1"


def make_config(upstream: str, **flags: Any) -> Config:
    cli = {"proxy.upstream": upstream}
    cli.update({key.replace("__", "."): value for key, value in flags.items()})
    return load(cli=cli, env={}, path=None)


@pytest.fixture
def app_for(upstream_url: str) -> Callable[..., ProxyApp]:
    """``app_for(**flags)``: a proxy app for the fake upstream; flags are config keys with ``__``
    for dots (``proxy__timeout=0.2``)."""

    def build(upstream: str | None = None, **flags: Any) -> ProxyApp:
        return build_app(make_config(upstream or upstream_url, **flags))

    return build


@pytest.fixture
def proxy_server(app_for: Callable[..., ProxyApp]) -> Iterator[Callable[..., BackgroundServer]]:
    """``proxy_server(**flags)``: a started proxy on a loopback port, stopped after the test."""
    started: list[BackgroundServer] = []

    def build(upstream: str | None = None, **flags: Any) -> BackgroundServer:
        server = BackgroundServer(app_for(upstream, **flags)).start()
        started.append(server)
        return server

    yield build
    for server in started:
        server.stop()


@pytest.fixture
async def asgi(app_for: Callable[..., ProxyApp]) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    apps: list[ProxyApp] = []
    clients: list[httpx.AsyncClient] = []

    def build(**flags: Any) -> httpx.AsyncClient:
        app = app_for(**flags)
        apps.append(app)
        clients.append(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://proxy.test")
        )
        return clients[-1]

    yield build
    for client in clients:
        await client.aclose()
    for app in apps:
        await app.shutdown()
