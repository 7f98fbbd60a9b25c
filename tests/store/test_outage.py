"""RedisStore when the server dies, stalls or freezes: calls return within about the timeout and
never raise, the circuit opens so later calls skip the store at once, and the store is used again
by itself once the server is back."""

from __future__ import annotations

import asyncio
import time

import pytest
import valkey
from tests.valkey_server import ValkeyServer

from m2m.store.redis import RedisStore

from .test_redis import poll, request

TIMEOUT = 0.1
# What a call may take beyond its timeout on 2 shared cores (scheduling, the pool, teardown).
SLACK = 0.3


@pytest.fixture
async def fast_store(own_server: ValkeyServer):
    store = RedisStore(own_server.url(), timeout=TIMEOUT, backoff=0.1, max_backoff=0.4)
    yield store
    await store.aclose()


async def timed(coro):
    start = time.perf_counter()
    result = await coro
    return result, time.perf_counter() - start


async def recovered(store: RedisStore, scope: str) -> bool:
    key, data = request(99)
    await store.put(scope, key, data)
    return await store.get_many(scope, [key]) == [data]


def wait_until_busy(server: ValkeyServer) -> None:
    """Returns once the server stops answering (a DEBUG SLEEP from another client has begun)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            with server.client(socket_timeout=0.05, socket_connect_timeout=0.05) as probe:
                probe.ping()
        except valkey.exceptions.TimeoutError:
            return
        time.sleep(0.01)
    raise AssertionError("the server never went busy")


def debug_sleep(server: ValkeyServer, seconds: float) -> None:
    with server.client(socket_timeout=seconds + 5) as raw:
        raw.execute_command("DEBUG", "SLEEP", str(seconds))


async def test_killed_server_fails_fast_opens_the_circuit_and_recovers(own_server, fast_store, scope):
    store = fast_store
    key, data = request(1)
    await store.put(scope, key, data)
    assert await store.get_many(scope, [key]) == [data]

    own_server.kill()
    found, elapsed = await timed(store.get_many(scope, [key]))
    assert found == [None]
    assert elapsed < TIMEOUT + SLACK
    assert store.stats.errors + store.stats.timeouts == 1
    assert store.circuit_open and store.stats.circuit_opens == 1

    # While open, calls skip the store without waiting.
    before = store.stats.bypassed
    _, elapsed = await timed(asyncio.gather(*(store.get_many(scope, [key]) for _ in range(50))))
    await store.put(scope, key, data)
    assert elapsed < 0.05
    assert store.stats.bypassed - before == 51
    assert not await store.ping()

    own_server.start()
    assert await poll(lambda: recovered(store, scope), timeout=5.0)
    assert not store.circuit_open
    assert store.stats.circuit_opens == 1


async def test_a_server_that_was_never_there(scope):
    store = RedisStore("redis://127.0.0.1:1/0", timeout=TIMEOUT)
    try:
        key, data = request(1)
        (found, elapsed) = await timed(store.get_many(scope, [key]))
        assert found == [None] and elapsed < TIMEOUT + SLACK
        await store.put(scope, key, data)
        assert store.stats.errors == 1 and store.stats.bypassed == 1
        assert not await store.ping()
    finally:
        await store.aclose()


async def test_in_flight_calls_at_the_moment_of_failure(own_server, fast_store, scope):
    store = fast_store
    key, data = request(1)
    await store.put(scope, key, data)
    own_server.kill()
    results, elapsed = await timed(asyncio.gather(*(store.get_many(scope, [key]) for _ in range(64))))
    assert results == [[None]] * 64
    assert elapsed < TIMEOUT + SLACK
    assert store.stats.circuit_opens == 1


async def test_backoff_grows_while_the_server_stays_down(own_server, scope):
    store = RedisStore(own_server.url(), timeout=TIMEOUT, backoff=0.02, max_backoff=0.16)
    try:
        own_server.kill()
        key, _ = request(1)
        calls = 0
        loop = asyncio.get_running_loop()
        end = loop.time() + 1.0
        while loop.time() < end:
            await store.get_many(scope, [key])
            calls += 1
            await asyncio.sleep(0.002)
        tried = store.stats.errors + store.stats.timeouts
        # 20 ms doubling to 160 ms: about a dozen tries in a second, not one per call.
        assert 3 <= tried <= 15 < calls
        assert store._breaker.backoff == 0.16
    finally:
        await store.aclose()


async def test_stalled_server_calls_return_within_the_timeout(own_server, fast_store, scope):
    store = fast_store
    (k1, v1), (k2, v2) = request(1), request(2)
    await store.put(scope, k1, v1)
    await store.put(scope, k2, v2)

    sleeper = asyncio.create_task(asyncio.to_thread(debug_sleep, own_server, 1.0))
    await asyncio.to_thread(wait_until_busy, own_server)
    found, elapsed = await timed(store.get_many(scope, [k1]))
    assert found == [None]
    assert elapsed < TIMEOUT + SLACK
    assert store.stats.timeouts == 1 and store.circuit_open
    _, elapsed = await timed(store.put(scope, k1, v1))
    assert elapsed < 0.05

    await sleeper
    # Back by itself, and the connection cut mid-reply never hands one call another's answer.
    assert await poll(lambda: recovered(store, scope), timeout=5.0)
    assert await store.get_many(scope, [k2, k1]) == [v2, v1]
    assert store.stats.errors == 0


async def test_frozen_server(own_server, fast_store, scope):
    store = fast_store
    key, data = request(1)
    await store.put(scope, key, data)
    own_server.freeze()
    try:
        found, elapsed = await timed(store.get_many(scope, [key]))
        assert found == [None] and elapsed < TIMEOUT + SLACK
        ok, elapsed = await timed(store.ping())
        assert not ok and elapsed < TIMEOUT + SLACK
        _, elapsed = await timed(store.put(scope, key, data))
        assert elapsed < TIMEOUT + SLACK
    finally:
        own_server.thaw()
    assert await poll(lambda: recovered(store, scope), timeout=5.0)
    assert await store.get_many(scope, [key]) == [data]


async def test_ping_reports_and_closes_the_circuit(own_server, scope):
    # A long back-off: only the readiness ping can close the circuit within this test.
    store = RedisStore(own_server.url(), timeout=TIMEOUT, backoff=30, max_backoff=60)
    try:
        assert await store.ping()
        own_server.kill()
        assert not await store.ping()
        assert store.circuit_open
        own_server.start()
        assert not await recovered(store, scope)  # still skipped: the back-off is long
        assert await poll(store.ping, timeout=5.0)
        assert not store.circuit_open
        assert await recovered(store, scope)
    finally:
        await store.aclose()


async def test_cancelled_callers_do_not_wedge_the_probe(own_server, scope):
    store = RedisStore(own_server.url(), timeout=1.0, backoff=0.05, max_backoff=0.05)
    try:
        key, data = request(1)
        await store.put(scope, key, data)
        own_server.freeze()
        try:
            first = asyncio.create_task(store.get_many(scope, [key]))
            await asyncio.sleep(0.05)
            first.cancel()
            with pytest.raises(asyncio.CancelledError):
                await first
        finally:
            own_server.thaw()
        assert await poll(lambda: recovered(store, scope), timeout=5.0)
    finally:
        await store.aclose()
