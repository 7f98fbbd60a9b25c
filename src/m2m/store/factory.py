"""``make_store``: the store a ``proxy.delta.store`` setting names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from m2m.errors import ConfigError
from m2m.store.address import CONFIG_KEY, parse_url
from m2m.store.base import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ENTRIES,
    DEFAULT_MAX_VALUE_BYTES,
    DEFAULT_TIMEOUT,
    DEFAULT_TTL_SECONDS,
    DeltaStore,
)
from m2m.store.memory import MemoryStore

if TYPE_CHECKING:
    from m2m.store.redis import RedisStore

__all__ = ["MEMORY", "make_store"]

MEMORY = "memory"


def make_store(
    url_or_memory: str,
    *,
    ttl_seconds: float = DEFAULT_TTL_SECONDS,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
    max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES,
    ca_file: str | None = None,
) -> DeltaStore:
    """``"memory"``: a :class:`MemoryStore` (``max_entries``, ``max_bytes``, ``ttl_seconds``; the
    others do not apply). A ``redis://``, ``rediss://``, ``valkey://``, ``valkeys://`` or
    ``unix://`` URL: a :class:`~m2m.store.redis.RedisStore` (``ttl_seconds``, ``timeout``,
    ``max_value_bytes``, ``ca_file``; the total size is the server's ``maxmemory``). Nothing
    connects yet. Anything else: :class:`~m2m.errors.ConfigError` naming ``proxy.delta.store``."""
    if url_or_memory.strip().lower() == MEMORY:
        try:
            return MemoryStore(max_entries, max_bytes, ttl_seconds)
        except ValueError as exc:
            raise ConfigError(str(exc), key="proxy.delta") from None
    parse_url(url_or_memory)  # a bad URL is a ConfigError before the client library is loaded
    return _redis_store(url_or_memory, ttl_seconds, timeout, max_value_bytes, ca_file)


def _redis_store(
    url: str, ttl_seconds: float, timeout: float, max_value_bytes: int, ca_file: str | None
) -> RedisStore:
    try:
        from m2m.store.redis import RedisStore
    except ImportError as exc:  # pragma: no cover - valkey is a dependency; a broken install
        raise ConfigError(f"a shared store needs the valkey package ({exc})", key=CONFIG_KEY) from None
    return RedisStore(
        url, ttl_seconds=ttl_seconds, timeout=timeout, max_value_bytes=max_value_bytes, ca_file=ca_file
    )
