"""Codec bytes and speed per body kind: the corpus and every route of benchmarks/traffic.py.

    python benchmarks/bench_routes.py [--corpus ../shared/corpus] [--seeds 5] [--passes 5]

For each kind of body: our bytes / original bytes for ``auto`` (binary form and text-safe form),
against plain zstd level 3 (no dictionary) and gzip level 6 of the same body, and ``octets``
(pack_bytes, for bodies that travel as bytes); then CPU microseconds per KB to encode and decode
``auto`` binary (the fastest of ``--passes`` passes over all bodies of the kind, so other load on a
shared machine inflates it less). Ratios are totals over the kind (sum of wire bytes / sum of
body bytes). A second table does the same for HTTP heads (m2m.codec.head against zstd-3 and the
raw HTTP/1.1 bytes).

Corpus kinds: requests and responses as stored (minified), SSE streams as whole recorded bodies,
and single stream events. Traffic kinds: ``--seeds`` bodies each (seeds 0..N-1).
"""

from __future__ import annotations

import argparse
import gzip
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import zstandard

import traffic  # benchmarks/ is on sys.path when this script runs
from m2m.cli.bench import load
from m2m.codec import Limits, compress, decompress
from m2m.codec.bytecodec import pack_bytes, unpack_bytes
from m2m.codec.head import decode_head, encode_head, encode_head_text

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("M2M_SHARED", ROOT.parent / "shared"))
ZSTD3 = zstandard.ZstdCompressor(level=3)
LIMITS = Limits(max_decoded_bytes=64 * 1024 * 1024)
HEAD_LIMITS = {"max_fields": 256, "max_bytes": 64 * 1024}


def corpus_kinds(corpus: Path) -> dict[str, list[bytes]]:
    kinds: dict[str, list[bytes]] = {}
    for p in load(corpus):
        if p.kind in ("chat requests", "tool requests", "responses", "stream events"):
            kinds.setdefault(f"corpus {p.kind}", []).append(p.text.encode())
    streams = sorted((corpus / "streams").glob("*.sse"))
    kinds["corpus SSE streams (whole body)"] = [s.read_bytes() for s in streams]
    return kinds


def traffic_kinds(seeds: int) -> dict[str, list[bytes]]:
    return {kind: [traffic.generate(kind, s).data for s in range(seeds)] for kind in traffic.KINDS}


def _fastest(passes: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(passes):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def body_row(name: str, bodies: Sequence[bytes], passes: int) -> str:
    texts = [b.decode("utf-8") for b in bodies]
    total = sum(map(len, bodies))
    wires = [compress(t, binary=True) for t in texts]
    for w, t in zip(wires, texts, strict=True):
        assert decompress(w, limits=LIMITS) == t
    auto_b = sum(map(len, wires))
    auto_t = sum(len(compress(t)) for t in texts)  # text forms are ASCII
    z3 = sum(len(ZSTD3.compress(b)) for b in bodies)
    gz = sum(len(gzip.compress(b, 6)) for b in bodies)
    octets = 0
    for b in bodies:
        packed = pack_bytes(b)
        assert unpack_bytes(packed, LIMITS) == b
        octets += len(packed)
    kb = total / 1024
    enc = _fastest(passes, lambda: [compress(t, binary=True) for t in texts]) * 1e6 / kb
    dec = _fastest(passes, lambda: [decompress(w, limits=LIMITS) for w in wires]) * 1e6 / kb
    return (
        f"| {name} | {len(bodies)} | {total:,} | **{auto_b / total:.3f}** | {auto_t / total:.3f} | "
        f"{z3 / total:.3f} | {gz / total:.3f} | {octets / total:.3f} | {auto_b / z3:.2f} | "
        f"{enc:.1f} / {dec:.1f} |"
    )


def head_row(name: str, heads: Sequence[traffic.Head], passes: int) -> str:
    raw = sum(sum(len(n) + len(v) + 4 for n, v in h) + 2 for h in heads)  # "name: value\r\n", blank line
    wires = [encode_head(h) for h in heads]
    for w, h in zip(wires, heads, strict=True):
        assert decode_head(w, **HEAD_LIMITS) == h
    ours = sum(map(len, wires))
    text = sum(len(encode_head_text(h)) for h in heads)
    z3 = sum(len(ZSTD3.compress(b"".join(n + b": " + v + b"\r\n" for n, v in h) + b"\r\n")) for h in heads)
    enc = _fastest(passes, lambda: [encode_head(h) for h in heads]) * 1e6 / len(heads)
    dec = _fastest(passes, lambda: [decode_head(w, **HEAD_LIMITS) for w in wires]) * 1e6 / len(heads)
    n = len(heads)
    return (
        f"| {name} | {n} | {raw / n:.0f} | **{ours / n:.0f}** | {text / n:.0f} | {z3 / n:.0f} | "
        f"{enc:.0f} / {dec:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    parser.add_argument("--seeds", type=int, default=5, help="traffic bodies per kind")
    parser.add_argument("--passes", type=int, default=5, help="speed: fastest of N passes")
    args = parser.parse_args()
    print(f"# bytes / original bytes (totals per kind); CPU us/KB, fastest of {args.passes} passes\n")
    print(
        "| kind | n | bytes | auto binary | auto text | zstd-3 | gzip-6 | octets | auto/zstd-3 "
        "| auto enc / dec us/KB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    kinds = {**corpus_kinds(args.corpus), **traffic_kinds(args.seeds)}
    for name, bodies in kinds.items():
        print(body_row(name, bodies, args.passes), flush=True)
    print(f"\n# HTTP heads: mean bytes per head ({args.seeds} heads per kind); CPU us per head\n")
    print("| head | n | HTTP/1.1 bytes | encode_head | text form | zstd-3 | enc / dec us |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, make in traffic.HEAD_KINDS.items():
        print(head_row(name, [make(s) for s in range(args.seeds)], args.passes), flush=True)


if __name__ == "__main__":
    main()
