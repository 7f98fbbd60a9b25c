"""Fixtures for the scale-out tests: the deterministic upstream in this process, a Valkey server of
each test's own (tests kill and restart it), and client-role proxies (A) in this process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.valkey_server import ValkeyServer, running_server

from m2m.cli.proxy import build_app
from m2m.config import load
from m2m.proxy.app import ProxyApp
from m2m.transport.server import BackgroundServer

from .harness import DeterministicUpstream


@pytest.fixture
def upstream() -> Iterator[BackgroundServer]:
    server = BackgroundServer(DeterministicUpstream(), host="127.0.0.1").start()
    yield server
    server.stop()


@pytest.fixture
def valkey() -> Iterator[ValkeyServer]:
    with running_server() as server:
        yield server


@pytest.fixture
def client_proxy() -> Iterator[Callable[..., tuple[ProxyApp, BackgroundServer]]]:
    """``client_proxy(peer_url, **settings)``: a client-role proxy (A) in this process in front of
    the server-role proxy (or balancer) at ``peer_url``."""
    started: list[BackgroundServer] = []

    def build(peer_url: str, **settings: Any) -> tuple[ProxyApp, BackgroundServer]:
        cli = {"proxy.upstream": peer_url + "/v1", "proxy.upstream_protocol": "m2m"}
        cli.update({key.replace("__", "."): value for key, value in settings.items()})
        app = build_app(load(cli=cli, env={}, path=None))
        server = BackgroundServer(app, host="127.0.0.1").start()
        started.append(server)
        return app, server

    yield build
    for server in started:
        server.stop()
