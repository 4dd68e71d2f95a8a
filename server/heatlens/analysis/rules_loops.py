"""Loop detectors: nested-loop search/join and membership tests on lists.

Each rule returns candidates with a fix plan only when its preconditions hold; otherwise the candidate
says why (`refusal`). Assumptions a fix cannot check statically (hashable keys, str values) are named in
the fix's title.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import libcst as cst

from heatlens.analysis import cstutil as u
from heatlens.analysis.candidates import Candidate, Loop, Module, Site, rule
from heatlens.analysis.hashable import _STR_METHODS, proven_hashable



def _eq_sides(test: cst.BaseExpression, var: str) -> Optional[Tuple[cst.BaseExpression, cst.BaseExpression]]:
    """(key side on `var`, other side) of `k(var) == other` (either way round, keys computed by any
    expression of `var`: `b.id`, `b.email.lower()`, `sorted(b[0])`), also as the first term of an `and`."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _eq_sides(test.left, var) or _eq_sides(test.right, var)
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    if not isinstance(test.comparisons[0].operator, cst.Equal):
        return None
    left, right = test.left, test.comparisons[0].comparator
    for key, other in ((left, right), (right, left)):
        if var in u.names(key) and var not in u.names(other) and u.names(other):
            return key, other
    return None


def _key_label(key: cst.BaseExpression, var: str) -> str:
    text = u.code(key)
    return text[len(var):] if text.startswith(var) and text != var else text


def _join_refusal(mod: Module, site: Site, outer: Loop, coll: cst.BaseExpression, var: str,
                  other: cst.BaseExpression, inner: cst.CSTNode, key: cst.BaseExpression) -> Optional[str]:
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
        if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and u.root_name(n.func.value) == var \
                and n.func.attr.value not in _STR_METHODS:
            return f"the loop calls a method of `{var}` (it could change the key)"
    if u.has(outer.node, cst.Yield, cst.Await):
        return "the loop yields/awaits: others could change the collection meanwhile"
    if not proven_hashable(key) or not proven_hashable(other, scope):
        return UNPROVEN_KEYS
    return None


# Keys of unknown type: the rewrite is offered only as "apply and verify", whose run before and after the fix
# is the runtime evidence (a list key raises TypeError there, and the fix is refused).
UNPROVEN_KEYS = "the keys are not proven hashable (an index on a list or dict key raises TypeError)"
VERIFY_ONLY = "only with verification: its keys are not proven hashable"


def verify_only(cand: Candidate) -> None:
    """Mark a planned fix whose hashability static analysis could not prove: applied only after a verified run."""
    cand.refusal = None
    cand.data["verify_only"] = True
    cand.fix_title = f"{cand.fix_title} ({VERIFY_ONLY})"


def _title(coll: str, label: str, assumptions: List[str]) -> str:
    return f"Index `{coll}` by `{label}` once" + (f" ({'; '.join(assumptions)})" if assumptions else "")


def _assumptions(outer: Loop, coll: str) -> List[str]:
    out: List[str] = []  # hashable keys are proven (hashable.py), not assumed
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
    if isinstance(coll, cst.Call) and isinstance(coll.func, cst.Name) and coll.func.value == "range":
        return None  # index arithmetic over positions, not a search of a collection
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
    if len(body) != 1 or body[0] is not if_node or if_node.orelse is not None or not isinstance(if_node.test, cst.Comparison):
        cand.refusal = "the inner loop does more than one `if ... == ...:` test"
        return cand
    cand.refusal = _join_refusal(mod, site, outer, coll, var, other, inner, key)
    unproven = cand.refusal == UNPROVEN_KEYS
    if cand.refusal and not unproven:
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
    if unproven:
        verify_only(cand)
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
    cand.refusal = _join_refusal(mod, site, outer, coll, var, other, comp, key)
    unproven = cand.refusal == UNPROVEN_KEYS
    if cand.refusal and not unproven:
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
        plan.edits[for_in] = lambda upd: upd.with_changes(iter=new_iter, ifs=[])
    cand.plan = plan
    cand.fix_title = _title(coll.value, label, _assumptions(outer, coll.value))
    if unproven:
        verify_only(cand)
    return cand


# ---- membership on a list ------------------------------------------------------------------------

_LISTISH_CALLS = {"list", "sorted", "tuple"}


def _kind_of(v: Optional[cst.BaseExpression]) -> Optional[str]:
    if isinstance(v, (cst.List, cst.Tuple)):
        return "literal" if all(u.is_literal(e.value) for e in v.elements) else "list"
    if isinstance(v, cst.ListComp) or (isinstance(v, cst.Call) and isinstance(v.func, cst.Name)
                                       and v.func.value in _LISTISH_CALLS):
        return "list"
    if isinstance(v, cst.Call) and isinstance(v.func, cst.Attribute) and v.func.attr.value in ("split", "readlines"):
        return "list"
    return None


def _assigned(mod: Module, where: cst.CSTNode, into_defs: bool) -> Dict[str, List[Optional[cst.BaseExpression]]]:
    """Target text -> values assigned to it in `where`, also through tuple unpacking (`seen, out = [], []`;
    None where the unpacked value is not a display). Built once per (scope, into_defs) and module: a
    membership test in each of n functions must not walk the module n times."""
    key = ("assigned", where, into_defs)
    table = mod.memo.get(key)
    if table is not None:
        return table
    table = {}
    for n in u.walk(where, into_defs=into_defs):
        if not isinstance(n, cst.Assign):
            continue
        for t in n.targets:
            table.setdefault(u.code(t.target), []).append(n.value)
            if isinstance(t.target, (cst.Tuple, cst.List)):
                shown = n.value if isinstance(n.value, (cst.Tuple, cst.List)) \
                    and len(n.value.elements) == len(t.target.elements) else None
                for i, el in enumerate(t.target.elements):
                    table.setdefault(u.code(el.value), []).append(shown.elements[i].value if shown is not None else None)
    mod.memo[key] = table
    return table


def _values_of(mod: Module, where: cst.CSTNode, target: cst.BaseExpression) -> List[Optional[cst.BaseExpression]]:
    """Values assigned to `target` (a name or `self.attr`) in `where` (see `_assigned`)."""
    return list(_assigned(mod, where, isinstance(target, cst.Attribute)).get(u.code(target), []))


def list_kind(mod: Module, scope: cst.CSTNode, name: str, target: Optional[cst.BaseExpression] = None) -> Optional[str]:
    """"list"/"literal" when every assignment of `name` (or of `target`, e.g. `self.vocab`, anywhere in the
    module) in its scope (else at module level) builds a list/tuple ("literal": of constants only); None
    when unknown or not always a list."""
    places = (mod.tree,) if target is not None or scope is mod.tree else (scope, mod.tree)
    for where in places:
        values = _values_of(mod, where, target if target is not None else cst.Name(name))
        if not values:
            continue
        kinds = {_kind_of(v) for v in values}
        if None in kinds:
            return None
        return "list" if "list" in kinds else "literal"
    return None


def _copied_keys(e: cst.BaseExpression) -> Optional[str]:
    """`d` for `list(d.keys())`, `list(d)`, `list(d.values())`: a fresh list copied for each test."""
    if isinstance(e, cst.Call) and isinstance(e.func, cst.Name) and e.func.value in ("list", "tuple", "sorted") \
            and len(e.args) == 1:
        inner = e.args[0].value
        if isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) and not inner.args \
                and inner.func.attr.value in ("keys", "values", "items"):
            return u.code(inner.func.value) + (f".{inner.func.attr.value}()" if inner.func.attr.value != "keys" else "")
        if u.is_simple_ref(inner):
            return u.code(inner)
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
        if not isinstance(node, cst.Comparison) or len(node.comparisons) != 1:
            continue
        op = node.comparisons[0].operator
        target = node.comparisons[0].comparator
        if not isinstance(op, (cst.In, cst.NotIn)):
            continue
        line, col, end_line, end_col = mod.where(node)

        def cand(summary: str, advice: str, refusal: Optional[str], coll: str) -> Candidate:
            c = Candidate(rule="list-membership", line=line, col=col, end_line=end_line, end_col=end_col,
                          cost_lines=(line, end_line), summary=summary, advice=advice, refusal=refusal,
                          data={"collection": coll}, loop_depth=len(site.loops))
            out.append(c)
            return c

        copied = _copied_keys(target)
        if copied is not None:  # a list copied per test: hot even outside a loop (a function called in one)
            cand(f"`{u.code(target)}` copies `{copied}` into a new list for every membership test",
                 f"test membership on `{copied}` itself (a dict or set view is O(1))",
                 "the tested values are not proven hashable (a dict lookup raises TypeError where a list "
                 "comparison does not)", copied)
            continue
        if not site.loops:
            continue
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
            if list_kind(mod, mod.scope_of(site), "", target) is not None:
                cand(f"membership test on list `{u.code(target)}` in a loop", "a set kept beside it makes each test O(1)",
                     "an attribute may be shared (aliased): change it by hand", u.code(target))
            continue
        if not isinstance(target, cst.Name):
            continue
        kind = list_kind(mod, mod.scope_of(site), target.value)
        if kind is None:
            continue
        c = cand(f"membership test on list `{target.value}` in a loop",
                 f"a set built once from `{target.value}` (or kept beside it) makes each test O(1)", None, target.value)
        lp = hoist_loop(site.loops, target.value)
        if lp is None:
            c.refusal = u.mutation(site.loops[-1].node, target.value)
            continue
        scope = mod.scope_of(site)
        unproven = not proven_hashable(node.left, scope) or not _elements_hashable(mod, scope, target.value)
        name = u.fresh_name(mod.all_names, f"{target.value}_set")
        plan = u.Plan()
        plan.before[lp.anchor] = [u.stmt(f"{name} = set({target.value})\n")]
        def renamed(_upd: cst.CSTNode, name: str = name) -> cst.CSTNode:  # `name` bound now
            return cst.Name(name)

        plan.edits[target] = renamed
        c.plan = plan
        assume = [f"calls in the loop don't change `{target.value}`"] if u.calls_other_code(lp.node, watched=target.value) else []
        c.fix_title = f"Test membership in a set built once from `{target.value}`" + (
            f" ({'; '.join(assume)})" if assume else "")
        if unproven:
            verify_only(c)
    return out


def _elements_hashable(mod: Module, scope: cst.CSTNode, name: str) -> bool:
    """Every element put into list `name` (its displays, `.append(x)`/`.insert(i, x)`) is proven hashable."""
    for where in (scope, mod.tree):
        values = _values_of(mod, where, cst.Name(name))
        if values:
            break
    for v in values:
        if isinstance(v, (cst.List, cst.Tuple)):
            if not all(isinstance(e, cst.Element) and proven_hashable(e.value, scope) for e in v.elements):
                return False
        elif isinstance(v, cst.ListComp):
            if not proven_hashable(v.elt):
                return False
        elif not (isinstance(v, cst.Call) and u.code(v.func) in ("list", "sorted", "tuple") and len(v.args) == 1
                  and isinstance(v.args[0].value, cst.Call) and u.code(v.args[0].value.func) == "range"):
            return False  # list(other)/a call: its elements are not looked into
    for n in u.walk(where, into_defs=True):  # the scope that binds the list (a global: the module)
        if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and u.code(n.func.value) == name:
            meth = n.func.attr.value
            if meth in ("extend", "__setitem__") or (meth in ("append", "insert") and not n.args):
                return False
            if meth in ("append", "insert") and not proven_hashable(n.args[-1].value, scope):
                return False
    return True
