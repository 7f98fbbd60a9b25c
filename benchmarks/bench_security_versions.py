"""Scanner speed of several git revisions, timed back to back on the same texts.

    python benchmarks/bench_security_versions.py REV [REV ...] [--rounds 3] [--repeat 5] [FILE.jsonl ...]

Each revision's ``src/`` is extracted with ``git archive`` into a temporary folder and timed in its
own Python process (only ``m2m.security.scan(text)`` is called, which every revision has). The
revisions take turns, ``--rounds`` times, so load from other work on the machine falls on all of
them; the table gives the best (lowest) figure of each over the rounds, and the worst in brackets.
Figures are CPU time (``time.process_time``), best of ``--repeat`` passes inside each round:
microseconds per KB over every text, the median of single scans (every fifth text), and per KB over
the texts joined into 64 KB documents, all rows and benign rows only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("M2M_SHARED", ROOT.parent / "shared"))
DEFAULT_FILES = (
    SHARED / "security" / "prompts.jsonl",
    ROOT / "tests/security/data/own.jsonl",
    ROOT / "tests/security/data/multilingual_benign.jsonl",
    ROOT / "tests/security/data/handwritten.jsonl",
    ROOT / "tests/security/data/round3.jsonl",
)
COLUMNS = ("prompts", "median", "documents", "benign documents")

# Run inside each revision's process: prints one JSON line of figures.
WORKER = r"""
import json, statistics, sys, time
from m2m.security import scan
repeat, files = int(sys.argv[1]), sys.argv[2:]
texts, benign = [], []
for path in files:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                texts.append(row["text"])
                if row["label"] == 0:
                    benign.append(row["text"])

def documents(items):
    joined = "\n\n".join(items)
    return [joined[i : i + 65536] for i in range(0, len(joined), 65536)]

def per_kb(items):
    kb = sum(len(t.encode("utf-8")) for t in items) / 1024.0
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for t in items:
            scan(t)
        best = min(best, time.process_time() - start)
    return best * 1e6 / kb

for t in texts:
    scan(t)
single = []
for t in texts[::5]:
    start = time.process_time()
    scan(t)
    single.append(time.process_time() - start)
print(json.dumps({
    "prompts": per_kb(texts),
    "median": statistics.median(single) * 1e6,
    "documents": per_kb(documents(texts)),
    "benign documents": per_kb(documents(benign)),
}))
"""


def extract(rev: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "src"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("revs", nargs="+", help="git revisions, then optionally .jsonl files")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    revs = [r for r in args.revs if not r.endswith(".jsonl")]
    files = [Path(r) for r in args.revs if r.endswith(".jsonl")] or list(DEFAULT_FILES)
    results: dict[str, list[dict[str, float]]] = {rev: [] for rev in revs}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {rev: extract(rev, Path(tmp) / f"rev{i}") for i, rev in enumerate(revs)}
        for _ in range(args.rounds):
            for rev in revs:
                out = subprocess.run(
                    [sys.executable, "-c", WORKER, str(args.repeat), *map(str, files)],
                    check=True,
                    capture_output=True,
                    text=True,
                    env={**os.environ, "PYTHONPATH": str(paths[rev])},
                ).stdout
                results[rev].append(json.loads(out.strip().splitlines()[-1]))
    print(
        f"\nscanner speed, CPU time, {args.rounds} rounds x best of {args.repeat}, Python "
        f"{sys.version.split()[0]}, files: {', '.join(f.name for f in files)}\n"
    )
    print("| revision | prompts us/KB | median us/prompt | 64 KB documents us/KB | benign documents us/KB |")
    print("|---|---:|---:|---:|---:|")
    for rev in revs:
        cells = []
        for column in COLUMNS:
            values = [r[column] for r in results[rev]]
            cells.append(f"{min(values):.0f} ({max(values):.0f})")
        print(f"| {rev} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
