"""Fixes for two quadratic idioms, each with explicit preconditions (a refusal says which one failed).

* `sum(lists, [])` -> `list(itertools.chain.from_iterable(lists))`: `sum` and `itertools` must be the
  builtin/module (not rebound anywhere in the module). Assumes the items are lists: `sum` raises on a tuple
  item where chain would not (the title says so).
* `xs = xs + [a, b]` / `xs = xs + [... for ...]` / `xs = xs + other` in a loop -> `xs.append(a)` /
  `xs.extend(...)`: concatenation builds a new list, append/extend change the old one, so this is the same
  only when no one else can see the old list. Checked: `xs` is a local of the enclosing function (not a
  parameter, not global/nonlocal, never bound by a `for`/`with`/unpacking/walrus), every assignment to it
  is a fresh list (a literal, a comprehension, `list(...)`/`sorted(...)`) or this concatenation, and every
  other use of `xs` is one that keeps no reference: iterating it outside the loop being changed, `len`/
  `sum`/... of it, indexing, comparisons and `in`, calling its methods, `return xs`. Passing it to any
  other call, assigning it to another name or into a container/attribute, a lazy iterator over it, or a
  nested function/lambda that reads it: refused ("may be shared").
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from heatlens.analysis import cstutil as u
from heatlens.analysis.candidates import Candidate, Module, Site

_FRESH_CALLS = {"list", "sorted"}
_EAGER_BUILTINS = u.PURE_BUILTINS - {"iter", "map", "filter", "zip", "enumerate", "reversed"}


def plan_sum_lists(mod: Module, cand: Candidate, call: cst.Call) -> None:
    rebinds = [n for n in ("sum", "itertools", "list")
               if any(isinstance(t, cst.Name) and t.value == n for t in _all_targets(mod.tree))]
    if rebinds:
        cand.refusal = f"`{rebinds[0]}` is rebound in this module"
        return
    arg = call.args[0].value
    cand.plan = u.Plan(imports=["itertools"])
    cand.plan.edits[call] = lambda _upd: u.expr(f"list(itertools.chain.from_iterable({u.code(arg)}))")
    cand.fix_title = "Flatten with itertools.chain.from_iterable (assumes the items are lists)"


def _all_targets(tree: cst.CSTNode):
    for n in u.walk(tree, into_defs=True):
        if isinstance(n, (cst.FunctionDef, cst.ClassDef)):
            yield n.name
        if isinstance(n, (cst.Import, cst.ImportFrom)) and not isinstance(n.names, cst.ImportStar):
            for a in n.names:
                if a.asname is not None:
                    yield from u._unpack(a.asname.name)
                elif isinstance(n, cst.ImportFrom):
                    yield a.name
    yield from u.targets_of(tree)
    for fn in (n for n in u.walk(tree, into_defs=True) if isinstance(n, cst.FunctionDef)):
        yield from u.targets_of(fn.body)


def _fresh_list(v: cst.BaseExpression) -> bool:
    return isinstance(v, (cst.List, cst.ListComp)) or (
        isinstance(v, cst.Call) and isinstance(v.func, cst.Name) and v.func.value in _FRESH_CALLS)


def is_list_var(site: Site, name: str) -> bool:
    """`name` is assigned a fresh list somewhere in the enclosing function (so `name + x` is a list concat)."""
    scope = site.function.body if site.function is not None else None
    return scope is not None and any(
        isinstance(n, cst.Assign) and _fresh_list(n.value)
        and any(isinstance(t.target, cst.Name) and t.target.value == name for t in n.targets) for n in u.walk(scope))


def concat_refusal(mod: Module, site: Site, assign: cst.Assign, name: str) -> Optional[str]:
    """Why `name = name + ...` at `assign` cannot become an in-place append/extend (None: it can)."""
    fn = site.function
    if fn is None:
        return f"`{name}` is a module global (other code may hold the old list)"
    params = {p.name.value for p in (*fn.params.params, *fn.params.posonly_params, *fn.params.kwonly_params)}
    if name in params:
        return f"`{name}` is a parameter: the caller's list would change"
    for n in u.walk(fn.body, into_defs=True):
        if isinstance(n, (cst.Global, cst.Nonlocal)) and any(x.name.value == name for x in n.names):
            return f"`{name}` is declared global/nonlocal"
    for n in u.walk(fn.body):
        if isinstance(n, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name for t in n.targets):
            if len(n.targets) != 1:
                return f"`{name}` is assigned together with another name"
            if n is not assign and not _fresh_list(n.value) and not _is_concat(n, name):
                return f"`{name}` is assigned something that may not be a fresh list"
    for t in u.targets_of(fn.body):
        if isinstance(t, cst.Name) and t.value == name and not isinstance(mod.parent(t), cst.AssignTarget) \
                and not isinstance(mod.parent(t), cst.AugAssign):
            return f"`{name}` is bound by a loop, `with`, unpacking or `:=`"
    for ref in u.name_nodes(fn.body):
        if ref.value == name:
            why = _use_refusal(mod, ref, fn, assign, name)
            if why:
                return why
    return None


def _is_concat(n: cst.Assign, name: str) -> bool:
    v = n.value
    return isinstance(v, cst.BinaryOperation) and isinstance(v.operator, cst.Add) and isinstance(v.left, cst.Name) \
        and v.left.value == name


def _use_refusal(mod: Module, ref: cst.Name, fn: cst.FunctionDef, assign: cst.Assign, name: str) -> Optional[str]:
    shared = f"`{name}` may be shared (aliased): "
    anc = mod.parent(ref)
    while anc is not None and anc is not fn:  # a closure that reads the list sees the old one
        if isinstance(anc, (cst.Lambda, cst.FunctionDef, cst.GeneratorExp)):
            return shared + "a nested function, lambda or generator reads it"
        anc = mod.parent(anc)
    p = mod.parent(ref)
    if isinstance(p, cst.AssignTarget):
        return None  # checked by the caller (fresh lists or this concatenation only)
    if isinstance(p, cst.AugAssign) and p.target is ref:
        return None  # `xs += ...` is already in place
    if isinstance(p, cst.BinaryOperation) and p.left is ref and isinstance(mod.parent(p), cst.Assign) \
            and _is_concat(mod.parent(p), name):  # type: ignore[arg-type]
        return None
    if isinstance(p, cst.For) and p.iter is ref:
        # `for y in xs: xs = xs + [y]` iterates the old list; appending in place would never end
        return f"a loop iterates over `{name}` while it grows" if u.contains(p, assign) else None
    if isinstance(p, cst.CompFor) and p.iter is ref:
        return None
    if isinstance(p, cst.Arg) and isinstance(mod.parent(p), cst.Call):
        call = mod.parent(p)
        if isinstance(call.func, cst.Name) and call.func.value in _EAGER_BUILTINS:  # type: ignore[union-attr]
            return None
        return shared + f"it is passed to `{u.code(call.func)}`"  # type: ignore[union-attr]
    if isinstance(p, cst.Subscript) and p.value is ref:
        return None
    if isinstance(p, (cst.Comparison, cst.ComparisonTarget)):
        return None
    if isinstance(p, cst.Attribute) and p.value is ref and isinstance(mod.parent(p), cst.Call) \
            and mod.parent(p).func is p:  # type: ignore[union-attr]
        return None
    if isinstance(p, cst.Return):
        return None
    return shared + f"it is used in `{u.code(p)[:40]}`" if p is not None else shared


def plan_list_concat(mod: Module, site: Site, cand: Candidate, assign: cst.Assign, name: str) -> None:
    right = assign.value.right  # type: ignore[attr-defined]
    why = concat_refusal(mod, site, assign, name)
    if why is None and isinstance(right, cst.Name) and right.value == name:
        why = f"`{name} + {name}` doubles the list (extend would read it while it grows)"
    if why:
        cand.refusal = why
        return
    single = isinstance(right, cst.List) and len(right.elements) == 1 and isinstance(right.elements[0], cst.Element)
    if single:
        new = cst.Expr(u.expr(f"{name}.append({u.code(right.elements[0].value)})"))
        cand.fix_title = f"Append to `{name}` in place (it is a local list nothing else holds)"
    else:
        new = cst.Expr(u.expr(f"{name}.extend({u.code(right)})"))
        assume = "" if isinstance(right, (cst.List, cst.ListComp)) else f" (assumes `{u.code(right)}` is a list)"
        cand.fix_title = f"Extend `{name}` in place (it is a local list nothing else holds){assume}"
    cand.plan = u.Plan()
    cand.plan.edits[assign] = lambda _upd: new
