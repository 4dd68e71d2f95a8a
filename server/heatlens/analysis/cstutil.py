"""Small LibCST helpers shared by the detectors: names, mutations, loop context, edit plans.

Everything here is pure and works on one parsed module; node identity (`is`) is how a detector's
findings are tied back to the tree that a fix rewrites, so the same `cst.Module` object must be used.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

import attrs
import libcst as cst

MUTATING_METHODS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "add", "discard",
    "setdefault", "popitem", "appendleft", "popleft", "extendleft", "rotate", "__setitem__", "__delitem__",
    "difference_update", "intersection_update", "symmetric_difference_update",
})
# Builtins that neither mutate nor keep their arguments: passing a collection to them is not an escape.
PURE_BUILTINS = frozenset({
    "len", "sorted", "min", "max", "sum", "any", "all", "abs", "int", "str", "float", "bool", "repr", "print",
    "range", "enumerate", "zip", "isinstance", "round", "list", "set", "frozenset", "tuple", "dict", "format",
    "reversed", "iter", "hash", "id", "type", "ord", "chr", "divmod", "map", "filter",
})
LOOP_TYPES = (cst.For, cst.While)
COMP_TYPES = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)

Edit = Callable[[cst.CSTNode], Union[cst.CSTNode, cst.FlattenSentinel, cst.RemovalSentinel]]


@attrs.define(eq=False)
class Plan:
    """A rewrite: node-level edits (by identity), statements to put before/after a statement, imports."""

    edits: Dict[cst.CSTNode, Edit] = attrs.Factory(dict)
    before: Dict[cst.CSTNode, List[cst.BaseStatement]] = attrs.Factory(dict)
    after: Dict[cst.CSTNode, List[cst.BaseStatement]] = attrs.Factory(dict)
    imports: List[str] = attrs.Factory(list)  # modules to `import`


class _Apply(cst.CSTTransformer):
    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel]:  # type: ignore[override]
        out: Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel] = updated
        edit = self.plan.edits.get(original)
        if edit is not None:
            out = edit(updated)
        pre, post = self.plan.before.get(original), self.plan.after.get(original)
        if pre or post:
            body = list(out.nodes) if isinstance(out, cst.FlattenSentinel) else [out]
            if pre and body and hasattr(body[0], "leading_lines"):
                # keep the statement's own comment block above the inserted statements
                lead = body[0].leading_lines
                body[0] = body[0].with_changes(leading_lines=())  # type: ignore[union-attr]
                pre = [pre[0].with_changes(leading_lines=lead), *pre[1:]]
            out = cst.FlattenSentinel([*(pre or []), *body, *(post or [])])
        return out


def apply_plan(module: cst.Module, plan: Plan) -> cst.Module:
    return module.visit(_Apply(plan))


_EMPTY = cst.Module(body=[])


def stmt(code: str) -> cst.BaseStatement:
    return cst.parse_statement(code)


def expr(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def code(node: cst.CSTNode) -> str:
    if _kids_users:
        text = _texts.get(node)
        if text is None:
            text = _texts[node] = _EMPTY.code_for_node(node)
        return text
    return _EMPTY.code_for_node(node)


# ---- names -----------------------------------------------------------------------------------------


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: List[cst.Name] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # `.attr` is not a variable
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # `keyword=` is not a variable
        return False


def name_nodes(node: cst.CSTNode) -> List[cst.Name]:
    v = _Names()
    node.visit(v)
    return v.names


def names(node: cst.CSTNode) -> Set[str]:
    return {n.value for n in name_nodes(node)}


def root_name(node: cst.BaseExpression) -> Optional[str]:
    """`a` for `a`, `a.b.c`, `a[1].b`; None for anything rooted elsewhere (calls, literals)."""
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def is_simple_ref(node: cst.BaseExpression) -> bool:
    """A name, attribute chain or subscript by literal/name: cheap and side-effect free to evaluate."""
    if isinstance(node, cst.Name):
        return True
    if isinstance(node, cst.Attribute):
        return is_simple_ref(node.value)
    if isinstance(node, cst.Subscript):
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return False
        idx = node.slice[0].slice.value
        return is_simple_ref(node.value) and (is_literal(idx) or isinstance(idx, cst.Name))
    return False


def is_literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return is_literal(node.expression)
    if isinstance(node, (cst.Tuple,)):
        return all(is_literal(e.value) for e in node.elements)
    return isinstance(node, cst.Name) and node.value in ("True", "False", "None")


def targets_of(node: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """Every assignment/deletion target inside `node` (not descending into nested functions)."""
    for n in walk(node):
        if isinstance(n, cst.Assign):
            for t in n.targets:
                yield from _unpack(t.target)
        elif isinstance(n, (cst.AnnAssign, cst.AugAssign)):
            yield n.target
        elif isinstance(n, (cst.For, cst.CompFor)):
            yield from _unpack(n.target)
        elif isinstance(n, cst.Del):
            yield from _unpack(n.target)
        elif isinstance(n, cst.NamedExpr):
            yield n.target
        elif isinstance(n, cst.AsName):
            yield from _unpack(n.name)
        elif isinstance(n, (cst.FunctionDef, cst.ClassDef)):
            yield n.name


def _unpack(t: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    if isinstance(t, (cst.Tuple, cst.List)):
        for e in t.elements:
            yield from _unpack(e.value)
    elif isinstance(t, cst.StarredElement):
        yield from _unpack(t.value)
    else:
        yield t


# LibCST computes `node.children` by re-visiting the node (its own comment calls it slow) and a node's
# text by generating its code; the detectors walk the same subtrees and compare the same targets' text
# many times, so while an analysis runs each node's children, each walk and each text is computed once.
# Keys are the nodes themselves (identity hash), held alive by these tables, so an id is never reused
# while it is here; the tables are emptied when the last analysis using them ends.
_kids: Dict[cst.CSTNode, Sequence[cst.CSTNode]] = {}
_walks: Dict[Tuple[cst.CSTNode, bool], List[cst.CSTNode]] = {}
_texts: Dict[cst.CSTNode, str] = {}
_kids_users = 0
_kids_lock = threading.Lock()


@contextmanager
def children_cached(known: Optional[Dict[cst.CSTNode, List[cst.CSTNode]]] = None) -> Iterator[None]:
    """Within this block, `children` (and so `walk`) remembers every node's children; `known`: children
    already collected (by the parse's own pass)."""
    global _kids_users
    with _kids_lock:
        _kids_users += 1
        if known:
            _kids.update(known)
    try:
        yield
    finally:
        with _kids_lock:
            _kids_users -= 1
            if _kids_users == 0:
                _kids.clear()
                _walks.clear()
                _texts.clear()


def children(node: cst.CSTNode) -> Sequence[cst.CSTNode]:
    kids = _kids.get(node)
    if kids is None:
        kids = node.children
        if _kids_users:
            _kids[node] = kids
    return kids


def walk(node: cst.CSTNode, into_defs: bool = False) -> Iterator[cst.CSTNode]:
    """Pre-order walk; nested function/class bodies are skipped unless `into_defs`."""
    if not _kids_users:
        return _walk(node, into_defs)
    key = (node, into_defs)
    nodes = _walks.get(key)
    if nodes is None:
        nodes = _walks[key] = list(_walk(node, into_defs))
    return iter(nodes)


def _walk(node: cst.CSTNode, into_defs: bool) -> Iterator[cst.CSTNode]:
    stack: List[cst.CSTNode] = [node]
    while stack:
        n = stack.pop()
        yield n
        if n is not node and not into_defs and isinstance(n, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(reversed(children(n)))


def rebound(node: cst.CSTNode, name: str) -> bool:
    return any(isinstance(t, cst.Name) and t.value == name for t in targets_of(node))


def mutation(node: cst.CSTNode, name: str) -> Optional[str]:
    """Why `name`'s object may change inside `node` (None: it visibly does not)."""
    if rebound(node, name):
        return f"`{name}` is rebound in the loop"
    for t in targets_of(node):
        if isinstance(t, (cst.Subscript, cst.Attribute)) and root_name(t) == name:
            return f"`{name}` is modified in the loop"
    for n in walk(node):
        if isinstance(n, cst.Call):
            f = n.func
            if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.value.value == name:
                if f.attr.value in MUTATING_METHODS:
                    return f"`{name}.{f.attr.value}()` changes it in the loop"
            pure = isinstance(f, cst.Name) and f.value in PURE_BUILTINS
            if not pure and any(isinstance(a.value, cst.Name) and a.value.value == name for a in n.args):
                return f"`{name}` is passed to a call in the loop"
        if isinstance(n, (cst.Global, cst.Nonlocal)) and any(x.name.value == name for x in n.names):
            return f"`{name}` is declared global/nonlocal"
    return None


def calls_other_code(node: cst.CSTNode, watched: str = "") -> bool:
    """Whether `node` calls a function other than the pure builtins or a method of another local name
    than `watched` (such a call could change `watched`'s object behind the loop's back)."""
    for n in walk(node):
        if isinstance(n, cst.Call):
            f = n.func
            if isinstance(f, cst.Name) and f.value in PURE_BUILTINS:
                continue
            if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.value.value != watched:
                continue
            return True
    return False


def parents(root: cst.CSTNode) -> Dict[cst.CSTNode, cst.CSTNode]:
    out: Dict[cst.CSTNode, cst.CSTNode] = {}
    for n in walk(root, into_defs=True):
        for c in children(n):
            out[c] = n
    return out


def fresh_name(taken: Set[str], base: str) -> str:
    base = "".join(c if c.isalnum() or c == "_" else "_" for c in base).strip("_") or "tmp"
    while "__" in base:
        base = base.replace("__", "_")
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    taken.add(name)
    return name


def contains(outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
    return any(n is inner for n in walk(outer, into_defs=True))


def body_statements(body: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    if isinstance(body, cst.IndentedBlock):
        return body.body
    return [cst.SimpleStatementLine(body=list(body.body))]  # type: ignore[arg-type]


def single_expr_statement(s: cst.BaseStatement) -> Optional[cst.BaseSmallStatement]:
    if isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1:
        return s.body[0]
    return None


def has(node: cst.CSTNode, *types: type) -> bool:
    return any(isinstance(n, types) for n in walk(node))


Pos = Tuple[int, int, int, int]  # (line, col, end_line, end_col), 1-based lines, 0-based columns
