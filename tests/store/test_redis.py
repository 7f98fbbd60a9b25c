"""RedisStore against a real Valkey server: values, scopes, TTL, bounds, corrupt data, auth and
database selection. Outages are in test_outage.py."""

from __future__ import annotations

import asyncio
import json
import os
import threading

import pytest
from tests.valkey_server import running_server

from m2m.codec.delta import content_hash, encode_delta
from m2m.errors import DeltaBaseUnknownError
from m2m.store import MemoryStore, resolve_delta
from m2m.store.redis import KEY_PREFIX, key_name
from m2m.store.value import MAGIC, encode_value


def request(i: int, size: int = 0) -> tuple[str, bytes]:
    body = {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant. " * 10},
            {"role": "user", "content": f"question {i} " + "x" * size},
        ],
    }
    data = json.dumps(body).encode()
    return content_hash(data), data


async def poll(predicate, *, timeout: float = 5.0, step: float = 0.02) -> bool:
    """Bounded polling instead of a long sleep."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(step)
    return False


async def test_round_trip(redis_store, scope):
    store = redis_store()
    (k1, v1), (k2, v2), (k3, _) = request(1), request(2), request(3)
    await store.put(scope, k1, v1)
    await store.put(scope, k2, v2)
    assert await store.get_many(scope, [k1, k3, k2]) == [v1, None, v2]
    stats = store.stats
    assert (stats.puts, stats.hits, stats.misses, stats.errors, stats.timeouts) == (2, 2, 1, 0, 0)
    assert len(stats.latencies) == 3
    assert await store.ping()
    assert await store.get_many(scope, []) == []


async def test_stored_compressed_under_a_namespaced_key_with_a_ttl(redis_store, valkey_server, scope):
    store = redis_store(ttl_seconds=30)
    key, data = request(1, size=2000)
    await store.put(scope, key, data)
    with valkey_server.client() as raw:
        name = f"m2m:delta:v1:{{{scope}}}:{key}"
        assert name == key_name(scope, key) and name.startswith(KEY_PREFIX)
        blob = raw.get(name)
        assert blob is not None and blob.startswith(MAGIC)
        assert len(blob) < len(data) / 4
        assert 25_000 < raw.pttl(name) <= 30_000


async def test_scopes_never_cross(redis_store, scope):
    store = redis_store()
    key, data = request(1)
    await store.put(scope, key, data)
    assert await store.get_many(scope + "x", [key]) == [None]
    assert await store.get_many("", [key]) == [None]
    assert await store.get_many(scope, [key]) == [data]


async def test_ttl_expiry(redis_store, valkey_server, scope):
    store = redis_store(ttl_seconds=0.2)
    key, data = request(1)
    await store.put(scope, key, data)
    assert await store.get_many(scope, [key]) == [data]

    async def expired() -> bool:
        # Watched from behind the store: its own reads would renew the TTL.
        with valkey_server.client() as raw:
            return raw.exists(key_name(scope, key)) == 0

    assert await poll(expired, timeout=3.0)
    assert await store.get_many(scope, [key]) == [None]


async def test_reads_renew_the_ttl(redis_store, valkey_server, scope):
    store = redis_store(ttl_seconds=5)
    key, data = request(1)
    await store.put(scope, key, data)
    with valkey_server.client() as raw:
        raw.pexpire(key_name(scope, key), 500)
        assert await store.get_many(scope, [key]) == [data]
        assert raw.pttl(key_name(scope, key)) > 4000


async def test_values_over_the_bound_are_not_stored(redis_store, valkey_server, scope):
    store = redis_store(max_value_bytes=1000)
    key, data = request(1, size=1000)
    await store.put(scope, key, data)
    assert store.stats.skipped == 1 and store.stats.puts == 0
    with valkey_server.client() as raw:
        assert raw.exists(key_name(scope, key)) == 0
    # And a value stored by a replica with a higher bound is not decoded past this one's.
    await redis_store(max_value_bytes=10_000).put(scope, key, data)
    assert await store.get_many(scope, [key]) == [None]
    assert store.stats.errors == 1


async def test_wrongly_named_values_are_not_stored(redis_store, scope):
    store = redis_store()
    key, data = request(1)
    await store.put(scope, key, data + b" ")
    await store.put(scope, "not-a-content-hash", data)
    assert store.stats.errors == 2 and store.stats.puts == 0
    assert await store.get_many(scope, [key, "not-a-content-hash", "", "../../etc"]) == [None] * 4


@pytest.mark.parametrize(
    "garbage",
    [
        b"garbage",
        b"",
        MAGIC + b"\x02" + b"\x00" * 20,  # a corrupt frame
        MAGIC + b"\x09rest",  # a method from the future
        encode_value(b'{"model":"gpt-4o","messages":[]}'),  # a valid value of other bytes
        encode_value(b"a" * 10_000_000),  # decodes to more than the bound
    ],
)
async def test_corrupt_values_are_misses_never_wrong_data(redis_store, valkey_server, scope, garbage):
    store = redis_store(max_value_bytes=1_000_000)
    key, _data = request(1)
    other_key, other = request(2)
    await store.put(scope, other_key, other)
    with valkey_server.client() as raw:
        raw.set(key_name(scope, key), garbage)
    assert await store.get_many(scope, [key, other_key]) == [None, other]
    assert store.stats.errors == 1 and store.stats.hits == 1
    # Bad data is not a store outage: the next call goes to the store as usual.
    assert not store.circuit_open
    assert await store.get_many(scope, [other_key]) == [other]


async def test_a_key_of_another_type_is_a_miss(redis_store, valkey_server, scope):
    store = redis_store()
    key, _data = request(1)
    with valkey_server.client() as raw:
        raw.rpush(key_name(scope, key), b"x")
    assert await store.get_many(scope, [key]) == [None]
    assert store.stats.errors == 1 and not store.circuit_open


@pytest.mark.parametrize("password", ["wrong-password", ""])
async def test_wrong_password_is_an_error_never_a_raise(redis_store, valkey_server, scope, password):
    store = redis_store(
        valkey_server.url(password=password) if password else f"redis://127.0.0.1:{valkey_server.port}"
    )
    key, data = request(1)
    await store.put(scope, key, data)
    assert await store.get_many(scope, [key]) == [None]
    assert not await store.ping()
    assert store.stats.errors >= 1 and store.circuit_open


async def test_database_from_the_url(redis_store, valkey_server, scope):
    store = redis_store(valkey_server.url(db=3))
    key, data = request(1)
    await store.put(scope, key, data)
    with valkey_server.client(db=3) as db3, valkey_server.client(db=0) as db0:
        assert db3.exists(key_name(scope, key)) == 1
        assert db0.exists(key_name(scope, key)) == 0
    assert await redis_store(valkey_server.url(db=0)).get_many(scope, [key]) == [None]
    assert await redis_store(valkey_server.url(db=3)).get_many(scope, [key]) == [data]


async def test_unix_socket(redis_store, valkey_server, scope):
    store = redis_store(valkey_server.unix_url(db=2))
    key, data = request(1)
    await store.put(scope, key, data)
    assert await store.get_many(scope, [key]) == [data]
    with valkey_server.client(db=2) as raw:
        assert raw.exists(key_name(scope, key)) == 1


async def test_many_concurrent_calls(redis_store, scope):
    store = redis_store(max_connections=16)
    values = [request(i) for i in range(64)]
    await asyncio.gather(*(store.put(scope, k, v) for k, v in values))
    results = await asyncio.gather(*(store.get_many(scope, [k, values[0][0]]) for k, _ in values))
    assert results == [[v, values[0][1]] for _, v in values]
    assert store.stats.errors == store.stats.timeouts == 0


async def test_closed_store(redis_store, scope):
    store = redis_store()
    key, data = request(1)
    await store.put(scope, key, data)
    await store.aclose()
    await store.aclose()
    assert await store.get_many(scope, [key]) == [None]
    await store.put(scope, key, data)
    assert not await store.ping()
    assert store.stats.bypassed == 2


async def test_a_second_event_loop_gets_misses_not_crossed_connections(redis_store, scope):
    store = redis_store()
    key, data = request(1)
    await store.put(scope, key, data)
    out: list[object] = []
    thread = threading.Thread(target=lambda: out.append(asyncio.run(store.get_many(scope, [key]))))
    thread.start()
    thread.join(10)
    assert out == [[None]]
    assert store.stats.errors == 1
    assert await store.get_many(scope, [key]) == [data]


async def test_memory_bound_evicts_instead_of_failing():
    # A small maxmemory with allkeys-lru: writes past it evict the least recently used values.
    from m2m.store.redis import RedisStore

    with running_server(maxmemory="4mb") as server:
        store = RedisStore(server.url(), timeout=2.0)
        try:
            values = []
            for _i in range(120):
                data = os.urandom(48 * 1024)  # incompressible: about 6 MB in all
                values.append((content_hash(data), data))
                await store.put("s", *values[-1])
            assert store.stats.errors == 0 and store.stats.puts == 120
            # Valkey's LRU is approximate (sampled), so which old values went is not exact.
            assert await store.get_many("s", [values[-1][0]]) == [values[-1][1]]
            found = await store.get_many("s", [key for key, _ in values[:60]])
            assert found.count(None) >= 30
            with server.client() as raw:
                assert raw.dbsize() < 100
        finally:
            await store.aclose()


async def test_noeviction_server_refuses_writes_without_raising():
    from m2m.store.redis import RedisStore

    with running_server(maxmemory="2mb", policy="noeviction") as server:
        store = RedisStore(server.url(), timeout=2.0)
        try:
            for _ in range(80):
                data = os.urandom(48 * 1024)
                await store.put("s", content_hash(data), data)
            assert store.stats.errors >= 1 and store.stats.puts < 80
        finally:
            await store.aclose()


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_resolve_delta(redis_store, scope, kind):
    store = MemoryStore() if kind == "memory" else redis_store()
    _, base = request(1)
    reply = b"The answer is 42."
    target = base[:-2] + b', {"role": "assistant", "content": "The answer is 42."}, ' + b'{"role": "user"}]}'
    wire = encode_delta(base, target, reply=reply, binary=True)
    with pytest.raises(DeltaBaseUnknownError):
        await resolve_delta(store, wire, scope=scope)
    await store.put(scope, content_hash(base), base)
    with pytest.raises(DeltaBaseUnknownError):
        await resolve_delta(store, wire, scope=scope)  # the reply is missing
    await store.put(scope, content_hash(reply), reply)
    assert await resolve_delta(store, wire, scope=scope) == target
    assert await store.get_many(scope, [content_hash(target)]) == [target]
    with pytest.raises(DeltaBaseUnknownError):
        await resolve_delta(store, wire, scope=scope + "-other")
