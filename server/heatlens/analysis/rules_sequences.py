"""Sequence detectors: strings built with `+=` in a loop, lists used as queues (`pop(0)`/`insert(0, x)`)."""

from __future__ import annotations

from typing import List, Optional

import libcst as cst

from heatlens.analysis import cstutil as u
from heatlens.analysis.candidates import Candidate, Loop, Module, Site, rule



# ---- string building -----------------------------------------------------------------------------


def _is_str_expr(v: cst.BaseExpression) -> bool:
    if isinstance(v, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
        return not (isinstance(v, cst.SimpleString) and v.prefix.lower().startswith("b"))
    return isinstance(v, cst.Call) and isinstance(v.func, cst.Name) and v.func.value in ("str", "repr", "format")


def _str_init_before(scope: cst.CSTNode, mod: Module, name: str, line: int) -> Optional[bool]:
    """True: assigned a str before `line`; False: assigned something else/unknown; None: not assigned."""
    seen: Optional[bool] = None
    for n in u.walk(scope):
        if isinstance(n, cst.Assign) and mod.line(n) < line and any(
                isinstance(t.target, cst.Name) and t.target.value == name for t in n.targets):
            seen = _is_str_expr(n.value) if seen is None else (seen and _is_str_expr(n.value))
    return seen


@rule("str-concat-loop")
def str_concat(mod: Module) -> List[Candidate]:
    out: List[Candidate] = []
    for site in mod.sites:
        node = site.node
        loops = [lp for lp in site.loops if isinstance(lp.node, u.LOOP_TYPES)]
        if not loops or not isinstance(node, cst.AugAssign) or not isinstance(node.operator, cst.AddAssign):
            continue
        if not isinstance(node.target, cst.Name):
            continue
        name = node.target.value
        scope = mod.scope_of(site)
        init = _str_init_before(scope, mod, name, mod.line(loops[0].node))
        if not (_is_str_expr(node.value) or init):
            continue
        line, col, end_line, end_col = mod.where(node)
        cand = Candidate(
            rule="str-concat-loop", line=line, col=col, end_line=end_line, end_col=end_col, cost_lines=(line, end_line),
            summary=f"string `{name}` built with += in a loop",
            advice="collecting the pieces in a list and joining once is O(n)", data={"name": name},
            loop_depth=len(site.loops),
        )
        out.append(cand)
        cand.refusal = _concat_plan(mod, site, loops, cand, name, init)
    return out


def _concat_plan(mod: Module, site: Site, loops: List[Loop], cand: Candidate, name: str, init: Optional[bool]) -> Optional[str]:
    scope = mod.scope_of(site)
    lp = None
    for cand_loop in loops:
        uses = [n for n in u.name_nodes(cand_loop.node) if n.value == name]
        augs = [n for n in u.walk(cand_loop.node) if isinstance(n, cst.AugAssign) and isinstance(n.target, cst.Name)
                and n.target.value == name]
        if all(isinstance(a.operator, cst.AddAssign) for a in augs) and len(uses) == len(augs):
            lp = cand_loop
            break
    if lp is None:
        return f"`{name}` is read inside the loop"
    if u.has(lp.node, cst.Return, cst.Yield, cst.Global, cst.Nonlocal):
        return "the loop can leave the function early (return/yield)"
    loop_site = mod.site_of(lp.node)
    if loop_site is not None and loop_site.in_try:
        return "the loop is inside a try: an exception would leave the string half-built"
    if init is None:
        return f"`{name}` is not assigned before the loop"
    if scope is mod.tree and any(name in u.names(f) for f in mod.functions):
        return f"module-level `{name}` is read by functions"
    nested = [n for n in u.walk(scope, into_defs=True) if isinstance(n, (cst.FunctionDef, cst.Lambda)) and n is not scope]
    if any(name in u.names(n) for n in nested):
        return f"a nested function reads `{name}`"
    parts = u.fresh_name(mod.all_names, f"{name}_parts")
    plan = u.Plan()
    plan.before[lp.anchor] = [u.stmt(f"{parts} = [{name}]\n")]
    plan.after[lp.anchor] = [u.stmt(f"{name} = ''.join({parts})\n")]
    for n in u.walk(lp.node):
        if isinstance(n, cst.AugAssign) and isinstance(n.target, cst.Name) and n.target.value == name:
            plan.edits[n] = lambda upd: cst.Expr(cst.Call(
                func=cst.Attribute(cst.Name(parts), cst.Name("append")), args=[cst.Arg(upd.value)]))  # type: ignore[attr-defined]
    cand.plan = plan
    cand.fix_title = "Collect the pieces in a list and `''.join` them" + ("" if init else f" (assumes `{name}` is a str)")
    return None


# ---- list used as a queue ------------------------------------------------------------------------

_DEQUE_METHODS = {"append", "appendleft", "popleft", "extend", "extendleft", "clear", "count", "remove", "reverse", "index"}


def _front_op(call: cst.Call) -> Optional[str]:
    f = call.func
    if not isinstance(f, cst.Attribute) or not isinstance(f.value, cst.Name):
        return None
    first = call.args[0].value if call.args else None
    zero = isinstance(first, cst.Integer) and first.value == "0"
    if f.attr.value == "pop" and len(call.args) == 1 and zero:
        return "pop"
    if f.attr.value == "insert" and len(call.args) == 2 and zero:
        return "insert"
    return None


@rule("list-pop-front")
def list_pop_front(mod: Module) -> List[Candidate]:
    out: List[Candidate] = []
    for site in mod.sites:
        node = site.node
        if not site.loops or not isinstance(node, cst.Call) or _front_op(node) is None:
            continue
        name = node.func.value.value  # type: ignore[attr-defined]
        op = _front_op(node)
        line, col, end_line, end_col = mod.where(node)
        cand = Candidate(
            rule="list-pop-front", line=line, col=col, end_line=end_line, end_col=end_col, cost_lines=(line, end_line),
            summary=f"`{name}.{'pop(0)' if op == 'pop' else 'insert(0, ...)'}` in a loop shifts the whole list",
            advice="a collections.deque does this in O(1)", data={"name": name}, loop_depth=len(site.loops),
        )
        out.append(cand)
        cand.refusal = _deque_plan(mod, site, cand, name)
    return out


def _deque_plan(mod: Module, site: Site, cand: Candidate, name: str) -> Optional[str]:
    fn = site.function
    if fn is None:
        return "module-level lists may be shared; only function locals are converted"
    params = {p.name.value for p in [*fn.params.params, *fn.params.posonly_params, *fn.params.kwonly_params]}
    if name in params:
        return f"`{name}` is a parameter (the caller's list would no longer be changed)"
    ok: set = set()
    inits: List[cst.Assign] = []
    plan = u.Plan()
    for n in u.walk(fn):
        if isinstance(n, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name for t in n.targets):
            inits.append(n)
            ok.update(id(t.target) for t in n.targets)
        elif isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and isinstance(n.func.value, cst.Name) \
                and n.func.value.value == name:
            op, meth = _front_op(n), n.func.attr.value
            if op == "pop":
                plan.edits[n] = lambda upd: upd.with_changes(
                    func=upd.func.with_changes(attr=cst.Name("popleft")), args=[])  # type: ignore[attr-defined]
            elif op == "insert":
                plan.edits[n] = lambda upd: upd.with_changes(
                    func=upd.func.with_changes(attr=cst.Name("appendleft")), args=[upd.args[1].with_changes(comma=cst.MaybeSentinel.DEFAULT)])  # type: ignore[attr-defined]
            elif not (meth in _DEQUE_METHODS or (meth == "pop" and not n.args)):
                continue
            ok.add(id(n.func.value))
        elif isinstance(n, cst.Call) and isinstance(n.func, cst.Name) and n.func.value in ("len", "bool") \
                and len(n.args) == 1 and isinstance(n.args[0].value, cst.Name):
            ok.add(id(n.args[0].value))
        elif isinstance(n, (cst.While, cst.If)) and isinstance(n.test, cst.Name):
            ok.add(id(n.test))
        elif isinstance(n, cst.UnaryOperation) and isinstance(n.operator, cst.Not) and isinstance(n.expression, cst.Name):
            ok.add(id(n.expression))
        elif isinstance(n, cst.For) and isinstance(n.iter, cst.Name) and u.mutation(n.body, name) is None:
            ok.add(id(n.iter))
        elif isinstance(n, cst.Subscript) and isinstance(n.value, cst.Name) and len(n.slice) == 1 \
                and isinstance(n.slice[0].slice, cst.Index) and u.code(n.slice[0].slice.value) in ("0", "-1"):
            ok.add(id(n.value))
    if len(inits) != 1:
        return f"`{name}` is assigned {len(inits)} times"
    value = inits[0].value
    if not (isinstance(value, (cst.List, cst.ListComp)) or (isinstance(value, cst.Call) and isinstance(value.func, cst.Name)
                                                            and value.func.value == "list")):
        return f"`{name}` does not start as a fresh list"
    for n in u.name_nodes(fn):
        if n.value == name and id(n) not in ok:
            r = mod.pos.get(n)
            return f"`{name}` is used as a list elsewhere" + (f" (line {r.start.line})" if r else "")
    empty = isinstance(value, cst.List) and not value.elements
    plan.edits[value] = lambda upd: u.expr("collections.deque()") if empty else cst.Call(
        func=u.expr("collections.deque"), args=[cst.Arg(upd)])  # type: ignore[arg-type]
    plan.imports.append("collections")
    cand.plan = plan
    cand.fix_title = f"Use a collections.deque for `{name}`"
    return None
