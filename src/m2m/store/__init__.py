"""Where the receiving proxy keeps the previous turns of conversations, for deltas.

A later turn of a conversation arrives as a delta against an earlier request (and the reply to
it), named by content hash (:mod:`m2m.codec.delta`). The receiver needs that base. With one
process it sits in memory (:class:`MemoryStore`, the default, ``proxy.delta.store = "memory"``);
with several worker processes or replicas behind a load balancer the next turn may land anywhere,
so they share one Redis or Valkey server (:class:`~m2m.store.redis.RedisStore`,
``proxy.delta.store = "redis://:password@host:6379/0"``).

Either way the store is an optimisation: no method raises on store trouble, a lookup that fails
for any reason is a miss, and the sender then resends in full (409 ``m2m_delta_base_unknown``).
A value that does not hash to its key is never returned. Entries are scoped by tenant
(:func:`m2m.codec.delta.scope_of`); lookups never cross scopes.

    store = make_store(config_value, ttl_seconds=600, timeout=0.05)   # in lifespan startup
    base, reply = await store.get_many(scope, [base_hash, reply_hash])
    await store.put(scope, content_hash(body), body)
    await store.aclose()                                              # in lifespan shutdown

One store per process and event loop, made inside the running loop. Importing this package loads
no network client; the valkey client is imported when a Redis store is made.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from m2m.store.address import StoreAddress, parse_url
from m2m.store.base import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ENTRIES,
    DEFAULT_MAX_VALUE_BYTES,
    DEFAULT_TIMEOUT,
    DEFAULT_TTL_SECONDS,
    DeltaStore,
    StoreStats,
)
from m2m.store.factory import make_store
from m2m.store.memory import MemoryStore
from m2m.store.resolve import resolve_delta

if TYPE_CHECKING:
    from m2m.store.redis import RedisStore

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ENTRIES",
    "DEFAULT_MAX_VALUE_BYTES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TTL_SECONDS",
    "DeltaStore",
    "MemoryStore",
    "RedisStore",
    "StoreAddress",
    "StoreStats",
    "make_store",
    "parse_url",
    "resolve_delta",
]


def __getattr__(name: str) -> Any:
    # RedisStore pulls in the network client; only on first use.
    if name == "RedisStore":
        value = import_module("m2m.store.redis").RedisStore
        globals()[name] = value
        return value
    raise AttributeError(f"module 'm2m.store' has no attribute {name!r}")
