"""The types of a source file's index (scopes, loops, imports, statement spans) and the small text helpers
they are built with; `source_index.py` builds and caches them (with LibCST or the tokenizer), and
re-exports them."""

from __future__ import annotations

import codecs
import hashlib
import io
import tokenize
from typing import Dict, List, Optional, Tuple

import attrs

MODULE_QUALNAME = "<module>"


@attrs.frozen
class Scope:
    """A function (`kind` "function"/"async function") or class ("class") of the source."""

    kind: str
    name: str
    qualname: str  # equals the object's `__qualname__`, e.g. "Outer.method", "f.<locals>.g"
    start_line: int  # first decorator line = co_firstlineno (the def/class line when undecorated)
    def_line: int  # the line of the `def`/`class` keyword
    end_line: int  # last line of the body (inclusive)
    body_start: int  # first line of the body's first statement (the def line for `def f(): pass`)
    header_end: int  # last line of the header (where the `:` is)
    parent: Optional[str] = None  # qualname of the enclosing scope, None at module level
    depth: int = 0  # 0 for module-level scopes

    @property
    def is_function(self) -> bool:
        return self.kind != "class"

    def contains(self, line: int) -> bool:
        return self.start_line <= line <= self.end_line


@attrs.frozen
class Loop:
    """A `for`, `while`, `async for` or comprehension ("comprehension": list/set/dict/generator)."""

    index: int  # position in SourceIndex.loops (source order of the loop's start)
    kind: str  # "for" | "async for" | "while" | "comprehension"
    start_line: int
    header_end: int  # last line of the header (`for x in (...):`); the whole expression for comprehensions
    end_line: int  # inclusive, including an `else:` clause
    depth: int  # 1 for the outermost loop within its function, 2 for a loop inside it, ...
    parent: Optional[int] = None  # index of the enclosing loop in the same function
    function: Optional[str] = None  # qualname of the innermost enclosing function/class, None at module level

    def contains(self, line: int) -> bool:
        return self.start_line <= line <= self.end_line


@attrs.frozen
class Import:
    line: int
    end_line: int
    module: str  # "os.path" for `import os.path`; "" + level dots for relative: "..pkg"
    names: Tuple[str, ...] = ()  # imported names ("*" for star); empty for `import x`
    function: Optional[str] = None  # qualname of the enclosing scope, None at module level


@attrs.define
class SourceIndex:
    """Spans and names of one file's source. Build with `build_index` or the cached `index_for`."""

    path: str
    sha256: str  # of the text as given (UTF-8 encoded)
    line_count: int
    parsed: bool = True
    error: Optional[str] = None  # the parse error's message when parsed is False
    note: Optional[str] = None  # what this index leaves out for the file's size (None: complete)
    scopes: List[Scope] = attrs.Factory(list)  # functions and classes, sorted by start_line
    loops: List[Loop] = attrs.Factory(list)  # sorted by (start_line, nesting)
    imports: List[Import] = attrs.Factory(list)
    # Multi-line statements only: line -> (first, last) of the smallest simple statement or compound
    # statement header holding it. Single-line statements are not stored (see statement_span).
    _spans: Dict[int, Tuple[int, int]] = attrs.Factory(dict)
    _scope_parent: List[int] = attrs.Factory(list)  # scope position -> parent's position or -1
    _scope_of_line: List[int] = attrs.Factory(list)  # line -> innermost scope position or -1 (index 0 unused)
    _loop_of_line: List[int] = attrs.Factory(list)  # line -> innermost loop of the line's own scope or -1
    _first_line: Dict[int, int] = attrs.Factory(dict)  # start_line -> scope position
    _def_line: Dict[int, int] = attrs.Factory(dict)  # def_line -> scope position

    # ---- queries -------------------------------------------------------------------------------

    @property
    def functions(self) -> List[Scope]:
        return [s for s in self.scopes if s.is_function]

    @property
    def classes(self) -> List[Scope]:
        return [s for s in self.scopes if not s.is_function]

    def scopes_at(self, line: int) -> List[Scope]:
        """Functions and classes whose span (first decorator .. last body line) holds `line`, outermost first."""
        chain: List[Scope] = []
        i = self._scope_index_at(line)
        while i >= 0:
            chain.append(self.scopes[i])
            i = self._scope_parent[i]
        chain.reverse()
        return chain

    def scope_at(self, line: int) -> Optional[Scope]:
        """The innermost function or class holding `line`: the code object a profiler reports for it
        (a class body line runs in the class's code object). None at module level."""
        i = self._scope_index_at(line)
        return self.scopes[i] if i >= 0 else None

    def function_at(self, line: int) -> Optional[Scope]:
        """The outermost function (def / async def, classes skipped) holding `line`: for a method, the
        method; for a closure, the function that defines it. None outside any function."""
        return next((s for s in self.scopes_at(line) if s.is_function), None)

    def innermost_function_at(self, line: int) -> Optional[Scope]:
        """The innermost function (classes skipped) holding `line`. None outside any function."""
        return next((s for s in reversed(self.scopes_at(line)) if s.is_function), None)

    def function_by_first_line(self, line: int) -> Optional[Scope]:
        """The function or class whose `start_line` (co_firstlineno) is `line`; a `def`/`class` line of a
        decorated one matches too, since some backends report that instead."""
        i = self._first_line.get(line)
        if i is None:
            i = self._def_line.get(line)
        return self.scopes[i] if i is not None else None

    def scopes_by_qualname(self, qualname: str) -> List[Scope]:
        """All scopes with this qualname (conditional definitions may repeat one)."""
        return [s for s in self.scopes if s.qualname == qualname]

    def loops_at(self, line: int) -> List[Loop]:
        """Loops holding `line` in the same function as the line, outermost first. A loop does not hold
        the lines of a function or class defined inside it (they run when called, not per iteration)."""
        if not 1 <= line <= len(self._loop_of_line) - 1:
            return []
        chain: List[Loop] = []
        i: Optional[int] = self._loop_of_line[line]
        while i is not None and i >= 0:
            chain.append(self.loops[i])
            i = self.loops[i].parent
        chain.reverse()
        return chain

    def statement_span(self, line: int) -> Tuple[int, int]:
        """(first, last) line of the smallest statement holding `line`: a simple statement (possibly
        several on one line with `;`), a decorator, or a compound statement's header (`if a and\\n b:`).
        Lines outside any statement (blank, comments) and unparsed files give (line, line)."""
        return self._spans.get(line, (line, line))

    def multiline_statements(self) -> List[Tuple[int, int]]:
        """Spans of all statements/headers covering more than one line, sorted."""
        return sorted(set(self._spans.values()))

    def _scope_index_at(self, line: int) -> int:
        if 1 <= line < len(self._scope_of_line):
            return self._scope_of_line[line]
        return -1


def sha256_text(text: str) -> str:
    """The cache key of a text: sha256 of its UTF-8 encoding (lone surrogates kept)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def decode_source(data: bytes) -> str:
    """Decode source bytes like CPython does (BOM, PEP 263 coding cookie, default UTF-8); undecodable
    bytes become U+FFFD rather than raising. The BOM is dropped."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:  # a bad coding cookie: CPython would refuse; show the text anyway
        encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:  # a cookie naming an unknown codec
        return data.decode("utf-8", errors="replace")


def count_lines(text: str) -> int:
    """Lines as CPython numbers them: "a\\nb" and "a\\nb\\n" both have 2."""
    if not text:
        return 0
    n = text.count("\n") + text.count("\r") - text.count("\r\n")
    return n if text[-1] in "\r\n" else n + 1


def paint_lines(size: int, intervals: List[Tuple[int, int, int]]) -> List[int]:
    """line -> value of the last-painted interval holding it; `intervals` (first, last, value) are painted
    in the given order, so an outer interval must come before the ones nested in it."""
    out = [-1] * size
    for first, last, value in intervals:
        last = min(last, size - 1)
        if last >= first:
            out[first : last + 1] = [value] * (last - first + 1)
    return out
