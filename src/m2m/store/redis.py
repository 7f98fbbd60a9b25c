"""``RedisStore``: the shared store, one Redis (6.2 or later) or Valkey server that every proxy
process and replica reaches, through valkey-py's asyncio client.

Layout: one string per value, ``m2m:delta:v1:{<scope>}:<key>``, holding the value in the layout of
:mod:`m2m.store.value`. The braces make the scope a cluster hash tag, so all keys of one tenant
share a slot and one MGET/pipeline can serve them. Values live ``ttl_seconds`` after their last
write or read: ``SET .. PX`` on write, ``GETEX .. PX`` on read (an LRU touch), the lookups of one
call pipelined into one round trip.

Bounds: a value over ``max_value_bytes`` (before compression) is not stored, and a stored value is
never decoded past it. The total is the server's to bound: run it with ``maxmemory`` and
``maxmemory-policy allkeys-lru`` (or ``volatile-lru`` when it holds other data too; every key here
has a TTL), so the least recently used conversations go first, as in the in-process store. No
per-tenant budget: it would cost a sorted set per scope and a script per write, while the TTL
already bounds what one tenant keeps to what it sent in the last ``ttl_seconds``.

Failure: every call is bounded by ``timeout`` (connecting, waiting for a pooled connection,
sending and reading). The first failure opens a circuit breaker (:mod:`m2m.store.breaker`): calls
then skip the store at once (a miss, counted in ``stats.bypassed``) until a back-off ends, when one
call probes it; the back-off doubles up to ``max_backoff`` while probes fail, and the store is used
again as soon as one succeeds. A value that does not decode or does not hash to its key is a miss
and an error, never returned.

Event loops: the client and its pool belong to the first event loop that uses the store. Make one
store per process (per event loop), inside the running loop (the ASGI lifespan startup), and close
it with :meth:`RedisStore.aclose` at shutdown. A call from another loop is a miss and an error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, TypeVar

from valkey.asyncio import BlockingConnectionPool, Valkey
from valkey.asyncio.connection import Connection, SSLConnection, UnixDomainSocketConnection
from valkey.exceptions import TimeoutError as ValkeyTimeoutError

from m2m.codec.delta import content_hash
from m2m.errors import CodecError, ConfigError
from m2m.store.address import StoreAddress, parse_url
from m2m.store.base import (
    DEFAULT_MAX_VALUE_BYTES,
    DEFAULT_TIMEOUT,
    DEFAULT_TTL_SECONDS,
    StoreStats,
    is_key,
)
from m2m.store.breaker import DEFAULT_BACKOFF, DEFAULT_MAX_BACKOFF, CircuitBreaker, Ticket
from m2m.store.value import decode_value, encode_value

__all__ = ["DEFAULT_MAX_CONNECTIONS", "KEY_PREFIX", "RedisStore"]

KEY_PREFIX: Final = "m2m:delta:v1:"
# Connections per process: enough for every request in flight to look up at once on a busy
# worker; beyond it calls wait for a free one (within their timeout).
DEFAULT_MAX_CONNECTIONS: Final = 64

_log = logging.getLogger("m2m.store")
_T = TypeVar("_T")


def key_name(scope: str, key: str) -> str:
    """The server-side name of ``key`` in ``scope``."""
    return f"{KEY_PREFIX}{{{scope}}}:{key}"


class RedisStore:
    """A :class:`~m2m.store.base.DeltaStore` on a Redis or Valkey server (see the module doc)."""

    def __init__(
        self,
        url: str,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES,
        timeout: float = DEFAULT_TIMEOUT,
        ca_file: str | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        backoff: float = DEFAULT_BACKOFF,
        max_backoff: float = DEFAULT_MAX_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.address: StoreAddress = parse_url(url)
        _positive(ttl_seconds, "proxy.delta.ttl_seconds")
        _positive(max_value_bytes, "proxy.delta.max_value_bytes")
        _positive(timeout, "proxy.delta.store_timeout")
        _positive(max_connections, "proxy.delta.store_max_connections")
        if ca_file is not None and not self.address.tls:
            raise ConfigError(
                "a CA file only applies to rediss:// or valkeys:// URLs", key="proxy.delta.store_ca_file"
            )
        self.ttl_seconds = ttl_seconds
        self.max_value_bytes = max_value_bytes
        self.timeout = timeout
        self.ca_file = ca_file
        self.max_connections = max_connections
        self.stats = StoreStats()
        self.closed = False
        self._ttl_ms = max(1, round(ttl_seconds * 1000))
        self._breaker = CircuitBreaker(backoff=backoff, max_backoff=max_backoff)
        self._clock = clock
        self._client: Valkey | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._foreign_loop_logged = False

    def __repr__(self) -> str:
        return f"RedisStore({self.address.redacted()!r}, ttl={self.ttl_seconds}, timeout={self.timeout})"

    @property
    def circuit_open(self) -> bool:
        """True while the store is being skipped after a failure."""
        return self._breaker.is_open

    @property
    def available(self) -> bool:
        """False while closed or while the breaker skips calls; True again once a probe may go."""
        return not self.closed and not self._breaker.blocks(self._clock())

    def connection_kwargs(self) -> dict[str, Any]:
        """What each pooled connection is made with (shown for tests and diagnostics)."""
        address = self.address
        kwargs: dict[str, Any] = {
            "db": address.db,
            "username": address.username,
            "password": address.password,
            # Every call runs inside asyncio.timeout(self.timeout), which also cuts a read short
            # (the client then drops the connection); a second timer per read would only cost.
            "socket_timeout": None,
            "socket_connect_timeout": self.timeout,
            # The breaker decides when to try again; a retry inside one call only adds waiting.
            "retry_on_timeout": False,
            "health_check_interval": 0,
        }
        if address.transport == "unix":
            kwargs["connection_class"] = UnixDomainSocketConnection
            kwargs["path"] = address.path
            return kwargs
        kwargs["host"] = address.host
        kwargs["port"] = address.port
        if address.tls:
            kwargs["connection_class"] = SSLConnection
            # The system CAs (ssl.create_default_context) unless a CA file is given; the name the
            # certificate is for must be the host of the URL.
            kwargs["ssl_cert_reqs"] = "required"
            kwargs["ssl_check_hostname"] = True
            kwargs["ssl_ca_certs"] = self.ca_file
        else:
            kwargs["connection_class"] = Connection
        return kwargs

    def _connection(self) -> Valkey | None:
        loop = asyncio.get_running_loop()
        if self._client is None:
            pool = BlockingConnectionPool(
                max_connections=self.max_connections,
                timeout=self.timeout,  # type: ignore[arg-type]  # annotated int, takes seconds as float
                **self.connection_kwargs(),
            )
            self._client = Valkey(connection_pool=pool)
            self._loop = loop
        elif loop is not self._loop:
            if not self._foreign_loop_logged:
                self._foreign_loop_logged = True
                _log.error("a RedisStore was used from a second event loop; make one store per loop")
            return None
        return self._client

    async def _call(self, op: Callable[[Valkey], Awaitable[_T]]) -> _T | None:
        """``op`` on the server within the timeout, through the breaker; None when it failed or was
        skipped. Never raises, except the caller's own cancellation."""
        if self.closed:
            self.stats.bypassed += 1
            return None
        ticket = self._breaker.admit(self._clock())
        if ticket is Ticket.DENY:
            self.stats.bypassed += 1
            return None
        start = time.perf_counter()
        settled = False
        try:
            client = self._connection()
            if client is None:
                self.stats.errors += 1
                return None
            async with asyncio.timeout(self.timeout):
                result = await op(client)
            settled = True
            if ticket is Ticket.PROBE:
                _log.info("shared delta store %s answers again", self.address.redacted())
            self._breaker.success(ticket)
            return result
        except (TimeoutError, ValkeyTimeoutError):
            settled = True
            self.stats.timeouts += 1
            self._failed(ticket, "timeout")
        except Exception as exc:  # any store trouble is a miss, never the caller's error
            settled = True
            self.stats.errors += 1
            self._failed(ticket, type(exc).__name__)
        finally:
            if not settled:
                self._breaker.release(ticket)
            self.stats.observe(time.perf_counter() - start)
        return None

    def _failed(self, ticket: Ticket, reason: str) -> None:
        opens = self._breaker.opens
        self._breaker.failure(ticket, self._clock())
        if self._breaker.opens != opens:
            self.stats.circuit_opens += 1
            _log.warning(
                "shared delta store %s failed (%s); skipping it for %.2fs, then probing",
                self.address.redacted(),
                reason,
                self._breaker.backoff,
            )

    async def get_many(self, scope: str, keys: Sequence[str]) -> list[bytes | None]:
        found: list[bytes | None] = [None] * len(keys)
        wanted = [i for i, key in enumerate(keys) if is_key(key)]
        names = [key_name(scope, keys[i]) for i in wanted]
        ttl_ms = self._ttl_ms

        async def lookup(client: Valkey) -> list[Any]:
            async with client.pipeline(transaction=False) as pipe:
                for name in names:
                    pipe.getex(name, px=ttl_ms)
                return await pipe.execute(raise_on_error=False)  # type: ignore[no-any-return]

        blobs = await self._call(lookup) if wanted else None
        if blobs is not None:
            for i, blob in zip(wanted, blobs, strict=True):
                found[i] = self._checked(keys[i], blob)
        hits = sum(value is not None for value in found)
        self.stats.hits += hits
        self.stats.misses += len(found) - hits
        return found

    def _checked(self, key: str, blob: object) -> bytes | None:
        if blob is None:
            return None
        if not isinstance(blob, bytes):
            # A per-key error (WRONGTYPE: something else lives under our name).
            self.stats.errors += 1
            return None
        try:
            value = decode_value(blob, max_bytes=self.max_value_bytes)
        except CodecError:
            self.stats.errors += 1
            return None
        if content_hash(value) != key:
            self.stats.errors += 1
            return None
        return value

    async def put(self, scope: str, key: str, data: bytes) -> None:
        if len(data) > self.max_value_bytes:
            self.stats.skipped += 1
            return
        if not is_key(key) or content_hash(data) != key:
            # The caller named the value wrongly; a read would reject it anyway.
            self.stats.errors += 1
            return
        if self.closed or self._breaker.blocks(self._clock()):
            # Checked before compressing, so a dead store costs no CPU; _call checks again.
            self.stats.bypassed += 1
            return
        name = key_name(scope, key)
        value = encode_value(data)
        ttl_ms = self._ttl_ms

        async def store(client: Valkey) -> Any:
            return await client.set(name, value, px=ttl_ms)

        if await self._call(store):
            self.stats.puts += 1

    async def ping(self) -> bool:
        """One PING within the timeout, whether or not the breaker is open; a success closes it."""
        if self.closed:
            return False
        try:
            client = self._connection()
            if client is None:
                return False
            async with asyncio.timeout(self.timeout):
                ok = bool(await client.ping())
        except (TimeoutError, ValkeyTimeoutError):
            self.stats.timeouts += 1
            self._failed(Ticket.PASS, "timeout")
            return False
        except Exception as exc:  # readiness answers False, never raises
            self.stats.errors += 1
            self._failed(Ticket.PASS, type(exc).__name__)
            return False
        if ok:
            self._breaker.reset()
        return ok

    async def aclose(self) -> None:
        """Close the pool's connections; later calls are misses. Safe to call twice."""
        self.closed = True
        client, self._client = self._client, None
        if client is None:
            return
        try:
            async with asyncio.timeout(max(self.timeout, 1.0)):
                await client.aclose()
                await client.connection_pool.disconnect()
        except Exception:  # closing a dead store is not the caller's error
            _log.debug("closing the shared delta store failed", exc_info=True)


def _positive(value: float, key: str) -> None:
    if not value > 0:
        raise ConfigError(f"must be positive, got {value!r}", key=key)
