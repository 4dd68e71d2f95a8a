"""Candidate anti-patterns found by LibCST: the static half of a finding (the profile decides the rest).

    detect(source_text, path) -> [Candidate]   # pure; never raises on bad source (returns [])

A `Candidate` names its rule, its range, the lines whose measured cost is its cost, the suggestion, and
either a fix (`fix_title` + an edit plan over the parsed tree) or the reason no fix is safe (`refusal`).
Rules live in `rules_loops.py`, `rules_sequences.py` and `rules_idioms.py` and register themselves in `RULES`.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import attrs
import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

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
    _parents: Optional[Dict[cst.CSTNode, cst.CSTNode]] = None

    def where(self, node: cst.CSTNode) -> Pos:
        r = self.pos[node]
        return r.start.line, r.start.column, r.end.line, r.end.column

    def scope_of(self, site: Site) -> cst.CSTNode:
        return site.function if site.function is not None else self.tree

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        if self._parents is None:
            from heatlens.analysis.cstutil import parents

            self._parents = parents(self.tree)
        return self._parents.get(node)

    def site_of(self, node: cst.CSTNode) -> Optional[Site]:
        return next((s for s in self.sites if s.node is node), None)

    def line(self, node: cst.CSTNode) -> int:
        return int(self.pos[node].start.line)


_SITE_TYPES = (cst.For, cst.While, cst.Comparison, cst.AugAssign, cst.Call, cst.Try, cst.Assign, cst.Attribute) + COMP_TYPES


class _Walker(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.sites: List[Site] = []
        self.functions: List[cst.FunctionDef] = []
        self.frames: List[Tuple[Optional[cst.FunctionDef], List[Loop], List[cst.BaseStatement], List[cst.CSTNode]]] = [
            (None, [], [], [])
        ]

    def on_visit(self, node: cst.CSTNode) -> bool:
        func, loops, stmts, tries = self.frames[-1]
        if isinstance(node, _SITE_TYPES):
            self.sites.append(Site(node, func, list(loops), stmts[-1] if stmts else None, bool(tries)))
        if isinstance(node, cst.FunctionDef):
            self.functions.append(node)
            self.frames.append((node, [], [], []))
        elif isinstance(node, cst.BaseStatement):
            stmts.append(node)
        if isinstance(node, LOOP_TYPES):
            loops.append(Loop(node, node))  # type: ignore[arg-type]
        elif isinstance(node, COMP_TYPES) and stmts:
            loops.append(Loop(node, stmts[-1]))
        elif isinstance(node, cst.Try):
            tries.append(node)
        return True

    def on_leave(self, node: cst.CSTNode) -> None:
        func, loops, stmts, tries = self.frames[-1]
        if isinstance(node, cst.FunctionDef):
            self.frames.pop()
            return
        if (isinstance(node, LOOP_TYPES) or isinstance(node, COMP_TYPES)) and loops and loops[-1].node is node:
            loops.pop()
        if isinstance(node, cst.Try) and tries and tries[-1] is node:
            tries.pop()
        if stmts and stmts[-1] is node:
            stmts.pop()


def parse(source: str) -> Optional[Module]:
    try:
        tree = cst.parse_module(source)
    except (cst.ParserSyntaxError, ValueError, RecursionError):
        return None
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)  # keep node identity with `tree`
    walker = _Walker()
    wrapper.visit(walker)
    from heatlens.analysis.cstutil import names

    return Module(tree, dict(wrapper.resolve(PositionProvider)), walker.sites, walker.functions, names(tree))


Rule = Callable[[Module], List[Candidate]]
RULES: Dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn

    return register


def detect_module(mod: Module) -> List[Candidate]:
    from heatlens.analysis import rules_calls, rules_idioms, rules_loops, rules_numpy, rules_sequences  # noqa: F401  (registers)

    out: List[Candidate] = []
    for fn in RULES.values():
        out.extend(fn(mod))
    out.sort(key=lambda c: (c.line, c.col, c.rule))
    return out


def detect(source: str, path: str = "") -> List[Candidate]:
    """All candidates in `source` (`path` is for messages only). Unparsable source gives []."""
    mod = parse(source)
    return detect_module(mod) if mod is not None else []


def in_loop(site: Site) -> bool:
    return bool(site.loops)
