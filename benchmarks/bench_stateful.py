"""Stateful formats against plain JSON/SSE and the stateless ``auto``: bytes and time.

    python benchmarks/bench_stateful.py [--corpus ../shared/corpus] [--turns 16] [--conversations 8]

Streams: every ``streams/*.sse`` file, event by event, as ``zstream`` (one deflate context per
stream) vs plain SSE and vs each event's JSON sent through the stateless ``auto``.
Conversations: ``sessions.jsonl`` in order, and long conversations assembled from the corpus' real
system prompts, user questions and assistant answers (each turn resends the history, as chat apps
do), with and without tool schemas. The client sends ``min(delta, auto)`` as ``DeltaEncoder`` does;
"first" turns have no base, "later" turns do. Single requests: ``requests.jsonl`` in order through
one client. Sizes are text-safe wire bytes; times are per event / per request on this machine.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from m2m.codec import compress
from m2m.codec.delta import DeltaCache, DeltaEncoder, reply_text
from m2m.codec.stream import StreamDecoder, StreamEncoder

ROOT = Path(__file__).resolve().parents[1]


def minified(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def sse_events(data: bytes) -> list[bytes]:
    return [part for part in re.split(rb"(?<=\n\n)", data) if part]


def stateless_event(event: bytes) -> int:
    """Bytes of one event sent with its data value compressed by the stateless ``auto``."""
    out = 0
    for line in event.split(b"\n"):
        if line.startswith(b"data: {"):
            out += len(b"data: ") + len(compress(line[6:].decode(), "auto")) + 1
        else:
            out += len(line) + 1
    return out - 1


def bench_streams(corpus: Path) -> None:
    print("## SSE streams (zstream: one deflate context per stream, flushed per event)\n")
    print("| stream | events | plain B | auto/event | zstream B | zstream/plain | enc us/ev | dec us/ev |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    totals = [0, 0, 0, 0, 0.0, 0.0]
    for path in sorted((corpus / "streams").glob("*.sse")):
        events = sse_events(path.read_bytes())
        encoder, decoder = StreamEncoder(), StreamDecoder()
        wires = []
        t0 = time.perf_counter()
        for event in events:
            wires.append(encoder.encode(event))
        wires.append(encoder.close())
        t1 = time.perf_counter()
        decoded = [decoder.decode(w) for w in wires]
        t2 = time.perf_counter()
        decoder.finish()
        assert decoded[:-1] == events, path
        plain = sum(map(len, events))
        sent = sum(map(len, wires))
        auto = sum(stateless_event(e) for e in events)
        n = len(events)
        print(
            f"| {path.stem} | {n} | {plain} | {auto / plain:.3f} | {sent} | {sent / plain:.3f} "
            f"| {(t1 - t0) / n * 1e6:.1f} | {(t2 - t1) / n * 1e6:.1f} |"
        )
        for i, v in enumerate((n, plain, auto, sent, t1 - t0, t2 - t1)):
            totals[i] += v
    n, plain, auto, sent, te, td = totals
    print(
        f"| **total** | {n:.0f} | {plain:.0f} | {auto / plain:.3f} | {sent:.0f} | **{sent / plain:.3f}** "
        f"| {te / n * 1e6:.1f} | {td / n * 1e6:.1f} |\n"
    )


@dataclass
class Tally:
    requests: int = 0
    plain: int = 0
    auto: int = 0
    sent: int = 0
    deltas: int = 0
    enc_s: float = 0.0
    dec_s: float = 0.0
    stateless_s: float = 0.0
    ratios: list[float] = field(default_factory=list)

    def row(self, name: str) -> str:
        if not self.requests:
            return f"| {name} | 0 | | | | | | | |"
        per = 1e6 / self.requests
        return (
            f"| {name} | {self.requests} | {self.deltas} | {self.plain} | {self.auto / self.plain:.3f} "
            f"| **{self.sent / self.plain:.3f}** | {statistics.median(self.ratios):.3f} "
            f"| {self.enc_s * per:.0f} / {self.stateless_s * per:.0f} "
            f"| {self.dec_s * per:.0f} |"
        )


@dataclass
class Peer:
    """A client and a server as the proxies pair them: one DeltaEncoder, one DeltaCache."""

    replies: bool = True
    client: DeltaEncoder = field(default_factory=DeltaEncoder)
    server: DeltaCache = field(default_factory=DeltaCache)

    def send(self, body: bytes, tally: Tally) -> None:
        t0 = time.perf_counter()
        auto = len(compress(body.decode(), "auto"))
        t1 = time.perf_counter()
        wire = self.client.encode(body, stateless_size=auto)
        t2 = time.perf_counter()
        if wire is None:
            self.server.put(body)
            sent = auto
        else:
            assert self.server.decode(wire) == body
            sent = len(wire)
            tally.deltas += 1
        t3 = time.perf_counter()
        self.client.remember(body)
        tally.requests += 1
        tally.plain += len(body)
        tally.auto += auto
        tally.sent += sent
        tally.ratios.append(sent / len(body))
        tally.stateless_s += t1 - t0
        tally.enc_s += t2 - t0  # the client always computes auto to compare with the delta
        tally.dec_s += t3 - t2

    def reply(self, body: bytes, response: bytes) -> None:
        if not self.replies:
            return
        text = reply_text(response)
        self.client.remember_reply(body, text)
        if text:
            self.server.put(text, request=False)


def unique(values: Iterator[str]) -> list[str]:
    return list(dict.fromkeys(values))


def conversation_material(corpus: Path) -> tuple[list[str], list[str], list[str], list[Any]]:
    requests = [json.loads(line) for line in (corpus / "requests.jsonl").read_text().splitlines()]
    responses = [json.loads(line) for line in (corpus / "responses.jsonl").read_text().splitlines()]

    def texts(role: str) -> Iterator[str]:
        for request in requests:
            for message in request.get("messages", []):
                content = message.get("content")
                if message.get("role") == role and isinstance(content, str) and content.strip():
                    yield content

    answers = unique(
        choice["message"]["content"]
        for response in responses
        for choice in response.get("choices", [])
        if isinstance((choice.get("message") or {}).get("content"), str) and choice["message"]["content"]
    )
    tools = max((r["tools"] for r in requests if r.get("tools")), key=lambda t: len(minified(t)))
    return unique(texts("system")), unique(texts("user")), answers, tools


def long_conversations(
    corpus: Path, conversations: int, turns: int, with_tools: bool
) -> Iterator[Iterator[tuple[bytes, bytes]]]:
    """(request, response) per turn; each request resends the whole history."""
    systems, questions, answers, tools = conversation_material(corpus)

    def one(k: int) -> Iterator[tuple[bytes, bytes]]:
        messages: list[dict[str, Any]] = [{"role": "system", "content": systems[k % len(systems)]}]
        for t in range(turns):
            i = k * turns + t
            messages.append({"role": "user", "content": questions[i % len(questions)]})
            body: dict[str, Any] = {"model": "gpt-4o-mini", "messages": messages, "stream": False}
            if with_tools:
                body["tools"] = tools
            answer = answers[i % len(answers)]
            response = {
                "id": f"chatcmpl-{k}-{t}",
                "object": "chat.completion",
                "model": "gpt-4o-mini",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}
                ],
            }
            yield minified(body), minified(response)
            messages.append({"role": "assistant", "content": answer})

    for k in range(conversations):
        yield one(k)


def bench_conversations(corpus: Path, conversations: int, turns: int) -> None:
    print("## Conversations (delta against an earlier request; client sends min(delta, auto))\n")
    print(
        "| traffic | requests | deltas | plain B | auto/plain | sent/plain | median sent/plain "
        "| client us/req (of which auto) | server us/req |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")

    sessions = [
        [minified(r) for r in json.loads(line)["requests"]]
        for line in (corpus / "sessions.jsonl").read_text().splitlines()
    ]
    peer = Peer()
    first, later = Tally(), Tally()
    for session in sessions:
        for turn, body in enumerate(session):
            peer.send(body, later if turn else first)
    print(first.row("sessions.jsonl, first turns"))
    print(later.row("sessions.jsonl, later turns"))

    for with_tools in (False, True):
        for replies in (True, False):
            peer = Peer(replies=replies)
            first, later = Tally(), Tally()
            for conversation in long_conversations(corpus, conversations, turns, with_tools):
                for turn, (body, response) in enumerate(conversation):
                    peer.send(body, later if turn else first)
                    peer.reply(body, response)
            kind = "chat + tools" if with_tools else "chat"
            how = "base + reply" if replies else "base only"
            if replies:
                print(first.row(f"{conversations}x{turns}-turn {kind}, first turns"))
            print(later.row(f"{conversations}x{turns}-turn {kind}, later turns, {how}"))

    peer = Peer()
    single = Tally()
    for line in (corpus / "requests.jsonl").read_text().splitlines():
        peer.send(minified(json.loads(line)), single)
    print(single.row("requests.jsonl, one client, in order"))
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--turns", type=int, default=16)
    parser.add_argument("--conversations", type=int, default=8)
    args = parser.parse_args(argv)
    bench_streams(args.corpus)
    bench_conversations(args.corpus, args.conversations, args.turns)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
