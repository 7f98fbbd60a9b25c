"""The codec package does no file or console I/O: benchmark and corpus tools live at the edge
(``m2m.cli.bench``, ``benchmarks/``). Shipped data is read with ``importlib.resources`` only."""

from __future__ import annotations

import ast
from pathlib import Path

import m2m.codec

CODEC = Path(m2m.codec.__file__).parent
FORBIDDEN_MODULES = {"pathlib", "os", "io", "shutil", "socket", "tempfile", "glob", "subprocess"}
FORBIDDEN_CALLS = {"open", "print", "input"}


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in FORBIDDEN_MODULES:
            found.append(node.module or "")
        elif (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS
        ):
            found.append(f"{node.func.id}()")
    return [f"{path.name}: {v}" for v in found]


def test_codec_modules_do_no_io() -> None:
    modules = sorted(CODEC.glob("*.py"))
    assert len(modules) > 5
    assert [v for m in modules for v in _violations(m)] == []


def test_bench_and_corpus_tools_left_the_codec_package() -> None:
    assert not (CODEC / "bench.py").exists()
    assert not (CODEC / "corpus.py").exists()
