"""The import graph of ``src/m2m``: no cycle, and inner layers never import outer ones.

Read from the source (every import, those inside functions too; ``TYPE_CHECKING`` blocks are for
annotations only and are skipped), so a lazy import cannot hide an edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

# Layers, inner first: a package may import its own layer and those before it, never after.
PURE = (
    "m2m.errors",
    "m2m.headers",
    "m2m.sse",
    "m2m.codec",
    "m2m.tokenizer",
    "m2m.models",
    "m2m.router",
    "m2m.security",
)
OUTER_RULES = {
    # package: packages it must never import
    "m2m.tunnel": ("m2m.proxy", "m2m.transport", "m2m.cli", "m2m.client", "m2m.store"),
    "m2m.store": ("m2m.proxy", "m2m.transport", "m2m.cli", "m2m.client", "m2m.tunnel"),
    "m2m.proxy": ("m2m.transport", "m2m.cli", "m2m.client"),
    "m2m.transport": ("m2m.proxy", "m2m.cli", "m2m.client", "m2m.tunnel"),
    "m2m.client": ("m2m.proxy", "m2m.transport", "m2m.cli"),
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in (SRC / "m2m").rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("m2m"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            if base.startswith("m2m"):
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    found.add(sub if sub in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in modules and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_no_import_cycle() -> None:
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def strongconnect(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            strongconnect(v)
    assert cycles == []


def test_inner_layers_never_import_outer_ones() -> None:
    graph = _graph()
    outer = ("m2m.tunnel", "m2m.store", "m2m.proxy", "m2m.transport", "m2m.cli", "m2m.client")
    wrong = []
    for module, targets in graph.items():
        for target in targets:
            if any(_in(module, p) for p in PURE) and any(_in(target, o) for o in outer):
                wrong.append((module, target))
            for package, forbidden in OUTER_RULES.items():
                if _in(module, package) and any(_in(target, f) for f in forbidden):
                    wrong.append((module, target))
    assert wrong == []


def test_the_graph_is_read_at_all() -> None:
    graph = _graph()
    assert "m2m.tunnel" in graph["m2m.proxy.pipeline"]
    assert "m2m.transport.upstream" in graph["m2m.cli.proxy"]
