"""NumPy in Python loops: element-by-element loops over arrays, `np.append` in a loop (a full copy per
call), and a reduction over each overlapping window (`x[i:i + w].max()`: O(n·w)).

Only in modules that import numpy. An "array" is a name assigned from a `np.`/`numpy.` call or an array
method (`.astype`, `.reshape`, ...), or a parameter of a function of such a module. A loop is element-wise
when it indexes an array with an expression of its own loop variable (not a slice: a 3×3 kernel loop of
whole-array slices is fine). Advice only: vectorising changes evaluation order and dtype rules, and a
recurrence (`y[i] = a * y[i - 1] + ...`) cannot be written as one slice expression.
"""

from __future__ import annotations

from typing import List, Optional, Set

import libcst as cst

from heatlens.analysis import cstutil as u
from heatlens.analysis.candidates import Candidate, Module, rule

_ARRAY_METHODS = {"astype", "reshape", "copy", "ravel", "flatten", "transpose", "T", "cumsum", "clip"}
_REDUCTIONS = {"max", "min", "sum", "mean", "std", "var", "median", "argmax", "argmin", "prod", "any", "all"}


def _np_aliases(mod: Module) -> Set[str]:
    out: Set[str] = set()
    for n in mod.tree.body:
        if isinstance(n, cst.SimpleStatementLine):
            for s in n.body:
                if isinstance(s, cst.Import):
                    for a in s.names:
                        if u.code(a.name) == "numpy":
                            out.add(u.code(a.asname.name) if a.asname else "numpy")
    return out


def _arrays(mod: Module, fn: Optional[cst.FunctionDef], np_names: Set[str]) -> Set[str]:
    scope: cst.CSTNode = fn if fn is not None else mod.tree
    out = {p.name.value for p in fn.params.params} if fn is not None else set()
    for where in (scope, mod.tree):
        for n in u.walk(where):
            if isinstance(n, cst.Assign) and len(n.targets) == 1 and isinstance(n.targets[0].target, cst.Name):
                v = n.value
                f = v.func if isinstance(v, cst.Call) else None
                if f is not None and (u.root_name(f) in np_names or (isinstance(f, cst.Attribute) and f.attr.value in _ARRAY_METHODS)):
                    out.add(n.targets[0].target.value)
    return out


def _loop_vars(loop: cst.For) -> Set[str]:
    """The loop's own variables and the names computed from them in its body (`c = i + w // 2`)."""
    bound = u.names(loop.target)
    for n in u.walk(loop.body):
        if isinstance(n, cst.Assign) and u.names(n.value) & bound:
            for t in n.targets:
                bound |= {x.value for x in u.name_nodes(t.target)}
    return bound


def _indexes_element(loop: cst.For, arrays: Set[str]) -> bool:
    vars_ = _loop_vars(loop)
    for n in u.walk(loop.body):
        if isinstance(n, cst.Subscript) and isinstance(n.value, cst.Name) and n.value.value in arrays:
            for el in n.slice:
                if isinstance(el.slice, cst.Index) and u.names(el.slice.value) & vars_:
                    return True
    return False


_STACKERS = {"concatenate", "vstack", "hstack", "column_stack", "row_stack", "append", "stack"}


def _regrown(mod: Module, call: cst.Call, np_names: Set[str]) -> bool:
    """`acc = np.vstack([acc, row])`: the array is rebuilt from itself plus a piece (a copy of all of it)."""
    f = call.func
    if not (isinstance(f, cst.Attribute) and u.root_name(f) in np_names and f.attr.value in _STACKERS):
        return False
    parent = mod.parent(call)
    if not isinstance(parent, cst.Assign) or len(parent.targets) != 1 or not isinstance(parent.targets[0].target, cst.Name):
        return False
    return parent.targets[0].target.value in u.names(call.args[0].value) if call.args else False


def _recurrence(loop: cst.For, arrays: Set[str]) -> bool:
    """An element written from another element of the same array (`y[i] = a * x[i] + b * y[i - 1]`): each
    step needs the previous result, which no whole-array expression gives (a filter such as lfilter does)."""
    vars_ = _loop_vars(loop)
    for t in u.targets_of(loop.body):
        if not (isinstance(t, cst.Subscript) and isinstance(t.value, cst.Name) and t.value.value in arrays):
            continue
        written = u.code(t)
        stmt = next((n for n in u.walk(loop.body) if isinstance(n, (cst.Assign, cst.AugAssign))
                     and any(x is t for x in u.targets_of(n))), None)
        value = stmt.value if stmt is not None else None
        if value is not None and any(isinstance(n, cst.Subscript) and isinstance(n.value, cst.Name)
                                     and n.value.value == t.value.value and u.code(n) != written
                                     and u.names(n) & vars_ for n in u.walk(value)):
            return True
    return False


def _window(loop: cst.For, arrays: Set[str]) -> Optional[cst.CSTNode]:
    """A reduction over a slice whose bounds move with the loop variable: `x[i:i + w].max()`, `np.max(x[i:i+w])`."""
    vars_ = u.names(loop.target)
    for n in u.walk(loop.body):
        if not isinstance(n, cst.Call):
            continue
        f = n.func
        sub = f.value if isinstance(f, cst.Attribute) and f.attr.value in _REDUCTIONS else (
            n.args[0].value if n.args and isinstance(f, (cst.Attribute, cst.Name)) and u.code(f).split(".")[-1] in _REDUCTIONS
            else None)
        if isinstance(sub, cst.Subscript) and isinstance(sub.value, cst.Name) and sub.value.value in arrays:
            for el in sub.slice:
                s = el.slice
                moving = [b is not None and bool(u.names(b) & vars_) for b in (s.lower, s.upper)] \
                    if isinstance(s, cst.Slice) else []
                # both bounds move (a sliding window), or one moves and the other is open: a growing
                # prefix `x[:i + 1]` or shrinking suffix `x[i:]`, overlapping as much
                if moving and isinstance(s, cst.Slice) and any(moving) \
                        and all(m or b is None for m, b in zip(moving, (s.lower, s.upper))):
                    return n
    return None


def _loop_cand(mod: Module, loop: cst.For, rule_id: str, summary: str, advice: str, depth: int) -> Candidate:
    line, col, end_line, _ = mod.where(loop)
    header = mod.where(loop.iter)[2]
    return Candidate(rule=rule_id, line=line, col=col, end_line=header, end_col=mod.where(loop.iter)[3] + 1,
                     cost_lines=(line, end_line), summary=summary, advice=advice,
                     refusal="vectorising needs the loop's meaning (order, dtype, recurrences): change it by hand",
                     data={"what": rule_id}, loop_depth=depth)


@rule("numpy-loop")
def numpy_loops(mod: Module) -> List[Candidate]:
    np_names = _np_aliases(mod)
    if not np_names:
        return []
    out: List[Candidate] = []
    reported: List[cst.CSTNode] = []
    for site in mod.sites:
        node = site.node
        if isinstance(node, cst.Call) and site.loops and (u.code(node.func) in {f"{a}.append" for a in np_names}
                                                           or _regrown(mod, node, np_names)):
            line, col, end_line, end_col = mod.where(node)
            out.append(Candidate(rule="numpy-append-loop", line=line, col=col, end_line=end_line, end_col=end_col,
                                 cost_lines=(line, end_line),
                                 summary=f"`{u.code(node.func)}` in a loop copies the whole array each time",
                                 advice="collect the values in a list and build the array once (np.array / np.concatenate)",
                                 refusal="the array may be read inside the loop; change it by hand",
                                 data={"what": "np.append"}, loop_depth=len(site.loops)))
            continue
        if not isinstance(node, cst.For) or any(u.contains(r, node) for r in reported):
            continue
        arrays = _arrays(mod, site.function, np_names)
        if not arrays:
            continue
        depth = len(site.loops) + 1
        win = _window(node, arrays)
        if win is not None:
            c = _loop_cand(mod, node, "numpy-sliding-window", "a reduction recomputed over each overlapping window",
                           "numpy.lib.stride_tricks.sliding_window_view (or a running/cumulative form such as "
                           "np.cumsum, np.maximum.accumulate) computes all windows in one call", depth)
            c.end_line, c.end_col = mod.where(win)[2:]  # from the loop header to the reduction it repeats
            out.append(c)
            reported.append(node)
        elif _indexes_element(node, arrays) and not _recurrence(node, arrays):
            out.append(_loop_cand(mod, node, "numpy-elementwise-loop", "a Python loop over array elements",
                                  "whole-array operations (masks, np.where, np.bincount, broadcasting) do this in C", depth))
            reported.append(node)
    return out
