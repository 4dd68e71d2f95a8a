"""Weighting: a candidate becomes a `Finding` only when its lines cost enough of the measured run.

    findings_for_file(path, source, lines, total_cpu, functions) -> [Finding]
    findings_for_profile(profile, sources) -> [Finding]

Cost = the CPU of the candidate's cost lines (self time of those lines: native calls included), plus, for
calls into Python code that a line profile charges elsewhere (`deepcopy`, a cached function), that
callee's time. share = cost / the run's total CPU. share >= warning -> "warning", >= information ->
"information", colder -> not reported: a static pattern that never runs hot is not worth a user's time.
"""

from __future__ import annotations

import os
import time
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import attrs

from heatlens.analysis.argprobe import ArgStats, ProbeReport, judge, to_data
from heatlens.analysis.candidates import Candidate, detect
from heatlens.analysis.fixes import cache_title
from heatlens.mapping.rollup import same_file
from heatlens.mapping.source_index import SourceIndex, index_for
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


def _in_module(file: str, module: str) -> bool:
    return file.endswith(f"{os.sep}{module}.py") or f"{os.sep}{module}{os.sep}" in file


def _calls(c: Candidate, functions: List[FunctionStats], path: str) -> Optional[int]:
    if c.rule != "repeated-call":
        return None
    calls = [f.calls for f in functions if f.qualname == c.data.get("function") and same_file(f.file, path) and f.calls]
    return calls[0] if calls else None


def own_cost(c: Candidate, lines: Dict[int, LineStats]) -> float:
    first, last = c.cost_lines
    return sum(lines[n].cpu for n in range(first, last + 1) if n in lines)


def _split(out: List[float], members: List[int], seconds: float, cands: List[Candidate], lines: Dict[int, LineStats]) -> None:
    costs = [own_cost(cands[i], lines) for i in members]
    total = sum(costs)
    for i, cost in zip(members, costs):
        out[i] += seconds * (cost / total if total > 0 else 1.0 / len(members))


def library_seconds(cands: List[Candidate], lines: Dict[int, LineStats], functions: List[FunctionStats],
                    path: str, source: str) -> List[float]:
    """Time each candidate spends in the library's Python code it calls (`re`, `copy`): a line profile
    charges that to the library's lines, not to the call site. Where the backend recorded callers, the
    library time is given to the calling function exactly; within one function, or without callers, it is
    split in proportion to the call sites' own measured cost (evenly when none was measured: an estimate)."""
    out = [0.0] * len(cands)
    groups: Dict[str, List[int]] = {}
    for i, c in enumerate(cands):
        if c.data.get("callee"):
            groups.setdefault(repr(c.data["callee"]), []).append(i)
    if not groups:
        return out
    index = index_for(path, source)

    def owner(c: Candidate) -> str:
        scope = index.innermost_function_at(c.line) if index.parsed else None
        return scope.qualname if scope is not None else "<module>"

    for members in groups.values():
        first = cands[members[0]]
        names, module = first.data["callee"], str(first.data.get("callee_module", ""))
        libs = [f for f in functions if f.qualname.split(".")[-1] in names and not same_file(f.file, path)
                and (not module or _in_module(f.file, module))]
        by_fn: Dict[str, float] = {}
        for f in libs:
            for key, sec in f.callers.items():
                parts = key.rsplit(":", 2)
                if len(parts) == 3 and same_file(parts[0], path):
                    by_fn[parts[2]] = by_fn.get(parts[2], 0.0) + sec
        if by_fn:
            buckets: Dict[str, List[int]] = {}
            for i in members:
                buckets.setdefault(owner(cands[i]), []).append(i)
            for qual, idxs in buckets.items():
                _split(out, idxs, by_fn.get(qual, 0.0), cands, lines)
        else:
            _split(out, members, sum(f.self_time or f.total_time for f in libs), cands, lines)
    return out


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


# Patterns whose cost is a C operator, not a call (`x in list`, `s += t`, `xs = xs + [..]`). An in-process
# sampler on Python >= 3.11 sees such time only at the interpreter's next check point, often a later line of
# the same loop body (see the agent's sampler notes), so these are charged with the rest of their loop body.
OPERATOR_RULES = frozenset({"list-membership", "str-concat-loop", "list-concat"})


def cost_span(c: Candidate, index: Optional[SourceIndex]) -> Tuple[int, int]:
    """The lines whose measured time is this candidate's cost."""
    first, last = c.cost_lines
    if (c.rule in OPERATOR_RULES or c.data.get("what") == "list-concat") and index is not None and index.parsed:
        loops = index.loops_at(c.line)
        if loops:
            last = max(last, loops[-1].end_line)
    return first, last


def to_finding(c: Candidate, path: str, lines: Dict[int, LineStats], total_cpu: float,
               functions: Iterable[FunctionStats], th: Thresholds, extra: float = 0.0,
               index: Optional[SourceIndex] = None) -> Optional[Finding]:
    funcs = list(functions)
    first, last = cost_span(c, index)
    stats = [lines[n] for n in range(first, last + 1) if n in lines]
    cost = sum(s.cpu for s in stats)
    samples = sum(s.samples for s in stats)
    known_hits = [s.hits for s in stats if s.hits is not None]
    hits = max(known_hits) if known_hits else None
    calls = _calls(c, funcs, path)
    cost += extra
    share = cost / total_cpu if total_cpu > 0 else 0.0
    sev = severity(share, th)
    if sev is None:
        return None
    if c.data.get("max_severity") == "information":  # the line's cost bounds this pattern's cost from above
        sev = "information"
    what = evidence(c, cost, samples, hits, calls)
    bound = "up to " if c.data.get("max_severity") else ""
    where = " in its loop body" if (first, last) != tuple(c.cost_lines) else ""
    message = f"{c.summary}: {bound}{share * 100:.0f}% of run time{where} ({_fmt_seconds(cost)}), {what}; {c.advice}"
    if share < 0.01:
        message = message.replace(f"{share * 100:.0f}%", f"{share * 100:.1f}%", 1)
    if c.fix_title is None and c.refusal:
        message += f" (no automatic fix: {c.refusal})"
    return Finding(
        rule=c.rule, message=message, file=path, line=c.line, end_line=c.end_line, severity=sev,
        cost_seconds=cost, cost_share=share,
        data={"key": c.key, "col": c.col, "end_col": c.end_col, "fix_title": c.fix_title, "refusal": c.refusal,
              "cost_lines": [first, last], "samples": samples, "hits": hits, **c.data},
    )


def with_probe(f: Finding, stats: ArgStats) -> Finding:
    """A repeated-call finding with the argument probe's evidence in its message and, when the probe shows
    caching keeps behaviour (and the static preconditions held), the lru_cache fix offered (pure: a copy)."""
    if f.rule != "repeated-call":
        return f
    verdict = judge(stats)
    message, refusal = f.message, f.data.get("refusal")
    if refusal:
        message = message.replace(f" (no automatic fix: {refusal})", "")
    data = dict(f.data, probe=to_data(stats))
    message += f"; argument probe: {verdict.evidence}"
    if verdict.ok and data.get("cache_fix"):  # cache_fix: the static preconditions held
        data["fix_title"] = cache_title(str(data.get("function")), verdict.evidence)
        data["refusal"] = None
    else:
        data["fix_title"] = None
        data["refusal"] = verdict.reason if not verdict.ok else refusal
        message += f" (no automatic fix: {data['refusal']})"
    return attrs.evolve(f, message=message, data=data)


def apply_probe(findings: List[Finding], report: Optional[ProbeReport]) -> List[Finding]:
    """`with_probe` for every repeated-call finding the probe measured."""
    if report is None:
        return findings
    out = []
    for f in findings:
        stats = report.stats_for(f.file, str(f.data.get("function"))) if f.rule == "repeated-call" else None
        out.append(with_probe(f, stats) if stats is not None else f)
    return out


def findings_for_file(path: str, source: str, lines: Dict[int, LineStats], total_cpu: float,
                      functions: Iterable[FunctionStats] = (), thresholds: Optional[Thresholds] = None,
                      probe: Optional[ProbeReport] = None) -> List[Finding]:
    th = thresholds or Thresholds()
    funcs = list(functions)
    out = []
    cands = detect(source, path)
    index = index_for(path, source) if any(c.rule in OPERATOR_RULES or c.data.get("what") == "list-concat"
                                           for c in cands) else None
    for c, extra in zip(cands, library_seconds(cands, lines, funcs, path, source)):
        f = to_finding(c, path, lines, total_cpu, funcs, th, extra, index)
        if f is not None:
            out.append(f)
    return apply_probe(out, probe)


def findings_for_profile(profile: Profile, read_source: Callable[[str], Optional[str]],
                         thresholds: Optional[Thresholds] = None, probe: Optional[ProbeReport] = None) -> List[Finding]:
    """Findings for every file of the run whose source `read_source(path)` can give (None: skipped)."""
    total = profile.total_cpu
    out: List[Finding] = []
    for fp in profile.files:
        if not fp.lines or fp.path.startswith("<"):
            continue
        source = read_source(fp.path)
        if source is None:
            continue
        out.extend(findings_for_file(fp.path, source, fp.by_line(), total, profile.functions, thresholds, probe))
    return out
