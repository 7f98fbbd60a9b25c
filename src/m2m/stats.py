"""Proxy statistics: cheap counters on the hot path, Prometheus metrics and a JSON snapshot.

A request only adds to plain Python numbers; :meth:`Stats.flush` moves them into Prometheus
metrics (every ``FLUSH_SECONDS`` from a background task, and before every read). With several
worker processes the metrics live in ``prometheus_client``'s multiprocess files, so ``/metrics``
and ``/stats`` of any worker show the sum over all workers (other workers' numbers may lag by up to
``FLUSH_SECONDS``). The caller owns the instance.

Byte and token fields (see docs/bench/proxy-notes.md):

- ``bytes_in``: request and response bodies in their standard JSON/SSE form.
- ``bytes_out``: the same bodies as they crossed the M2M side (the upstream link in client role,
  the client link for M2M clients). Equal to ``bytes_in`` when no peer speaks M2M.
- ``compression_ratio`` = bytes_out / bytes_in (lower is better; 1.0 = no compression).
- ``tokens_original`` / ``tokens_sent``: prompt tokens of each chat request as the client meant it
  and as the model behind the upstream reads it. Wire compression does not change what the model
  reads, so these differ only when ``--optimize`` changed the prompt.
- Latency is the time from the request's arrival to the response head (for a stream: to the head,
  not to the last event); ``p99_latency_ms`` is estimated from histogram buckets.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["LATENCY_BUCKETS", "Stats"]

FLUSH_SECONDS = 0.5
# Seconds. Fine below 10 ms, where the proxy's own cost lives, coarse above for slow upstreams.
LATENCY_BUCKETS = (
    0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075,
    0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75,
    1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 60.0, 120.0, 300.0,
)  # fmt: skip

_COUNTERS = (
    "bytes_in",
    "bytes_out",
    "tokens_original",
    "tokens_sent",
    "security_scanned",
    "security_flagged",
    "security_blocked",
)


class Stats:
    """Counters for one proxy process; ``multiprocess_dir`` set means "sum over workers"."""

    def __init__(self, *, multiprocess_dir: str | None = None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self._multiprocess_dir = multiprocess_dir
        if multiprocess_dir is not None and os.environ.get("PROMETHEUS_MULTIPROC_DIR") != multiprocess_dir:
            raise RuntimeError("PROMETHEUS_MULTIPROC_DIR must be set before prometheus_client is imported")
        self._registry = CollectorRegistry(auto_describe=True)
        reg = self._registry
        self._requests = Counter(
            "m2m_requests", "Requests answered, by HTTP status", ["status"], registry=reg
        )
        self._routes = Counter("m2m_route_requests", "Requests answered, by route", ["route"], registry=reg)
        self._deltas = Counter(
            "m2m_delta_events",
            "Conversation deltas: sent, refused, full_resend (client role); accepted, base_missing (server)",
            ["role", "event"],
            registry=reg,
        )
        self._store_events = Counter(
            "m2m_store_events",
            "Delta store calls by outcome (hits, misses, errors, timeouts, ...)",
            ["event"],
            registry=reg,
        )
        self._counters = {name: Counter(f"m2m_{name}", _HELP[name], registry=reg) for name in _COUNTERS}
        self._latency = Histogram(
            "m2m_request_latency_seconds",
            "Time from request arrival to response head",
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self._pending_status: dict[int, int] = {}
        self._pending_routes: dict[str, int] = {}
        self._pending_deltas: dict[tuple[str, str], int] = {}
        self._pending: dict[str, int] = dict.fromkeys(_COUNTERS, 0)
        # Latencies are counted per bucket here and added to the histogram per bucket at flush:
        # observing each one there would block the loop for milliseconds every flush under load.
        self._pending_buckets = [0] * (len(LATENCY_BUCKETS) + 1)
        self._pending_latency_sum = 0.0
        self._store_counts: Callable[[], Mapping[str, float]] | None = None
        self._store_reported: dict[str, int] = {}

    # -- hot path: plain arithmetic only ----------------------------------------------------

    def record(
        self,
        status: int,
        latency: float,
        *,
        route: str = "other",
        bytes_in: int = 0,
        bytes_out: int = 0,
        tokens_original: int = 0,
        tokens_sent: int = 0,
    ) -> None:
        pending = self._pending
        self._pending_status[status] = self._pending_status.get(status, 0) + 1
        self._pending_routes[route] = self._pending_routes.get(route, 0) + 1
        pending["bytes_in"] += bytes_in
        pending["bytes_out"] += bytes_out
        pending["tokens_original"] += tokens_original
        pending["tokens_sent"] += tokens_sent
        self._pending_buckets[bisect.bisect_left(LATENCY_BUCKETS, latency)] += 1
        self._pending_latency_sum += latency

    def add_bytes(self, bytes_in: int, bytes_out: int) -> None:
        """Bytes of a response body finished after :meth:`record` (streams)."""
        self._pending["bytes_in"] += bytes_in
        self._pending["bytes_out"] += bytes_out

    def delta(self, role: str, event: str) -> None:
        """One conversation-delta event of ``role`` ("client" or "server")."""
        key = (role, event)
        self._pending_deltas[key] = self._pending_deltas.get(key, 0) + 1

    def store_events(self, counts: dict[str, int]) -> None:
        """Add delta-store outcome counts (hits, misses, errors, ...) since the last call."""
        for event, n in counts.items():
            if n > 0:
                self._store_events.labels(event).inc(n)

    def track_store(self, counts: Callable[[], Mapping[str, float]] | None) -> None:
        """Read the delta store's running counts (``StoreStats.snapshot``) at every flush, so
        ``/metrics`` and ``/stats`` show them as of the read; None stops. Counts start from zero
        for a newly tracked store."""
        self._store_counts = counts
        self._store_reported = {}

    def record_scan(self, *, flagged: bool, blocked: bool) -> None:
        pending = self._pending
        pending["security_scanned"] += 1
        pending["security_flagged"] += flagged
        pending["security_blocked"] += blocked

    # -- off the hot path --------------------------------------------------------------------

    def _flush_store(self) -> None:
        counts = self._store_counts
        if counts is None:
            return
        now = {k: int(v) for k, v in counts().items() if isinstance(v, int)}
        reported = self._store_reported
        self.store_events({k: v - reported.get(k, 0) for k, v in now.items()})
        self._store_reported = now

    def flush(self) -> None:
        self._flush_store()
        statuses, self._pending_status = self._pending_status, {}
        for status, n in statuses.items():
            self._requests.labels(str(status)).inc(n)
        routes, self._pending_routes = self._pending_routes, {}
        for route, n in routes.items():
            self._routes.labels(route).inc(n)
        deltas, self._pending_deltas = self._pending_deltas, {}
        for (role, event), n in deltas.items():
            self._deltas.labels(role, event).inc(n)
        for name, n in self._pending.items():
            if n:
                self._counters[name].inc(n)
                self._pending[name] = 0
        counts, self._pending_buckets = self._pending_buckets, [0] * (len(LATENCY_BUCKETS) + 1)
        total, self._pending_latency_sum = self._pending_latency_sum, 0.0
        if any(counts):
            self._add_latencies(counts, total)

    def _add_latencies(self, counts: list[int], total: float) -> None:
        histogram: Any = self._latency
        buckets = getattr(histogram, "_buckets", None)
        value_sum = getattr(histogram, "_sum", None)
        if buckets is not None and value_sum is not None and len(buckets) == len(counts):
            # prometheus_client keeps non-cumulative per-bucket values (observe() adds 1 to one)
            for bucket, n in zip(buckets, counts, strict=True):
                if n:
                    bucket.inc(n)
            value_sum.inc(total)
            return
        # Another prometheus_client layout: observe each bucket's bound (the sum stays exact
        # only to within a bucket).
        bounds = (*LATENCY_BUCKETS, LATENCY_BUCKETS[-1])
        for bound, n in zip(bounds, counts, strict=True):
            for _ in range(n):
                histogram.observe(bound)

    def _collect(self) -> list[Any]:
        self.flush()
        if self._multiprocess_dir is None:
            return list(self._registry.collect())
        from prometheus_client import CollectorRegistry
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self._multiprocess_dir)  # type: ignore[no-untyped-call]
        return list(registry.collect())

    def metrics(self) -> bytes:
        """Prometheus text exposition format."""
        from prometheus_client import generate_latest

        self.flush()
        if self._multiprocess_dir is None:
            return generate_latest(self._registry)
        from prometheus_client import CollectorRegistry
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self._multiprocess_dir)  # type: ignore[no-untyped-call]
        return generate_latest(registry)

    def snapshot(self) -> dict[str, Any]:
        """The ``/stats`` JSON."""
        totals: dict[str, float] = {}
        by_status: dict[str, float] = {}
        by_route: dict[str, float] = {}
        delta_counts: dict[tuple[str, str], float] = {}
        store: dict[str, float] = {}
        buckets: dict[float, float] = {}
        latency_sum = 0.0
        latency_count = 0.0
        for family in self._collect():
            for sample in family.samples:
                name = sample.name
                if name == "m2m_requests_total":
                    status = sample.labels["status"]
                    by_status[status] = by_status.get(status, 0) + sample.value
                elif name == "m2m_route_requests_total":
                    route = sample.labels["route"]
                    by_route[route] = by_route.get(route, 0) + sample.value
                elif name == "m2m_delta_events_total":
                    key = (sample.labels["role"], sample.labels["event"])
                    delta_counts[key] = delta_counts.get(key, 0) + sample.value
                elif name == "m2m_store_events_total":
                    event = sample.labels["event"]
                    store[event] = store.get(event, 0) + sample.value
                elif name == "m2m_request_latency_seconds_bucket":
                    le = float(sample.labels["le"])
                    buckets[le] = buckets.get(le, 0) + sample.value
                elif name == "m2m_request_latency_seconds_sum":
                    latency_sum += sample.value
                elif name == "m2m_request_latency_seconds_count":
                    latency_count += sample.value
                elif name.endswith("_total") and name.startswith("m2m_"):
                    key = name[4:-6]
                    totals[key] = totals.get(key, 0) + sample.value
        requests = int(sum(by_status.values()))
        bytes_in = int(totals.get("bytes_in", 0))
        bytes_out = int(totals.get("bytes_out", 0))
        tokens_original = int(totals.get("tokens_original", 0))
        tokens_sent = int(totals.get("tokens_sent", 0))
        tokens_saved = tokens_original - tokens_sent
        errors = {k: int(v) for k, v in sorted(by_status.items()) if int(k) >= 400 and v}
        deltas: dict[str, dict[str, int]] = {}
        for (role, event), n in sorted(delta_counts.items()):
            deltas.setdefault(role, {})[event] = int(n)
        return {
            "requests_total": requests,
            "bytes_in": bytes_in,
            "bytes_out": bytes_out,
            "bytes_saved": bytes_in - bytes_out,
            "compression_ratio": round(bytes_out / bytes_in, 4) if bytes_in else 1.0,
            "avg_latency_ms": round(latency_sum / latency_count * 1000, 3) if latency_count else 0.0,
            "p99_latency_ms": round(_quantile(buckets, 0.99) * 1000, 3),
            "tokens_original": tokens_original,
            "tokens_sent": tokens_sent,
            "tokens_saved": tokens_saved,
            "savings_percent": round(tokens_saved / tokens_original * 100, 2) if tokens_original else 0.0,
            "security": {
                "scanned": int(totals.get("security_scanned", 0)),
                "flagged": int(totals.get("security_flagged", 0)),
                "blocked": int(totals.get("security_blocked", 0)),
            },
            "errors_by_status": errors,
            "requests_by_route": {k: int(v) for k, v in sorted(by_route.items())},
            "deltas": deltas,
            "store": {k: int(v) for k, v in sorted(store.items())},
            "workers_aggregated": self._multiprocess_dir is not None,
        }


_HELP = {
    "bytes_in": "Body bytes in standard JSON/SSE form",
    "bytes_out": "The same body bytes as sent on the M2M side",
    "tokens_original": "Prompt tokens of chat requests as the client sent them",
    "tokens_sent": "Prompt tokens of chat requests as the upstream model reads them",
    "security_scanned": "Requests scanned by the security screen",
    "security_flagged": "Scanned requests with a threat at or above the threshold",
    "security_blocked": "Requests rejected by the security screen",
}


def _quantile(cumulative: dict[float, float], q: float) -> float:
    """Quantile ``q`` from cumulative histogram buckets, interpolated linearly within a bucket."""
    if not cumulative:
        return 0.0
    bounds = sorted(cumulative)
    counts = [cumulative[b] for b in bounds]
    total = counts[-1]
    if total <= 0:
        return 0.0
    rank = q * total
    i = bisect.bisect_left(counts, rank)
    i = min(i, len(bounds) - 1)
    upper = bounds[i]
    lower = bounds[i - 1] if i > 0 else 0.0
    if upper == float("inf"):
        return lower
    below = counts[i - 1] if i > 0 else 0.0
    inside = counts[i] - below
    if inside <= 0:
        return upper
    return lower + (upper - lower) * (rank - below) / inside
