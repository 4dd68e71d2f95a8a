"""The LibCST half of source_index: parse, resolve positions once, and read scopes, loops, statement
spans and imports off the position table.

Walking the position table (one entry per node) instead of running a `CSTVisitor` halves the cost:
the visitor framework rebuilds every node it passes, which costs as much as the parse itself. Nesting
is recovered from the ranges: the interesting nodes, sorted by (start, longest first), come in
pre-order, and a stack of open ranges says what encloses what.
"""

from __future__ import annotations

import gc
from typing import Dict, List, Mapping, Optional, Set, Tuple, Union

import attrs
import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from heatlens.mapping.index_types import Import, Loop, Scope, SourceIndex, count_lines, sha256_text
from heatlens.mapping.index_types import paint_lines as _paint

_Body = Union[cst.BaseSuite, cst.IndentedBlock, cst.SimpleStatementSuite]
_COMPREHENSIONS = {cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp}
_HEADERS = {cst.If, cst.With, cst.ExceptHandler, cst.ExceptStarHandler, cst.MatchCase}
_INTERESTING = (
    {cst.FunctionDef, cst.ClassDef, cst.For, cst.While, cst.Global, cst.Match}
    | {cst.SimpleStatementLine, cst.Decorator, cst.Import, cst.ImportFrom}
    | _COMPREHENSIONS
    | _HEADERS
)
_Pos = Tuple[int, int]


@attrs.define
class _Frame:
    end: _Pos  # where this range ends (exclusive for what follows)
    scope: int  # innermost scope position (-1: module)
    qualname: Optional[str]
    is_function: bool
    is_scope: bool
    loops: List[int]  # open loops of the innermost scope, innermost last (shared by its loop frames)
    globals: Set[str] = attrs.Factory(set)


class _Builder:
    def __init__(self, positions: Mapping[cst.CSTNode, CodeRange]) -> None:
        self.pos = positions
        self.scopes: List[Scope] = []
        self.parents: List[int] = []
        self.loops: List[Loop] = []
        self.imports: List[Import] = []
        self.spans: Dict[int, Tuple[int, int]] = {}

    def line(self, node: cst.CSTNode) -> int:
        return self.pos[node].start.line

    def span(self, first: int, last: int) -> None:
        if last > first:  # single-line statements are implied; store only multi-line ones
            for ln in range(first, last + 1):
                self.spans[ln] = (first, last)

    def header_end(self, body: _Body) -> int:
        if isinstance(body, cst.IndentedBlock):
            return self.line(body.header)  # the trailing whitespace after the colon
        return self.line(body)

    def body_start(self, body: _Body) -> int:
        if isinstance(body, cst.IndentedBlock) and body.body:
            return self.line(body.body[0])
        return self.header_end(body)

    def run(self) -> None:
        items = []
        for node, rng in self.pos.items():
            if type(node) in _INTERESTING:
                first = rng.start
                if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node.decorators:
                    first = self.pos[node.decorators[0]].start  # the span starts at co_firstlineno
                items.append(((first.line, first.column), (rng.end.line, rng.end.column), node))
        items.sort(key=lambda it: (it[0], (-it[1][0], -it[1][1])))
        stack = [_Frame((1 << 60, 0), -1, None, False, True, [])]
        for start, end, node in items:
            while len(stack) > 1 and stack[-1].end <= start:
                stack.pop()
            frame = stack[-1]
            kind = type(node)
            if kind is cst.FunctionDef or kind is cst.ClassDef:
                stack.append(self.scope(node, start[0], end, frame, stack))  # type: ignore[arg-type]
            elif kind is cst.For or kind is cst.While or kind in _COMPREHENSIONS:
                stack.append(self.loop(node, end, frame))
            elif kind is cst.SimpleStatementLine or kind is cst.Decorator:
                self.span(start[0], end[0])
            elif kind in _HEADERS:
                self.span(start[0], self.header_end(node.body))  # type: ignore[attr-defined]
            elif kind is cst.Match:
                self.span(start[0], self.line(node.whitespace_after_colon))  # type: ignore[attr-defined]
            elif kind is cst.Global:
                self.scope_frame(stack).globals.update(n.name.value for n in node.names)  # type: ignore[attr-defined]
            elif kind is cst.Import or kind is cst.ImportFrom:
                self.add_import(node, start[0], end[0], frame.qualname)  # type: ignore[arg-type]

    @staticmethod
    def scope_frame(stack: List[_Frame]) -> _Frame:
        return next(f for f in reversed(stack) if f.is_scope)

    def scope(
        self, node: Union[cst.FunctionDef, cst.ClassDef], start_line: int, end: _Pos, frame: _Frame, stack: List[_Frame]
    ) -> _Frame:
        parent = self.scope_frame(stack)
        def_line = self.line(node)
        header_end = self.header_end(node.body)
        self.span(def_line, header_end)
        name = node.name.value
        # CPython: a name declared `global` in the enclosing scope gets a bare qualname.
        if parent.qualname is None or name in parent.globals:
            qualname = name
        else:
            qualname = parent.qualname + (".<locals>." if parent.is_function else ".") + name
        if isinstance(node, cst.ClassDef):
            kind = "class"
        else:
            kind = "async function" if node.asynchronous else "function"
        self.scopes.append(
            Scope(
                kind=kind,
                name=name,
                qualname=qualname,
                start_line=start_line,
                def_line=def_line,
                end_line=end[0],
                body_start=self.body_start(node.body),
                header_end=header_end,
                parent=parent.qualname,
                depth=sum(1 for f in stack if f.is_scope) - 1,
            )
        )
        self.parents.append(parent.scope)
        return _Frame(end, len(self.scopes) - 1, qualname, kind != "class", True, [])

    def loop(self, node: cst.CSTNode, end: _Pos, frame: _Frame) -> _Frame:
        start = self.line(node)
        if isinstance(node, (cst.For, cst.While)):
            header_end = self.header_end(node.body)
            self.span(start, header_end)
            kind = "while" if isinstance(node, cst.While) else ("async for" if node.asynchronous else "for")
        else:
            header_end, kind = end[0], "comprehension"
        open_loops = [i for i in frame.loops if self.loops[i].end_line >= start]
        loop = Loop(
            index=len(self.loops),
            kind=kind,
            start_line=start,
            header_end=header_end,
            end_line=end[0],
            depth=len(open_loops) + 1,
            parent=open_loops[-1] if open_loops else None,
            function=frame.qualname,
        )
        self.loops.append(loop)
        return attrs.evolve(frame, end=end, is_scope=False, loops=open_loops + [loop.index], globals=set())

    def add_import(self, node: Union[cst.Import, cst.ImportFrom], first: int, last: int, where: Optional[str]) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                self.imports.append(Import(first, last, get_full_name_for_node(alias.name) or "", (), where))
            return
        module = "." * len(node.relative) + ((get_full_name_for_node(node.module) or "") if node.module else "")
        if isinstance(node.names, cst.ImportStar):
            names: Tuple[str, ...] = ("*",)
        else:
            names = tuple(get_full_name_for_node(a.name) or "" for a in node.names)
        self.imports.append(Import(first, last, module, names, where))


def build(path: str, text: str) -> SourceIndex:
    digest = sha256_text(text)
    source = text[1:] if text.startswith("\ufeff") else text
    line_count = count_lines(source)
    # The tree and the position table are hundreds of thousands of small objects that all live until
    # the end: letting the cyclic GC rescan them as they grow made a 50k-line file 2.5x slower.
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        module = cst.parse_module(source)
        builder = _Builder(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))
        builder.run()
        del module
    except (cst.ParserSyntaxError, RecursionError, ValueError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return SourceIndex(path=path, sha256=digest, line_count=line_count, parsed=False, error=message)
    finally:
        if gc_was_on:
            gc.enable()
    size = line_count + 2
    scopes = builder.scopes  # pre-order: an outer scope precedes the scopes nested in it
    scope_of_line = _paint(size, [(s.start_line, s.end_line, i) for i, s in enumerate(scopes)])
    # Loops, with each nested scope cutting its span out of the loops around it.
    events = [(s.start_line, s.end_line, -1, 0) for s in scopes]
    events += [(lp.start_line, lp.end_line, lp.index, 1) for lp in builder.loops]
    events.sort(key=lambda e: (e[0], -e[1], e[3]))
    loop_of_line = _paint(size, [(a, b, v) for a, b, v, _ in events])
    return SourceIndex(
        path=path,
        sha256=digest,
        line_count=line_count,
        scopes=scopes,
        loops=builder.loops,
        imports=builder.imports,
        spans=builder.spans,
        scope_parent=builder.parents,
        scope_of_line=scope_of_line,
        loop_of_line=loop_of_line,
        first_line={s.start_line: i for i, s in reversed(list(enumerate(scopes)))},
        def_line={s.def_line: i for i, s in enumerate(scopes) if s.def_line != s.start_line},
    )
