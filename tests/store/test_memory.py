"""MemoryStore: the DeltaCache's semantics behind the store interface."""

from __future__ import annotations

from m2m.codec.delta import content_hash
from m2m.store import DeltaStore, MemoryStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _value(i: int) -> tuple[str, bytes]:
    data = f'{{"messages":[{{"role":"user","content":"turn {i}"}}]}}'.encode()
    return content_hash(data), data


async def test_round_trip_and_stats():
    store = MemoryStore()
    assert isinstance(store, DeltaStore)
    key, data = _value(1)
    other, _ = _value(2)
    await store.put("s", key, data)
    assert await store.get_many("s", [key, other]) == [data, None]
    assert (store.stats.hits, store.stats.misses, store.stats.puts) == (1, 1, 1)
    assert store.stats.snapshot()["latency_p99_ms"] >= 0
    assert await store.ping()


async def test_scopes_never_cross():
    store = MemoryStore()
    key, data = _value(1)
    await store.put("tenant-a", key, data)
    assert await store.get_many("tenant-b", [key]) == [None]
    assert await store.get_many("", [key]) == [None]
    assert await store.get_many("tenant-a", [key]) == [data]


async def test_idle_ttl_renewed_by_reads():
    clock = Clock()
    store = MemoryStore(ttl_seconds=10, clock=clock)
    key, data = _value(1)
    await store.put("s", key, data)
    clock.now += 9
    assert await store.get_many("s", [key]) == [data]
    clock.now += 9
    assert await store.get_many("s", [key]) == [data]
    clock.now += 10.1
    assert await store.get_many("s", [key]) == [None]


async def test_lru_and_byte_bounds():
    store = MemoryStore(max_entries=2)
    values = [_value(i) for i in range(3)]
    for key, data in values:
        await store.put("s", key, data)
    assert await store.get_many("s", [k for k, _ in values]) == [None, values[1][1], values[2][1]]
    small = MemoryStore(max_bytes=10)
    key, data = _value(1)
    await small.put("s", key, data)
    assert small.stats.skipped == 1 and small.stats.puts == 0
    assert await small.get_many("s", [key]) == [None]


async def test_a_value_under_the_wrong_key_is_not_kept():
    store = MemoryStore()
    key, data = _value(1)
    await store.put(
        "s",
        key,
        data + b" ",
    )
    assert store.stats.errors == 1
    assert await store.get_many("s", [key, content_hash(data + b" ")]) == [None, None]
    assert await store.get_many("s", ["not a key", ""]) == [None, None]


async def test_closed_store_is_a_miss():
    store = MemoryStore()
    key, data = _value(1)
    await store.put("s", key, data)
    await store.aclose()
    await store.aclose()
    assert await store.get_many("s", [key]) == [None]
    await store.put("s", key, data)
    assert not await store.ping()
    assert store.stats.bypassed == 2
