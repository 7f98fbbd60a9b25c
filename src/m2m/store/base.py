"""What every store offers (:class:`DeltaStore`) and counts (:class:`StoreStats`)."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol, runtime_checkable

from m2m.codec.delta import HASH_CHARS

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ENTRIES",
    "DEFAULT_MAX_VALUE_BYTES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TTL_SECONDS",
    "LATENCY_SAMPLES",
    "DeltaStore",
    "StoreStats",
    "is_key",
]

# Same defaults as the per-process cache the proxy has had so far ([proxy.delta]).
DEFAULT_TTL_SECONDS: Final = 600.0
DEFAULT_MAX_ENTRIES: Final = 1024
DEFAULT_MAX_BYTES: Final = 256 * 1024 * 1024
# A long agent conversation with tool schemas is hundreds of KiB per turn; past a few MiB a value
# costs the shared store more transfer time than the timeout allows, and a full resend is cheaper.
DEFAULT_MAX_VALUE_BYTES: Final = 4 * 1024 * 1024
# A loopback or same-zone round trip is well under a millisecond; a store slower than this costs
# the request more than the delta saves.
DEFAULT_TIMEOUT: Final = 0.05
# Recent call latencies kept for percentiles: enough for a stable p99, bounded memory.
LATENCY_SAMPLES: Final = 1024

_KEY_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def is_key(key: str) -> bool:
    """True when ``key`` has the shape of a content hash (:func:`m2m.codec.delta.content_hash`)."""
    return len(key) == HASH_CHARS and all(c in _KEY_CHARS for c in key)


@dataclass(slots=True)
class StoreStats:
    """Counters of one store instance; the caller reads them, the store only adds.

    ``hits``/``misses`` count keys (a key not fetched because of an error is a miss too);
    ``errors`` count failed calls and values that failed their check; ``timeouts`` count calls
    that ran out of time (not in ``errors``); ``puts`` values stored; ``skipped`` values not stored
    because they were over the size bound; ``bypassed`` calls not made because the store was
    known to be down (circuit open); ``circuit_opens`` how often that state was entered.
    """

    hits: int = 0
    misses: int = 0
    errors: int = 0
    timeouts: int = 0
    puts: int = 0
    skipped: int = 0
    bypassed: int = 0
    circuit_opens: int = 0
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_SAMPLES))

    def observe(self, seconds: float) -> None:
        """One call that reached the store took ``seconds``."""
        self.latencies.append(seconds)

    def latency_quantile(self, q: float) -> float | None:
        """The ``q`` quantile (0..1, nearest rank) of the recent call latencies in seconds."""
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    def snapshot(self) -> dict[str, float | int]:
        """The counters and latency percentiles (ms) as a flat mapping, for /stats and metrics."""
        out: dict[str, float | int] = {
            "hits": self.hits,
            "misses": self.misses,
            "errors": self.errors,
            "timeouts": self.timeouts,
            "puts": self.puts,
            "skipped": self.skipped,
            "bypassed": self.bypassed,
            "circuit_opens": self.circuit_opens,
        }
        for name, q in (("latency_p50_ms", 0.5), ("latency_p99_ms", 0.99)):
            value = self.latency_quantile(q)
            out[name] = 0.0 if value is None else round(value * 1000, 3)
        return out


@runtime_checkable
class DeltaStore(Protocol):
    """Where the receiving proxy keeps recent requests and replies by content hash.

    ``scope`` is the tenant (:func:`m2m.codec.delta.scope_of`); ``key`` is the content hash of the
    value. Lookups never cross scopes. No method raises on store trouble: ``get_many`` gives None
    for anything it cannot fetch (absent, expired, timeout, connection error, a value that does not
    hash to its key), ``put`` drops what it cannot store. Callers fall back to a full resend.
    """

    stats: StoreStats

    @property
    def available(self) -> bool:
        """False while calls are skipped (closed, or known to be down until its next probe): a
        receiver then does not promise its peer to keep bases, and the peer sends in full."""
        ...

    async def get_many(self, scope: str, keys: Sequence[str]) -> list[bytes | None]:
        """The value of each key, in order; None for each one not available now."""
        ...

    async def put(self, scope: str, key: str, data: bytes) -> None:
        """Keep ``data`` under ``key`` (its content hash) for the store's TTL."""
        ...

    async def ping(self) -> bool:
        """True when the store answers now (for readiness and health reports)."""
        ...

    async def aclose(self) -> None:
        """Release connections; later calls behave as if the store were down."""
        ...
