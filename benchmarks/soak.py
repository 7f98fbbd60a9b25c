"""Soak: hundreds of thousands of mixed requests through one proxy, then 1000 slow SSE streams.

    python benchmarks/soak.py                         # 300k+ requests (wrk), then 1000 streams
    python benchmarks/soak.py --duration 60 --streams 200

Phase 1 (wrk, one Lua script): chat (JSON), chat streamed (SSE), embeddings, models, and bad
requests: malformed JSON (400), oversize bodies (413, the proxy runs with --max-body-bytes 64 KiB),
bad paths (400/404). Reports requests, req/s, latency p50/p99, statuses, socket errors, and the
proxy's RSS and open descriptors sampled every second (start, peak, end, and the growth over the
second half, where a leak would show).

Phase 2: ``--streams`` clients each hold a streamed chat open while the upstream sends an event
every ``--sse-interval-ms`` for ``--sse-events`` events; a probe client meanwhile sends small
requests one after another. Reports the proxy's RSS and descriptors at the peak, the probe's
latency, and how many streams completed.

The proxy is this tree's (or ``--src``'s) in a subprocess; the upstream is
benchmarks/fake_upstream_fast.py; the machine's load is printed with the results.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from hostile.harness import MiB, ProxyProcess, free_port, http  # noqa: E402

MAX_BODY = 64 * 1024

LUA = r"""
local head = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"'
local chat = head .. 'What is the capital of France? Answer briefly."}]}'
local stream = '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Count to five."}]}'
local embed = '{"model":"text-embedding-3-small","input":"The quick brown fox jumps over the lazy dog"}'
local broken = head .. 'unterminated'
local big = head .. string.rep("x", BIGSIZE) .. '"}]}'
local json = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer sk-soak"}
local plain = {["Authorization"] = "Bearer sk-soak"}
-- 20 slots: 8 chat, 3 streamed, 3 embeddings, 3 models, 1 malformed, 1 oversize, 1 bad path
local plan = {}
local function add(n, req) for _ = 1, n do plan[#plan + 1] = req end end
add(8, wrk.format("POST", "/v1/chat/completions", json, chat))
add(3, wrk.format("POST", "/v1/chat/completions", json, stream))
add(3, wrk.format("POST", "/v1/embeddings", json, embed))
add(3, wrk.format("GET", "/v1/models", plain))
add(1, wrk.format("POST", "/v1/chat/completions", json, broken))
add(1, wrk.format("POST", "/v1/chat/completions", json, big))
local bad = {"/v1/../etc/passwd", "/admin", "/v1/%2e%2e/x", "/v1\\x"}
local n = 0
local threads = {}
function setup(thread) thread:set("id", #threads); threads[#threads + 1] = thread end
function init(args) n = id * 7; statuses = {} end
function request()
  n = n + 1
  local i = n % 20 + 1
  if i == 20 then
    return wrk.format("GET", bad[math.floor(n / 20) % #bad + 1], plain)
  end
  return plan[i]
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do all[k] = (all[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(all) do parts[#parts + 1] = k .. "=" .. v end
  io.write("STATUSES " .. table.concat(parts, ",") .. "\n")
  io.write(string.format("LATENCY %d %d %d %d\n", latency:percentile(50), latency:percentile(99),
    latency:percentile(99.9), latency.max))
  local e = summary.errors
  io.write(string.format("TOTAL %d %d %d %d %d %d\n", summary.requests, summary.duration, e.connect,
    e.read, e.write, e.timeout))
end
"""


class Sampler:
    def __init__(self, proxy: ProxyProcess, every: float = 1.0) -> None:
        self.proxy = proxy
        self.every = every
        self.samples: list[tuple[float, int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        t0 = time.monotonic()
        while not self._stop.is_set():
            try:
                self.samples.append((time.monotonic() - t0, self.proxy.rss(), self.proxy.fds()))
            except (OSError, KeyError):
                return
            self._stop.wait(self.every)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def report(self) -> dict[str, str]:
        s = self.samples
        rss = [x[1] for x in s]
        fds = [x[2] for x in s]
        half = s[len(s) // 2 :]
        return {
            "RSS start / peak / end": f"{rss[0] / MiB:.0f} / {max(rss) / MiB:.0f} / {rss[-1] / MiB:.0f} MiB",
            "RSS growth over the second half": f"{(half[-1][1] - half[0][1]) / MiB:+.1f} MiB",
            "open fds start / peak / end": f"{fds[0]} / {max(fds)} / {fds[-1]}",
        }


def start_upstream(events: int, interval_ms: float) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "fake_upstream_fast.py"),
            "--port",
            str(port),
            "--sse-events",
            str(events),
            "--sse-interval-ms",
            str(interval_ms),
            "--max-seconds",
            "3600",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    assert line.startswith("READY"), line
    return proc, port


def phase_requests(args: argparse.Namespace) -> list[tuple[str, str]]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    upstream, port = start_upstream(5, 1.0)
    proxy = ProxyProcess(
        f"http://127.0.0.1:{port}/v1", flags=("--max-body-bytes", str(MAX_BODY)), src=args.src
    ).wait_ready()
    rows: list[tuple[str, str]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "soak.lua"
            script.write_text(LUA.replace("BIGSIZE", str(MAX_BODY + 1024)))
            http(proxy.port, "GET", "/v1/models")
            with Sampler(proxy) as sampler:
                out = subprocess.run(
                    [
                        wrk,
                        "-t2",
                        f"-c{args.connections}",
                        f"-d{args.duration}s",
                        "-s",
                        str(script),
                        proxy.url,
                    ],
                    capture_output=True,
                    text=True,
                    timeout=args.duration + 120,
                )
            text = out.stdout
            total = re.search(r"TOTAL (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", text)
            latency = re.search(r"LATENCY (\d+) (\d+) (\d+) (\d+)", text)
            statuses = re.search(r"STATUSES (\S*)", text)
            if not (total and latency and statuses):
                raise SystemExit(f"wrk gave no result:\n{text}\n{out.stderr}")
            requests, micros = int(total[1]), int(total[2])
            counts = dict(item.split("=") for item in statuses[1].split(",") if item)
            rows += [
                (
                    "requests",
                    f"{requests:,} in {micros / 1e6:.0f} s ({args.connections} connections, wrk -t2)",
                ),
                ("req/s", f"{requests / (micros / 1e6):,.0f}"),
                (
                    "latency p50 / p99 / p99.9 / max",
                    " / ".join(f"{int(latency[i]) / 1000:.1f}" for i in range(1, 5)) + " ms",
                ),
                ("statuses", ", ".join(f"{k}: {int(v):,}" for k, v in sorted(counts.items()))),
                ("socket errors (connect/read/write/timeout)", "/".join(total[i] for i in range(3, 7))),
                ("5xx", f"{sum(int(v) for k, v in counts.items() if k.startswith('5')):,}"),
            ]
            rows += list(sampler.report().items())
    finally:
        proxy.stop()
        upstream.kill()
        upstream.wait()
    return rows


async def _stream(port: int, body: bytes, done: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = (
            b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n\r\n" % len(body)
        )
        writer.write(head + body)
        await writer.drain()
        data = b""
        while b"data: [DONE]" not in data:
            chunk = await reader.read(65536)
            if not chunk:
                break
            data = data[-64:] + chunk
        if b"data: [DONE]" in data:
            done[0] += 1
    finally:
        writer.close()


def phase_streams(args: argparse.Namespace) -> list[tuple[str, str]]:
    upstream, port = start_upstream(args.sse_events, args.sse_interval_ms)
    proxy = ProxyProcess(f"http://127.0.0.1:{port}/v1", src=args.src).wait_ready()
    body = json.dumps(
        {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "Count slowly."}]}
    ).encode()
    latencies: list[float] = []
    slow: list[tuple[float, float]] = []  # (seconds into the phase, ms) of probes over 100 ms
    done = [0]
    stop = threading.Event()
    begin = time.perf_counter()

    def probe() -> None:
        while not stop.is_set():
            t0 = time.perf_counter()
            r = http(proxy.port, "GET", "/v1/models", timeout=30)
            if r.status == 200:
                latencies.append((time.perf_counter() - t0) * 1000)
                if latencies[-1] > 100:
                    slow.append((t0 - begin, latencies[-1]))
            stop.wait(0.02)

    async def run() -> None:
        await asyncio.gather(*(_stream(proxy.port, body, done) for _ in range(args.streams)))

    try:
        start_rss, start_fds, start_cpu = proxy.rss(), proxy.fds(), proxy.cpu()
        with Sampler(proxy, every=0.25) as sampler:
            thread = threading.Thread(target=probe, daemon=True)
            thread.start()
            t0 = time.monotonic()
            asyncio.run(run())
            seconds = time.monotonic() - t0
            stop.set()
            thread.join(30)
        rss = max(x[1] for x in sampler.samples)
        fds = max(x[2] for x in sampler.samples)
        end_rss, end_fds, cpu = proxy.rss(), proxy.fds(), proxy.cpu() - start_cpu
        lat = sorted(latencies)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan")
        return [
            (
                "streams",
                f"{args.streams} at once, {args.sse_events} events {args.sse_interval_ms:.0f} ms apart "
                f"({seconds:.1f} s); completed: {done[0]}",
            ),
            ("proxy CPU", f"{cpu:.1f} s in {seconds:.1f} s ({cpu / seconds:.0%} of a core)"),
            (
                "RSS before / peak / after",
                f"{start_rss / MiB:.0f} / {rss / MiB:.0f} / {end_rss / MiB:.0f} MiB",
            ),
            ("open fds before / peak / after", f"{start_fds} / {fds} / {end_fds}"),
            (
                "probe GET /v1/models meanwhile",
                f"{len(lat)} requests, p50 {statistics.median(lat):.1f} ms, p99 {p99:.1f} ms"
                if lat
                else "none",
            ),
            ("probes over 100 ms (at s: ms)", ", ".join(f"{t:.1f}: {ms:.0f}" for t, ms in slow) or "none"),
        ]
    finally:
        proxy.stop()
        upstream.kill()
        upstream.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", help="run the proxy from another tree's src/")
    ap.add_argument("--duration", type=int, default=150, help="seconds of wrk (phase 1)")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--streams", type=int, default=1000)
    ap.add_argument("--sse-events", type=int, default=20)
    ap.add_argument("--sse-interval-ms", type=float, default=500.0)
    ap.add_argument("--skip-requests", action="store_true")
    args = ap.parse_args()
    print(f"# soak: {time.strftime('%Y-%m-%d %H:%M')}, load {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    if not args.skip_requests:
        print("\n| phase 1: mixed requests | |\n|---|---|")
        for name, value in phase_requests(args):
            print(f"| {name} | {value} |", flush=True)
    if args.streams:
        print("\n| phase 2: slow SSE streams | |\n|---|---|")
        for name, value in phase_streams(args):
            print(f"| {name} | {value} |", flush=True)
    print(f"\nload after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
