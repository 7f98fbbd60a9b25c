"""Proxy benchmark: m2m proxy against nginx proxy_pass and the LiteLLM proxy, in one run.

Same box, same fake upstream (benchmarks/fake_upstream_fast.py), same load generator (wrk with a
Lua script for the POST body; a raw-socket client for SSE time-to-first-event) for every system:

- added latency at concurrency 1 for a 1 KB chat request (p50, p99), relative to direct-to-upstream;
- throughput at concurrency 64 (req/s) and the ratios m2m/nginx and m2m/LiteLLM;
- added time-to-first-event on a paced SSE stream (proxy minus direct, medians);
- RSS of the m2m proxy (all its processes) idle and after --rss-requests requests.

A peer that is not installed gets a clear "skipped" line. Every server started here listens on
127.0.0.1, runs in its own process group and is stopped at the end.

Peers: ``apt-get install -y wrk nginx-light`` and
``python -m venv /work/venvs/litellm && /work/venvs/litellm/bin/pip install 'litellm[proxy]==1.100.5'``.

Quick run (~1-2 min): ``python benchmarks/bench_proxy.py --quick``.
Full run: ``python benchmarks/bench_proxy.py --litellm-python /work/venvs/litellm/bin/python``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAKE_UPSTREAM = HERE / "fake_upstream_fast.py"
CHAT_PATH = "/v1/chat/completions"


# --------------------------------------------------------------------------------------------------
# request bodies


def chat_body(size: int = 1024, stream: bool = False) -> bytes:
    """A deterministic chat request whose minified JSON is exactly ``size`` bytes."""
    base = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are a concise assistant. Answer in one sentence."},
            {"role": "user", "content": ""},
        ],
        "temperature": 0.2,
        "max_tokens": 64,
        "stream": stream,
    }
    text = (
        "Summarise the following notes for an on-call engineer and say which service to look at "
        "first. The proxy in front of the inference server reported rising latency at 02:10, the "
        "queue depth of the vLLM workers stayed flat, and the load balancer saw no resets. "
    )
    empty = len(json.dumps(base, separators=(",", ":")))
    need = max(0, size - empty)
    content = (text * (need // len(text) + 1))[:need]
    base["messages"][1]["content"] = content  # type: ignore[index]
    out = json.dumps(base, separators=(",", ":")).encode()
    assert len(out) == max(size, empty), len(out)
    return out


# --------------------------------------------------------------------------------------------------
# processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned(cmd: list[str], cpus: str | None) -> list[str]:
    if cpus and shutil.which("taskset"):
        return ["taskset", "-c", cpus, *cmd]
    return cmd


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)
        # workers that outlived their parent are still in the group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def tail(self, n: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


class Procs:
    """Owns every process started by the benchmark; stops them all on exit."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.procs: list[Proc] = []

    def start(
        self, name: str, cmd: list[str], *, env: dict[str, str] | None = None, cwd: str | None = None
    ) -> Proc:
        log = self.workdir / f"{name}.log"
        fh = open(log, "wb")  # noqa: SIM115 - the child owns it
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        p = subprocess.Popen(
            cmd,
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
        )
        fh.close()
        proc = Proc(name, p, log)
        self.procs.append(proc)
        return proc

    def stop(self, proc: Proc) -> None:
        proc.stop()
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self) -> None:
        for p in reversed(self.procs):
            p.stop()
        self.procs.clear()


def http_post(port: int, path: str, body: bytes, timeout: float = 5.0) -> tuple[int, bytes]:
    """One HTTP/1.1 POST on a fresh connection (Connection: close); returns status and raw body."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(
            b"POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer sk-bench\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
            % (path.encode(), port, len(body), body)
        )
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, rest


def wait_ready(proc: Proc, port: int, body: bytes, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.tail()}")
        try:
            status, data = http_post(port, CHAT_PATH, body, timeout=5.0)
            if status == 200 and b"choices" in data:
                return
            last = f"status {status}: {data[:200]!r}"
        except OSError as e:
            last = str(e)
        time.sleep(0.2)
    raise RuntimeError(f"{proc.name} not ready after {timeout:.0f}s ({last}):\n{proc.tail()}")


def group_rss(pgid: int) -> int:
    """Sum of VmRSS (bytes) over every live process in the process group."""
    total = 0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) != pgid:  # pgrp
                continue
            for line in (d / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return total


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) used so far by every live process in the process group."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == pgid:
                total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            continue
    return total / tick


def parse_cpus(spec: str | None) -> set[int] | None:
    if not spec:
        return None
    out: set[int] = set()
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def set_group_affinity(pgid: int, cpus: set[int] | None) -> None:
    """Move every thread of every process in the group to ``cpus``."""
    if not cpus:
        return
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            if int(stat[stat.rindex(")") + 2 :].split()[2]) != pgid:
                continue
            for task in (d / "task").iterdir():
                with contextlib.suppress(OSError):
                    os.sched_setaffinity(int(task.name), cpus)
        except (OSError, ValueError, IndexError):
            continue


# --------------------------------------------------------------------------------------------------
# load generators

WRK_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
local f = io.open("{body_path}", "rb")
wrk.body = f:read("*a")
f:close()
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKRESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d mean_us=%.1f "
    .. "connect=%d read=%d write=%d status=%d timeout=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_us: float
    p90_us: float
    p99_us: float
    mean_us: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class Wrk:
    def __init__(self, workdir: Path, body: bytes, cpus: str | None) -> None:
        self.exe = shutil.which("wrk")
        body_path = workdir / "body.json"
        body_path.write_bytes(body)
        self.script = workdir / "post.lua"
        self.script.write_text(WRK_LUA.replace("{body_path}", str(body_path)))
        self.cpus = cpus

    def run(self, port: int, conc: int, seconds: float, path: str = CHAT_PATH) -> WrkResult:
        if self.exe is None:
            raise RuntimeError("wrk not installed (apt-get install -y wrk)")
        cmd = pinned(
            [
                self.exe,
                "-t1",
                f"-c{conc}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                str(self.script),
                f"http://127.0.0.1:{port}{path}",
            ],
            self.cpus,
        )
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
        for line in out.stdout.splitlines():
            if line.startswith("WRKRESULT"):
                kv = dict(item.split("=") for item in line.split()[1:])
                errors = sum(int(kv[k]) for k in ("connect", "read", "write", "status", "timeout"))
                return WrkResult(
                    requests=int(kv["requests"]),
                    seconds=int(kv["duration_us"]) / 1e6,
                    p50_us=float(kv["p50_us"]),
                    p90_us=float(kv["p90_us"]),
                    p99_us=float(kv["p99_us"]),
                    mean_us=float(kv["mean_us"]),
                    errors=errors,
                )
        raise RuntimeError(f"wrk gave no result: {out.stdout[-500:]} {out.stderr[-500:]}")


def first_event_times(port: int, body: bytes, n: int, timeout: float = 10.0) -> list[float]:
    """Seconds from sending a streaming request to the end of the first SSE ``data:`` event.

    Streams go one after another on one keep-alive connection, as an SDK client's pool does; a
    server that closes after a stream gets a new connection for the next one."""
    req = (
        b"POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
        b"Accept: text/event-stream\r\nAuthorization: Bearer sk-bench\r\nContent-Length: %d\r\n\r\n%s"
        % (CHAT_PATH.encode(), port, len(body), body)
    )
    times: list[float] = []
    s: socket.socket | None = None
    try:
        for _ in range(n):
            if s is None:
                s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            buf = b""
            t0 = time.perf_counter()
            s.sendall(req)
            first: float | None = None
            reusable = False
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
                if first is None:
                    i = buf.find(b"data:")
                    if i >= 0 and any(sep in buf[i:] for sep in (b"\n\n", b"\r\r", b"\r\n\r\n")):
                        first = time.perf_counter() - t0
                if b"[DONE]" in buf and buf.endswith(b"\r\n0\r\n\r\n"):
                    head = buf.partition(b"\r\n\r\n")[0].lower()
                    reusable = b"transfer-encoding: chunked" in head and b"connection: close" not in head
                    break
            if first is None:
                raise RuntimeError(f"no SSE event from port {port}: {buf[:300]!r}")
            times.append(first)
            if not reusable:
                s.close()
                s = None
    finally:
        if s is not None:
            s.close()
    return times


# --------------------------------------------------------------------------------------------------
# systems under test


@dataclass
class System:
    name: str
    cmd: list[str] | None = None  # None: the upstream itself (direct)
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    skip: str | None = None
    ready_timeout: float = 60.0
    port: int = 0


def nginx_system(workdir: Path, upstream_port: int, workers: int) -> System:
    exe = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if exe is None:
        return System("nginx proxy_pass", skip="nginx not installed (apt-get install -y nginx-light)")
    port = free_port()
    prefix = workdir / "nginx"
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    user = "user root;" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"""{user}
worker_processes {workers};
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/tmp/body;
  proxy_temp_path {prefix}/tmp/proxy;
  fastcgi_temp_path {prefix}/tmp/fastcgi;
  uwsgi_temp_path {prefix}/tmp/uwsgi;
  scgi_temp_path {prefix}/tmp/scgi;
  upstream fake_upstream {{ server 127.0.0.1:{upstream_port}; keepalive 256; }}
  server {{
    listen 127.0.0.1:{port} reuseport;
    keepalive_requests 1000000;
    location / {{
      proxy_pass http://fake_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }}
  }}
}}
"""
    )
    return System("nginx proxy_pass", cmd=[exe, "-p", str(prefix), "-c", str(conf)], port=port)


def m2m_system(
    upstream_port: int, workers: int, extra: list[str], *, src: str | None = None, name: str = "m2m proxy"
) -> System:
    """The m2m proxy of this checkout, or (``src``) of another source tree, e.g. a commit before a
    change, run with the same interpreter and dependencies."""
    try:
        import m2m.proxy  # noqa: F401
    except ImportError as e:
        return System(name, skip=f"m2m.proxy not importable ({e})")
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "m2m",
        "proxy",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--upstream",
        f"http://127.0.0.1:{upstream_port}/v1",
        "--workers",
        str(workers),
        "--config",
        os.devnull,  # defaults, not whatever ~/.m2m/config.toml says
        "--log-level",
        "warning",
        *extra,
    ]
    env = {"PYTHONPATH": str(Path(src).resolve())} if src else {}
    return System(name, cmd=cmd, port=port, env=env)


def litellm_system(workdir: Path, python: str | None, upstream_port: int, workers: int) -> System:
    name = "LiteLLM proxy"
    if not python:
        return System(name, skip="not measured (pass --litellm-python /path/to/venv/bin/python)")
    exe = Path(python).parent / "litellm"
    if not Path(python).exists() or not exe.exists():
        return System(
            name,
            skip=f"no litellm next to {python} (python -m venv V && V/bin/pip install "
            "'litellm[proxy]==1.100.5')",
        )
    port = free_port()
    cfg = workdir / "litellm.yaml"
    cfg.write_text(
        f"""model_list:
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: http://127.0.0.1:{upstream_port}/v1
      api_key: sk-bench
litellm_settings:
  drop_params: true
  telemetry: false
"""
    )
    cmd = [
        str(exe),
        "--config",
        str(cfg),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--num_workers",
        str(workers),
    ]
    env = {
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_LOG": "ERROR",
        "LITELLM_DONT_SHOW_FEEDBACK_BOX": "true",
        "DISABLE_SCHEMA_UPDATE": "true",
    }
    return System(name, cmd=cmd, port=port, env=env, ready_timeout=180.0)


# --------------------------------------------------------------------------------------------------
# the run


@dataclass
class Row:
    name: str
    skip: str | None = None
    lat: list[WrkResult] = field(default_factory=list)
    thr: list[WrkResult] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)  # proxy CPU per request at c=N
    ttfe: list[float] = field(default_factory=list)
    rss_idle: int | None = None
    rss_after: int | None = None
    rss_requests: int = 0
    errors: int = 0
    proc: Proc | None = None
    port: int = 0

    @property
    def ok(self) -> bool:
        return self.skip is None and bool(self.lat) and bool(self.thr)

    def p50(self) -> float:
        return statistics.median(r.p50_us for r in self.lat)

    def p99(self) -> float:
        return statistics.median(r.p99_us for r in self.lat)

    def rps(self) -> float:
        return statistics.median(r.rps for r in self.thr)


def _fail(row: Row, e: BaseException) -> None:
    row.skip = f"failed: {(str(e).splitlines() or [type(e).__name__])[0][:160]}"
    if row.proc is not None:
        print(f"# {row.name} log tail:\n{row.proc.tail()}", file=sys.stderr)


def run_all(
    systems: list[System],
    procs: Procs,
    wrk: Wrk,
    args: argparse.Namespace,
    upstream_port: int,
    rss_for: str | None = None,
) -> list[Row]:
    """Start every system, then measure them in interleaved rounds so that load from elsewhere on
    the box spreads over all of them instead of hitting one; report medians over the rounds."""
    body = wrk_body(args)
    stream_body = chat_body(args.body_size, stream=True)
    rows = [Row(s.name, skip=s.skip) for s in systems]
    try:
        for s, row in zip(systems, rows, strict=True):
            if row.skip:
                continue
            try:
                if s.cmd is None:
                    row.port = upstream_port
                    continue
                row.proc = procs.start(
                    s.name.replace(" ", "_").replace("/", "_"),
                    pinned(s.cmd, args.cpus_proxy),
                    env=s.env,
                    cwd=s.cwd,
                )
                row.port = s.port
                wait_ready(row.proc, s.port, body, s.ready_timeout)
            except Exception as e:
                _fail(row, e)
        live = [r for r in rows if not r.skip]
        for row in live:
            try:
                wrk.run(row.port, 8, args.warmup)  # warm pools, caches and lazy imports
                if row.name == rss_for and row.proc is not None:
                    time.sleep(0.5)
                    row.rss_idle = group_rss(row.proc.popen.pid)
                    row.rss_requests = 0
            except Exception as e:
                _fail(row, e)
        per_round = max(1, args.sse_streams // max(1, args.rounds)) if args.sse_streams else 0
        for rnd in range(args.rounds):
            for row in rows:
                if row.skip:
                    continue
                print(f"# round {rnd + 1}/{args.rounds}: {row.name}", file=sys.stderr, flush=True)
                pgid = row.proc.popen.pid if row.proc else 0
                try:
                    # c=1 phases: proxy on the load generator's core (see --cpus-latency)
                    if pgid:
                        set_group_affinity(pgid, parse_cpus(args.cpus_latency))
                    lat = wrk.run(row.port, 1, args.duration)
                    if per_round:
                        row.ttfe.extend(first_event_times(row.port, stream_body, per_round))
                    if pgid:
                        set_group_affinity(pgid, parse_cpus(args.cpus_proxy))
                    cpu0 = group_cpu(pgid) if pgid else 0.0
                    thr = wrk.run(row.port, args.concurrency, args.duration)
                    cpu1 = group_cpu(pgid) if pgid else 0.0
                    row.lat.append(lat)
                    row.thr.append(thr)
                    if row.proc is not None and thr.requests:
                        row.cpu_us.append((cpu1 - cpu0) / thr.requests * 1e6)
                    row.errors += lat.errors + thr.errors
                    row.rss_requests += lat.requests + thr.requests
                except Exception as e:
                    _fail(row, e)
        for row in rows:
            if row.name != rss_for or row.skip or row.proc is None or row.rss_idle is None:
                continue
            try:
                while row.rss_requests < args.rss_requests:
                    row.rss_requests += wrk.run(row.port, args.concurrency, min(10.0, args.duration)).requests
                time.sleep(0.5)
                row.rss_after = group_rss(row.proc.popen.pid)
            except Exception as e:
                _fail(row, e)
    finally:
        for row in rows:
            if row.proc is not None:
                procs.stop(row.proc)
    return rows


def wrk_body(args: argparse.Namespace) -> bytes:
    return chat_body(args.body_size, stream=False)


def _added(us: float) -> str:
    # a negative difference means direct's own tail was noisier in this run, not a faster proxy
    return f"{us / 1000:.3f}" if us >= 0 else "<0 (noise)"


def report(rows: list[Row], args: argparse.Namespace) -> str:
    direct = next((r for r in rows if r.name == "direct" and r.ok), None)
    by = {r.name: r for r in rows}
    lines = [
        f"{args.body_size} B chat request; wrk -t1, c=1 and c={args.concurrency}, {args.rounds} interleaved "
        f"round(s) of {args.duration:.0f}s each, medians over rounds; SSE: {args.sse_streams} streams, an "
        f"event every {args.sse_interval_ms:.0f} ms; workers={args.workers}; upstream + wrk on CPU "
        f"{args.cpus_other or 'any'}, proxy on CPU {args.cpus_latency or 'any'} for c=1 and SSE, on "
        f"CPU {args.cpus_proxy or 'any'} for c={args.concurrency}"
        + (f"; nice {args.nice}" if args.nice else ""),
        "",
        "| system | p50 ms | p99 ms | added p50 ms | added p99 ms | req/s c="
        f"{args.concurrency} | proxy CPU us/req | TTFE ms | added TTFE ms | note |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if not r.ok:
            lines.append(f"| {r.name} | - | - | - | - | - | - | - | - | skipped: {r.skip} |")
            continue
        ttfe = statistics.median(r.ttfe) * 1000 if r.ttfe else None
        add50 = add99 = dttfe = "-"
        if direct is not None and r is not direct:
            add50 = _added(r.p50() - direct.p50())
            add99 = _added(r.p99() - direct.p99())
            if ttfe is not None and direct.ttfe:
                dttfe = f"{ttfe - statistics.median(direct.ttfe) * 1000:.3f}"
        cpu = f"{statistics.median(r.cpu_us):.0f}" if r.cpu_us else "-"
        rps_all = "/".join(f"{t.rps:,.0f}" for t in r.thr) if len(r.thr) > 1 else ""
        note = f"{r.errors} errors/non-2xx" if r.errors else ""
        if rps_all:
            note = f"rounds {rps_all} req/s" + (f"; {note}" if note else "")
        lines.append(
            f"| {r.name} | {r.p50() / 1000:.3f} | {r.p99() / 1000:.3f} | {add50} | {add99} | "
            f"{r.rps():,.0f} | {cpu} | {'-' if ttfe is None else f'{ttfe:.3f}'} | {dttfe} | {note} |"
        )
    m2m = by.get("m2m proxy")
    lines.append("")
    baseline = by.get("m2m baseline")
    if m2m is not None and m2m.ok and baseline is not None and baseline.ok and baseline.rps():
        lines.append(f"throughput m2m / m2m baseline: {m2m.rps() / baseline.rps():.2f}x")
    if m2m is not None and m2m.ok:
        for peer, target in (("nginx proxy_pass", ">= 0.5"), ("LiteLLM proxy", ">= 5")):
            p = by.get(peer)
            if p is not None and p.ok and p.rps():
                line = f"throughput m2m / {peer}: {m2m.rps() / p.rps():.2f}x (target {target})"
                if p.cpu_us and m2m.cpu_us:
                    eff = statistics.median(p.cpu_us) / statistics.median(m2m.cpu_us)
                    line += f"; CPU per request {peer} / m2m: {eff:.2f}"
                lines.append(line)
            else:
                lines.append(f"throughput m2m / {peer}: n/a ({peer} {p.skip if p else 'not run'})")
        if m2m.rss_idle is not None and m2m.rss_after is not None:
            mb = 1024 * 1024
            lines.append(
                f"m2m RSS (all processes): idle {m2m.rss_idle / mb:.1f} MB, after "
                f"{m2m.rss_requests:,} requests {m2m.rss_after / mb:.1f} MB, growth "
                f"{(m2m.rss_after - m2m.rss_idle) / mb:+.1f} MB (target <= 20 MB)"
            )
    elif m2m is not None:
        lines.append(f"m2m proxy not measured: {m2m.skip}")
    return "\n".join(lines)


def start_upstream(procs: Procs, args: argparse.Namespace, python: str = sys.executable) -> int:
    port = free_port()
    upstream = procs.start(
        "upstream",
        pinned(
            [
                python,
                str(FAKE_UPSTREAM),
                "--port",
                str(port),
                "--sse-interval-ms",
                str(args.sse_interval_ms),
                "--max-seconds",
                "7200",
            ],
            args.cpus_other,
        ),
    )
    wait_ready(upstream, port, wrk_body(args), 20.0)
    return port


def versions(litellm_python: str | None) -> str:
    """Versions of the load generator and the peers, for the record."""
    out = [f"Python {sys.version.split()[0]}"]
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        r = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if r.returncode == 0:
            out.append(f"m2m at commit {r.stdout.strip()}")
    for name, cmd in (("wrk", ["wrk", "-v"]), ("nginx", ["nginx", "-v"])):
        exe = shutil.which(cmd[0]) or (
            f"/usr/sbin/{cmd[0]}" if Path(f"/usr/sbin/{cmd[0]}").exists() else None
        )
        if exe is None:
            continue
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            r = subprocess.run([exe, *cmd[1:]], capture_output=True, text=True, timeout=10)
            text = (r.stdout + r.stderr).strip().splitlines()
            if text:
                out.append(f"{name}: {text[0].split('/')[-1].split()[0] if '/' in text[0] else text[0]}")
    for mod in ("uvicorn", "httptools", "uvloop", "aiohttp"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            out.append(f"{mod} {version(mod)}")
    if litellm_python and Path(litellm_python).exists():
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            r = subprocess.run(
                [litellm_python, "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
                capture_output=True,
                text=True,
                timeout=30,
            )
            if r.returncode == 0:
                out.append(f"litellm {r.stdout.strip()}")
    return ", ".join(out)


def add_common_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per wrk phase and round")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds over all systems")
    ap.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per system")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--workers", type=int, default=1, help="worker processes of every proxy")
    ap.add_argument("--body-size", type=int, default=1024)
    ap.add_argument("--sse-interval-ms", type=float, default=20.0)
    ap.add_argument("--cpus-proxy", default=None, help="taskset CPU list for the proxies")
    ap.add_argument("--cpus-other", default=None, help="taskset CPU list for upstream and wrk")
    ap.add_argument(
        "--cpus-latency",
        default=None,
        help="CPU list for the proxies during the concurrency-1 and SSE phases (default: the upstream's "
        "and wrk's CPU; on a VM a cross-core wake-up per hop costs more than the proxy itself)",
    )
    ap.add_argument("--no-pin", action="store_true", help="no taskset at all")
    ap.add_argument(
        "--nice",
        type=int,
        default=0,
        help="niceness for this script and everything it starts (e.g. -10 as root: less noise from "
        "other work on the box; every system gets the same)",
    )


def resolve_pinning(args: argparse.Namespace) -> None:
    if args.nice:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, args.nice)  # inherited by every child
        except OSError as e:
            print(f"# cannot set niceness {args.nice}: {e}", file=sys.stderr)
            args.nice = 0
    ncpu = os.cpu_count() or 1
    if args.no_pin:
        args.cpus_proxy = args.cpus_other = args.cpus_latency = None
        return
    if args.cpus_proxy is None and args.cpus_other is None and ncpu >= 2:
        # throughput: the proxy gets its own core(s); upstream and load generator share core 0
        args.cpus_other, args.cpus_proxy = "0", ",".join(str(i) for i in range(1, ncpu))
    if args.cpus_latency is None:
        args.cpus_latency = args.cpus_other


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="m2m proxy vs nginx vs LiteLLM, one run, one box")
    add_common_args(ap)
    ap.add_argument("--sse-streams", type=int, default=60, help="paced SSE streams per system")
    ap.add_argument("--rss-requests", type=int, default=20000)
    ap.add_argument("--litellm-python", default=None, help="python of a venv with litellm[proxy]")
    ap.add_argument("--m2m-arg", action="append", default=[], help="extra flag for m2m proxy")
    ap.add_argument(
        "--baseline-src",
        metavar="DIR",
        help="also run the m2m proxy of another source tree (its src/ folder), e.g. a worktree of an "
        "earlier commit: before/after in the same run",
    )
    ap.add_argument("--only", default="direct,nginx,m2m,litellm", help="subset of direct,nginx,m2m,litellm")
    ap.add_argument("--quick", action="store_true", help="one short round (~1-2 min)")
    args = ap.parse_args(argv)
    if args.quick:
        args.duration, args.rounds, args.warmup, args.sse_streams = 5.0, 1, 1.0, 20
    resolve_pinning(args)
    if shutil.which("wrk") is None:
        print("wrk not installed: apt-get install -y wrk", file=sys.stderr)
        return 2

    only = set(args.only.split(","))
    workdir = Path(tempfile.mkdtemp(prefix="m2m-bench-"))
    procs = Procs(workdir)
    try:
        up_port = start_upstream(procs, args)
        wrk = Wrk(workdir, wrk_body(args), args.cpus_other)
        systems: list[System] = []
        if "direct" in only:
            systems.append(System("direct"))
        if "nginx" in only:
            systems.append(nginx_system(workdir, up_port, args.workers))
        if "m2m" in only:
            systems.append(m2m_system(up_port, args.workers, args.m2m_arg))
            if args.baseline_src:
                base = m2m_system(up_port, args.workers, [], src=args.baseline_src, name="m2m baseline")
                systems.append(base)
        if "litellm" in only:
            systems.append(litellm_system(workdir, args.litellm_python, up_port, args.workers))
        load0 = os.getloadavg()
        t0 = time.monotonic()
        rows = run_all(systems, procs, wrk, args, up_port, rss_for="m2m proxy")
        load1 = os.getloadavg()
        print(report(rows, args))
        print(versions(args.litellm_python))
        print("command: python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]))
        print(
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
            f"{time.monotonic() - t0:.0f}s; 1-min load average {load0[0]:.2f} at start, "
            f"{load1[0]:.2f} at end"
        )
    finally:
        procs.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
