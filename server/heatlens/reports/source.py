"""Read the profiled source back, for reports that quote lines or explain where a line sits.

Only a source whose sha256 matches the one recorded in the profile is trusted (an edited file would put
numbers on the wrong lines). The stdlib `ast` is enough here: reports need the enclosing function and the
loop depth of a line, not LibCST's exact spans.
"""

from __future__ import annotations

import ast
import hashlib
from typing import Dict, List, Optional, Tuple

import attrs

_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.comprehension)
_COMPS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


@attrs.define
class LineContext:
    function: Optional[str]  # qualified name of the innermost enclosing function
    loop_depth: int  # loops (and comprehensions) around the line inside that function


@attrs.define
class SourceFile:
    lines: List[str]
    tree: Optional[ast.AST]

    def text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""


def load_source(path: str, sha256: Optional[str] = None) -> Optional[SourceFile]:
    """The file's lines (and its AST when it parses), or None if unreadable or changed since the run."""
    if not path or path.startswith("<"):
        return None
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        return None
    text = data.decode("utf-8", errors="replace")
    try:
        tree: Optional[ast.AST] = ast.parse(text)
    except (SyntaxError, ValueError):
        tree = None
    return SourceFile(text.splitlines(), tree)


def line_context(source: SourceFile, line: int) -> LineContext:
    if source.tree is None:
        return LineContext(None, 0)
    chain = _chain(source.tree, line, [])
    func_at = max((i for i, node in enumerate(chain) if isinstance(node, _FUNCS)), default=-1)
    names: List[str] = []
    for node in chain[: func_at + 1]:
        if isinstance(node, (ast.ClassDef,) + _FUNCS):
            names.append(node.name)
            if isinstance(node, _FUNCS) and node is not chain[func_at]:
                names.append("<locals>")
    depth = sum(1 for node in chain[func_at + 1 :] if isinstance(node, _LOOPS))
    # A loop header's own line counts as inside that loop (samplers put loop-body time there).
    return LineContext(".".join(names) if func_at >= 0 else None, depth)


def _chain(node: ast.AST, line: int, acc: List[ast.AST]) -> List[ast.AST]:
    """Loop/function/class nodes whose span holds `line`, outermost first."""
    for child in ast.iter_child_nodes(node):
        span = _span(child)
        if span and span[0] <= line <= span[1]:
            if isinstance(child, _COMPS):  # each `for` of a comprehension is a loop
                acc.extend(child.generators)
            elif isinstance(child, (ast.For, ast.AsyncFor, ast.While, ast.ClassDef) + _FUNCS):
                acc.append(child)
            _chain(child, line, acc)  # siblings on one line (a call and its generator) all count
    return acc


def _span(node: ast.AST) -> Optional[Tuple[int, int]]:
    start = getattr(node, "lineno", None)
    if start is None:
        return None
    decorators = getattr(node, "decorator_list", None)
    if decorators:  # co_firstlineno: a function starts at its first decorator
        start = min(start, *(d.lineno for d in decorators))
    return (start, getattr(node, "end_lineno", None) or start)


class SourceCache:
    """Loads each (path, sha256) once per report."""

    def __init__(self) -> None:
        self._files: Dict[Tuple[str, Optional[str]], Optional[SourceFile]] = {}

    def get(self, path: str, sha256: Optional[str] = None) -> Optional[SourceFile]:
        key = (path, sha256)
        if key not in self._files:
            self._files[key] = load_source(path, sha256)
        return self._files[key]
