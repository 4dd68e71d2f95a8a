"""Static proof that an expression's value is hashable with a hash-consistent `==` (str, bytes, numbers,
None/bool, frozenset, and tuples of those). A set or dict index is only a safe rewrite when this holds:
`None` means "not proven" (a record, a dict, a list, an object with a tolerance `__eq__`), and then no
automatic fix is offered (measured: a join keyed on a list, offered an index, raised TypeError).

    proven_hashable(expr, scope) -> bool
"""

from __future__ import annotations

from typing import Optional, Set

import libcst as cst

from heatlens.analysis import cstutil as u

_STR_METHODS = frozenset({
    "lower", "upper", "strip", "lstrip", "rstrip", "casefold", "title", "capitalize", "replace", "format", "join",
    "zfill", "swapcase", "removeprefix", "removesuffix", "center", "ljust", "rjust", "expandtabs",
})
_HASHABLE_CALLS = frozenset({"str", "int", "float", "bool", "len", "repr", "hash", "ord", "chr", "round", "abs",
                             "frozenset", "bytes", "ascii", "hex", "oct", "bin", "id"})


def proven_hashable(e: cst.BaseExpression, scope: Optional[cst.CSTNode] = None, _seen: Optional[Set[str]] = None) -> bool:
    seen = _seen if _seen is not None else set()
    if isinstance(e, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString, cst.Integer, cst.Float)):
        return True
    if isinstance(e, cst.Name) and e.value in ("True", "False", "None"):
        return True
    if isinstance(e, cst.Tuple):
        return all(proven_hashable(el.value, scope, seen) for el in e.elements if isinstance(el, cst.Element)) \
            and all(isinstance(el, cst.Element) for el in e.elements)
    if isinstance(e, (cst.UnaryOperation,)):
        return proven_hashable(e.expression, scope, seen)
    if isinstance(e, cst.BinaryOperation):  # str/number arithmetic keeps the kind of its operands
        return proven_hashable(e.left, scope, seen) and proven_hashable(e.right, scope, seen)
    if isinstance(e, cst.Call):
        f = e.func
        if isinstance(f, cst.Name) and f.value in _HASHABLE_CALLS:
            return True
        if isinstance(f, cst.Attribute) and f.attr.value in _STR_METHODS:
            return True
        return False
    if isinstance(e, cst.Name) and scope is not None and e.value not in seen:
        seen.add(e.value)
        values = _assigned(scope, e.value)
        return bool(values) and all(v is not None and proven_hashable(v, scope, seen) for v in values)
    return False


def _assigned(scope: cst.CSTNode, name: str) -> list:
    """The values bound to `name` in `scope` (None for a binding whose value is unknown: a loop target,
    unpacking, a parameter)."""
    out: list = []
    if isinstance(scope, cst.FunctionDef) and any(p.name.value == name for p in scope.params.params):
        out.append(None)
    for n in u.walk(scope):
        if isinstance(n, cst.Assign):
            for t in n.targets:
                if isinstance(t.target, cst.Name) and t.target.value == name:
                    out.append(n.value)
                elif isinstance(t.target, (cst.Tuple, cst.List)) and name in u.names(t.target):
                    out.append(None)
        elif isinstance(n, (cst.AugAssign, cst.AnnAssign)) and isinstance(n.target, cst.Name) and n.target.value == name:
            out.append(n.value if isinstance(n, cst.AugAssign) else n.value)
        elif isinstance(n, (cst.For, cst.CompFor)) and name in u.names(n.target):
            it = n.iter
            ok = isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value == "range" \
                and isinstance(n.target, cst.Name)
            out.append(cst.Integer("0") if ok else None)
    return out
