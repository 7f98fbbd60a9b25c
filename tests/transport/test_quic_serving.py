"""``m2m.transport.quic.serving`` with apps of every lifespan behaviour and factory shape."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from h3util import AppLog, make_app, raw_client

from m2m.config import Config, load
from m2m.errors import M2MError
from m2m.transport.quic import serving


def quic_config(dev_cert: tuple[Path, Path]) -> Config:
    config = load(
        cli={
            "proxy.transport.transport": "quic",
            "proxy.transport.cert": str(dev_cert[0]),
            "proxy.transport.key": str(dev_cert[1]),
        },
        env={},
        path=None,
    )
    return dataclasses.replace(config, proxy=dataclasses.replace(config.proxy, port=0))


async def get(port: int, path: str) -> tuple[int, bytes]:
    async with raw_client(port) as client:
        status, _, body = await client.response(client.send_request("GET", path))
    return status, body


def with_lifespan(events: list[str], *, fail: bool = False) -> Any:
    inner = make_app(AppLog())

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                events.append(message["type"])
                if message["type"] == "lifespan.startup":
                    if fail:
                        await send({"type": "lifespan.startup.failed", "message": "no upstream"})
                        return
                    scope["state"]["ready"] = True
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        assert scope["state"] == {"ready": True}
        await inner(scope, receive, send)

    return app


async def test_lifespan_runs_once_and_state_reaches_requests(dev_cert: tuple[Path, Path]) -> None:
    events: list[str] = []
    config = quic_config(dev_cert)
    async with serving(with_lifespan(events), config) as servers:
        assert await get(servers.h3.port, "/x") == (200, b"/x")
    assert events == ["lifespan.startup", "lifespan.shutdown"]


async def test_failed_startup_stops_serving(dev_cert: tuple[Path, Path]) -> None:
    with pytest.raises(M2MError, match="startup failed: no upstream"):
        async with serving(with_lifespan([], fail=True), quic_config(dev_cert)):
            pass


async def test_app_without_lifespan_support(dev_cert: tuple[Path, Path]) -> None:
    async def raising(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            raise RuntimeError("no lifespan here")
        await make_app(AppLog())(scope, receive, send)

    for app in (make_app(AppLog()), raising):  # returns at once / raises on the lifespan scope
        async with serving(app, quic_config(dev_cert)) as servers:
            assert await get(servers.h3.port, "/y") == (200, b"/y")


async def test_factories_with_and_without_config(dev_cert: tuple[Path, Path]) -> None:
    config = quic_config(dev_cert)
    seen: list[object] = []

    def factory(cfg: Config) -> Any:
        seen.append(cfg)
        return make_app(AppLog())

    async with serving(factory, config) as servers:
        assert await get(servers.h3.port, "/f") == (200, b"/f")
    assert seen == [config]
    async with serving(lambda: make_app(AppLog()), config) as servers:
        assert await get(servers.h3.port, "/g") == (200, b"/g")
