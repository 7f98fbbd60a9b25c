"""HTTP/3 vs HTTP/1.1 through the same m2m proxy and upstream, in one run.

Processes (all on 127.0.0.1, each stopped at the end):

- upstream: m2m's fake OpenAI upstream, served on HTTP/1.1 and HTTP/3 (``m2m.transport.quic``);
- proxy: ``m2m.cli.proxy.serve`` with ``transport = "both"`` (HTTP/1.1 + HTTP/3, one process),
  forwarding to the upstream over HTTP/1.1;
- this process: the load generator (aiohttp for HTTP/1.1, ``H3Upstream`` for HTTP/3).

Measured:

1. added latency at concurrency 1 for a 1 KB chat request, p50/p99: (client -> proxy -> upstream)
   minus (client -> upstream), each protocol against its own direct baseline, so the client stack
   cancels out;
2. connection setup: a new connection plus one ``GET /health`` over HTTP/3 with a full handshake,
   with session resumption (0-RTT GET), with resumption for a POST (waits for the handshake), and a
   new HTTP/1.1 connection (plain TCP, no TLS) for reference; on loopback, and again through
   relays that delay every datagram / TCP chunk to emulate a link with ``--rtt-ms`` round trips;
3. throughput of N concurrent streams on one HTTP/3 connection vs N HTTP/1.1 keep-alive
   connections, through the proxy;
4. the HTTP/3 listener alone: the fake upstream under ``m2m.transport.h3server`` and under
   Hypercorn's own ``quic_bind``, same client (why m2m has its own listener).

    python benchmarks/bench_quic.py            # about a minute
    python benchmarks/bench_quic.py --quick    # a few seconds, smaller samples
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def chat_body(size: int = 1024) -> bytes:
    """A deterministic chat request whose minified JSON is exactly ``size`` bytes."""
    base: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Answer in one sentence."},
            {"role": "user", "content": ""},
        ],
        "max_tokens": 64,
    }
    need = size - len(json.dumps(base, separators=(",", ":")))
    base["messages"][1]["content"] = ("Which service should on-call look at first? " * 40)[:need]
    out = json.dumps(base, separators=(",", ":")).encode()
    assert len(out) == size
    return out


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- server roles (run in child processes) ---------------------------------------------------------


def run_upstream(port: int, quic_port: int, cert: str, key: str) -> None:
    from m2m.config import load
    from m2m.proxy.fake_upstream import FakeUpstream
    from m2m.transport.quic import serve

    config = load(
        cli={
            "proxy.port": port,
            "proxy.log_level": "warning",
            "proxy.transport.transport": "both",
            "proxy.transport.quic_port": quic_port,
            "proxy.transport.cert": cert,
            "proxy.transport.key": key,
        },
        env={},
        path=os.devnull,
    )
    fake = FakeUpstream(keep=1)
    serve(fake, config)


def run_hypercorn(port: int, quic_port: int, cert: str, key: str) -> None:
    """The same fake upstream under Hypercorn's own HTTP/3 (``quic_bind``), for comparison."""
    from hypercorn.asyncio import serve
    from hypercorn.config import Config as HypercornConfig

    from m2m.proxy.fake_upstream import FakeUpstream

    config = HypercornConfig()
    config.bind = [f"127.0.0.1:{port}"]
    config.quic_bind = [f"127.0.0.1:{quic_port}"]
    config.certfile, config.keyfile = cert, key
    config.loglevel = "WARNING"
    asyncio.run(serve(FakeUpstream(keep=1), config))  # type: ignore[arg-type]


def run_proxy(port: int, quic_port: int, upstream_port: int, cert: str, key: str) -> None:
    from m2m.cli.proxy import serve
    from m2m.config import load

    config = load(
        cli={
            "proxy.port": port,
            "proxy.upstream": f"http://127.0.0.1:{upstream_port}/v1",
            "proxy.log_level": "warning",
            "proxy.transport.transport": "both",
            "proxy.transport.quic_port": quic_port,
            "proxy.transport.cert": cert,
            "proxy.transport.key": key,
        },
        env={},
        path=os.devnull,
    )
    serve(config)


# -- a link with delay: relays that hold every datagram / TCP chunk for half the RTT each way -------


class _UdpBack(asyncio.DatagramProtocol):
    def __init__(self, relay: UdpRelay, client: Any) -> None:
        self.relay, self.client = relay, client

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.relay.later(lambda: self.relay.front.sendto(data, self.client))


class UdpRelay(asyncio.DatagramProtocol):
    """Forwards datagrams to ``target`` and back, each way ``delay`` seconds later."""

    def __init__(self, target: tuple[str, int], delay: float) -> None:
        self.target, self.delay = target, delay
        self.front: Any = None
        self.backs: dict[Any, Any] = {}

    def connection_made(self, transport: Any) -> None:
        self.front = transport

    def later(self, action: Callable[[], None]) -> None:
        asyncio.get_running_loop().call_later(self.delay, action)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        back = self.backs.get(addr)
        if back is None:
            self.backs[addr] = back = asyncio.ensure_future(
                asyncio.get_running_loop().create_datagram_endpoint(
                    lambda: _UdpBack(self, addr), remote_addr=self.target
                )
            )

        def send() -> None:
            if back.done() and not back.exception():
                back.result()[0].sendto(data)
            else:
                back.add_done_callback(lambda f: f.result()[0].sendto(data))

        self.later(send)


async def tcp_relay(target: tuple[str, int], delay: float) -> asyncio.Server:
    loop = asyncio.get_running_loop()

    async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while chunk := await reader.read(65536):
            loop.call_later(delay, writer.write, chunk)
        loop.call_later(delay, writer.close)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # The client's connect() returned at once (the relay is local): hold its first bytes for
        # the SYN / SYN-ACK round trip it would have waited on a real link.
        await asyncio.sleep(2 * delay)
        up_reader, up_writer = await asyncio.open_connection(*target)
        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer), return_exceptions=True)

    return await asyncio.start_server(handle, "127.0.0.1", 0)


# -- load generator -------------------------------------------------------------------------------


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(n: int, call: Callable[[], Awaitable[None]]) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        await call()
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def rate(call: Callable[[], Awaitable[None]], concurrency: int, seconds: float) -> float:
    done = 0
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < stop_at:
            await call()
            done += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - t0)


async def wait_ready(tcp_port: int | None, quic_port: int, h3: Any) -> None:
    import aiohttp

    deadline = time.monotonic() + 20
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                if tcp_port is not None:
                    async with session.get(f"http://127.0.0.1:{tcp_port}/health") as resp:
                        await resp.read()
                response = await h3.request(
                    "GET", f"https://127.0.0.1:{quic_port}/health", [], b"", timeout=1
                )
                await response.read()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)


async def measure(args: argparse.Namespace, ports: dict[str, int]) -> dict[str, Any]:
    import aiohttp

    from m2m.transport.h3client import H3Options, H3Upstream

    body = chat_body(1024)
    json_headers = [("content-type", "application/json"), ("authorization", "Bearer sk-bench")]
    opts = H3Options(insecure=True)
    h3 = H3Upstream(options=opts)
    results: dict[str, Any] = {}
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector, skip_auto_headers=("User-Agent",)) as http:
        await wait_ready(ports["up_tcp"], ports["up_quic"], h3)
        await wait_ready(ports["px_tcp"], ports["px_quic"], h3)

        def h1_call(port: int) -> Callable[[], Awaitable[None]]:
            url = f"http://127.0.0.1:{port}/v1/chat/completions"

            async def call() -> None:
                async with http.post(url, data=body, headers=dict(json_headers)) as resp:
                    await resp.read()
                    assert resp.status == 200, resp.status

            return call

        def h3_call(port: int, client: Any = h3) -> Callable[[], Awaitable[None]]:
            url = f"https://127.0.0.1:{port}/v1/chat/completions"

            async def call() -> None:
                resp = await client.request("POST", url, json_headers, body, timeout=10)
                await resp.read()
                assert resp.status == 200, resp.status

            return call

        # 1. added latency, concurrency 1; the four series interleave in rounds so drift hits all.
        series: dict[str, list[float]] = {"h1_direct": [], "h1_proxy": [], "h3_direct": [], "h3_proxy": []}
        calls = {
            "h1_direct": h1_call(ports["up_tcp"]),
            "h1_proxy": h1_call(ports["px_tcp"]),
            "h3_direct": h3_call(ports["up_quic"]),
            "h3_proxy": h3_call(ports["px_quic"]),
        }
        for call in calls.values():
            await timed(args.warmup, call)
        rounds = 10
        for _ in range(rounds):
            for name, call in calls.items():
                series[name] += await timed(args.requests // rounds, call)
        results["latency"] = series

        # 2. connection setup over HTTP/3 (new client each time = full handshake; disconnect() keeps
        #    the session ticket = resumption) and a fresh HTTP/1.1 connection for reference. The
        #    cases take turns so that load from elsewhere on the box hits them alike.
        health = f"https://127.0.0.1:{ports['px_quic']}/health"
        compress = f"https://127.0.0.1:{ports['px_quic']}/v1/compress"
        setup: dict[str, list[float]] = {
            "h3 full handshake + GET": [],
            "h3 resumed, GET in 0-RTT": [],
            "h3 resumed, POST after handshake": [],
            "h1.1 new TCP connection + GET (no TLS)": [],
        }
        resumer = H3Upstream(options=opts)
        await (await resumer.request("GET", health, [], b"", timeout=10)).read()

        async def full_handshake() -> None:
            fresh = H3Upstream(options=opts)
            try:
                await (await fresh.request("GET", health, [], b"", timeout=10)).read()
            finally:
                await fresh.aclose()

        async def resumed_get() -> None:
            await (await resumer.request("GET", health, [], b"", timeout=10)).read()

        async def resumed_post() -> None:
            await (await resumer.request("POST", compress, json_headers, b'{"a":1}', timeout=10)).read()

        async def tcp_new() -> None:
            async with (
                aiohttp.ClientSession() as one,
                one.get(f"http://127.0.0.1:{ports['px_tcp']}/health") as resp,
            ):
                await resp.read()

        cases = dict(zip(setup, (full_handshake, resumed_get, resumed_post, tcp_new), strict=True))
        for _ in range(args.handshakes):
            for name, case in cases.items():
                await asyncio.sleep(0.02)  # a new session ticket arrives just after each handshake
                await resumer.disconnect()
                t0 = time.perf_counter()
                await case()
                setup[name].append((time.perf_counter() - t0) * 1000)
        results["resumed_count"] = (resumer.resumed, resumer.handshakes)
        await resumer.aclose()
        results["setup"] = setup

        # 2b. the same over a link with --rtt-ms of round-trip time (delaying relays, see above).
        loop = asyncio.get_running_loop()
        delay = args.rtt_ms / 2000
        udp_transport, _ = await loop.create_datagram_endpoint(
            lambda: UdpRelay(("127.0.0.1", ports["px_quic"]), delay), local_addr=("127.0.0.1", 0)
        )
        tcp_server = await tcp_relay(("127.0.0.1", ports["px_tcp"]), delay)
        far_quic = udp_transport.get_extra_info("sockname")[1]
        far_tcp = tcp_server.sockets[0].getsockname()[1]
        far_health = f"https://127.0.0.1:{far_quic}/health"
        far_compress = f"https://127.0.0.1:{far_quic}/v1/compress"
        far: dict[str, list[float]] = {
            "h3 full handshake + GET": [],
            "h3 resumed, GET in 0-RTT": [],
            "h3 resumed, POST after handshake": [],
            "h3 GET on an open connection": [],
            "h1.1 new TCP connection + GET (no TLS)": [],
            "h1.1 GET on an open connection": [],
        }
        far_resumer = H3Upstream(options=opts)
        await (await far_resumer.request("GET", far_health, [], b"", timeout=10)).read()
        far_open = H3Upstream(options=opts)
        await (await far_open.request("GET", far_health, [], b"", timeout=10)).read()
        tcp_open = aiohttp.ClientSession()
        async with tcp_open.get(f"http://127.0.0.1:{far_tcp}/health") as warm:
            await warm.read()

        async def far_full() -> None:
            fresh = H3Upstream(options=opts)
            try:
                await (await fresh.request("GET", far_health, [], b"", timeout=10)).read()
            finally:
                await fresh.aclose()

        async def far_resumed_get() -> None:
            await far_resumer.disconnect()
            t0 = time.perf_counter()
            await (await far_resumer.request("GET", far_health, [], b"", timeout=10)).read()
            offsets.append(time.perf_counter() - t0)

        async def far_resumed_post() -> None:
            await far_resumer.disconnect()
            t0 = time.perf_counter()
            resp = await far_resumer.request("POST", far_compress, json_headers, b'{"a":1}', timeout=10)
            await resp.read()
            offsets.append(time.perf_counter() - t0)

        async def far_h3_open() -> None:
            await (await far_open.request("GET", far_health, [], b"", timeout=10)).read()

        async def far_tcp_new() -> None:
            async with (
                aiohttp.ClientSession() as one,
                one.get(f"http://127.0.0.1:{far_tcp}/health") as resp,
            ):
                await resp.read()

        async def far_tcp_open() -> None:
            async with tcp_open.get(f"http://127.0.0.1:{far_tcp}/health") as resp:
                await resp.read()

        offsets: list[float] = []
        far_cases = (far_full, far_resumed_get, far_resumed_post, far_h3_open, far_tcp_new, far_tcp_open)
        for _ in range(args.far_samples):
            for name, case in zip(far, far_cases, strict=True):
                await asyncio.sleep(2 * delay)  # let session tickets and closes settle
                offsets.clear()
                t0 = time.perf_counter()
                await case()
                elapsed = offsets[0] if offsets else time.perf_counter() - t0
                far[name].append(elapsed * 1000)
        await far_resumer.aclose()
        await far_open.aclose()
        await tcp_open.close()
        tcp_server.close()
        udp_transport.close()
        results["far"] = far

        # 3. throughput: N concurrent streams on one HTTP/3 connection vs N HTTP/1.1 connections.
        throughput: dict[str, dict[int, float]] = {"h3 (1 connection)": {}, "h1.1 (N connections)": {}}
        for concurrency in args.concurrency:
            for label, call in (
                ("h3 (1 connection)", h3_call(ports["px_quic"])),
                ("h1.1 (N connections)", h1_call(ports["px_tcp"])),
            ):
                done = 0
                stop_at = time.perf_counter() + args.seconds

                async def worker(
                    call: Callable[[], Awaitable[None]] = call, stop_at: float = stop_at
                ) -> None:
                    nonlocal done
                    while time.perf_counter() < stop_at:
                        await call()
                        done += 1

                t0 = time.perf_counter()
                await asyncio.gather(*(worker() for _ in range(concurrency)))
                throughput[label][concurrency] = done / (time.perf_counter() - t0)
        results["throughput"] = throughput

        # 4. the HTTP/3 listener itself: the same fake upstream app under m2m's listener and under
        #    Hypercorn's quic_bind, same client, direct (no proxy).
        await wait_ready(None, ports["hc_quic"], h3)
        listeners = {"m2m h3server": ports["up_quic"], "Hypercorn 0.18 quic_bind": ports["hc_quic"]}
        latency: dict[str, list[float]] = {name: [] for name in listeners}
        for _ in range(10):
            for name, port in listeners.items():
                latency[name] += await timed(args.requests // 20, h3_call(port))
        rates: dict[str, dict[int, float]] = {name: {} for name in listeners}
        for concurrency in args.concurrency:
            for name, port in listeners.items():
                rates[name][concurrency] = await rate(h3_call(port), concurrency, args.seconds)
        results["listeners"] = {"latency": latency, "rates": rates}
        results["h3_connections"] = h3.handshakes
    await h3.aclose()
    return results


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    lat = results["latency"]
    print(f"\n## Added latency, 1 KB chat request, concurrency 1 ({len(lat['h1_direct'])} requests each)\n")
    print("| protocol | direct p50 | direct p99 | via proxy p50 | via proxy p99 | added p50 | added p99 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for proto, label in (("h1", "HTTP/1.1"), ("h3", "HTTP/3")):
        d, p = lat[f"{proto}_direct"], lat[f"{proto}_proxy"]
        dp50, dp99, pp50, pp99 = pct(d, 0.5), pct(d, 0.99), pct(p, 0.5), pct(p, 0.99)
        print(
            f"| {label} | {dp50:.2f} ms | {dp99:.2f} ms | {pp50:.2f} ms | {pp99:.2f} ms "
            f"| {pp50 - dp50:.2f} ms | {pp99 - dp99:.2f} ms |"
        )
    print(f"\n## Connection setup to the proxy, time to first response ({args.handshakes} each)\n")
    print("| case | p50 | mean | p99 |")
    print("|---|---:|---:|---:|")
    for name, samples in results["setup"].items():
        p50, mean, p99 = pct(samples, 0.5), statistics.fmean(samples), pct(samples, 0.99)
        print(f"| {name} | {p50:.2f} ms | {mean:.2f} ms | {p99:.2f} ms |")
    print(
        f"\n## The same over a link with {args.rtt_ms:g} ms RTT (delaying relays), {args.far_samples} each\n"
    )
    print("| case | p50 | mean | p50 in RTTs |")
    print("|---|---:|---:|---:|")
    for name, samples in results["far"].items():
        p50, mean = pct(samples, 0.5), statistics.fmean(samples)
        print(f"| {name} | {p50:.1f} ms | {mean:.1f} ms | {p50 / args.rtt_ms:.2f} |")
    resumed, handshakes = results["resumed_count"]
    print(f"\n(resumed {resumed} of {handshakes} HTTP/3 handshakes in the resumption series)")
    print(f"\n## Throughput through the proxy, 1 KB chat requests, {args.seconds:g} s per cell (req/s)\n")
    conc = args.concurrency
    print("| client | " + " | ".join(f"c={c}" for c in conc) + " |")
    print("|---|" + "---:|" * len(conc))
    for label, row in results["throughput"].items():
        print(f"| {label} | " + " | ".join(f"{row[c]:.0f}" for c in conc) + " |")
    lst = results["listeners"]
    print("\n## HTTP/3 listener alone: the fake upstream under m2m's listener vs Hypercorn's\n")
    print("| listener | p50 | p99 | " + " | ".join(f"c={c} req/s" for c in conc) + " |")
    print("|---|---:|---:|" + "---:|" * len(conc))
    for name, samples in lst["latency"].items():
        cells = " | ".join(f"{lst['rates'][name][c]:.0f}" for c in conc)
        print(f"| {name} | {pct(samples, 0.5):.2f} ms | {pct(samples, 0.99):.2f} ms | {cells} |")
    used = results["h3_connections"]
    print(f"\n(the load generator's HTTP/3 client opened {used} QUIC connections, one per server)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small samples, a few seconds")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--handshakes", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--rtt-ms", type=float, default=40.0, help="round-trip time of the emulated link")
    parser.add_argument("--far-samples", type=int, default=20)
    parser.add_argument("--role", choices=["upstream", "proxy", "hypercorn"], help=argparse.SUPPRESS)
    parser.add_argument("--ports", help=argparse.SUPPRESS)
    parser.add_argument("--tls", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        ports = [int(p) for p in args.ports.split(",")]
        if args.role == "upstream":
            run_upstream(ports[0], ports[1], *args.tls)
        elif args.role == "hypercorn":
            run_hypercorn(ports[0], ports[1], *args.tls)
        else:
            run_proxy(ports[0], ports[1], ports[2], *args.tls)
        return 0
    if args.quick:
        args.requests, args.warmup, args.handshakes, args.seconds, args.far_samples = 400, 40, 10, 1.0, 5

    from m2m.transport.tls import dev_certificate

    certdir = Path(tempfile.mkdtemp(prefix="m2m-bench-quic-"))
    cert, key = (str(p) for p in dev_certificate(certdir))
    ports = {
        "up_tcp": free_port(socket.SOCK_STREAM),
        "up_quic": free_port(socket.SOCK_DGRAM),
        "px_tcp": free_port(socket.SOCK_STREAM),
        "px_quic": free_port(socket.SOCK_DGRAM),
        "hc_tcp": free_port(socket.SOCK_STREAM),
        "hc_quic": free_port(socket.SOCK_DGRAM),
    }
    me = [sys.executable, str(Path(__file__).resolve())]
    hc_ports = f"{ports['hc_tcp']},{ports['hc_quic']}"
    children = [
        subprocess.Popen(
            [
                *me,
                "--role",
                "upstream",
                "--ports",
                f"{ports['up_tcp']},{ports['up_quic']}",
                "--tls",
                cert,
                key,
            ],
            start_new_session=True,
        ),
        subprocess.Popen(
            [
                *me,
                "--role",
                "proxy",
                "--ports",
                f"{ports['px_tcp']},{ports['px_quic']},{ports['up_tcp']}",
                "--tls",
                cert,
                key,
            ],
            start_new_session=True,
        ),
        subprocess.Popen(
            [*me, "--role", "hypercorn", "--ports", hc_ports, "--tls", cert, key],
            start_new_session=True,
        ),
    ]
    try:
        try:
            import uvloop

            runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
        except ImportError:
            runner = asyncio.Runner()
        with runner:
            results = runner.run(measure(args, ports))
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
    print(f"# m2m HTTP/3 benchmark — python {sys.version.split()[0]}, {os.cpu_count()} CPUs, loopback")
    report(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
