"""Codec benchmark: bytes, o200k tokens and speed per payload kind, m2m formats against peers.

    python benchmarks/bench_codec.py [--corpus ../shared/corpus] [--held-out]
    python benchmarks/bench_codec.py --speed 5 [--held-out]

``--held-out`` measures only the half of the corpus the shipped dictionary and T1 shapes were not
trained on (see benchmarks/train_dict.py). Same tables as ``m2m bench``.

``--speed N``: only speed, on payloads without attachments, per group: every payload compressed,
then decompressed, N passes, the fastest pass reported (CPU us/KB). On a shared machine a single
pass varies by tens of percent; the fastest of several is the steadier figure. To compare two
versions, run each in alternation (``PYTHONPATH=<other tree>/src python benchmarks/...``): this
mode uses only ``compress``, ``decompress`` and the corpus loader.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

from m2m.codec import compress, decompress

try:
    from m2m.cli.bench import load, run
except ImportError:  # a tree from before the tools left the codec package (for --speed comparisons)
    from m2m.codec.bench import run  # type: ignore[no-redef]
    from m2m.codec.corpus import load  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("M2M_SHARED", ROOT.parent / "shared"))


_ATTACHMENT = re.compile(r'[",][A-Za-z0-9+/]{256,}={0,2}"')
GROUPS = {
    "requests": ("chat requests", "tool requests"),
    "responses": ("responses",),
    "stream events": ("stream events",),
}
SPEED_METHODS = (("t1", False), ("auto", False), ("auto", True))


def speed(corpus: Path, passes: int, *, held_out_only: bool) -> None:
    payloads = [p for p in load(corpus) if not held_out_only or p.held_out]
    print(f"# fastest of {passes} passes, CPU us/KB compress / decompress, payloads without attachments")
    header = "".join(f"{m + (' (binary)' if b else ''):>22}" for m, b in SPEED_METHODS)
    print(f"{'group':<16}{'n':>6}{'KB':>8}{header}")
    for group, kinds in GROUPS.items():
        texts = [p.text for p in payloads if p.kind in kinds and not _ATTACHMENT.search(p.text)]
        if not texts:
            continue
        kb = sum(len(t.encode("utf-8")) for t in texts) / 1024
        cells = []
        for method, binary in SPEED_METHODS:
            wires = [compress(t, method, binary=binary) for t in texts]
            best_enc = best_dec = float("inf")
            for _ in range(passes):
                t0 = time.process_time()
                for t in texts:
                    compress(t, method, binary=binary)
                t1 = time.process_time()
                for w in wires:
                    decompress(w)
                t2 = time.process_time()
                best_enc, best_dec = min(best_enc, t1 - t0), min(best_dec, t2 - t1)
            cells.append(f"{best_enc * 1e6 / kb:.1f} / {best_dec * 1e6 / kb:.1f}")
        print(f"{group:<16}{len(texts):>6}{kb:>8.0f}" + "".join(f"{c:>22}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    parser.add_argument("--held-out", action="store_true", help="only the held-out half of the corpus")
    parser.add_argument("--speed", type=int, metavar="N", help="only speed: fastest of N passes")
    args = parser.parse_args()
    if args.speed:
        speed(args.corpus, args.speed, held_out_only=args.held_out)
        return
    run(args.corpus, sys.stdout, held_out_only=args.held_out)


if __name__ == "__main__":
    main()
