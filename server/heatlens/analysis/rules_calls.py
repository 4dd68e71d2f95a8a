"""Per-call costs that hide in a library: `re.<fn>(computed pattern)`, `random.choices(weights=...)`,
`any([...])`/`all([...])`, a priority queue kept by re-sorting a list, and strings built with `+=` on an
attribute, an item, a global or a `bytes` local (no in-place fast path there).

All are advice only: the rewrites need facts the source does not show (the pattern set's size, weights
that do not change between draws, elements without side effects, no one else reading the attribute).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import libcst as cst

from heatlens.analysis import cstutil as u
from heatlens.analysis.candidates import Candidate, Module, Site, rule

_RE_FUNCS = {"compile", "match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split"}


def _cand(mod: Module, site: Site, node: cst.CSTNode, rule_id: str, summary: str, advice: str, refusal: str,
          **data: object) -> Candidate:
    line, col, end_line, end_col = mod.where(node)
    return Candidate(rule=rule_id, line=line, col=col, end_line=end_line, end_col=end_col, cost_lines=(line, end_line),
                     summary=summary, advice=advice, refusal=refusal, data=dict(data), loop_depth=len(site.loops))


def _in_function_or_loop(site: Site) -> bool:
    return bool(site.loops) or site.function is not None


@rule("regex-per-call")
def regex_per_call(mod: Module) -> List[Candidate]:
    """`re.search(f"...{kw}...", s)` / `re.compile(RULES[t])`: a pattern computed per call goes through
    re's cache (512 entries); more distinct patterns than that compile on every call."""
    out: List[Candidate] = []
    for site in mod.sites:
        node = site.node
        if not isinstance(node, cst.Call) or not _in_function_or_loop(site) or not node.args:
            continue
        f = node.func
        if not (isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.value.value == "re"
                and f.attr.value in _RE_FUNCS):
            continue
        pattern = node.args[0].value
        if u.is_literal(pattern) or (isinstance(pattern, cst.Name) and pattern.value.isupper()):
            continue  # a constant pattern is served by re's cache (loop-invariant handles literals in loops)
        out.append(_cand(mod, site, node, "regex-per-call",
                         f"`re.{f.attr.value}` with a pattern computed per call (`{u.code(pattern)[:40]}`)",
                         "compile each distinct pattern once and keep the compiled objects (a dict, or one "
                         "alternation regex); beyond 512 distinct patterns re recompiles on every call",
                         "which patterns repeat is only known at run time", what=f"re.{f.attr.value}",
                         callee=[f.attr.value, "_compile", "compile"], callee_module="re"))
    return out


@rule("random-choices-weights")
def random_choices_weights(mod: Module) -> List[Candidate]:
    """`random.choices(pop, weights=w)` accumulates the weights on every call; `cum_weights` computed once
    (itertools.accumulate) does not."""
    out: List[Candidate] = []
    for site in mod.sites:
        node = site.node
        if not isinstance(node, cst.Call) or not _in_function_or_loop(site):
            continue
        if u.code(node.func) not in ("random.choices", "choices", "rng.choices"):
            continue
        weights = [a for a in node.args if a.keyword is not None and a.keyword.value == "weights"]
        positional = [a for a in node.args if a.keyword is None]
        if not weights and len(positional) < 2:
            continue
        out.append(_cand(mod, site, node, "random-choices-weights",
                         "`random.choices(..., weights=...)` re-accumulates the weights on every call",
                         "pass `cum_weights=` computed once with itertools.accumulate while the weights do not change",
                         "whether the weights change between draws is only known at run time",
                         what="choices", callee=["choices"], callee_module="random"))
    return out


@rule("any-all-listcomp")
def any_all_listcomp(mod: Module) -> List[Candidate]:
    """`any([...])`/`all([...])` builds the whole list before testing: a generator stops at the first hit."""
    out: List[Candidate] = []
    for site in mod.sites:
        node = site.node
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Name) or node.func.value not in ("any", "all"):
            continue
        if len(node.args) != 1 or not isinstance(node.args[0].value, cst.ListComp) or not _in_function_or_loop(site):
            continue
        comp = node.args[0].value
        side_effects = any(isinstance(n, cst.Call) and not (isinstance(n.func, cst.Name) and n.func.value in u.PURE_BUILTINS)
                           for n in u.walk(comp.elt))
        c = _cand(mod, site, node, "any-all-listcomp", f"`{node.func.value}([...])` evaluates every element first",
                  f"`{node.func.value}(... for ...)` (a generator) stops at the first decisive element", "",
                  what=node.func.value)
        if side_effects:
            c.refusal = "the elements call functions whose side effects may all be needed"
        else:
            c.refusal = None
            plan = u.Plan()
            plan.edits[comp] = lambda upd: cst.GeneratorExp(elt=upd.elt, for_in=upd.for_in, lpar=[], rpar=[])  # type: ignore[attr-defined]
            c.plan = plan
            c.fix_title = f"Pass a generator to `{node.func.value}` (stops at the first decisive element)"
        out.append(c)
    return out


@rule("resort-priority-queue")
def resort_priority_queue(mod: Module) -> List[Candidate]:
    """`xs.sort()` (or `xs = sorted(xs)`) on every iteration and the smallest taken with `xs.pop(0)`/`xs[0]`:
    a priority queue in O(n log n) per step; heapq does it in O(log n)."""
    out: List[Candidate] = []
    for site in mod.sites:
        node = site.node
        loops = [lp for lp in site.loops if isinstance(lp.node, u.LOOP_TYPES)]
        if not loops or not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
            continue
        if node.func.attr.value != "sort" or not isinstance(node.func.value, cst.Name):
            continue
        name = node.func.value.value
        pops = [n for n in u.walk(loops[-1].node) if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute)
                and u.code(n.func) == f"{name}.pop" and (not n.args or u.code(n.args[0].value) in ("0", "-1"))]
        if not pops:
            continue
        last = max(mod.where(p)[2] for p in pops)
        c = _cand(mod, site, node, "resort-priority-queue",
                  f"`{name}` re-sorted on every iteration to take its smallest item",
                  "a heap (heapq.heappush / heappop) keeps the order in O(log n) per step",
                  "heapq orders ties and the popped end differently; change it by hand", what="sort", collection=name)
        c.cost_lines = (c.line, max(last, c.end_line))
        out.append(c)
    return out


def _str_like(mod: Module, value: cst.BaseExpression) -> bool:
    return isinstance(value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)) or (
        isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add)
        and (_str_like(mod, value.left) or _str_like(mod, value.right)))


def _string_inits(mod: Module) -> Dict[Tuple[int, str], str]:
    """One walk of the module: (id of the enclosing function or 0, target text) -> "str"/"bytes" for each
    target assigned a string literal. Attribute and item targets are keyed module-wide (id 0)."""
    out: Dict[Tuple[int, str], str] = {}
    for fn in [None, *mod.functions]:
        for n in u.walk(fn if fn is not None else mod.tree):
            if isinstance(n, cst.Assign) and isinstance(n.value, cst.SimpleString):
                kind = "bytes" if n.value.prefix.lower().startswith("b") else "str"
                for t in n.targets:
                    key = u.code(t.target)
                    out[(id(fn) if fn is not None and isinstance(t.target, cst.Name) else 0, key)] = kind
    return out


def _init_kind(inits: Dict[Tuple[int, str], str], target: cst.BaseExpression, fn: Optional[cst.FunctionDef]) -> Optional[str]:
    key = u.code(target)
    return inits.get((id(fn), key)) if fn is not None and isinstance(target, cst.Name) and (id(fn), key) in inits \
        else inits.get((0, key))


def _declared_outer(fn: Optional[cst.FunctionDef], name: str) -> str:
    """"nonlocal"/"global" when `fn` declares `name` so: its `+=` stores to a cell or a global, for which
    CPython has no in-place append (the whole string is copied each time); else ""."""
    if fn is None:
        return ""
    for n in u.walk(fn):
        if isinstance(n, (cst.Global, cst.Nonlocal)) and any(x.name.value == name for x in n.names):
            return "nonlocal" if isinstance(n, cst.Nonlocal) else "global"
    return ""


@rule("string-concat")
def string_concat(mod: Module) -> List[Candidate]:
    """`self.out += s`, `d[k] += s`, a module global or a `bytes` local: each `+=` copies the whole string
    (CPython's in-place append works only for a local str with no other reference)."""
    out: List[Candidate] = []
    inits: Optional[Dict[Tuple[int, str], str]] = None
    for site in mod.sites:
        node = site.node
        if not isinstance(node, cst.AugAssign) or not isinstance(node.operator, cst.AddAssign):
            continue
        t = node.target
        outer = isinstance(t, cst.Name) and not site.loops and _declared_outer(site.function, t.value)
        if isinstance(t, cst.Name) and not site.loops and not outer:
            continue
        inits = _string_inits(mod) if inits is None else inits
        kind = _init_kind(inits, t, site.function)
        if outer and isinstance(t, cst.Name) and (kind == "str" or _str_like(mod, node.value)):  # a closure's add()
            what = f"{outer} `{t.value}`"
        elif isinstance(t, cst.Name):
            if kind != "bytes" or not site.loops:
                continue  # str locals and globals: str-concat-loop
            what = f"bytes `{t.value}`"
        elif isinstance(t, (cst.Attribute, cst.Subscript)):
            if kind is None and not _str_like(mod, node.value):
                continue
            what = f"`{u.code(t)}`"
        else:
            continue
        out.append(_cand(mod, site, node, "string-concat", f"{what} built with += (copies the whole value each time)",
                         "collect the pieces in a list and join once (or use io.StringIO / bytearray)",
                         "others may read the value while it is built; change it by hand", what="concat"))
    return out


def _add_chain(e: cst.BaseExpression) -> List[cst.BaseExpression]:
    """The operands of a left-associated `+` chain, leftmost first (`s + x + ","` -> [s, x, ","])."""
    parts: List[cst.BaseExpression] = []
    while isinstance(e, cst.BinaryOperation) and isinstance(e.operator, cst.Add):
        parts.append(e.right)
        e = e.left
    return [e, *reversed(parts)]


@rule("str-rebuild")
def str_rebuild(mod: Module) -> List[Candidate]:
    """`s = s + x + ","` in a loop: CPython appends in place only when the `+` result is stored straight
    back into `s`; here `s + x` is a new string that the next `+` copies again, so each iteration copies
    all of `s` (quadratic). `s += x + ","` keeps the fast path."""
    out: List[Candidate] = []
    inits: Optional[Dict[Tuple[int, str], str]] = None
    for site in mod.sites:
        node = site.node
        if not site.loops or not isinstance(node, cst.Assign) or len(node.targets) != 1 \
                or not isinstance(node.targets[0].target, cst.Name):
            continue
        name = node.targets[0].target.value
        chain = _add_chain(node.value)
        if len(chain) < 3 or not (isinstance(chain[0], cst.Name) and chain[0].value == name) \
                or any(u.names(p) & {name} for p in chain[1:]):
            continue
        inits = _string_inits(mod) if inits is None else inits
        if _init_kind(inits, node.targets[0].target, site.function) != "str" and not any(_str_like(mod, p) for p in chain[1:]):
            continue  # numbers or lists: not this pattern
        out.append(_cand(mod, site, node, "str-concat-loop",
                         f"`{name} = {name} + ...` copies the whole string `{name}` on every iteration",
                         f"`{name} += ...` (one concatenation stored back into `{name}`) is appended in place; or collect "
                         "the pieces in a list and join once", "the added values are not proven to be strings "
                         "(`+` on other types is not associative)", what="rebuild", name=name))
    return out


@rule("strptime-per-call")
def strptime_per_call(mod: Module) -> List[Candidate]:
    """`datetime.strptime(text, fmt)` per record: pure-Python parsing (the `_strptime` module) on every call,
    measured here ~30 us against ~0.4 us for `datetime.fromisoformat`, which parses ISO 8601 text in C."""
    out: List[Candidate] = []
    for site in mod.sites:
        node = site.node
        if not isinstance(node, cst.Call) or not _in_function_or_loop(site) or len(node.args) < 2:
            continue
        if u.code(node.func) not in ("datetime.strptime", "datetime.datetime.strptime", "time.strptime", "strptime"):
            continue
        out.append(_cand(mod, site, node, "strptime-per-call", "`strptime` parses each value in Python code",
                         "for ISO 8601 text `datetime.fromisoformat` parses in C (~80x faster measured); otherwise "
                         "slice the fields, or cache the parsed values when they repeat",
                         "only ISO 8601 formats map onto fromisoformat (and its errors differ)", what="strptime",
                         callee=["_strptime", "_strptime_datetime", "strptime", "_strptime_time"],
                         callee_module="_strptime"))
    return out
