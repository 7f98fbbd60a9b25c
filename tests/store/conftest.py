"""Store fixtures: the session's Valkey server (tests/valkey_server.py), stores closed after each
test, and a scope of its own for each test so tests sharing the server never see each other."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from tests.valkey_server import ValkeyServer, running_server, valkey_server

from m2m.store.redis import RedisStore

__all__ = ["valkey_server"]

# Functional tests are not about speed: a generous timeout keeps them steady on a loaded box.
# The outage tests pass their own short one.
SLOW_BOX_TIMEOUT = 2.0


@pytest.fixture
def scope() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def own_server() -> Iterator[ValkeyServer]:
    """A server of the test's own, for tests that kill, freeze or reconfigure it."""
    with running_server() as server:
        yield server


@pytest.fixture
async def redis_store(valkey_server: ValkeyServer) -> AsyncIterator[Callable[..., RedisStore]]:
    """``redis_store(url=None, **kwargs)``: a RedisStore (on the session server by default),
    closed at the end of the test."""
    made: list[RedisStore] = []

    def build(url: str | None = None, **kwargs: Any) -> RedisStore:
        kwargs.setdefault("timeout", SLOW_BOX_TIMEOUT)
        store = RedisStore(url or valkey_server.url(), **kwargs)
        made.append(store)
        return store

    yield build
    for store in made:
        await store.aclose()
