"""Model registry and router on a corpus of chat requests, in one run.

Prints three tables:

1. coverage: how many requests name a model the registry knows (embedded card), how many get an
   exact tokenizer, how many fall back to an estimate;
2. router: the Skip / Optimize / Full split with the seed thresholds (25 / 50 tokens) and the wire
   format chosen, with Optimize on;
3. cost per call (microseconds, median of repeated passes over the corpus) of ``models.get``,
   ``models.encoding_for``, ``router.route`` and ``router.optimize``, next to ``json.dumps`` of the
   same request (a floor every proxy pays anyway) and an exact o200k ``count_tokens`` of it.

Optimize savings are reported in bytes of minified JSON: what the upstream no longer receives.

Run: ``python benchmarks/bench_models_router.py [--corpus ../shared/corpus] [--passes 5]``.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from m2m import models, router
from m2m.tokenizer import count_tokens

HERE = Path(__file__).resolve().parent


def load_requests(corpus: Path) -> list[dict[str, Any]]:
    requests: list[dict[str, Any]] = []
    for line in (corpus / "requests.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("messages"), list):
            requests.append(obj)
    sessions = corpus / "sessions.jsonl"
    if sessions.is_file():
        for line in sessions.read_text(encoding="utf-8").splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            for req in obj.get("requests", []) if isinstance(obj, dict) else []:
                if isinstance(req, dict) and isinstance(req.get("messages"), list):
                    requests.append(req)
    return requests


def minified(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def per_call_us(fn: Callable[[Any], Any], items: list[Any], passes: int) -> float:
    runs = []
    for _ in range(passes):
        start = time.perf_counter()
        for item in items:
            fn(item)
        runs.append((time.perf_counter() - start) / len(items) * 1e6)
    return statistics.median(runs)


def table(title: str, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for i, row in enumerate(cells):
        print(
            "  ".join(
                c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if i == 0:
            print("  ".join("-" * w for w in widths))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=HERE.parent.parent / "shared" / "corpus")
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()

    requests = load_requests(args.corpus)
    if not requests:
        print(f"no chat requests under {args.corpus}")
        return 1
    ids = [r.get("model") if isinstance(r.get("model"), str) else "" for r in requests]
    print(f"{len(requests)} chat requests, {len(set(ids))} distinct model ids, from {args.corpus}")

    # 1. coverage
    known = sum(models.get(m) is not None for m in ids)
    exact = collections.Counter(models.encoding_for(m) or "estimate" for m in ids)
    rows = [("requests with a known model (card)", known, f"{known / len(ids):.0%}")]
    for name, n in exact.most_common():
        rows.append((f"tokenizer {name}", n, f"{n / len(ids):.0%}"))
    table("1. registry coverage", ("", "requests", "share"), rows)

    # 2. router
    cfg = router.RouterConfig(optimize=True)
    split: collections.Counter[str] = collections.Counter()
    dropped_bytes = total_bytes = dropped_params = 0
    for req in requests:
        decision = router.route(req, cfg)
        split[f"{decision.strategy.value} / {decision.algorithm}"] += 1
        before = len(minified(req).encode())
        total_bytes += before
        if decision.optimize:
            card = models.get(req.get("model", "")) if isinstance(req.get("model"), str) else None
            out = router.optimize(req, card)
            dropped_params += len(req) - len(out)
            dropped_bytes += before - len(minified(out).encode())
    rows = [(k, n, f"{n / len(requests):.0%}") for k, n in split.most_common()]
    table(
        "2. router decisions (min 25, full 50 tokens, Optimize on)",
        ("strategy / format", "requests", "share"),
        rows,
    )
    print(
        f"Optimize dropped {dropped_params} parameters, {dropped_bytes} of {total_bytes} bytes "
        f"({dropped_bytes / total_bytes:.2%} of the minified requests)"
    )

    # 3. cost per call
    models.get("warm-up")
    count_tokens("warm up", encoding="o200k_base")
    texts = [minified(r) for r in requests]
    cards = [models.get(m) for m in ids]
    pairs = list(zip(requests, cards, strict=True))
    cold = models.Registry()
    rows = [
        ("models.get (first lookup of each id)", f"{per_call_us(cold.get, sorted(set(ids)), 1):.2f}"),
        ("models.get (repeat)", f"{per_call_us(models.get, ids, args.passes):.2f}"),
        ("models.encoding_for (repeat)", f"{per_call_us(models.encoding_for, ids, args.passes):.2f}"),
        ("router.optimize", f"{per_call_us(lambda p: router.optimize(p[0], p[1]), pairs, args.passes):.2f}"),
        ("router.route", f"{per_call_us(lambda r: router.route(r, cfg), requests, args.passes):.2f}"),
        ("json.dumps (reference)", f"{per_call_us(minified, requests, args.passes):.2f}"),
        (
            "count_tokens o200k (reference)",
            f"{per_call_us(lambda t: count_tokens(t, encoding='o200k_base'), texts, args.passes):.2f}",
        ),
    ]
    mean_kb = sum(len(t.encode()) for t in texts) / len(texts) / 1024
    table(
        f"3. cost per call, mean request {mean_kb:.1f} KB (median of {args.passes} passes)",
        ("call", "us"),
        rows,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
