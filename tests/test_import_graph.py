"""The import graph of `server/heatlens`: no import circles and at most 2 imports that run up the layers.

Every module is parsed with `ast` (nothing is imported); an edge is an import of another heatlens module,
at module level or inside a function (imports under `if TYPE_CHECKING:` never run, so they are left out).
The layers are those of docs/architecture.md ("Layers"), lowest first; a module may import its own layer and
any layer below it. `HEATLENS_IMPORT_GRAPH=out.dot` also writes the graph of packages as Graphviz DOT.
"""

from __future__ import annotations

import ast
import os
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Set, Tuple

import pytest

SERVER = Path(__file__).resolve().parents[1] / "server"
# Files that run inside the profiled program's interpreter, stdlib only, imported there by bare module name:
# they are no part of the daemon's graph.
SEPARATE = ("heatlens.backends._agent", "heatlens.jobs._pytest_plugin")

# Lowest first. `model` and `classify` (the normalized data and the failure/kind vocabulary) and `version`
# are the base that every layer may use. The runner hands a backend's output to its adapter, so `run`
# sits on `backends`; the store keeps model objects only, so every layer above the model may save a run.
LAYERS: Tuple[Tuple[str, ...], ...] = (
    ("model", "classify", "version", "defaults", "prestart", "interpreter"),
    ("backends",),
    ("run",),
    ("store",),
    ("mapping",),
    ("analysis",),
    ("reports",),
    ("jobs",),
    ("options", "pipeline"),
    ("commands", "lsp", "notebook", "api", "cli", "__main__", "options_manifest", ""),  # "": the package itself
)
MAX_UPWARD = 2


class Edge(NamedTuple):
    source: str
    target: str
    in_function: bool
    line: int


def modules(root: Path = SERVER) -> Dict[str, Path]:
    """Dotted module name -> file, for every module of the heatlens package (packages by their __init__)."""
    found = {}
    for path in sorted((root / "heatlens").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        if not name.startswith(SEPARATE):
            found[name] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _targets(module: str, is_package: bool, node: ast.stmt, known: Set[str]) -> List[str]:
    """The heatlens modules that one import statement loads (`from pkg import mod` names the module)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        assert isinstance(node, ast.ImportFrom)
        base = node.module or ""
        if node.level:
            package = module.split(".") if is_package else module.split(".")[:-1]
            package = package[:len(package) - (node.level - 1)]
            base = ".".join(package + ([node.module] if node.module else []))
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
    out = []
    for name in names:
        while name not in known and "." in name:  # `import heatlens.x.y` where y is a name: the module x
            name = name.rsplit(".", 1)[0]
        if name in known:
            out.append(name)
    return out


def edges(found: Dict[str, Path]) -> List[Edge]:
    known = set(found)
    out: List[Edge] = []
    for module, path in found.items():
        is_package = path.name == "__init__.py"

        def visit(node: ast.AST, in_function: bool) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and _is_type_checking(child.test):
                    for other in child.orelse:
                        visit(other, in_function)
                    continue
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    out.extend(Edge(module, t, in_function, child.lineno)
                               for t in _targets(module, is_package, child, known) if t != module)
                visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

        visit(ast.parse(path.read_text(encoding="utf-8"), str(path)), False)
    return out


def cycles(nodes: Iterable[str], graph: Iterable[Edge]) -> List[List[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    succ: Dict[str, List[str]] = {n: [] for n in nodes}
    for e in graph:
        succ[e.source].append(e.target)
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []
    for start in succ:
        if start in index:
            continue
        work = [(start, iter(succ[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(succ[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def layer(module: str) -> int:
    part = module.split(".")[1] if "." in module else ""
    for rank, names in enumerate(LAYERS):
        if part in names:
            return rank
    raise AssertionError(f"{module}: in no layer of LAYERS; add its package to the layer it belongs to")


def upward(graph: Iterable[Edge]) -> List[Edge]:
    return [e for e in graph if layer(e.target) > layer(e.source)]


def package_of(module: str) -> str:
    return module.split(".")[1] if "." in module else "heatlens"


def to_dot(graph: Iterable[Edge]) -> str:
    """Packages as nodes (ranked by layer), one arrow per pair with its number of imports; upward in red."""
    counts = Counter((package_of(e.source), package_of(e.target), layer(e.target) > layer(e.source))
                     for e in graph if package_of(e.source) != package_of(e.target))
    lines = ["digraph heatlens {", "  rankdir=BT; node [shape=box];"]
    for rank, names in enumerate(LAYERS):
        present = sorted({package_of(m) for m in modules() if layer(m) == rank})
        lines.append("  { rank=same; " + " ".join(f'"{p}";' for p in present) + " }")
    for (source, target, up), n in sorted(counts.items()):
        lines.append(f'  "{source}" -> "{target}" [label={n}{", color=red" if up else ""}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


FOUND = modules()
GRAPH = edges(FOUND)


def test_every_module_is_in_a_layer():
    for module in FOUND:
        layer(module)


def test_no_import_circles_at_module_level():
    assert cycles(FOUND, [e for e in GRAPH if not e.in_function]) == []


def test_no_import_circles_counting_imports_inside_functions():
    assert cycles(FOUND, GRAPH) == []


def test_at_most_two_imports_run_up_the_layers():
    found = [f"{e.source}:{e.line} -> {e.target}" for e in upward(GRAPH)]
    assert len(found) <= MAX_UPWARD, "\n".join(found)


def test_dot_output_when_asked(tmp_path):
    target = os.environ.get("HEATLENS_IMPORT_GRAPH")
    dot = to_dot(GRAPH)
    assert dot.startswith("digraph") and '"run" -> "backends"' in dot
    if target:
        Path(target).write_text(dot, encoding="utf-8")


# The checker itself, on small made-up graphs: it must see what it is meant to see.
def test_cycles_found_in_a_made_up_graph():
    graph = [Edge("a", "b", False, 1), Edge("b", "c", True, 1), Edge("c", "a", False, 1), Edge("c", "d", False, 1)]
    assert cycles("abcd", graph) == [["a", "b", "c"]]
    assert cycles("abcd", [e for e in graph if not e.in_function]) == []


def test_imports_resolved_from_source(tmp_path):
    package = tmp_path / "heatlens"
    (package / "run").mkdir(parents=True)
    (package / "analysis").mkdir()
    for name in ("__init__.py", "model.py", "run/__init__.py", "analysis/__init__.py", "analysis/leaks.py"):
        (package / name).write_text("")
    (package / "run" / "supervise.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from heatlens.analysis import leaks\n"
        "from ..model import X\n\ndef f():\n    from heatlens.analysis import leaks\n")
    found = modules(tmp_path)
    assert edges(found) == [Edge("heatlens.run.supervise", "heatlens.model", False, 4),
                            Edge("heatlens.run.supervise", "heatlens.analysis.leaks", True, 7)]
    assert upward(edges(found)) == [Edge("heatlens.run.supervise", "heatlens.analysis.leaks", True, 7)]


@pytest.mark.parametrize("module, rank", [("heatlens.model", 0), ("heatlens.run.runner", 2), ("heatlens", 9)])
def test_layers_of_known_modules(module, rank):
    assert layer(module) == rank
