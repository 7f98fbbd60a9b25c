"""Bytes between two proxies, per route and direction: the m2m tunnel against a zstd proxy chain.

    python benchmarks/bench_tunnel.py [--seeds 5] [--chat 40] [--corpus ../shared/corpus]

Everything runs on loopback in this process: the fake upstream (``m2m.proxy.fake_upstream``,
answering with recorded or generated bodies and real response heads), proxy B in front of it, a
TCP relay that counts every byte crossing it (heads, chunk framing and bodies), and proxy A in the
client role. Each exchange is sent three ways through the same relay:

- plain: a standard client to B, identity both ways (the baseline of every ratio);
- zstd: a standard client to B, request body ``Content-Encoding: zstd``, ``Accept-Encoding: zstd``
  (B answers JSON and SSE in zstd): what a plain proxy chain with HTTP compression carries;
- m2m: the client to A, A -> relay -> B over the m2m tunnel.

Bodies: chat from the recorded corpus (requests, non-streamed responses, SSE streams, and the
turns of recorded conversations in order, where later turns travel as deltas), and every other
route from ``benchmarks/traffic.py`` (Responses API JSON and SSE, embeddings float/base64,
completions, Anthropic messages, files, moderations, 4xx errors). Request heads are the openai
SDK's (one key for everything, as one app sends), response heads OpenAI's (Anthropic's for
/v1/messages). Every answer is checked to reach
the client byte for byte.

The table gives, per route and direction, bytes on the wire / plain bytes (lower is better) and
whether the tunnel is at or under the zstd chain.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import zstandard

import traffic  # benchmarks/ is on sys.path when this script runs
from m2m.cli.proxy import build_app
from m2m.config import load
from m2m.proxy.fake_upstream import Canned, FakeUpstream, Recorded
from m2m.transport.server import BackgroundServer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "proxy"))
from relay import Relay  # noqa: E402  (the recording relay of the tests)

SHARED = Path(os.environ.get("M2M_SHARED", ROOT.parent / "shared"))
MODES = ("plain", "zstd", "m2m")
# Request fields a client's HTTP library sets itself (per connection or per body).
_OWN_FIELDS = {b"host", b"content-length", b"connection", b"accept-encoding", b"transfer-encoding"}
# Response fields that frame or code the body: the fake upstream sets its own.
_FRAMING = {b"content-length", b"transfer-encoding", b"connection", b"content-encoding"}
ZSTD = zstandard.ZstdCompressor(level=3)


@dataclass
class Exchange:
    route: str
    path: str
    request: bytes
    request_type: str
    answer: Canned
    seed: int


@dataclass
class Tally:
    up: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MODES, 0))
    down: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MODES, 0))
    count: int = 0


def _mini(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def _streaming(body: bytes, stream: bool) -> bytes:
    obj = json.loads(body)
    obj["stream"] = stream
    return _mini(obj)


def _response_head(seed: int, *, anthropic: bool = False, stream: bool = False) -> list[tuple[bytes, bytes]]:
    head = (
        traffic.head_anthropic_response(seed)
        if anthropic
        else traffic.head_openai_response(seed, stream=stream)
    )
    return [(k, v) for k, v in head if k not in _FRAMING]


def _answer(body: traffic.Body, seed: int, *, anthropic: bool = False) -> Canned:
    stream = body.content_type.startswith("text/event-stream")
    head = _response_head(seed, anthropic=anthropic, stream=stream)
    head = [(b"content-type", body.content_type.encode()), *[(k, v) for k, v in head if k != b"content-type"]]
    return Canned(body.status, head, body.data)


def _lines(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def chat_exchanges(corpus: Path, n: int) -> list[Exchange]:
    requests = [_mini(r) for r in _lines(corpus / "requests.jsonl")][:n]
    responses = [_mini(r) for r in _lines(corpus / "responses.jsonl")]
    streams = sorted((corpus / "streams").glob("*.sse"))
    out = []
    for i, request in enumerate(requests):
        body = traffic.Body("chat", responses[i % len(responses)], "application/json")
        out.append(
            Exchange(
                "chat (corpus)", "/v1/chat/completions", request, "application/json", _answer(body, i), i
            )
        )
    for i, sse in enumerate(streams):
        request = _streaming(requests[i % len(requests)], True)
        body = traffic.Body("chat", sse.read_bytes(), traffic.SSE)
        out.append(
            Exchange(
                "chat SSE (corpus)", "/v1/chat/completions", request, "application/json", _answer(body, i), i
            )
        )
    turns = 0
    for session in _lines(corpus / "sessions.jsonl"):
        for request in session.get("requests", []):  # type: ignore[union-attr]
            if turns >= n:
                break
            body = traffic.Body("chat", responses[turns % len(responses)], "application/json")
            out.append(
                Exchange(
                    "chat sessions (corpus)",
                    "/v1/chat/completions",
                    _mini(request),
                    "application/json",
                    _answer(body, turns),
                    turns,
                )
            )
            turns += 1
    return out


# route: (request kind, response kind, stream flag for the request or None, anthropic heads)
ROUTES: dict[str, tuple[str, str, bool | None, bool]] = {
    "responses JSON": ("responses request", "responses response", False, False),
    "responses SSE": ("responses request", "responses stream", True, False),
    "embeddings float": ("embeddings request", "embeddings response (OpenAI, float)", None, False),
    "embeddings base64": ("embeddings request", "embeddings response (OpenAI, base64)", None, False),
    "embeddings (vLLM)": ("embeddings request", "embeddings response (vLLM, float)", None, False),
    "embeddings (Ollama)": (
        "embeddings request",
        "embeddings response (Ollama, shortest float32)",
        None,
        False,
    ),
    "completions JSON": ("completions request", "completions response (logprobs)", False, False),
    "completions SSE": ("completions request", "completions stream", True, False),
    "messages JSON": ("anthropic request", "anthropic response", False, True),
    "messages SSE": ("anthropic request", "anthropic stream", True, True),
    "moderations": ("moderations request", "moderations response", None, False),
}


def traffic_exchanges(seeds: int) -> list[Exchange]:
    out = []
    for seed in range(seeds):
        for route, (req_kind, resp_kind, stream, anthropic) in ROUTES.items():
            req = traffic.generate(req_kind, seed)
            data = req.data if stream is None else _streaming(req.data, stream)
            if route == "embeddings float":
                data = _mini({**json.loads(data), "encoding_format": "float"})
            answer = _answer(traffic.generate(resp_kind, seed), seed, anthropic=anthropic)
            out.append(Exchange(route, req.path, data, req.content_type, answer, seed))
        file_object = _mini(
            {
                "object": "file",
                "id": f"file-{seed:022d}",
                "purpose": "batch",
                "filename": "batch_input.jsonl",
                "bytes": 0,
                "created_at": 1760000000,
                "expires_at": None,
                "status": "processed",
                "status_details": None,
            }
        )
        for kind in ("files: upload (multipart)", "files: batch input (JSONL)"):
            req = traffic.generate(kind, seed)
            answer = _answer(traffic.Body("file", file_object, "application/json"), seed)
            out.append(Exchange(kind, req.path, req.data, req.content_type, answer, seed))
        for kind in ("error (OpenAI 4xx)", "error (Anthropic)"):
            resp = traffic.generate(kind, seed)
            req = traffic.generate("anthropic request" if "Anthropic" in kind else "responses request", seed)
            answer = _answer(resp, seed, anthropic="Anthropic" in kind)
            out.append(Exchange(kind, resp.path, req.data, req.content_type, answer, seed))
    return out


def request_head(content_type: str) -> list[tuple[str, str]]:
    """The openai SDK's request head; one app with one key (one tenant) sends everything."""
    head = [(k.decode(), v.decode()) for k, v in traffic.head_openai_request(0) if k not in _OWN_FIELDS]
    return [(k, content_type if k == "content-type" else v) for k, v in head]


def send(client: httpx.Client, url: str, ex: Exchange, mode: str) -> None:
    headers = request_head(ex.request_type)
    body = ex.request
    if mode == "plain":
        headers.append(("accept-encoding", "identity"))
    elif mode == "zstd":
        headers += [("accept-encoding", "zstd"), ("content-encoding", "zstd")]
        body = ZSTD.compress(body)
    else:
        headers.append(("accept-encoding", "identity"))
    r = client.post(url + ex.path, content=body, headers=headers)
    if r.status_code != ex.answer.status or r.content != ex.answer.body:
        raise SystemExit(
            f"{ex.route} seed {ex.seed} ({mode}): {r.status_code}, answer differs from the upstream's"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=5, help="generated bodies per route (default 5)")
    parser.add_argument(
        "--chat", type=int, default=40, help="corpus chat requests and session turns (default 40)"
    )
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    parser.add_argument(
        "--formats",
        help="response formats proxy A accepts, best first (default: all it reads; e.g. "
        "'zstream,zstd,brotli,t1,tokennative,none,bytes,head' for streams in zstream)",
    )
    args = parser.parse_args()

    exchanges = chat_exchanges(args.corpus, args.chat) + traffic_exchanges(args.seeds)
    current: list[Canned] = []

    def script(_: Recorded) -> Canned:
        return current[0]

    fake = FakeUpstream(keep=4, script=script)
    tallies: dict[str, Tally] = {}

    def config(upstream: str, **flags: object) -> object:
        return load(cli={"proxy.upstream": upstream, **flags}, env={}, path=None)

    with BackgroundServer(fake) as upstream, BackgroundServer(build_app(config(upstream.url + "/v1"))) as b:  # type: ignore[arg-type]
        relay = Relay(b.port)
        try:
            a_flags: dict[str, object] = {"proxy.upstream_protocol": "m2m"}
            if args.formats:
                a_flags["proxy.compression.formats"] = args.formats
            a_config = config(relay.url + "/v1", **a_flags)
            with BackgroundServer(build_app(a_config)) as a, httpx.Client(timeout=60) as client:  # type: ignore[arg-type]
                for mode in MODES:
                    url = a.url if mode == "m2m" else relay.url
                    for ex in exchanges:
                        current[:] = [ex.answer]
                        relay.reset()
                        send(client, url, ex, mode)
                        tally = tallies.setdefault(ex.route, Tally())
                        tally.up[mode] += relay.upstream_bytes
                        tally.down[mode] += relay.downstream_bytes
                        tally.count += mode == "m2m"
        finally:
            relay.close()
    report(tallies)


def report(tallies: dict[str, Tally]) -> None:
    print("bytes between the proxies / plain bytes (heads, framing and bodies; lower is better)\n")
    print("| route | n | plain up | zstd up | m2m up | plain down | zstd down | m2m down | m2m <= zstd |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|:---:|")
    totals = Tally()
    for route, t in tallies.items():
        ok = t.up["m2m"] <= t.up["zstd"] and t.down["m2m"] <= t.down["zstd"]
        print(_row(route, t, "yes" if ok else "NO"))
        for mode in MODES:
            totals.up[mode] += t.up[mode]
            totals.down[mode] += t.down[mode]
        totals.count += t.count
    print(_row("all", totals, ""))


def _row(route: str, t: Tally, verdict: str) -> str:
    up = " | ".join(f"{t.up[m] / t.up['plain']:.3f}" for m in MODES[1:])
    down = " | ".join(f"{t.down[m] / t.down['plain']:.3f}" for m in MODES[1:])
    return f"| {route} | {t.count} | {t.up['plain']:,} | {up} | {t.down['plain']:,} | {down} | {verdict} |"


if __name__ == "__main__":
    main()
