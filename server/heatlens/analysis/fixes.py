"""Quick fixes as LibCST codemods with explicit preconditions.

`ApplyFix(context, rule=..., line=..., col=None)` re-detects the candidates of the module it is given and
applies the plan of the one named; a candidate whose preconditions fail (its `refusal`) or a missing one
makes the codemod skip the file (`SkipFile`), so nothing is rewritten. `fix_source` is the plain-text API.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import attrs
import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext, SkipFile, SkipReason, TransformSuccess, transform_module
from libcst.codemod.visitors import AddImportsVisitor

from heatlens.analysis.argprobe import from_data, judge
from heatlens.analysis.candidates import Candidate, parse
from heatlens.analysis.detect import detect, detect_module
from heatlens.analysis.cstutil import apply_plan


def _pick(cands: List[Candidate], rule: str, line: int, col: Optional[int]) -> Optional[Candidate]:
    for c in cands:
        if c.rule == rule and c.line == line and (col is None or c.col == col):
            return c
    return None


class ApplyFix(CodemodCommand):
    DESCRIPTION = "Apply heatlens' fix for one detected anti-pattern"

    def __init__(self, context: CodemodContext, rule: str, line: int, col: Optional[int] = None,
                 evidence: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(context)
        self.rule, self.line, self.col, self.evidence = rule, line, col, evidence

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        mod = parse(tree.code)  # a fresh tree with positions; the edit plan refers to its nodes
        if mod is None:
            raise SkipFile("the source does not parse")
        cand = _pick(detect_module(mod), self.rule, self.line, self.col)
        if cand is None:
            raise SkipFile(f"no {self.rule} finding at line {self.line}")
        if cand.plan is None:
            raise SkipFile(f"no safe fix: {cand.refusal or 'advice only'}")
        if cand.rule == "repeated-call":  # caching is applied only under the argument probe's evidence
            verdict = judge(from_data(self.evidence)) if self.evidence else None
            if verdict is None or not verdict.ok:
                raise SkipFile(f"no safe fix: {verdict.reason if verdict else cand.refusal}")
        for module in cand.plan.imports:
            AddImportsVisitor.add_needed_import(self.context, module)
        return apply_plan(mod.tree, cand.plan)

    def should_allow_multiple_passes(self) -> bool:
        return False


@attrs.define
class FixResult:
    ok: bool
    text: str  # the fixed source (the original when not ok)
    title: str = ""
    reason: str = ""  # why not, when not ok
    verify_only: bool = False  # applied only after a verified run (hashability not proven statically)


def fix_source(source: str, rule: str, line: int, col: Optional[int] = None,
               evidence: Optional[Dict[str, Any]] = None) -> FixResult:
    """Apply the fix of the `rule` candidate at `line` (and `col`) of `source`; `evidence` is the argument
    probe's record of the function (`ArgStats` as data), which a repeated-call fix requires."""
    cand = _pick(detect(source), rule, line, col)
    title = cand.fix_title or "" if cand is not None else ""
    if cand is not None and rule == "repeated-call" and evidence:
        title = cache_title(str(cand.data.get("function")), judge(from_data(evidence)).evidence)
    result = transform_module(ApplyFix(CodemodContext(), rule=rule, line=line, col=col, evidence=evidence), source)
    if isinstance(result, TransformSuccess):
        fixed = result.code
        try:
            compile(fixed, "<fixed>", "exec", dont_inherit=True)
        except SyntaxError as exc:  # a codemod bug must never reach the user's file
            return FixResult(False, source, title, f"the fix produced invalid code: {exc}")
        return FixResult(True, fixed, title, verify_only=bool(cand is not None and cand.data.get("verify_only")))
    reason = getattr(result, "skip_description", "") or getattr(result, "error", "") or "not applicable"
    if getattr(result, "skip_reason", None) is SkipReason.OTHER and not reason:
        reason = "not applicable"
    return FixResult(False, source, title, str(reason))


def cache_title(function: str, evidence: str) -> str:
    return f"Cache `{function}` with functools.lru_cache (assumes no side effects; the probe saw {evidence})"
