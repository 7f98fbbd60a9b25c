"""Codec benchmark: bytes, o200k tokens and speed per payload kind, m2m formats against peers.

    python benchmarks/bench_codec.py [--corpus ../shared/corpus] [--held-out]

``--held-out`` measures only the half of the corpus the shipped dictionary and T1 shapes were not
trained on (see benchmarks/train_dict.py). Same tables as ``m2m bench``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from m2m.codec.bench import run

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--held-out", action="store_true", help="only the held-out half of the corpus")
    args = parser.parse_args()
    run(args.corpus, sys.stdout, held_out_only=args.held_out)


if __name__ == "__main__":
    main()
