"""Bytes on the wire between two m2m proxies, counted by a TCP relay, against plain JSON/SSE.

    python benchmarks/bench_stateful_wire.py [--corpus ../shared/corpus] [--turns 16] [--conversations 8]

Three paths carry the same traffic from an app (httpx) to a replaying upstream on loopback:

    direct     app -> relay -> upstream             (plain OpenAI JSON and SSE)
    stateless  app -> A -> relay -> B -> upstream   (A: --upstream-protocol m2m, no zstream, no delta)
    stateful   app -> A -> relay -> B -> upstream   (A and B with their defaults: zstream + delta)

The relay is a plain asyncio TCP forwarder that counts every byte both ways (HTTP heads included),
so the figures are what crosses the link, not the proxies' own stats. The upstream replays
``streams/*.sse`` byte for byte and answers conversation turns with real answers from
``responses.jsonl``; the app checks every response it gets against the original.
Times are wall-clock per request (JSON) and per stream, on loopback, with everything on one box.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from m2m.cli.proxy import build_app
from m2m.config import load
from m2m.sse import SSEParser
from m2m.transport.server import BackgroundServer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_stateful import long_conversations, minified, sse_events

ROOT = Path(__file__).resolve().parents[1]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ReplayUpstream:
    """ASGI upstream: ``x-replay-stream: <name>`` replays that SSE file event by event; otherwise
    the JSON answer is ``answers[x-replay-answer]`` (a JSON completion body, sent as is)."""

    def __init__(self, streams: dict[str, list[bytes]], answers: dict[str, bytes]) -> None:
        self.streams = streams
        self.answers = answers
        self.sent_at: list[float] = []  # send times of the events of the last paced stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        while True:
            message = await receive()
            if not message.get("more_body", False):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        name = headers.get("x-replay-stream")
        if name is not None:
            start = {"type": "http.response.start", "status": 200}
            start["headers"] = [(b"content-type", b"text/event-stream")]
            await send(start)
            pace = float(headers.get("x-replay-pace", "0"))
            self.sent_at = []
            for event in self.streams[name][: int(headers.get("x-replay-events", "100000"))]:
                if pace:
                    await asyncio.sleep(pace)
                    self.sent_at.append(time.perf_counter())
                await send({"type": "http.response.body", "body": event, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        body = self.answers[headers["x-replay-answer"]]
        head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": head})
        await send({"type": "http.response.body", "body": body})


class CountingRelay:
    """A TCP forwarder on a loopback port, in its own thread, counting bytes in each direction."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.up = 0  # client -> server
        self.down = 0  # server -> client
        self.up_head = bytearray()  # the first bytes sent upward since the last reset
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> CountingRelay:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("relay did not start")
        return self

    def reset(self) -> None:
        self.up = self.down = 0
        self.up_head.clear()

    @property
    def up_body(self) -> int:
        """Upward bytes after the first HTTP head (one request per window)."""
        end = self.up_head.find(b"\r\n\r\n")
        return self.up - (end + 4) if end >= 0 else self.up

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)  # gather() below runs outside the loop
        self._loop.run_until_complete(self._main())
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, upward: bool) -> None:
            try:
                while chunk := await src.read(65536):
                    if upward:
                        self.up += len(chunk)
                        if len(self.up_head) < 8192:
                            self.up_head += chunk[:8192]
                    else:
                        self.down += len(chunk)
                    dst.write(chunk)
                    await dst.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                with contextlib.suppress(RuntimeError):
                    dst.close()

        with contextlib.suppress(asyncio.CancelledError):  # stop(): end quietly, not as cancelled
            await asyncio.gather(pipe(reader, up_writer, True), pipe(up_reader, writer, False))


def proxy(upstream: str, **settings: Any) -> BackgroundServer:
    cli = {"proxy.upstream": upstream, **{k.replace("__", "."): v for k, v in settings.items()}}
    return BackgroundServer(build_app(load(cli=cli, env={}, path=None))).start()


@dataclass
class Tally:
    count: int = 0
    up: int = 0
    down: int = 0
    body: int = 0
    times: list[float] = field(default_factory=list)

    def add(self, up: int, down: int, body: int, seconds: float) -> None:
        self.count += 1
        self.up += up
        self.down += down
        self.body += body
        self.times.append(seconds)


PACED_EVENTS = 60
PACE_SECONDS = 0.01


def paced_delays(base_url: str, upstream: ReplayUpstream, name: str, rounds: int = 3) -> list[float]:
    """Per event: arrival at the app minus the upstream's send time (same process, same clock)."""
    delays: list[float] = []
    headers = {
        "authorization": "Bearer sk-bench",
        "x-replay-stream": name,
        "x-replay-pace": str(PACE_SECONDS),
        "x-replay-events": str(PACED_EVENTS),
    }
    body = minified({"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True})
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for _ in range(rounds):
            arrived: list[float] = []
            parser = SSEParser()
            with client.stream("POST", "/v1/chat/completions", content=body, headers=headers) as resp:
                for chunk in resp.iter_raw():
                    now = time.perf_counter()
                    arrived.extend(now for _ in parser.feed(chunk))
            assert len(arrived) == len(upstream.sent_at) == PACED_EVENTS, (
                len(arrived),
                len(upstream.sent_at),
            )
            delays.extend(a - s for a, s in zip(arrived, upstream.sent_at, strict=True))
    return delays


def run_traffic(
    base_url: str,
    relay: CountingRelay,
    streams: dict[str, bytes],
    conversations: list[list[tuple[bytes, bytes]]],
) -> dict[str, Tally]:
    """Sends everything one request at a time, so the relay's counters split exactly per request."""
    tallies = {"stream": Tally(), "first": Tally(), "later": Tally()}

    def book(kind: str, t0: float) -> None:
        elapsed = time.perf_counter() - t0
        time.sleep(0.002)  # let the relay count the last bytes it forwarded
        tallies[kind].add(relay.up, relay.down, relay.up_body, elapsed)
        relay.reset()

    with httpx.Client(base_url=base_url, timeout=60, headers={"authorization": "Bearer sk-bench"}) as client:
        # One request so the keep-alive connection (and the peers' first contact) is not counted.
        client.get("/health")
        time.sleep(0.01)
        relay.reset()
        for name, original in streams.items():
            body = minified({"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True})
            t0 = time.perf_counter()
            headers = {"x-replay-stream": name}
            with client.stream("POST", "/v1/chat/completions", content=body, headers=headers) as resp:
                received = b"".join(resp.iter_bytes())
            book("stream", t0)
            if received != original:
                raise AssertionError(f"stream {name} changed on the way ({len(received)} vs {len(original)})")
        for k, conversation in enumerate(conversations):
            for turn, (body, response) in enumerate(conversation):
                t0 = time.perf_counter()
                headers = {"x-replay-answer": f"{k}-{turn}"}
                resp = client.post("/v1/chat/completions", content=body, headers=headers)
                book("later" if turn else "first", t0)
                if json.loads(resp.content) != json.loads(response):
                    raise AssertionError(f"turn {turn}: response changed ({resp.status_code})")
    return tallies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--turns", type=int, default=16)
    parser.add_argument("--conversations", type=int, default=8)
    args = parser.parse_args(argv)

    files = {p.stem: p.read_bytes() for p in sorted((args.corpus / "streams").glob("*.sse"))}
    events = {name: sse_events(data) for name, data in files.items()}
    conversations = [list(c) for c in long_conversations(args.corpus, args.conversations, args.turns, True)]
    conversations += [list(c) for c in long_conversations(args.corpus, args.conversations, args.turns, False)]

    answers = {f"{k}-{t}": r for k, c in enumerate(conversations) for t, (_, r) in enumerate(c)}
    replay = ReplayUpstream(events, answers)
    upstream = BackgroundServer(replay).start()
    servers: list[BackgroundServer] = [upstream]
    relays: list[CountingRelay] = []
    rows: list[tuple[str, dict[str, Tally]]] = []
    try:
        direct_relay = CountingRelay(upstream.port).start()
        relays.append(direct_relay)
        url = f"http://127.0.0.1:{direct_relay.port}"
        rows.append(("direct (plain)", run_traffic(url, direct_relay, files, conversations)))
        paced_name = max(events, key=lambda n: len(events[n]))
        delays = [("direct (plain)", paced_delays(url, replay, paced_name))]
        stateless = {"proxy__compression__formats": "zstd,brotli,t1,none", "proxy__delta__cache_entries": 0}
        for path, a_settings in (("A-B stateless", stateless), ("A-B stateful", {})):
            b = proxy(upstream.url + "/v1")
            relay = CountingRelay(b.port).start()
            a = proxy(f"http://127.0.0.1:{relay.port}/v1", proxy__upstream_protocol="m2m", **a_settings)
            servers += [b, a]
            relays.append(relay)
            rows.append((path, run_traffic(a.url, relay, files, conversations)))
            delays.append((path, paced_delays(a.url, replay, paced_name)))
    finally:
        for relay in relays:
            relay.stop()
        for server in reversed(servers):
            server.stop()

    plain = rows[0][1]
    n_events = sum(len(e) for e in events.values())
    print(
        f"## Bytes on the wire, counted by a TCP relay: {len(files)} corpus streams ({n_events} events), "
        f"{len(conversations)} conversations x {args.turns} turns (half with tool schemas)\n"
    )
    print(
        "| path | streams B (both ways) | /plain | ms/stream | first turns B | /plain "
        "| later turns B | /plain | later: requests B | /plain | later: request bodies B | /plain "
        "| ms/first turn | ms/later turn |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for path, t in rows:
        s_, f_, l_ = t["stream"], t["first"], t["later"]
        ps, pf, pl = plain["stream"], plain["first"], plain["later"]
        print(
            f"| {path} | {s_.up + s_.down} | {(s_.up + s_.down) / (ps.up + ps.down):.3f} "
            f"| {statistics.mean(s_.times) * 1000:.1f} "
            f"| {f_.up + f_.down} | {(f_.up + f_.down) / (pf.up + pf.down):.3f} "
            f"| {l_.up + l_.down} | {(l_.up + l_.down) / (pl.up + pl.down):.3f} "
            f"| {l_.up} | {l_.up / pl.up:.3f} | {l_.body} | {l_.body / pl.body:.3f} "
            f"| {statistics.median(f_.times) * 1000:.2f} | {statistics.median(l_.times) * 1000:.2f} |"
        )
    direct_ms = statistics.mean(plain["stream"].times) * 1000
    per_stream = n_events / len(files)
    print(f"\nadded time per stream event, A+B together vs direct (mean over {len(files)} streams):")
    for path, t in rows[1:]:
        added = (statistics.mean(t["stream"].times) * 1000 - direct_ms) / per_stream
        print(f"  {path}: {added * 1000:.0f} us/event")
    print(
        f"\npaced stream ({PACED_EVENTS} events of {paced_name}, {PACE_SECONDS * 1000:.0f} ms apart, "
        "3 rounds): upstream send -> app receive, per event"
    )
    print("\n| path | p50 ms | p99 ms | added p50 ms vs direct |")
    print("|---|---:|---:|---:|")
    base = statistics.median(delays[0][1])
    for path, values in delays:
        values = sorted(values)
        p50, p99 = statistics.median(values), values[int(len(values) * 0.99) - 1]
        print(f"| {path} | {p50 * 1000:.2f} | {p99 * 1000:.2f} | {(p50 - base) * 1000:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
