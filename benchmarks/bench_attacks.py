"""Each hostile-input attack against a proxy in a subprocess: the answer, the proxy's peak RSS, and
the latency a probe client saw meanwhile (GET /health, answered by the proxy itself, one after
another on fresh connections).

    python benchmarks/bench_attacks.py                                   # this tree
    python benchmarks/bench_attacks.py --src /work/wt/baseline/src       # another tree's code
    python benchmarks/bench_attacks.py --compare /work/wt/baseline/src   # both, one table

Every attack gets a fresh proxy with the default limits (``--transport both`` for the HTTP/3
attacks, so the probe runs over HTTP/1.1 on the same process). An attack that gets no answer
within ``--timeout`` seconds is reported as such. The peak is VmHWM of the proxy process plus
that of its worker process (started before each attack; startup included: compare with the
"idle" row); probe latency is p50/p99 over the attack.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hostile.harness import (
    ADMIN_TOKEN,
    OPERATOR_KEY,
    MiB,
    ProxyProcess,
    UpstreamLog,
    chat_body,
    deep_json,
    delta_bomb,
    h3_client,
    hostile_upstream,
    http,
    send_raw,
    t1_bomb,
    tokennative_text_bomb,
)
from m2m.transport.server import BackgroundServer
from m2m.transport.tls import dev_certificate
from m2m.tunnel.client import default_accept

Attack = Callable[[ProxyProcess, "Context"], str]


class Context:
    def __init__(
        self, upstream: BackgroundServer, canary: BackgroundServer, log: UpstreamLog, timeout: float
    ):
        self.upstream = upstream
        self.canary = canary
        self.log = log
        self.timeout = timeout


def _answer(r: object) -> str:
    status = getattr(r, "status", 0)
    return str(status) if status else "closed, no answer"


def _head(size: int) -> list[bytes]:
    return [b"GET /v1/models HTTP/1.1\r\nhost: x\r\nx-big: "] + [b"a" * MiB] * (size // MiB)


def idle(p: ProxyProcess, ctx: Context) -> str:
    time.sleep(2)
    return "-"


def head_1mib(p: ProxyProcess, ctx: Context) -> str:
    return _answer(send_raw(p.port, _head(MiB), timeout=ctx.timeout))


def head_64mib(p: ProxyProcess, ctx: Context) -> str:
    r = send_raw(p.port, _head(64 * MiB), timeout=ctx.timeout)
    return f"{_answer(r)} after {r.sent / MiB:.1f} MiB sent"


def headers_100k(p: ProxyProcess, ctx: Context) -> str:
    fields = b"".join(b"x-f%d: v\r\n" % i for i in range(100_000))
    return _answer(
        send_raw(p.port, [b"GET /v1/models HTTP/1.1\r\nhost: x\r\n" + fields + b"\r\n"], timeout=ctx.timeout)
    )


def header_sets(p: ProxyProcess, ctx: Context) -> str:
    answers = set()
    for i in range(40):
        parts = [b"GET /v1/models HTTP/1.1\r\nhost: x\r\nx-big: "] + [bytes([97 + i % 26]) * MiB] * 16
        answers.add(_answer(send_raw(p.port, parts, timeout=ctx.timeout)))
    return ", ".join(sorted(answers))


def decompress_tokennative(p: ProxyProcess, ctx: Context) -> str:
    # Just under the default 16 MiB body limit, so that the decoder, not the body limit, answers.
    body = json.dumps({"wire": tokennative_text_bomb(15 * MiB)}).encode()
    headers = {"authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"}
    return _answer(http(p.port, "POST", "/v1/decompress", headers=headers, body=body, timeout=ctx.timeout))


def tunnel_t1(p: ProxyProcess, ctx: Context) -> str:
    headers = {"x-m2m-protocol": "1", "content-type": "application/json", "authorization": "Bearer a"}
    return _answer(
        http(p.port, "POST", "/v1/chat/completions", headers=headers, body=t1_bomb(), timeout=ctx.timeout)
    )


def tunnel_delta(p: ProxyProcess, ctx: Context) -> str:
    base = chat_body("the first turn of a conversation")
    tunnel = {
        "x-m2m-protocol": "1",
        "x-m2m-delta": "1",
        "authorization": "Bearer t",
        "content-type": "application/json",
    }
    http(p.port, "POST", "/v1/chat/completions", headers={**tunnel, "x-m2m-encoding": "identity"}, body=base)
    r = http(
        p.port, "POST", "/v1/chat/completions", headers=tunnel, body=delta_bomb(base), timeout=ctx.timeout
    )
    return _answer(r)


def peer_bomb(p: ProxyProcess, ctx: Context) -> str:
    r = http(
        p.port,
        "POST",
        "/v1/chat/completions?attack=bomb-peer",
        headers={"content-type": "application/json"},
        body=chat_body(),
        timeout=ctx.timeout,
    )
    return _answer(r)


def huge_json_peer(p: ProxyProcess, ctx: Context) -> str:
    headers = {"x-m2m-protocol": "1", "x-m2m-accept": default_accept()}
    r = http(p.port, "GET", "/v1/files/x/content?attack=huge-json", headers=headers, timeout=ctx.timeout)
    return f"{_answer(r)} after {ctx.log.sent.get('huge-json', 0) / MiB:.0f} MiB read"


def huge_json_passthrough(p: ProxyProcess, ctx: Context) -> str:
    got = 0
    with socket.create_connection(("127.0.0.1", p.port), timeout=ctx.timeout) as sock:
        sock.sendall(b"GET /v1/files/x/content?attack=huge-json HTTP/1.1\r\nhost: x\r\n\r\n")
        first = b""
        while got < 1024 * MiB:
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            first = first or chunk[:12]
            got += len(chunk)
    return (
        f"{first[9:12].decode() or 'closed'}, 1 GiB read and hung up"
        if got >= 1024 * MiB
        else f"closed at {got / MiB:.0f} MiB"
    )


def endless_sse(p: ProxyProcess, ctx: Context) -> str:
    r = http(
        p.port,
        "POST",
        "/v1/chat/completions?attack=endless-sse",
        headers={"content-type": "application/json", "x-bytes": str(256 * MiB)},
        body=chat_body(stream=True),
        timeout=ctx.timeout,
    )
    tail = "event: error" if b"event: error" in r.body else f"{len(r.body) / MiB:.0f} MiB relayed"
    return f"{_answer(r)}, {tail}, upstream sent {ctx.log.sent.get('endless-sse', 0) / MiB:.0f} MiB"


def slowloris(p: ProxyProcess, ctx: Context) -> str:
    socks = []
    try:
        for _ in range(1000):
            try:
                sock = socket.create_connection(("127.0.0.1", p.port), timeout=5)
                sock.sendall(b"GET /v1/models HTTP/1.1\r\nhost: x\r\nx-slow: ")
                socks.append(sock)
            except OSError:
                break
        try:
            r = http(p.port, "GET", "/v1/models", timeout=ctx.timeout)
            new = _answer(r)
        except (OSError, TimeoutError) as exc:
            new = type(exc).__name__
        time.sleep(2)
        return f"{len(socks)} held; a new request: {new}"
    finally:
        for sock in socks:
            sock.close()


def _chat(p: ProxyProcess, ctx: Context, body: bytes) -> str:
    """The answer to a chat request with ``body``."""
    return _answer(
        http(
            p.port,
            "POST",
            "/v1/chat/completions",
            headers={"content-type": "application/json"},
            body=body,
            timeout=ctx.timeout,
        )
    )


def big_word(p: ProxyProcess, ctx: Context) -> str:
    return _chat(p, ctx, chat_body("a" * (15 * MiB)))


def big_document(p: ProxyProcess, ctx: Context) -> str:
    # Under the 1 MiB offload threshold and the exact-count limit: its tokens are counted exactly.
    rnd = random.Random(3)
    words = [
        f"{rnd.choice('bcdfghklmnprstvz')}{rnd.choice('aeiou')}{rnd.choice('nrstlm')}{i}" for i in range(5000)
    ]
    text = " ".join(rnd.choice(words) for _ in range(900 * 1024 // 8))[: 900 * 1024]
    return _chat(p, ctx, chat_body(text))


def big_scan(p: ProxyProcess, ctx: Context) -> str:
    words = "please summarise the following report about quarterly revenue and the weather in paris "
    text = words * (1000 * 1024 // len(words))
    messages = [{"role": "user", "content": f"{text} {i}"} for i in range(15)]
    return _chat(p, ctx, json.dumps({"model": "gpt-4o", "messages": messages}).encode())


def deep(p: ProxyProcess, ctx: Context) -> str:
    return _answer(
        http(
            p.port,
            "POST",
            "/v1/chat/completions",
            headers={"content-type": "application/json"},
            body=deep_json(),
            timeout=ctx.timeout,
        )
    )


def many_upstream_headers(p: ProxyProcess, ctx: Context) -> str:
    r = http(p.port, "GET", "/v1/models?attack=many-headers", timeout=ctx.timeout)
    return f"{_answer(r)} ({len(r.headers)} fields)"


def h3_path(p: ProxyProcess, ctx: Context) -> str:
    async def run() -> int:
        async with h3_client(p.quic_port) as client:
            path = f"@127.0.0.1:{ctx.canary.port}/v1/models".encode()
            status, _ = await client.response(client.open("GET", path), timeout=ctx.timeout)
            return status

    before = len(ctx.canary_app.requests)
    status = asyncio.run(run())
    reached = len(ctx.canary_app.requests) - before
    key = any(OPERATOR_KEY in json.dumps(r.headers) for r in ctx.canary_app.requests[before:])
    return f"{status}; other authority reached: {reached}{' with the operator key' if key else ''}"


def h3_streams(p: ProxyProcess, ctx: Context) -> str:
    chunk = b"x" * (64 * 1024)

    async def one() -> int:
        pushed = 0
        async with h3_client(p.quic_port, datagram=16384) as client:
            quic = client._quic
            headers = [(b"content-type", b"application/json")]
            streams = {
                client.open("POST", b"/v1/chat/completions", headers, end=False): 0 for _ in range(120)
            }
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10
            while loop.time() < deadline:
                for sid, sent in streams.items():
                    stream = quic._streams.get(sid)
                    if stream is None or sent >= 8 * MiB or len(stream.sender._buffer) > len(chunk):
                        continue
                    try:
                        client.h3.send_data(sid, chunk, end_stream=False)
                    except Exception:
                        streams[sid] = 8 * MiB
                        continue
                    streams[sid] = sent + len(chunk)
                    pushed += len(chunk)
                client.transmit()
                await asyncio.sleep(0.005)
        return pushed

    async def run() -> list[int]:
        return list(await asyncio.gather(one(), one(), one()))

    pushed = asyncio.run(run())
    return f"{sum(pushed) / MiB:.0f} MiB pushed in 10 s"


def h3_initials(p: ProxyProcess, ctx: Context) -> str:
    rng = random.Random(7)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for i in range(100_000):
            dcid = rng.randbytes(rng.randint(8, 20))
            payload = rng.randbytes(1182 - len(dcid))
            packet = (
                b"\xc3\x00\x00\x00\x01"
                + bytes([len(dcid)])
                + dcid
                + b"\x08"
                + rng.randbytes(8)
                + b"\x00"
                + (0x4000 | len(payload)).to_bytes(2, "big")
                + payload
            )
            sock.sendto(packet, ("127.0.0.1", p.quic_port))
            if i % 250 == 249:
                time.sleep(0.025)  # about 10k packets a second: most reach the proxy
    time.sleep(2)

    async def real() -> int:
        async with h3_client(p.quic_port) as client:
            status, _ = await client.response(client.open("GET", b"/v1/models"), timeout=ctx.timeout)
            return status

    try:
        return f"100k sent; a real client then: {asyncio.run(asyncio.wait_for(real(), ctx.timeout))}"
    except Exception as exc:
        return f"100k sent; a real client then: {type(exc).__name__}"


# name -> (attack, extra proxy flags, HTTP/3 listener wanted)
ATTACKS: dict[str, tuple[Attack, tuple[str, ...], bool]] = {
    "idle (no attack)": (idle, (), False),
    "request head with a 1 MiB field": (head_1mib, (), False),
    "request head of 64 MiB": (head_64mib, (), False),
    "100k header fields": (headers_100k, (), False),
    "40 requests, distinct 16 MiB headers": (header_sets, (), False),
    "TokenNative bomb (15 MiB) via POST /v1/decompress": (decompress_tokennative, (), False),
    "zstd+T1 bomb as a tunnel request": (tunnel_t1, (), False),
    "delta inflating to 16 MiB": (tunnel_delta, (), False),
    "TokenNative bomb from a peer (client role)": (peer_bomb, ("--upstream-protocol", "m2m"), False),
    "10 GB JSON the proxy must read (peer)": (huge_json_peer, (), False),
    "10 GB JSON passed through (1 GiB read)": (huge_json_passthrough, (), False),
    "SSE line that never ends (256 MiB)": (endless_sse, (), False),
    "upstream head of 10k fields": (many_upstream_headers, (), False),
    "1000 slow-loris connections": (slowloris, (), False),
    "15 MiB word in a prompt": (big_word, (), False),
    "900 KB document in a prompt (counted exactly)": (big_document, (), False),
    "15 MiB request, --security": (big_scan, ("--security",), False),
    "JSON nested 100k deep": (deep, (), False),
    "HTTP/3 :path @host:port/v1/models": (h3_path, (), True),
    "HTTP/3 3 x 120 streams never finished": (h3_streams, (), True),
    "HTTP/3 100k undecryptable Initials": (h3_initials, (), True),
}


_PROBE = r"""
import json, select, socket, sys, time
port, timeout = int(sys.argv[1]), float(sys.argv[2])
out = []
while not select.select([sys.stdin], [], [], 0.01)[0]:
    t0 = time.perf_counter()
    ok = False
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nhost: probe\r\nconnection: close\r\n\r\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
            ok = data.startswith(b"HTTP/1.1 200")
    except OSError:
        pass
    out.append([(time.perf_counter() - t0) * 1000, ok])
print(json.dumps(out))
"""


class Probe:
    """``GET /health`` one after another on fresh connections; latencies in ms. The proxy answers
    it itself, so the figure is the proxy's event loop, not the test upstream's (which some
    attacks keep busy). The probe runs in a process of its own: in this one, the attack's own
    work (building a 16 MiB body, the test upstream parsing one) would hold the GIL and show up
    as the proxy's latency."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self.latencies: list[float] = []
        self.failures = 0
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> Probe:
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _PROBE, str(self.port), str(self.timeout)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        proc = self._proc
        assert proc is not None
        out, _ = proc.communicate("", timeout=self.timeout + 10)
        for elapsed, ok in json.loads(out or "[]"):
            self.latencies.append(elapsed)
            if not ok:
                self.failures += 1

    def summary(self) -> str:
        if not self.latencies:
            return "- / -"
        lat = sorted(self.latencies)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        failed = f" ({self.failures} failed)" if self.failures else ""
        return f"{statistics.median(lat):.1f} / {p99:.1f}{failed}"


def run(src: str | None, names: list[str], timeout: float) -> dict[str, tuple[str, str, str]]:
    log = UpstreamLog()
    upstream = BackgroundServer(hostile_upstream(log)).start()
    from m2m.proxy.fake_upstream import FakeUpstream

    canary_app = FakeUpstream()
    canary = BackgroundServer(canary_app).start()
    cert = dev_certificate(Path(os.environ.get("TMPDIR", "/tmp")) / "m2m-bench-attacks")
    ctx = Context(upstream, canary, log, timeout)
    ctx.canary_app = canary_app  # type: ignore[attr-defined]
    rows: dict[str, tuple[str, str, str]] = {}
    try:
        for name in names:
            attack, flags, quic = ATTACKS[name]
            extra: tuple[str, ...] = ("--api-key", OPERATOR_KEY, *flags)
            env = {"M2M_ADMIN_TOKEN": ADMIN_TOKEN}
            quic_port = 0
            if quic:
                from hostile.harness import free_port

                quic_port = free_port(socket.SOCK_DGRAM)
                extra += (
                    "--transport",
                    "both",
                    "--cert",
                    str(cert[0]),
                    "--key",
                    str(cert[1]),
                    "--quic-port",
                    str(quic_port),
                )
            p = ProxyProcess(upstream.url + "/v1", flags=extra, env=env, src=src).wait_ready()
            p.quic_port = quic_port  # type: ignore[attr-defined]
            # The worker process large bodies go to starts before the attack, not during it (its
            # memory is in the peak figure: the proxy's and the worker's peaks added).
            with contextlib.suppress(Exception):
                p.warm_worker()
            if quic:
                time.sleep(0.5)
            outcome = "?"
            try:
                with Probe(p.port, timeout) as probe:
                    result: list[str] = []

                    def go(attack: Attack = attack, p: ProxyProcess = p, result: list[str] = result) -> None:
                        try:
                            result.append(attack(p, ctx))
                        except Exception as exc:  # an attack that hangs or breaks is a result too
                            result.append(f"{type(exc).__name__}: {str(exc)[:60]}")

                    thread = threading.Thread(target=go, daemon=True)
                    thread.start()
                    thread.join(timeout * 3)
                    outcome = result[0] if result else f"no answer in {timeout * 3:.0f} s"
                peak = f"{p.peak() / MiB:.0f} MiB" if p.proc.poll() is None else "died"
                if p.proc.poll() is not None:
                    outcome += f" (proxy exited {p.proc.returncode})"
            finally:
                p.stop(signal.SIGKILL)
            rows[name] = (outcome.replace("|", "/"), peak, probe.summary())
            print(f"  {name}: {rows[name]}", file=sys.stderr, flush=True)
    finally:
        upstream.stop()
        canary.stop()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", help="run the proxy from another tree's src/")
    ap.add_argument("--compare", metavar="SRC", help="run another tree (before) and this one (after)")
    ap.add_argument("--only", nargs="*", help="attack names containing these words")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds an answer may take")
    args = ap.parse_args()
    names = [n for n in ATTACKS if not args.only or any(w.lower() in n.lower() for w in args.only)]
    when = time.strftime("%Y-%m-%d %H:%M")
    print(f"# bench_attacks: {when}, load {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    if args.compare:
        before = run(args.compare, names, args.timeout)
        after = run(None, names, args.timeout)
        columns = "answer | peak RSS | probe p50/p99 ms"
        print(f"| attack | before: {columns} | after: {columns} |")
        print("|---|---|---:|---:|---|---:|---:|")
        for n in names:
            print(f"| {n} | {' | '.join(before[n])} | {' | '.join(after[n])} |")
    else:
        rows = run(args.src, names, args.timeout)
        print("| attack | answer | peak RSS | probe p50/p99 ms |")
        print("|---|---|---:|---:|")
        for n in names:
            print(f"| {n} | {' | '.join(rows[n])} |")


if __name__ == "__main__":
    main()
