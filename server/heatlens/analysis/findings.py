"""Weighting: a candidate becomes a `Finding` only when its lines cost enough of the measured run.

    findings_for_file(path, source, lines, total_cpu, functions) -> [Finding]
    findings_for_profile(profile, sources) -> [Finding]

Cost = the CPU of the candidate's cost lines (self time of those lines: native calls included), plus, for
calls into Python code that a line profile charges elsewhere (`deepcopy`, a cached function), that
callee's time. share = cost / the run's total CPU. share >= warning -> "warning", >= information ->
"information", colder -> not reported: a static pattern that never runs hot is not worth a user's time.
"""

from __future__ import annotations

import time
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import attrs

from heatlens.analysis.candidates import Candidate, detect
from heatlens.model import Finding, FunctionStats, LineStats, Profile


@attrs.define
class Thresholds:
    warning: float = 0.02  # share of the run's CPU
    information: float = 0.005


def severity(share: float, th: Thresholds) -> Optional[str]:
    if share >= th.warning:
        return "warning"
    if share >= th.information:
        return "information"
    return None


_per_iter: List[float] = []


def seconds_per_iteration() -> float:
    """A measured cost of one trivial `for b in B: if b[0] == k` iteration in this interpreter, used to
    estimate iteration counts when the backend has no hit counts (messages say "est.")."""
    if not _per_iter:
        rows = [(i, i) for i in range(20000)]
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for b in rows:
                if b[0] == -1:
                    pass
            best = min(best, time.perf_counter() - t0)
        _per_iter.append(max(best / len(rows), 1e-9))
    return _per_iter[0]


def _fmt_count(n: float) -> str:
    if n >= 1e6:
        return f"{n / 1e6:.1f} M"
    if n >= 1e3:
        return f"{n / 1e3:.1f} k"
    return f"{n:.0f}"


def _fmt_seconds(s: float) -> str:
    return f"{s:.2f} s" if s >= 0.1 else f"{s * 1000:.0f} ms"


def _callee_seconds(c: Candidate, functions: List[FunctionStats], path: str) -> Tuple[float, Optional[int]]:
    """Time in Python code the candidate calls (charged to that code's lines, not to the call site)."""
    callee = c.data.get("callee")
    if callee:
        hits = [f for f in functions if f.qualname.split(".")[-1] == callee and f.file != path]
        return sum(f.total_time for f in hits), None
    if c.rule == "repeated-call":
        fn = c.data.get("function")
        calls = [f.calls for f in functions if f.qualname == fn and f.file == path and f.calls]
        return 0.0, (calls[0] if calls else None)
    return 0.0, None


def evidence(c: Candidate, cost: float, samples: int, hits: Optional[int], calls: Optional[int]) -> str:
    if c.rule == "nested-loop-join" and c.data.get("collection") and c.loop_depth >= 2:
        if hits:
            return f"{_fmt_count(hits)} inner iterations"
        return f"est. ~{_fmt_count(cost / seconds_per_iteration())} inner iterations"
    if calls:
        return f"{_fmt_count(calls)} calls"
    if hits:
        return f"executed {_fmt_count(hits)} times"
    return f"{samples} samples" if samples else "measured"


def to_finding(c: Candidate, path: str, lines: Dict[int, LineStats], total_cpu: float,
               functions: Iterable[FunctionStats], th: Thresholds) -> Optional[Finding]:
    funcs = list(functions)
    first, last = c.cost_lines
    stats = [lines[n] for n in range(first, last + 1) if n in lines]
    cost = sum(s.cpu for s in stats)
    samples = sum(s.samples for s in stats)
    known_hits = [s.hits for s in stats if s.hits is not None]
    hits = max(known_hits) if known_hits else None
    extra, calls = _callee_seconds(c, funcs, path)
    cost += extra
    share = cost / total_cpu if total_cpu > 0 else 0.0
    sev = severity(share, th)
    if sev is None:
        return None
    what = evidence(c, cost, samples, hits, calls)
    message = f"{c.summary}: {share * 100:.0f}% of run time ({_fmt_seconds(cost)}), {what}; {c.advice}"
    if share < 0.01:
        message = message.replace(f"{share * 100:.0f}%", f"{share * 100:.1f}%", 1)
    if c.fix_title is None and c.refusal:
        message += f" (no automatic fix: {c.refusal})"
    return Finding(
        rule=c.rule, message=message, file=path, line=c.line, end_line=c.end_line, severity=sev,
        cost_seconds=cost, cost_share=share,
        data={"key": c.key, "col": c.col, "end_col": c.end_col, "fix_title": c.fix_title, "refusal": c.refusal,
              "cost_lines": list(c.cost_lines), "samples": samples, "hits": hits, **c.data},
    )


def findings_for_file(path: str, source: str, lines: Dict[int, LineStats], total_cpu: float,
                      functions: Iterable[FunctionStats] = (), thresholds: Optional[Thresholds] = None) -> List[Finding]:
    th = thresholds or Thresholds()
    funcs = list(functions)
    out = []
    for c in detect(source, path):
        f = to_finding(c, path, lines, total_cpu, funcs, th)
        if f is not None:
            out.append(f)
    return out


def findings_for_profile(profile: Profile, read_source: Callable[[str], Optional[str]],
                         thresholds: Optional[Thresholds] = None) -> List[Finding]:
    """Findings for every file of the run whose source `read_source(path)` can give (None: skipped)."""
    total = profile.total_cpu
    out: List[Finding] = []
    for fp in profile.files:
        if not fp.lines or fp.path.startswith("<"):
            continue
        source = read_source(fp.path)
        if source is None:
            continue
        out.extend(findings_for_file(fp.path, source, fp.by_line(), total, profile.functions, thresholds))
    return out
