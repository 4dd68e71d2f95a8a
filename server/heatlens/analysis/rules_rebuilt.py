"""Work rebuilt on every iteration although nothing it reads changes in the loop (by data flow, not spelling):

- a reduction or copy (`sum`, `sorted`, `max`, `set`, ...) of a collection reached through a subscript or
  attribute (`sum(by_region[reg])` in a loop over that region's rows) or through other builtins and a
  lambda (`len(list(filter(lambda e: e.kind == "login", events)))` in a loop over users);
- a reduction over a dict's keys (`sorted(ratings)`) in a loop that only updates existing entries
  (`ratings[a] += x`: an augmented assignment needs the key to exist, so the key set cannot change);
- a string key computed by method calls on something the loop does not change (`a.email.lower()` for
  every `b` of a nested loop over pairs);
- a membership test on a list attribute or global that grows (`if line not in self.lines:
  self.lines.append(line)` in a method called per line): each test scans all of it;
- the smallest/largest item taken with `min(X, key=...)` and removed from `X` on every iteration: a
  priority queue rescanned whole each time (heapq);
- a membership test in a dict's values (`x in d.values()`: a scan, where `in d` is a lookup);
- a membership test in a list comprehension (`sku in [p["sku"] for p in PROMOS]`): the whole list is built
  for every test.

The simple spellings (`sorted(xs)` of an unchanged local, `max(d.values())`) are `rules_idioms`' and keep
its fixes; these are advice only: hoisting them needs facts about the elements (no call in the loop
changes them, the result is not modified) that the source does not prove.
"""

from __future__ import annotations

from typing import List, Optional, Set, Tuple, cast

import libcst as cst

from heatlens.analysis import cstutil as u
from heatlens.analysis.candidates import Candidate, Loop, Module, Site, rule
from heatlens.analysis.rules_loops import list_kind

_REDUCERS = {"sum", "sorted", "min", "max", "len", "set", "frozenset", "list", "tuple", "any", "all", "dict"}
_KEY_REDUCERS = {"sorted", "min", "max", "set", "frozenset", "list", "tuple"}
_READ_METHODS = {"values", "keys", "items", "get", "count", "lower", "upper", "strip"}


def _bound_inside(e: cst.CSTNode) -> Set[str]:
    """Names bound within `e` itself: lambda parameters and comprehension targets."""
    out: Set[str] = set()
    for n in u.walk(e, into_defs=True):
        if isinstance(n, cst.Lambda):
            out |= {p.name.value for p in n.params.params}
        elif isinstance(n, cst.CompFor):
            out |= u.names(n.target)
    return out


def _pure(e: cst.CSTNode) -> bool:
    """Only builtins that neither mutate nor keep their arguments, reading methods, operators and lambdas."""
    for n in u.walk(e, into_defs=True):
        if isinstance(n, cst.Call):
            f = n.func
            if isinstance(f, cst.Name) and f.value in u.PURE_BUILTINS and f.value != "print":
                continue
            if isinstance(f, cst.Attribute) and f.attr.value in _READ_METHODS:
                continue
            return False
        if isinstance(n, (cst.NamedExpr, cst.Yield, cst.Await)):
            return False
    return True


def _free_names(e: cst.CSTNode) -> Set[str]:
    called = {n.func.value for n in u.walk(e, into_defs=True) if isinstance(n, cst.Call) and isinstance(n.func, cst.Name)}
    return {n.value for n in u.name_nodes(e)} - _bound_inside(e) - (called & u.PURE_BUILTINS)


def _reads_elements(e: cst.CSTNode) -> bool:
    """Attributes or items of values the expression iterates over (`e.kind` in a lambda over `events`)."""
    bound = _bound_inside(e)
    return any(isinstance(n, (cst.Attribute, cst.Subscript)) and u.root_name(n) in bound
               for n in u.walk(e, into_defs=True))


def _mutates_parts(loop: cst.CSTNode, names: Set[str]) -> bool:
    """A mutating method called on a part of a collection `e` reads (`by_region[reg].append(t)`), or on a
    name the loop binds (which may be one of its elements)."""
    bound = {t.value for t in u.targets_of(loop) if isinstance(t, cst.Name)}
    return any(isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in u.MUTATING_METHODS
               and u.root_name(n.func.value) in names | bound for n in u.walk(loop))


def _changes_objects(loop: cst.CSTNode) -> bool:
    return any(isinstance(t, (cst.Attribute, cst.Subscript)) for t in u.targets_of(loop))


def invariant_loop(site: Site, e: cst.CSTNode) -> Optional[Loop]:
    """The outermost enclosing for/while loop in which nothing `e` reads can change; None if none."""
    names = _free_names(e)
    for lp in site.loops:
        if not isinstance(lp.node, u.LOOP_TYPES) or _in_header(lp, e):
            continue
        if any(u.mutation(lp.node, n) is not None for n in names) or _mutates_parts(lp.node, names):
            continue
        if _reads_elements(e) and _changes_objects(lp.node):
            continue
        return lp
    return None


def _is_dict(mod: Module, scope: cst.CSTNode, name: str) -> bool:
    values = [n.value for n in u.walk(scope) if isinstance(n, cst.Assign)
              and any(isinstance(t.target, cst.Name) and t.target.value == name for t in n.targets)]
    return bool(values) and all(isinstance(v, (cst.Dict, cst.DictComp)) or isinstance(v, cst.Call)
                                and isinstance(v.func, cst.Name) and v.func.value == "dict" for v in values)


def _in_header(lp: Loop, e: cst.CSTNode) -> bool:
    """`e` is (in) a for loop's iterable or a while loop's test: evaluated once per loop, or it is the loop."""
    head = lp.node.iter if isinstance(lp.node, cst.For) else cast(cst.While, lp.node).test
    return any(n is e for n in u.walk(head, into_defs=True))


def keys_unchanged_loop(site: Site, e: cst.CSTNode, name: str) -> Optional[Loop]:
    """The outermost loop whose only changes to dict `name` are `name[k] op= v` (existing keys' values)."""
    for lp in site.loops:
        if not isinstance(lp.node, u.LOOP_TYPES) or _in_header(lp, e) or u.rebound(lp.node, name):
            continue
        bad = False
        for n in u.walk(lp.node):
            if isinstance(n, cst.AugAssign) and isinstance(n.target, cst.Subscript) \
                    and isinstance(n.target.value, cst.Name) and n.target.value.value == name:
                continue  # needs the key to exist: values change, keys do not
            if isinstance(n, (cst.Assign, cst.Del, cst.AugAssign)) and any(
                    isinstance(t, (cst.Subscript, cst.Attribute)) and u.root_name(t) == name for t in u.targets_of(n)):
                bad = True
            elif isinstance(n, cst.Call) and (
                    isinstance(n.func, cst.Attribute) and u.root_name(n.func.value) == name
                    and n.func.attr.value not in _READ_METHODS
                    or not (isinstance(n.func, cst.Name) and n.func.value in u.PURE_BUILTINS)
                    and any(isinstance(a.value, cst.Name) and a.value.value == name for a in n.args)):
                bad = True
            elif isinstance(n, (cst.Global, cst.Nonlocal)) and any(x.name.value == name for x in n.names):
                bad = True
            if bad:
                break
        if not bad:
            return lp
    return None


_STR_METHODS = {"lower", "upper", "casefold", "strip", "lstrip", "rstrip", "replace", "split", "title", "normalize"}


def _str_key(node: cst.CSTNode) -> bool:
    """`a.email.lower()`, `name.strip().casefold()`: a string method chain on a plain reference, with
    constant arguments (a key recomputed for every pair of a nested loop)."""
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute) \
            or node.func.attr.value not in _STR_METHODS or not all(u.is_literal(a.value) for a in node.args):
        return False
    inner = node.func.value
    return u.is_simple_ref(inner) or _str_key(inner)


def _values_view(node: cst.CSTNode) -> Optional[str]:
    """`d.values()` / `d.items()` tested with `in` (a linear scan; `in d.keys()` is a hash lookup)."""
    if not isinstance(node, cst.Comparison) or len(node.comparisons) != 1 \
            or not isinstance(node.comparisons[0].operator, (cst.In, cst.NotIn)):
        return None
    e = node.comparisons[0].comparator
    if isinstance(e, cst.Call) and isinstance(e.func, cst.Attribute) and not e.args \
            and e.func.attr.value in ("values", "items") and u.is_simple_ref(e.func.value):
        return u.code(e)
    return None


def _extremum_taken(site: Site, node: cst.CSTNode) -> Optional[str]:
    """`X` for `best = min(X, key=...)` in a loop that also removes from `X` (`X.remove(best)`, `X.pop(i)`,
    `X.discard(b)`, `del X[i]`): a priority queue kept as a plain collection, scanned whole for every item."""
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Name) or node.func.value not in ("min", "max") \
            or not node.args or not isinstance(node.args[0].value, cst.Name) or node.args[0].keyword is not None:
        return None
    name = node.args[0].value.value
    loops = [lp for lp in site.loops if isinstance(lp.node, u.LOOP_TYPES)]
    if not loops:
        return None
    for n in u.walk(loops[-1].node):
        if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and isinstance(n.func.value, cst.Name) \
                and n.func.value.value == name and n.func.attr.value in ("remove", "pop", "discard"):
            return name
        if isinstance(n, cst.Del) and any(isinstance(t, cst.Subscript) and u.root_name(t) == name for t in u.targets_of(n)):
            return name
    return None


def _growing_list(mod: Module, site: Site, node: cst.Comparison) -> Optional[str]:
    """`x in self.seen` / `x in SEEN` in a function (called per item, not looping itself) where the list is
    an attribute or module global that only list displays assign and that is appended to somewhere: the
    test scans a list that grows with the input, so the calls together are quadratic."""
    if len(node.comparisons) != 1 or not isinstance(node.comparisons[0].operator, (cst.In, cst.NotIn)):
        return None
    target = node.comparisons[0].comparator
    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
        if list_kind(mod, mod.tree, "", target) is None:  # "literal": `[]` too
            return None
        grows = _grown_names(mod)[1]
        key = target.attr.value
    elif isinstance(target, cst.Name) and site.function is not None and not u.rebound(site.function, target.value):
        if list_kind(mod, mod.tree, target.value) is None:
            return None
        grows, key = _grown_names(mod)[0], target.value
    else:
        return None
    return u.code(target) if key in grows else None


def _grown_names(mod: Module) -> Tuple[Set[str], Set[str]]:
    """(names, attribute names) that `.append`/`.extend`/`.insert` is called on anywhere in the module."""
    if "grown" not in mod.memo:
        names: Set[str] = set()
        attrs: Set[str] = set()
        for n in u.walk(mod.tree, into_defs=True):
            if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) \
                    and n.func.attr.value in ("append", "extend", "insert"):
                v = n.func.value
                if isinstance(v, cst.Name):
                    names.add(v.value)
                elif isinstance(v, cst.Attribute):
                    attrs.add(v.attr.value)
        mod.memo["grown"] = (names, attrs)
    return mod.memo["grown"]


def _cand(mod: Module, site: Site, node: cst.CSTNode, rule_id: str, summary: str, advice: str, refusal: str,
          **data: object) -> Candidate:
    line, col, end_line, end_col = mod.where(node)
    return Candidate(rule=rule_id, line=line, col=col, end_line=end_line, end_col=end_col, cost_lines=(line, end_line),
                     summary=summary, advice=advice, refusal=refusal, data=dict(data), loop_depth=len(site.loops))


@rule("rebuilt-per-iteration")
def rebuilt(mod: Module) -> List[Candidate]:
    out: List[Candidate] = []
    inside: Set[cst.CSTNode] = set()  # nodes of reported expressions: their parts are not reported again
    for site in mod.sites:
        node = site.node
        if site.function is not None and not site.loops and isinstance(node, cst.Comparison):
            grown = _growing_list(mod, site, node)
            if grown is not None:
                out.append(_cand(mod, site, node, "list-membership",
                                 f"membership test on list `{grown}`, which grows: each test scans all of it",
                                 "keep a set beside the list (add to both) so each test is O(1)",
                                 "other code may hold or change the list; change it by hand", collection=grown))
            continue
        if node in inside or not site.loops:
            continue
        view = _values_view(node)
        if view is not None:
            out.append(_cand(mod, site, node, "list-membership",
                             f"`in {view}` scans every value of the dict for each test",
                             "keys are looked up in O(1), values are not: keep a set of the values (or a reverse "
                             "dict) beside it", "the values are not proven hashable and the dict may change",
                             collection=view))
            continue
        if isinstance(node, cst.Comparison) and len(node.comparisons) == 1 \
                and isinstance(node.comparisons[0].operator, (cst.In, cst.NotIn)) \
                and isinstance(node.comparisons[0].comparator, cst.ListComp):
            comp = node.comparisons[0].comparator
            out.append(_cand(mod, site, node, "list-membership",
                             f"`in [{u.code(comp.elt)[:30]} for ...]` builds the whole list for every test",
                             "build a set of the values once before the loop (if its source does not change), or "
                             "test with any(... for ...), which stops at the first match",
                             "the comprehension's source may change between tests and its values are not proven "
                             "hashable", collection=u.code(comp)[:60]))
            continue
        if _str_key(node):
            lp = invariant_loop(site, node)
            if lp is not None and lp is not site.loops[0] or lp is not None and len(site.loops) == 1:
                text = u.code(node)
                out.append(_cand(mod, site, node, "loop-invariant", f"`{text[:50]}` recomputed on every iteration",
                                 f"`{u.code(cast(cst.Attribute, cast(cst.Call, node).func).value)}` does not "
                                 "change in the loop: compute "
                                 "it once before (e.g. a key computed once per outer item)",
                                 "calls in the loop could change the values it reads; hoist it by hand", what="str-key"))
                inside.update(u.walk(node, into_defs=True))
            continue
        if node in inside or not site.loops:
            continue
        taken = _extremum_taken(site, node)
        if taken is not None:
            out.append(_cand(mod, site, node, "rescan-priority-queue",
                             f"`{u.code(cast(cst.Call, node).func)}({taken}, ...)` rescans all of `{taken}` to take "
                             "one item per iteration",
                             "a heap (heapq.heappush / heappop) gives the smallest item in O(log n) per step",
                             "the ordering key may change between extractions (e.g. distances updated) and heapq "
                             "breaks ties differently; change it by hand", collection=taken))
            continue
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Name) or node.func.value not in _REDUCERS \
                or not node.args or any(a.star for a in node.args):
            continue
        fn, arg = node.func.value, node.args[0].value
        if isinstance(arg, cst.Name) and len(node.args) == 1 and fn in _KEY_REDUCERS \
                and _is_dict(mod, mod.scope_of(site), arg.value):
            lp = keys_unchanged_loop(site, node, arg.value)
            what = f"the loop changes only the values of existing `{arg.value}` entries, not its keys"
        elif isinstance(arg, (cst.Subscript, cst.Attribute, cst.Call, cst.ListComp, cst.GeneratorExp)) \
                and (fn != "len" or not isinstance(arg, (cst.Subscript, cst.Attribute))) and _pure(node):
            lp = invariant_loop(site, node)
            what = "nothing it reads changes in the loop"
        else:
            continue
        if lp is None:
            continue
        text = u.code(node)
        out.append(_cand(mod, site, node, "loop-invariant", f"`{text[:50]}` recomputed on every iteration",
                         f"{what}: compute it once before the loop",
                         "calls in the loop could change the values it reads; hoist it by hand", what=fn))
        inside.update(u.walk(node, into_defs=True))
    return out
