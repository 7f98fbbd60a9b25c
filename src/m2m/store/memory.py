"""``MemoryStore``: the per-process store, a :class:`~m2m.codec.delta.DeltaCache` behind the
:class:`~m2m.store.base.DeltaStore` interface. Right for one process; with several, each keeps
its own and a delta that lands on another process misses (then the sender resends in full)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from m2m.codec.delta import DeltaCache
from m2m.store.base import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ENTRIES,
    DEFAULT_TTL_SECONDS,
    StoreStats,
    is_key,
)

__all__ = ["MemoryStore"]


class MemoryStore:
    """Least recently used first, bounded by ``max_entries``, ``max_bytes`` in all and idle time
    (``ttl_seconds``, renewed by every read). A value larger than ``max_bytes`` is not kept.
    Not thread-safe: one per event loop, as the cache it wraps."""

    def __init__(
        self,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache = DeltaCache(max_entries, max_bytes, ttl_seconds, clock=clock)
        self.stats = StoreStats()
        self.closed = False
        self._clock = clock

    def __repr__(self) -> str:
        c = self.cache
        return f"MemoryStore(max_entries={c.max_entries}, max_bytes={c.max_bytes}, ttl={c.ttl_seconds})"

    @property
    def available(self) -> bool:
        return not self.closed

    async def get_many(self, scope: str, keys: Sequence[str]) -> list[bytes | None]:
        if self.closed:
            self.stats.bypassed += 1
            self.stats.misses += len(keys)
            return [None] * len(keys)
        start = time.perf_counter()
        # Values went in under the hash the cache computed itself, so they need no check here.
        found = [self.cache.get(key, scope=scope) if is_key(key) else None for key in keys]
        hits = sum(value is not None for value in found)
        self.stats.hits += hits
        self.stats.misses += len(found) - hits
        self.stats.observe(time.perf_counter() - start)
        return found

    async def put(self, scope: str, key: str, data: bytes) -> None:
        if len(data) > self.cache.max_bytes:
            self.stats.skipped += 1
            return
        if self.closed:
            self.stats.bypassed += 1
            return
        start = time.perf_counter()
        stored = self.cache.put(bytes(data), scope=scope, request=False)
        if stored != key:
            # The caller named the value wrongly: keep nothing under a key nobody will ask for.
            self.cache.discard(stored, scope=scope)
            self.stats.errors += 1
            return
        self.stats.puts += 1
        self.stats.observe(time.perf_counter() - start)

    async def ping(self) -> bool:
        return not self.closed

    async def aclose(self) -> None:
        self.closed = True
        cache = self.cache
        # Drop the values now, not when the store object goes.
        self.cache = DeltaCache(cache.max_entries, cache.max_bytes, cache.ttl_seconds, clock=self._clock)
