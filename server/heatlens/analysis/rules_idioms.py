"""Idiom detectors: loop-invariant work, quadratic idioms, exceptions as control flow, repeated pure calls."""

from __future__ import annotations

import builtins
from typing import Callable, List, Optional

import libcst as cst

from heatlens.analysis import cstutil as u
from heatlens.analysis.candidates import Candidate, Loop, Module, Site, rule
from heatlens.analysis.quadratic_fixes import is_list_var, plan_list_concat, plan_sum_lists
from heatlens.analysis.rules_loops import hoist_loop

# method -> how many positional arguments (pattern included) map 1:1 onto the compiled pattern's method
_RE_METHODS = {"compile": 1, "match": 2, "search": 2, "fullmatch": 2, "findall": 2, "finditer": 2, "sub": 4,
               "subn": 4, "split": 3}
_HOISTABLE = {"sorted", "len", "set", "frozenset", "list", "tuple", "min", "max", "sum"}
_MUTABLE_RESULT = {"sorted", "set", "list"}


def _renamed_to(name: str) -> Callable[[cst.CSTNode], cst.CSTNode]:
    """An edit that puts the name `name` in place of the node (bound now, not when the edit runs)."""
    return lambda _upd: cst.Name(name)


def _cand(mod: Module, site: Site, node: cst.CSTNode, rule_id: str, summary: str, advice: str, **data: object) -> Candidate:
    line, col, end_line, end_col = mod.where(node)
    return Candidate(rule=rule_id, line=line, col=col, end_line=end_line, end_col=end_col, cost_lines=(line, end_line),
                     summary=summary, advice=advice, data=dict(data), loop_depth=len(site.loops))


def _imports_re(mod: Module) -> bool:
    imported = any(isinstance(n, cst.Import) and any(a.asname is None and u.code(a.name) == "re" for a in n.names)
                   for n in u.walk(mod.tree, into_defs=True))
    rebinds = sum(1 for t in u.targets_of(mod.tree) if isinstance(t, cst.Name) and t.value == "re")
    return imported and rebinds == 0


@rule("loop-invariant")
def loop_invariant(mod: Module) -> List[Candidate]:
    out: List[Candidate] = []
    plain_re: Optional[bool] = None  # one module walk for all re.* calls (was one per call: 20 s on 1,790 lines)
    for site in mod.sites:
        node = site.node
        if not site.loops or not isinstance(node, cst.Call):
            continue
        f = node.func
        if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.value.value == "re" \
                and f.attr.value in _RE_METHODS and node.args and u.is_literal(node.args[0].value):
            if plain_re is None:
                plain_re = _imports_re(mod)
            out.append(_re_hoist(mod, site, node, f.attr.value, plain_re))
        elif isinstance(f, cst.Name) and f.value in _HOISTABLE and len(node.args) == 1 and node.args[0].keyword is None \
                and _source_name(node.args[0].value) is not None:
            c = _view_hoist(mod, site, node, f.value, _source_name(node.args[0].value))  # type: ignore[arg-type]
            if c is not None:
                out.append(c)
        elif isinstance(f, cst.Name) and f.value in _HOISTABLE and len(node.args) >= 1 \
                and isinstance(node.args[0].value, cst.Name) and node.args[0].keyword is None:
            c = _call_hoist(mod, site, node, f.value, node.args[0].value.value)
            if c is not None:
                out.append(c)
    return out


def _source_name(arg: cst.BaseExpression) -> Optional[str]:
    """`d` for `d.values()`/`d.keys()`/`d.items()` and for a generator over `d` (`b.aisle for b in d`)."""
    if isinstance(arg, cst.Call) and isinstance(arg.func, cst.Attribute) and not arg.args \
            and arg.func.attr.value in ("values", "keys", "items") and isinstance(arg.func.value, cst.Name):
        return arg.func.value.value
    if isinstance(arg, (cst.GeneratorExp, cst.ListComp)) and arg.for_in.inner_for_in is None \
            and isinstance(arg.for_in.iter, cst.Name) and not arg.for_in.ifs:
        bound = u.names(arg.for_in.target)
        if u.names(arg.elt) <= bound:
            return arg.for_in.iter.value
    return None


def aliases(scope: cst.CSTNode, name: str) -> List[str]:
    """Names bound to the same object as `name` in `scope` (`queue = tasks`), transitively."""
    out = [name]
    changed = True
    while changed:
        changed = False
        for n in u.walk(scope):
            if isinstance(n, cst.Assign) and isinstance(n.value, cst.Name) and n.value.value in out:
                for t in n.targets:
                    if isinstance(t.target, cst.Name) and t.target.value not in out:
                        out.append(t.target.value)
                        changed = True
    return out


def _invariant_loop(mod: Module, site: Site, arg: str) -> Optional[Loop]:
    """The outermost loop in which `arg` and every alias of it stay unchanged (None: the innermost changes)."""
    names = aliases(mod.scope_of(site), arg)
    for lp in site.loops:
        if all(u.mutation(lp.node, n) is None for n in names):
            return lp
    return None


def _view_hoist(mod: Module, site: Site, call: cst.Call, fn: str, src: str) -> Optional[Candidate]:
    if not [lp for lp in site.loops if isinstance(lp.node, u.LOOP_TYPES)] or _invariant_loop(mod, site, src) is None:
        return None
    text = u.code(call)
    return _cand(mod, site, call, "loop-invariant", f"`{text[:50]}` recomputed on every iteration",
                 f"`{src}` does not change in the loop: compute it once before",
                 what=fn, collection=src)._refuse("the values may change through the elements or calls; hoist it by hand")


def _re_hoist(mod: Module, site: Site, call: cst.Call, meth: str, plain_re: bool) -> Candidate:
    pattern = u.code(call.args[0].value)
    cand = _cand(mod, site, call, "loop-invariant", f"`re.{meth}({pattern}, ...)` compiles the same pattern every iteration",
                 "compile it once before the loop", what=f"re.{meth}", callee=[meth, "_compile"], callee_module="re")
    positional = [a for a in call.args if a.keyword is None and a.star == ""]
    flags = [a for a in call.args if a.keyword is not None and a.keyword.value == "flags"]
    if not plain_re:
        cand.refusal = "`re` is not the plainly imported module here"
    elif len(positional) > _RE_METHODS[meth] or any(a.star for a in call.args):
        cand.refusal = "positional flags/extra arguments do not map onto the compiled pattern"
    elif flags and (not (u.is_literal(flags[0].value) or u.is_simple_ref(flags[0].value))
                    or any(u.rebound(site.loops[0].node, r) for r in u.names(flags[0].value))):
        cand.refusal = "the flags are computed or change in the loop"
    if cand.refusal:
        return cand
    name = u.fresh_name(mod.all_names, "pattern")
    flag_src = f", {u.code(flags[0].value)}" if flags else ""
    plan = u.Plan()
    plan.before[site.loops[0].anchor] = [u.stmt(f"{name} = re.compile({pattern}{flag_src})\n")]
    if meth == "compile":
        plan.edits[call] = lambda _upd: cst.Name(name)
    else:
        rest = [a for a in call.args[1:] if not (a.keyword is not None and a.keyword.value == "flags")]
        if rest:
            rest[-1] = rest[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        plan.edits[call] = lambda upd: cst.Call(func=cst.Attribute(cst.Name(name), cst.Name(meth)), args=rest)
    cand.plan = plan
    cand.fix_title = f"Compile {pattern} once before the loop"
    return cand


def _call_hoist(mod: Module, site: Site, call: cst.Call, fn: str, arg: str) -> Optional[Candidate]:
    lp = hoist_loop(site.loops, arg)
    if lp is None or _invariant_loop(mod, site, arg) is None:
        return None  # the collection changes in the loop: not invariant
    cand = _cand(mod, site, call, "loop-invariant", f"`{fn}({arg})` recomputed on every iteration",
                 f"`{arg}` does not change in the loop: compute it once before", what=fn, collection=arg)
    extra = call.args[1:]
    for a in extra:
        if a.keyword is None or not (u.is_literal(a.value) or u.is_simple_ref(a.value)) or \
                any(u.rebound(lp.node, r) for r in u.names(a.value)):
            cand.refusal = "its other arguments may change in the loop"
            return cand
    if fn != "len" and (any(isinstance(t, (cst.Attribute, cst.Subscript)) for t in u.targets_of(lp.node))
                        or _mutates_loop_items(lp.node)):
        cand.refusal = f"the loop modifies objects, possibly elements of `{arg}`"
        return cand
    parent = mod.parent(call)
    grand = mod.parent(parent) if isinstance(parent, cst.Arg) else None
    if fn in _MUTABLE_RESULT and not (
            (isinstance(parent, cst.For) and parent.iter is call) or isinstance(parent, cst.ComparisonTarget)
            or (isinstance(parent, cst.Subscript) and parent.value is call) or isinstance(parent, cst.CompFor)
            or (isinstance(grand, cst.Call) and isinstance(grand.func, cst.Name) and grand.func.value in u.PURE_BUILTINS)):
        cand.refusal = f"the result of `{fn}()` may be modified (a fresh one is made each time)"
        return cand
    name = u.fresh_name(mod.all_names, f"{arg}_{fn}" if fn != "len" else f"{arg}_len")
    plan = u.Plan()
    plan.before[lp.anchor] = [u.stmt(f"{name} = {u.code(call)}\n")]
    plan.edits[call] = lambda _upd: cst.Name(name)
    cand.plan = plan
    assume = f" (assumes calls in the loop don't change `{arg}`)" if u.calls_other_code(lp.node, watched=arg) else ""
    cand.fix_title = f"Compute `{fn}({arg})` once before the loop{assume}"
    return cand


def _mutates_loop_items(loop: cst.CSTNode) -> bool:
    """A mutating method called on a loop variable (which may be an element of the hoisted collection)."""
    bound = {t.value for t in u.targets_of(loop) if isinstance(t, cst.Name)}
    return any(isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in u.MUTATING_METHODS
               and u.root_name(n.func.value) in bound for n in u.walk(loop))


def _chain(node: cst.BaseExpression) -> Optional[List[str]]:
    """["a", "b", "c"] for `a.b.c` (names and attributes only)."""
    parts: List[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    return [node.value, *reversed(parts)]


@rule("attribute-lookup")
def attribute_lookup(mod: Module) -> List[Candidate]:
    """`a.b.c` looked up on every iteration of a loop that does not change it -> one local before."""
    out: List[Candidate] = []
    seen: set = set()
    for site in mod.sites:
        node = site.node
        loops = [lp for lp in site.loops if isinstance(lp.node, u.LOOP_TYPES)]
        parent = mod.parent(node)
        if not loops or not isinstance(node, cst.Attribute) or isinstance(parent, cst.Attribute):
            continue
        parts = _chain(node)
        if parts is None or len(parts) < 3:
            continue
        if isinstance(parent, (cst.AssignTarget, cst.Del)) or (isinstance(parent, (cst.AugAssign, cst.AnnAssign))
                                                              and parent.target is node):
            continue
        text = ".".join(parts)
        lp = next((lp for lp in loops if not _chain_changes(lp.node, parts)), None)
        if lp is None or (id(lp.node), text) in seen:
            continue
        seen.add((id(lp.node), text))
        cand = _cand(mod, site, node, "attribute-lookup", f"`{text}` looked up on every iteration",
                     f"bind it to a local before the loop", what="attribute", chain=text, max_severity="information")
        name = u.fresh_name(mod.all_names, "_".join(parts[1:]))
        plan = u.Plan()
        plan.before[lp.anchor] = [u.stmt(f"{name} = {text}\n")]
        for n in u.walk(lp.node):
            if isinstance(n, cst.Attribute) and _chain(n) == parts and not isinstance(mod.parent(n), cst.Attribute):
                plan.edits[n] = _renamed_to(name)
        cand.plan = plan
        cand.fix_title = f"Look up `{text}` once before the loop (assumes it does not change during the loop)"
        out.append(cand)
    return out


def _chain_changes(loop: cst.CSTNode, parts: List[str]) -> bool:
    if u.rebound(loop, parts[0]):
        return True
    attrs = set(parts[1:])
    for t in u.targets_of(loop):
        if isinstance(t, cst.Attribute) and t.attr.value in attrs:
            return True
    return any(isinstance(n, cst.Call) and isinstance(n.func, cst.Name) and n.func.value in ("setattr", "delattr")
               for n in u.walk(loop))


# ---- quadratic idioms ----------------------------------------------------------------------------


@rule("quadratic-idiom")
def quadratic(mod: Module) -> List[Candidate]:
    out: List[Candidate] = []
    for site in mod.sites:
        node = site.node
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "sum" \
                and len(node.args) == 2 and isinstance(node.args[1].value, cst.List) and not node.args[1].value.elements:
            c = _cand(mod, site, node, "quadratic-idiom", "`sum(..., [])` concatenates lists one by one (quadratic)",
                      "itertools.chain.from_iterable is linear", what="sum-lists")
            plan_sum_lists(mod, c, node)
            out.append(c)
        if not [lp for lp in site.loops if isinstance(lp.node, u.LOOP_TYPES)]:
            continue
        if isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) \
                and isinstance(node.value, cst.BinaryOperation) and isinstance(node.value.operator, cst.Add) \
                and isinstance(node.value.left, cst.Name) and node.value.left.value == node.targets[0].target.value \
                and isinstance(node.value.right, (cst.List, cst.ListComp, cst.Name)):
            name = node.targets[0].target.value
            if isinstance(node.value.right, cst.Name) and not is_list_var(site, name):
                continue  # `total = total + n`: numbers, not lists
            c = _cand(mod, site, node, "quadratic-idiom", f"`{name} = {name} + ...` copies the list every iteration",
                      f"`{name}.append(...)`/`extend` is amortized O(1) (if nothing else holds the old list)",
                      what="list-concat")
            plan_list_concat(mod, site, c, node, name)
            out.append(c)
        elif isinstance(node, cst.Call):
            f = node.func
            fname = u.code(f)
            if fname in ("deepcopy", "copy.deepcopy"):
                c = _cand(mod, site, node, "quadratic-idiom", "`deepcopy` inside a loop", "copy once, or copy only what changes",
                          what="deepcopy", callee=["deepcopy"], callee_module="copy")
                out.append(c)
            elif isinstance(f, cst.Attribute) and f.attr.value in ("index", "count") and len(node.args) == 1 \
                    and isinstance(f.value, cst.Name):
                c = _cand(mod, site, node, "quadratic-idiom", f"`{fname}()` scans the list on every iteration",
                          "a dict of positions / a collections.Counter built once is O(1) per lookup",
                          what=f.attr.value, collection=f.value.value)
                out.append(c)
        elif isinstance(node, cst.Try) and any(_cheap_exc(h) for h in node.handlers):
            line, col, _, _ = mod.where(node)
            body_end = mod.where(node.body)[2]
            c = _cand(mod, site, node, "exception-control-flow", "exceptions used for control flow inside a loop",
                      "test first (`in`, `.get`, `isinstance`); raising and catching costs far more than a test",
                      what="try")
            c.end_line, c.end_col = line, col + 4
            c.cost_lines = (line, body_end)
            out.append(c)
    return out


def _cheap_exc(h: cst.ExceptHandler) -> bool:
    t = h.type
    names = [t] if t is not None and not isinstance(t, cst.Tuple) else [e.value for e in t.elements] if t else []
    return any(u.code(n) in ("KeyError", "IndexError", "ValueError", "AttributeError", "StopIteration", "TypeError")
               for n in names)


# ---- repeated calls of pure functions --------------------------------------------------------------

_IMPURE_CALLS = {"print", "open", "input", "exec", "eval", "setattr", "delattr", "next", "iter"}


_BUILTINS = frozenset(dir(builtins))


def _mutable_value(v: cst.BaseExpression) -> bool:
    if isinstance(v, (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)):
        return True
    return isinstance(v, cst.Call) and isinstance(v.func, cst.Name) and v.func.value in (
        "list", "dict", "set", "sorted", "bytearray")


def pure_refusal(fn: cst.FunctionDef, known: frozenset = frozenset()) -> Optional[str]:
    """Why `fn` might not be pure (None: no visible side effect or hidden input)."""
    if fn.decorators:
        return "it is decorated"
    if not fn.params.params or fn.params.star_arg is not cst.MaybeSentinel.DEFAULT or fn.params.star_kwarg:
        return "it takes no plain arguments (or *args/**kwargs)"
    if u.has(fn.body, cst.Global, cst.Nonlocal, cst.Yield, cst.Await, cst.Raise):
        return "it declares global/nonlocal, yields or raises"
    params = {p.name.value for p in fn.params.params}
    local = params | {t.value for t in u.targets_of(fn.body) if isinstance(t, cst.Name)}
    for t in u.targets_of(fn.body):
        if isinstance(t, (cst.Attribute, cst.Subscript)):
            return "it assigns to attributes or items"
    fresh = {t.target.value for n in u.walk(fn.body) if isinstance(n, cst.Assign) and _mutable_value(n.value)
             for t in n.targets if isinstance(t.target, cst.Name)}
    for n in u.walk(fn.body):
        if isinstance(n, cst.Return) and n.value is not None and (
                _mutable_value(n.value) or (isinstance(n.value, cst.Name) and n.value.value in fresh)):
            return "it returns a fresh mutable object (a cached one would be shared by callers)"
    for name in u.names(fn.body) - local - _BUILTINS - known:
        return f"it reads the global `{name}`"
    for n in u.walk(fn.body):
        if isinstance(n, cst.Call):
            f = n.func
            if isinstance(f, cst.Name) and (f.value in _IMPURE_CALLS or f.value not in u.PURE_BUILTINS):
                if f.value != fn.name.value:  # recursion is fine
                    return f"it calls `{f.value}`"
            if isinstance(f, cst.Attribute):
                if isinstance(f.value, cst.Name) and f.value.value in params and f.attr.value in u.MUTATING_METHODS:
                    return f"it changes its argument `{f.value.value}`"
                if u.root_name(f) not in ("math", "str") and not isinstance(f.value, (cst.SimpleString, cst.Name)):
                    return "it calls methods of computed objects"
    return None


@rule("repeated-call")
def repeated_call(mod: Module) -> List[Candidate]:
    defs = {f.name.value: f for f in mod.functions if mod.line(f) > 0}
    top = {f.name.value for f in mod.tree.body if isinstance(f, cst.FunctionDef)}
    # Names a pure function may read: module-level functions and imported modules (not data).
    known = frozenset(top | {u.code(a.asname.name if a.asname else a.name).split(".")[0]
                             for n in mod.tree.body if isinstance(n, cst.SimpleStatementLine)
                             for s in n.body if isinstance(s, cst.Import) for a in s.names})
    out: List[Candidate] = []
    seen: set = set()
    for site in mod.sites:
        node = site.node
        if not site.loops or not isinstance(node, cst.Call) or not isinstance(node.func, cst.Name):
            continue
        name = node.func.value
        if name not in defs or name not in top or name in seen or any(a.star for a in node.args):
            continue
        seen.add(name)
        fn = defs[name]
        why = pure_refusal(fn, known)
        if why is not None and why.startswith("it is decorated"):
            continue
        line, col, end_line, end_col = mod.where(fn.name)
        span = mod.where(fn)
        cand = Candidate(
            rule="repeated-call", line=line, col=col, end_line=end_line, end_col=end_col, cost_lines=(span[0], span[2]),
            summary=f"`{name}` is called in a loop (line {mod.line(node)})",
            advice="if it sees the same arguments again, caching its results avoids recomputing them",
            data={"function": name, "def_line": mod.line(fn)}, loop_depth=len(site.loops),
        )
        out.append(cand)
        if why is not None:
            cand.refusal = f"`{name}` may not be pure: {why}"
            continue
        if sum(1 for t in u.targets_of(mod.tree) if isinstance(t, cst.Name) and t.value == name) != 1:
            cand.refusal = f"`{name}` is rebound"
            continue
        plan = u.Plan(imports=["functools"])
        plan.edits[fn] = lambda upd: upd.with_changes(decorators=[cst.Decorator(u.expr("functools.lru_cache(maxsize=None)"))])
        cand.plan = plan
        # The codemod exists, but it is offered only under the argument probe's evidence (findings.with_probe):
        # repeated arguments, hashable, and the same result for the same arguments.
        cand.data["cache_fix"] = f"Cache `{name}` with functools.lru_cache"
        cand.refusal = NEEDS_PROBE
    return out


NEEDS_PROBE = "caching needs evidence: measure argument repetition first (the argument probe)"
