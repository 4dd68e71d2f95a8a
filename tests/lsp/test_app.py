"""lsp/app.py: `create_server()` builds independent servers with every feature, and nothing in
`heatlens.lsp` is wired by import side effects (no module-level server, no import circles)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
from pathlib import Path
from typing import Dict, List, Set

from pygls.lsp.server import LanguageServer

import heatlens.lsp
from heatlens.lsp import protocol
from heatlens.lsp.app import create_server

LSP_DIR = Path(heatlens.lsp.__file__).resolve().parent

# What the VS Code client and the tests call: names must not change with the wiring.
EXPECTED_METHODS = {
    "initialize", "initialized", "workspace/didChangeConfiguration",
    "textDocument/didOpen", "textDocument/didChange", "textDocument/didClose",
    "textDocument/codeLens", "codeLens/resolve", "textDocument/hover", "textDocument/inlayHint",
    "textDocument/codeAction", "notebookDocument/didOpen", "notebookDocument/didChange",
    "notebookDocument/didSave", "notebookDocument/didClose", "heatlens/debugCounters",
    protocol.PROFILE, protocol.CANCEL, protocol.CLEAR, protocol.RUNS, protocol.REPORT, protocol.FLAMEGRAPH,
    protocol.COMPARE, protocol.HISTORY, protocol.EXPORT, protocol.EXPORT_FORMATS, protocol.PROCESSES,
    protocol.PROFILE_CELL, protocol.CALLGRAPH, protocol.RESOURCES,
}


def lsp_modules() -> List[str]:
    return sorted(m.name for m in pkgutil.walk_packages([str(LSP_DIR)], "heatlens.lsp."))


def test_create_server_registers_every_feature_on_each_new_server() -> None:
    a, b = create_server(), create_server()
    assert a is not b and a.protocol is not b.protocol
    for server in (a, b):
        assert EXPECTED_METHODS <= set(server.protocol.fm.features)
        assert {"heatlens.measureComplexity", "heatlens.profileTest"} <= set(server.protocol.fm.commands)
    # state is per server: one server's annotations or lens cache are not the other's
    assert a.annotations is not b.annotations and a.lens_cache is not b.lens_cache


def test_no_module_of_the_language_server_holds_a_server() -> None:
    for name in lsp_modules():
        module = importlib.import_module(name)
        held = [attr for attr, value in vars(module).items() if isinstance(value, LanguageServer)]
        assert not held, f"{name} holds a server at import: {held}"


def _imports(path: Path, known: Set[str]) -> Set[str]:
    """heatlens.lsp modules that `path` imports, at module level or in functions; not under TYPE_CHECKING."""
    found: Set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for stmt in child.orelse:
                    visit(stmt)
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module:
                found.update(f"{child.module}.{a.name}" if f"{child.module}.{a.name}" in known else child.module
                             for a in child.names)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in known}


def import_graph() -> Dict[str, Set[str]]:
    files = {name: Path(importlib.util.find_spec(name).origin or "") for name in lsp_modules()}  # type: ignore[union-attr]
    known = set(files)
    return {name: _imports(path, known) for name, path in files.items()}


def circles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    out: List[List[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_circles_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles_inside_the_language_server() -> None:
    graph = import_graph()
    assert "heatlens.lsp.requests" in graph["heatlens.lsp.app"]  # the graph sees real edges
    assert circles(graph) == []
