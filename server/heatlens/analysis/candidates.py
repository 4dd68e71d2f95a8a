"""Candidate anti-patterns found by LibCST: the static half of a finding (the profile decides the rest).

    parse(source_text) -> Module | None         # the parsed file the rules look at (detect.py runs them)

A `Candidate` names its rule, its range, the lines whose measured cost is its cost, the suggestion, and
either a fix (`fix_title` + an edit plan over the parsed tree) or the reason no fix is safe (`refusal`).
Rules live in `rules_*.py` and register themselves in `RULES` with `@rule`; `detect.py` imports and runs them.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple, Union, cast

import attrs
import libcst as cst
from heatlens.analysis.cstpass import positions_and_children
from heatlens.analysis.cstutil import COMP_TYPES, LOOP_TYPES, Plan, Pos


@attrs.define(eq=False)
class Candidate:
    rule: str  # e.g. "nested-loop-join"
    line: int  # 1-based range of the construct the diagnostic underlines
    col: int
    end_line: int
    end_col: int
    cost_lines: Tuple[int, int]  # lines whose measured cost is this candidate's cost (inclusive)
    summary: str  # "nested loop join of `orders`"
    advice: str  # "an index of `orders` by `.customer_id` would make this O(n + m)"
    fix_title: Optional[str] = None  # set when a fix is offered; names any assumption it makes
    refusal: Optional[str] = None  # why no fix is offered (None with fix_title None: advice only)
    loop_depth: int = 0
    data: Dict[str, Any] = attrs.Factory(dict)  # JSON-able evidence (names, callee for cost, ...)
    plan: Optional[Plan] = attrs.field(default=None, repr=False)

    def _refuse(self, why: str) -> "Candidate":
        self.refusal = why
        return self

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.line}:{self.col}"


@attrs.define(eq=False)
class Loop:
    node: cst.CSTNode  # For / While / a comprehension
    anchor: cst.BaseStatement  # the statement to insert before when hoisting out of this loop


@attrs.define(eq=False)
class Site:
    node: cst.CSTNode
    function: Optional[cst.FunctionDef]
    loops: List[Loop]  # enclosing loops of the same function, outermost first
    stmt: Optional[cst.BaseStatement]  # innermost enclosing statement
    in_try: bool = False  # inside a try body of the same function


@attrs.define(eq=False)
class Module:
    tree: cst.Module
    pos: Dict[cst.CSTNode, Any]
    sites: List[Site]
    functions: List[cst.FunctionDef]
    all_names: set
    kids: Dict[cst.CSTNode, List[cst.CSTNode]] = attrs.Factory(dict)  # every node's children (see _Walker)
    qualnames: Dict[cst.FunctionDef, str] = attrs.Factory(dict)  # as CPython's __qualname__
    _parents: Optional[Dict[cst.CSTNode, cst.CSTNode]] = None
    _site_by_node: Optional[Dict[cst.CSTNode, Site]] = None
    memo: Dict[Any, Any] = attrs.Factory(dict)  # tables a rule derives once per module (see rules_loops)

    def where(self, node: cst.CSTNode) -> Pos:
        r = self.pos[node]
        return r.start.line, r.start.column, r.end.line, r.end.column

    def scope_of(self, site: Site) -> cst.CSTNode:
        return site.function if site.function is not None else self.tree

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        if self._parents is None:
            self._parents = {kid: n for n, kids in self.kids.items() for kid in kids}
        return self._parents.get(node)

    def site_of(self, node: cst.CSTNode) -> Optional[Site]:
        if self._site_by_node is None:
            self._site_by_node = {s.node: s for s in self.sites}
        return self._site_by_node.get(node)

    def line(self, node: cst.CSTNode) -> int:
        return int(self.pos[node].start.line)

    def function_at(self, line: int) -> str:
        """The qualname of the innermost function around `line` ("<module>" outside any)."""
        best, size = "<module>", None
        for fn in self.functions:
            first, last = self.line(fn), int(self.pos[fn].end.line)
            if first <= line <= last and (size is None or last - first < size):
                best, size = self.qualnames.get(fn, fn.name.value), last - first
        return best


_SITE_TYPES = (cst.For, cst.While, cst.Comparison, cst.AugAssign, cst.Call, cst.Try, cst.Assign, cst.Attribute) + COMP_TYPES


class _Walker:
    """Sites, functions and names of a module, collected during `cstpass`'s one generation of its code."""

    def __init__(self) -> None:
        self.sites: List[Site] = []
        self.functions: List[cst.FunctionDef] = []
        self.frames: List[Tuple[Optional[cst.FunctionDef], List[Loop], List[cst.BaseStatement], List[cst.CSTNode]]] = [
            (None, [], [], [])
        ]
        # In the same walk: the names `cstutil.names(tree)` would give, so they need no walk of their own.
        self.path: List[cst.CSTNode] = []
        self.all_names: set = set()
        self.scopes: List[Tuple[str, bool]] = []  # (qualname, is a function) of the enclosing defs/classes
        self.qualnames: Dict[cst.FunctionDef, str] = {}
        self.once: List[Tuple[cst.CSTNode, cst.CSTNode]] = []  # (a loop's iterable being walked, that loop)

    def on_visit(self, node: cst.CSTNode) -> None:
        k = _kind(type(node))
        parent = self.path[-1] if self.path else None
        if isinstance(parent, (cst.For, cst.CompFor)) and node is parent.iter:
            # a for loop's iterable (and a comprehension's first one) is evaluated once, before the loop:
            # what is in it is not inside that loop
            owner = self.path[-2] if isinstance(parent, cst.CompFor) and len(self.path) > 1 else parent
            if not isinstance(owner, cst.CompFor):
                self.once.append((node, owner))
        self.path.append(node)
        if not k:  # whitespace, operators, literals: most nodes
            return
        if k & _NAME and not (isinstance(parent, cst.Attribute) and parent.attr is node) \
                and not (isinstance(parent, cst.Arg) and parent.keyword is node):
            self.all_names.add(cast(cst.Name, node).value)
        if k & _SCOPE:
            outer = self.scopes[-1] if self.scopes else None
            name = cast(Union[cst.FunctionDef, cst.ClassDef], node).name.value
            qual = name if outer is None else f"{outer[0]}{'.<locals>.' if outer[1] else '.'}{name}"
            self.scopes.append((qual, bool(k & _FUNC)))
            if k & _FUNC:
                self.qualnames[cast(cst.FunctionDef, node)] = qual
        func, loops, stmts, tries = self.frames[-1]
        if k & _SITE:
            outside = {id(o) for _, o in self.once}
            inside = [lp for lp in loops if id(lp.node) not in outside] if outside else list(loops)
            self.sites.append(Site(node, func, inside, stmts[-1] if stmts else None, bool(tries)))
        if k & _FUNC:
            fn = cast(cst.FunctionDef, node)
            self.functions.append(fn)
            self.frames.append((fn, [], [], []))
        elif k & _STMT:
            stmts.append(cast(cst.BaseStatement, node))
        if k & _LOOP:
            loops.append(Loop(node, node))  # type: ignore[arg-type]
        elif k & _COMP and stmts:
            loops.append(Loop(node, stmts[-1]))
        elif k & _TRY:
            tries.append(node)

    def on_leave(self, node: cst.CSTNode) -> None:
        self.path.pop()
        if self.once and self.once[-1][0] is node:
            self.once.pop()
        k = _kind(type(node))
        if not k:
            return
        if k & _SCOPE:
            self.scopes.pop()
        func, loops, stmts, tries = self.frames[-1]
        if k & _FUNC:
            self.frames.pop()
            return
        if k & (_LOOP | _COMP) and loops and loops[-1].node is node:
            loops.pop()
        if k & _TRY and tries and tries[-1] is node:
            tries.pop()
        if k & _STMT and stmts and stmts[-1] is node:
            stmts.pop()


# What the walker needs to know of a node, by its type (isinstance on LibCST's abstract classes is slow).
_NAME, _SCOPE, _FUNC, _SITE, _STMT, _LOOP, _COMP, _TRY = 1, 2, 4, 8, 16, 32, 64, 128
_kinds: Dict[type, int] = {}


def _kind(t: type) -> int:
    k = _kinds.get(t)
    if k is None:
        flags = ((cst.Name, _NAME), ((cst.FunctionDef, cst.ClassDef), _SCOPE), (cst.FunctionDef, _FUNC),
                 (_SITE_TYPES, _SITE), (cst.BaseStatement, _STMT), (LOOP_TYPES, _LOOP), (COMP_TYPES, _COMP),
                 (cst.Try, _TRY))
        k = _kinds[t] = sum(bit for types, bit in flags if issubclass(t, types))
    return k


def parse(source: str) -> Optional[Module]:
    try:
        tree = cst.parse_module(source)
    except (cst.ParserSyntaxError, ValueError, RecursionError):
        return None
    walker = _Walker()
    pos, kids = positions_and_children(tree, walker)  # the walker rides along the code generation
    return Module(tree, dict(pos), walker.sites, walker.functions, walker.all_names, kids=kids,
                  qualnames=walker.qualnames)


Rule = Callable[[Module], List[Candidate]]
RULES: Dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn

    return register


def in_loop(site: Site) -> bool:
    return bool(site.loops)
