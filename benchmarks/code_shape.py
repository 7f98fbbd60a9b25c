"""The shape of the code: the package import graph (cycles, layer edges) and the longest functions.

    python benchmarks/code_shape.py [--top 10]

Read from the source with ``ast`` (imports inside functions count; ``TYPE_CHECKING`` blocks do not),
the same way ``tests/test_layers.py`` checks the rules.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_layers import _graph  # noqa: E402

SRC = ROOT / "src" / "m2m"


def _package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else parts[0]


def longest_functions(folder: Path, top: int) -> list[tuple[int, str]]:
    out = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                out.append((lines, f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"))
    return sorted(out, reverse=True)[:top]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    graph = _graph()
    edges: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        for target in targets:
            a, b = _package(module), _package(target)
            if a != b:
                edges[a].add(b)
    print(f"{len(graph)} modules in src/m2m\n")
    print("| package | imports |")
    print("|---|---|")
    for package in sorted(edges):
        print(f"| {package} | {', '.join(sorted(edges[package]))} |")
    cyclic = [(a, b) for a in edges for b in edges[a] if a in edges.get(b, set())]
    print(f"\npackage pairs importing each other: {sorted(cyclic) or 'none'}")
    print("\nlongest functions in src/m2m/proxy (lines):\n")
    print("| lines | function |")
    print("|---|---|")
    for lines, where in longest_functions(SRC / "proxy", args.top):
        print(f"| {lines} | {where} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
