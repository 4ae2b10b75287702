"""The house rules on imports: graph/ below everything, each engine in one module, no circles."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT


def imports_of(path: Path) -> list[tuple[str, bool]]:
    """(module, at top level) for every import in a file; relative imports made absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    top = {id(n) for n in tree.body}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
                if not node.module:  # from . import quarters
                    out += [(f"{base}.{a.name}", id(node) in top) for a in node.names]
                    continue
            else:
                name = node.module
            out.append((name, id(node) in top))
    return out


def modules(package: str) -> dict[str, Path]:
    return {".".join(p.relative_to(ROOT).with_suffix("").parts): p for p in (ROOT / package).rglob("*.py")}


def test_graph_imports_neither_surfaces_nor_loaders():
    forbidden = ("web", "loaders", "beltgraph", "flask", "click", "waitress")
    for name, path in modules("graph").items():
        for imported, _ in imports_of(path):
            assert imported.split(".")[0] not in forbidden, f"{name} imports {imported}"


def test_each_engine_is_imported_by_its_backend_only():
    owner = {"ladybug": "graph.embedded", "neo4j": "graph.neo4j_store"}
    for package in ("graph", "loaders", "web", "beltgraph"):
        for name, path in modules(package).items():
            for imported, _ in imports_of(path):
                root = imported.split(".")[0]
                if root in owner:
                    assert name == owner[root], f"{name} imports {imported}"


def test_web_and_cli_reach_the_algorithms_through_the_use_cases():
    """Views and commands call graph.usecases (and read settings, errors, typed options),
    never an algorithm module directly."""
    allowed = {"graph.usecases", "graph.config", "graph.errors", "graph.paths", "graph.rank", "graph.store",
               "graph.model", "graph.backends", "graph.palette", "graph.export.tables"}
    for package in ("web", "beltgraph"):
        for name, path in modules(package).items():
            for imported, _ in imports_of(path):
                if imported.startswith("graph.") or imported == "graph":
                    assert imported in allowed or imported == "graph", f"{name} imports {imported}"


def test_no_import_circle_in_graph():
    graph = {name: {i for i, top in imports_of(path) if top and i.startswith("graph.") and i in modules("graph")}
             for name, path in modules("graph").items()}
    state: dict[str, int] = {}

    def visit(n, trail):
        state[n] = 1
        for m in graph.get(n, ()):
            assert state.get(m) != 1, "import circle: " + " -> ".join(trail + [m])
            if m not in state:
                visit(m, trail + [m])
        state[n] = 2

    for n in graph:
        if n not in state:
            visit(n, [n])
