from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from h3util import AppLog, make_app

from m2m.transport.h3server import H3Listener, start_h3
from m2m.transport.tls import dev_certificate


@pytest.fixture(scope="session")
def dev_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return dev_certificate(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def app_log() -> AppLog:
    return AppLog()


@pytest.fixture
async def listener(dev_cert: tuple[Path, Path], app_log: AppLog) -> AsyncIterator[H3Listener]:
    cert, key = dev_cert
    server = await start_h3(make_app(app_log), host="127.0.0.1", port=0, certfile=str(cert), keyfile=str(key))
    try:
        yield server
    finally:
        app_log.release.set()
        await server.close(grace=0.5)
