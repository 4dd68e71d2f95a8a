"""`copy.deepcopy(TEMPLATE)` of a flat template: a dict/list/set whose every value is an immutable constant.

deepcopy walks the container through its memo machinery in Python for every call; a template of
immutable values gives the same result with `dict(TEMPLATE)` (a C-level shallow copy): deepcopy returns
immutable values themselves, so the copies cannot differ. Found wherever it is called (a request handler
runs once per request: the profile says whether it is hot), not only inside a loop.

The fix is planned only when the template stays flat in this file: every assignment of it is a flat
display, and every other use of it is a `deepcopy` argument or a read that cannot change it; as other
code (an importer, a caller holding the object) could still change it, it is applied only through "Apply
fix and verify". Otherwise the finding is advice only (a shallow copy of a nested template would share
the nested values).
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from heatlens.analysis import cstutil as u
from heatlens.analysis.candidates import Candidate, Module, Site, rule

_COPY_FOR = {cst.Dict: "dict", cst.List: "list", cst.Set: "set"}


def deepcopy_target(node: cst.Call, mod: Module) -> Optional[cst.BaseExpression]:
    """The copied expression of `copy.deepcopy(x)` / `deepcopy(x)` (imported from copy); else None."""
    if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
        return None
    text = u.code(node.func)
    if text == "copy.deepcopy" and _imported(mod, "copy", None) or text == "deepcopy" and _imported(mod, "copy", "deepcopy"):
        return node.args[0].value
    return None


def _imported(mod: Module, module: str, name: Optional[str]) -> bool:
    key = ("imported", module, name)
    if key not in mod.memo:
        found = False
        for n in u.walk(mod.tree, into_defs=True):
            if name is None and isinstance(n, cst.Import):
                found |= any(a.asname is None and u.code(a.name) == module for a in n.names)
            elif name is not None and isinstance(n, cst.ImportFrom) and n.module is not None \
                    and u.code(n.module) == module and not isinstance(n.names, cst.ImportStar):
                found |= any(a.asname is None and u.code(a.name) == name for a in n.names)
        mod.memo[key] = found
    return bool(mod.memo[key])


def immutable_constant(e: cst.BaseExpression) -> bool:
    """A value that is immutable whatever runs: literals, f-strings (always a str), tuples of such,
    arithmetic and unary operators on such."""
    if u.is_literal(e) or isinstance(e, cst.FormattedString):
        return True
    if isinstance(e, cst.Tuple):
        return all(immutable_constant(el.value) for el in e.elements)
    if isinstance(e, cst.BinaryOperation):
        return immutable_constant(e.left) and immutable_constant(e.right)
    if isinstance(e, cst.UnaryOperation):
        return immutable_constant(e.expression)
    return False


def flat_display(v: Optional[cst.BaseExpression]) -> Optional[str]:
    """"dict"/"list"/"set" for a display of immutable constants (keys included); else None."""
    if isinstance(v, cst.Dict):
        ok = all(isinstance(el, cst.DictElement) and immutable_constant(el.key) and immutable_constant(el.value)
                 for el in v.elements)
    elif isinstance(v, cst.Call) and isinstance(v.func, cst.Name) and v.func.value == "dict":  # dict(a=1, b="x")
        ok = all(a.keyword is not None and immutable_constant(a.value) for a in v.args)
        return "dict" if ok else None
    elif isinstance(v, (cst.List, cst.Set)):
        ok = all(isinstance(el, cst.Element) and immutable_constant(el.value) for el in v.elements)
    else:
        return None
    return _COPY_FOR[type(v)] if ok else None


def _template_key(e: cst.BaseExpression) -> Optional[Tuple[str, str]]:
    """("name", X) for a module global `X`, ("attr", a) for `self.a` (any object's `.a`); else None."""
    if isinstance(e, cst.Name):
        return "name", e.value
    if isinstance(e, cst.Attribute) and isinstance(e.value, cst.Name):
        return "attr", e.attr.value
    return None


def _uses(mod: Module, key: Tuple[str, str]) -> List[cst.CSTNode]:
    """Every Name `X` (key "name") or Attribute `*.a` (key "attr") node of the module."""
    out: List[cst.CSTNode] = []
    for n in u.walk(mod.tree, into_defs=True):
        if key[0] == "name" and isinstance(n, cst.Name) and n.value == key[1]:
            out.append(n)
        elif key[0] == "attr" and isinstance(n, cst.Attribute) and n.attr.value == key[1]:
            out.append(n)
    return out


_READ_METHODS = {"get", "keys", "values", "items", "copy", "count", "index"}


def _read_only(mod: Module, n: cst.CSTNode) -> bool:
    """A use of the template that cannot change it or let it escape: `X[k]` loaded, `X.get(k)` and other
    reading methods, `k in X`, `for k in X`, an argument of a builtin that neither mutates nor keeps it."""
    parent = mod.parent(n)
    if isinstance(parent, cst.Subscript) and parent.value is n:
        holder = mod.parent(parent)
        return not (isinstance(holder, (cst.AssignTarget, cst.Del)) or isinstance(holder, cst.AugAssign)
                    and holder.target is parent or isinstance(holder, cst.Element) and isinstance(mod.parent(holder), cst.Tuple))
    if isinstance(parent, cst.Attribute) and parent.value is n:
        call = mod.parent(parent)
        return parent.attr.value in _READ_METHODS and isinstance(call, cst.Call) and call.func is parent
    if isinstance(parent, cst.ComparisonTarget) or isinstance(parent, cst.For) and parent.iter is n:
        return True
    if isinstance(parent, cst.Arg):
        call = mod.parent(parent)
        return isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value in u.PURE_BUILTINS \
            and call.func.value not in ("list", "set", "dict", "iter", "map", "filter", "zip", "enumerate", "reversed")
    return False


def _copied_by(mod: Module, arg: cst.Arg) -> Optional[cst.BaseExpression]:
    call = mod.parent(arg)
    return deepcopy_target(call, mod) if isinstance(call, cst.Call) else None


def template_kind(mod: Module, site: Site, target: cst.BaseExpression) -> Tuple[Optional[str], Optional[str]]:
    """(copy function, refusal): ("dict", None) when `target` is provably a flat template; (kind, why not)
    when it is assigned flat displays only but other code may change it; (None, _) when not flat."""
    key = _template_key(target)
    if key is None:
        return None, None
    if key[0] == "name" and site.function is not None and u.rebound(site.function, key[1]):
        return None, None  # a local, not the module's template
    assigns, others = [], []
    for n in _uses(mod, key):
        parent = mod.parent(n)
        if key[0] == "name" and isinstance(parent, cst.Attribute) and parent.attr is n:
            continue  # `obj.X`: another thing
        target_of = mod.parent(parent) if isinstance(parent, cst.AssignTarget) else None
        if isinstance(target_of, cst.Assign) and len(target_of.targets) == 1:
            assigns.append(target_of.value)
        elif isinstance(parent, cst.Arg) and _copied_by(mod, parent) is n:
            continue
        elif not _read_only(mod, n):
            others.append(n)
    kinds = {flat_display(v) for v in assigns}
    if not assigns or None in kinds or len(kinds) != 1:
        return None, None
    kind = kinds.pop()
    if key[0] == "name" and any(isinstance(n, (cst.Global, cst.Nonlocal)) for n in u.walk(mod.tree, into_defs=True)
                                if any(x.name.value == key[1] for x in getattr(n, "names", []))):
        return kind, f"`{key[1]}` is declared global somewhere: it may be rebound to another value"
    if others:
        line = mod.line(others[0])
        return kind, f"`{u.code(target)}` is also used on line {line}, where it could be changed (made nested)"
    return kind, None


@rule("deepcopy-template")
def deepcopy_template(mod: Module) -> List[Candidate]:
    out: List[Candidate] = []
    for site in mod.sites:
        node = site.node
        if not isinstance(node, cst.Call) or site.function is None and not site.loops:
            continue
        target = deepcopy_target(node, mod)
        if target is None:
            continue
        kind, refusal = template_kind(mod, site, target)
        if kind is None:
            continue
        line, col, end_line, end_col = mod.where(node)
        text = u.code(target)
        c = Candidate(rule="deepcopy-template", line=line, col=col, end_line=end_line, end_col=end_col,
                      cost_lines=(line, end_line),
                      summary=f"`deepcopy({text})` of a template that holds only immutable values",
                      advice=f"`{kind}({text})` gives the same copy without deepcopy's per-value work",
                      refusal=refusal, loop_depth=len(site.loops),
                      data={"what": "deepcopy", "callee": ["deepcopy"], "callee_module": "copy", "template": text,
                            "supersedes": "quadratic-idiom"})  # its `deepcopy` inside a loop
        if refusal is None:
            plan = u.Plan()
            def copied(upd: cst.CSTNode, kind: str = kind) -> cst.CSTNode:  # `kind` bound now
                return upd.with_changes(func=cst.Name(kind))

            plan.edits[node] = copied
            c.plan = plan
            # this file never changes it, but code elsewhere (an importer, a caller) could: runs must show it
            why = f"only this file is known not to put mutable values into `{text}`"
            c.fix_title = f"Copy `{text}` with `{kind}()` (its values are immutable constants; only with verification: {why})"
            c.data.update(verify_only=True, verify_why=why)
        out.append(c)
    return out
