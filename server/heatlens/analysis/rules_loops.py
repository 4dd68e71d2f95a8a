"""Loop detectors: nested-loop search/join and membership tests on lists.

Each rule returns candidates with a fix plan only when its preconditions hold; otherwise the candidate
says why (`refusal`). Assumptions a fix cannot check statically (hashable keys, str values) are named in
the fix's title.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from heatlens.analysis import cstutil as u
from heatlens.analysis.candidates import Candidate, Loop, Module, Site, rule

HASH_ASSUMPTION = "assumes hashable keys with hash-consistent =="


def _eq_sides(test: cst.BaseExpression, var: str) -> Optional[Tuple[cst.BaseExpression, cst.BaseExpression]]:
    """(key side on `var`, other side) of `k(var) == other`, either way round."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    if not isinstance(test.comparisons[0].operator, cst.Equal):
        return None
    left, right = test.left, test.comparisons[0].comparator
    for key, other in ((left, right), (right, left)):
        if u.root_name(key) == var and var not in u.names(other):
            return key, other
    return None


def _key_label(key: cst.BaseExpression, var: str) -> str:
    text = u.code(key)
    return text[len(var):] if text.startswith(var) and text != var else text


def _join_refusal(mod: Module, site: Site, outer: Loop, coll: cst.BaseExpression, var: str,
                  other: cst.BaseExpression, inner: cst.CSTNode) -> Optional[str]:
    if not isinstance(coll, cst.Name):
        return "the searched collection is not a plain name"
    if not u.is_simple_ref(other) and not u.is_literal(other):
        return f"`{u.code(other)}` is not a plain value (it would be evaluated fewer times)"
    why = u.mutation(outer.node, coll.value)
    if why:
        return why
    for t in u.targets_of(outer.node):
        if isinstance(t, (cst.Attribute, cst.Subscript)) and u.root_name(t) == var:
            return f"elements of `{coll.value}` are modified in the loop"
    scope = mod.scope_of(site)
    inside = {id(n) for n in u.name_nodes(inner)}
    if any(n.value == var and id(n) not in inside for n in u.name_nodes(scope)):
        return f"`{var}` is used outside the inner loop (its last value would differ)"
    for r in u.names(other):
        if u.rebound(inner, r):
            return f"`{r}` changes inside the inner loop"
    for t in u.targets_of(inner):
        if isinstance(t, (cst.Attribute, cst.Subscript)) and u.root_name(t) in u.names(other):
            return f"`{u.code(other)}` may change inside the inner loop"
    for n in u.walk(outer.node):
        if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and u.root_name(n.func.value) == var:
            return f"the loop calls a method of `{var}` (it could change the key)"
    if u.has(outer.node, cst.Yield, cst.Await):
        return "the loop yields/awaits: others could change the collection meanwhile"
    return None


def _title(coll: str, label: str, assumptions: List[str]) -> str:
    return f"Index `{coll}` by `{label}` once" + (f" ({'; '.join(assumptions)})" if assumptions else "")


def _assumptions(outer: Loop, coll: str) -> List[str]:
    out = [HASH_ASSUMPTION]
    if u.calls_other_code(outer.node, watched=coll):
        out.append(f"calls in the loop don't change `{coll}`")
    return out


@rule("nested-loop-join")
def nested_join(mod: Module) -> List[Candidate]:
    out: List[Candidate] = []
    for site in mod.sites:
        node = site.node
        loops = [lp for lp in site.loops if isinstance(lp.node, u.LOOP_TYPES)]
        if not loops:
            continue
        outer = loops[-1]
        if isinstance(node, cst.For) and isinstance(node.target, cst.Name):
            c = _join_for(mod, site, outer, node)
        elif isinstance(node, u.COMP_TYPES):
            c = _join_comp(mod, site, outer, node)
        else:
            continue
        if c is not None:
            c.loop_depth = len(site.loops) + 1
            out.append(c)
    return out


def _join_for(mod: Module, site: Site, outer: Loop, inner: cst.For) -> Optional[Candidate]:
    var = inner.target.value  # type: ignore[attr-defined]
    found = None
    for n in u.walk(inner.body):
        if isinstance(n, cst.If):
            sides = _eq_sides(n.test, var)
            if sides is not None:
                found = (n, sides)
                break
    if found is None:
        return None
    if_node, (key, other) = found
    coll = inner.iter
    label = _key_label(key, var)
    line, col, _, _ = mod.where(inner)
    header_end = mod.line(inner.body) if not isinstance(inner.body, cst.IndentedBlock) else mod.line(inner.body.header)
    end_line, end_col = mod.where(inner)[2:]
    cand = Candidate(
        rule="nested-loop-join", line=line, col=col, end_line=header_end, end_col=len("for ") + col,
        cost_lines=(line, end_line), summary=f"nested loop search of `{u.code(coll)}`",
        advice=f"an index of `{u.code(coll)}` by `{label}` would make this O(n + m)",
        data={"collection": u.code(coll), "key": label},
    )
    cand.end_col = col + len(u.code(inner.target)) + len(u.code(coll)) + 8  # `for b in B:`
    body = u.body_statements(inner.body)
    if len(body) != 1 or body[0] is not if_node or if_node.orelse is not None:
        cand.refusal = "the inner loop does more than one `if ... == ...:` test"
        return cand
    cand.refusal = _join_refusal(mod, site, outer, coll, var, other, inner)
    if cand.refusal:
        return cand
    assert isinstance(coll, cst.Name)
    idx = u.fresh_name(mod.all_names, f"{coll.value}_by_{label}")
    plan = u.Plan()
    plan.before[outer.anchor] = [
        u.stmt(f"{idx} = {{}}\n"),
        u.stmt(f"for {var} in {coll.value}:\n    {idx}.setdefault({u.code(key)}, []).append({var})\n"),
    ]
    new_iter = u.expr(f"{idx}.get({u.code(other)}, ())")

    def edit(upd: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(upd, cst.For)
        the_if = u.body_statements(upd.body)[0]
        return upd.with_changes(iter=new_iter, body=the_if.body)  # type: ignore[attr-defined]

    plan.edits[inner] = edit
    cand.plan = plan
    cand.fix_title = _title(coll.value, label, _assumptions(outer, coll.value))
    return cand


def _join_comp(mod: Module, site: Site, outer: Loop, comp: cst.CSTNode) -> Optional[Candidate]:
    """`any(b.k == x for b in B)` and `[... for b in B if b.k == x]` inside a loop."""
    for_in: cst.CompFor = comp.for_in  # type: ignore[attr-defined]
    if not isinstance(for_in.target, cst.Name) or for_in.inner_for_in is not None:
        return None
    var = for_in.target.value
    parent = mod.parent(comp)
    parent = mod.parent(parent) if isinstance(parent, cst.Arg) else parent
    is_any = (isinstance(comp, cst.GeneratorExp) and isinstance(parent, cst.Call)
              and isinstance(parent.func, cst.Name) and parent.func.value == "any" and len(parent.args) == 1)
    if is_any and not for_in.ifs:
        sides = _eq_sides(comp.elt, var)  # type: ignore[attr-defined]
        anchor_node: cst.CSTNode = parent  # type: ignore[assignment]
    elif len(for_in.ifs) == 1:
        sides = _eq_sides(for_in.ifs[0].test, var)
        anchor_node, is_any = comp, False
    else:
        return None
    if sides is None:
        return None
    key, other = sides
    coll = for_in.iter
    label = _key_label(key, var)
    line, col, end_line, end_col = mod.where(anchor_node)
    cand = Candidate(
        rule="nested-loop-join", line=line, col=col, end_line=end_line, end_col=end_col, cost_lines=(line, end_line),
        summary=f"search of `{u.code(coll)}` inside a loop",
        advice=f"an index of `{u.code(coll)}` by `{label}` would make each lookup O(1)",
        data={"collection": u.code(coll), "key": label},
    )
    cand.refusal = _join_refusal(mod, site, outer, coll, var, other, comp)
    if cand.refusal:
        return cand
    assert isinstance(coll, cst.Name)
    plan = u.Plan()
    if is_any:
        keys = u.fresh_name(mod.all_names, f"{coll.value}_{label}s")
        plan.before[outer.anchor] = [u.stmt(f"{keys} = {{{u.code(key)} for {var} in {coll.value}}}\n")]
        plan.edits[anchor_node] = lambda _upd: u.expr(f"{u.code(other)} in {keys}")
    else:
        idx = u.fresh_name(mod.all_names, f"{coll.value}_by_{label}")
        plan.before[outer.anchor] = [
            u.stmt(f"{idx} = {{}}\n"),
            u.stmt(f"for {var} in {coll.value}:\n    {idx}.setdefault({u.code(key)}, []).append({var})\n"),
        ]
        new_iter = u.expr(f"{idx}.get({u.code(other)}, ())")
        plan.edits[for_in] = lambda upd: upd.with_changes(iter=new_iter, ifs=[])  # type: ignore[attr-defined]
    cand.plan = plan
    cand.fix_title = _title(coll.value, label, _assumptions(outer, coll.value))
    return cand


# ---- membership on a list ------------------------------------------------------------------------

_LISTISH_CALLS = {"list", "sorted", "tuple"}


def list_kind(mod: Module, scope: cst.CSTNode, name: str) -> Optional[str]:
    """"list"/"literal" when every assignment of `name` in its scope (else at module level) builds a
    list/tuple ("literal": of constants only); None when unknown or not always a list."""
    for where in (scope, mod.tree) if scope is not mod.tree else (mod.tree,):
        values = [n.value for n in u.walk(where) if isinstance(n, cst.Assign)
                  and any(isinstance(t.target, cst.Name) and t.target.value == name for t in n.targets)]
        if not values:
            continue
        kinds = set()
        for v in values:
            if isinstance(v, (cst.List, cst.Tuple)):
                kinds.add("literal" if all(u.is_literal(e.value) for e in v.elements) else "list")
            elif isinstance(v, cst.ListComp) or (isinstance(v, cst.Call) and isinstance(v.func, cst.Name)
                                                 and v.func.value in _LISTISH_CALLS):
                kinds.add("list")
            elif isinstance(v, cst.Call) and isinstance(v.func, cst.Attribute) and v.func.attr.value in ("split", "readlines"):
                kinds.add("list")
            else:
                return None
        return "list" if "list" in kinds else "literal"
    return None


def hoist_loop(loops: List[Loop], name: str) -> Optional[Loop]:
    """The outermost enclosing loop in which `name` does not change (None if the innermost changes it)."""
    for lp in loops:
        if u.mutation(lp.node, name) is None:
            return lp
    return None


@rule("list-membership")
def list_membership(mod: Module) -> List[Candidate]:
    out: List[Candidate] = []
    for site in mod.sites:
        node = site.node
        if not site.loops or not isinstance(node, cst.Comparison) or len(node.comparisons) != 1:
            continue
        op = node.comparisons[0].operator
        target = node.comparisons[0].comparator
        if not isinstance(op, (cst.In, cst.NotIn)) or not isinstance(target, cst.Name):
            continue
        kind = list_kind(mod, mod.scope_of(site), target.value)
        if kind is None:
            continue
        line, col, end_line, end_col = mod.where(node)
        cand = Candidate(
            rule="list-membership", line=line, col=col, end_line=end_line, end_col=end_col,
            cost_lines=(line, end_line), summary=f"membership test on list `{target.value}` in a loop",
            advice=f"a set built once from `{target.value}` makes each test O(1)",
            data={"collection": target.value}, loop_depth=len(site.loops),
        )
        out.append(cand)
        lp = hoist_loop(site.loops, target.value)
        if lp is None:
            cand.refusal = u.mutation(site.loops[-1].node, target.value)
            continue
        name = u.fresh_name(mod.all_names, f"{target.value}_set")
        plan = u.Plan()
        plan.before[lp.anchor] = [u.stmt(f"{name} = set({target.value})\n")]
        plan.edits[target] = lambda _upd, name=name: cst.Name(name)
        cand.plan = plan
        assume = ["assumes the tested values are hashable"] if kind == "literal" else ["assumes hashable elements"]
        if u.calls_other_code(lp.node, watched=target.value):
            assume.append(f"calls in the loop don't change `{target.value}`")
        cand.fix_title = f"Test membership in a set built once from `{target.value}`" + (
            f" ({'; '.join(assume)})" if assume else "")
    return out
