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
from typing import Callable, Dict, Iterable, List, Optional, Protocol, Sequence, Tuple

import attrs

from heatlens.analysis.argprobe import ArgStats, ProbeReport, judge, to_data
from heatlens.analysis.candidates import Candidate
from heatlens.analysis.detect import analysed
from heatlens.analysis.fixes import cache_title
from heatlens.mapping.rollup import same_file
from heatlens.mapping.source_index import SourceIndex, index_for
from heatlens.model import Finding, FunctionStats, LineStats, Profile


@attrs.define
class Thresholds:
    warning: float = 0.02  # share of the run's CPU
    information: float = 0.005


class FunctionLike(Protocol):
    """What the analysis needs of a function's record: `FunctionStats` (a profile) and the editor's
    `FunctionData` both have it, so the CLI and the editor compute findings from the same numbers."""

    qualname: str
    calls: Optional[int]
    callees: Dict[str, float]


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


def _calls(c: Candidate, functions: Sequence[FunctionLike]) -> Optional[int]:
    if c.rule != "repeated-call":
        return None
    calls = [f.calls for f in functions if f.qualname == c.data.get("function") and f.calls]
    return calls[0] if calls else None


def own_cost(c: Candidate, lines: Dict[int, LineStats]) -> float:
    first, last = c.cost_lines
    return sum(lines[n].cost for n in range(first, last + 1) if n in lines)


def _split(out: List[float], members: List[int], seconds: float, cands: List[Candidate], lines: Dict[int, LineStats]) -> None:
    costs = [own_cost(cands[i], lines) for i in members]
    total = sum(costs)
    for i, cost in zip(members, costs):
        out[i] += seconds * (cost / total if total > 0 else 1.0 / len(members))


def library_seconds(cands: List[Candidate], lines: Dict[int, LineStats], functions: Sequence[FunctionLike],
                    path: str, source: str, owners: Optional[List[str]] = None) -> List[float]:
    """Time each candidate spends in the library's Python code it calls (`re`, `copy`, `random`): a line
    profile charges that to the library's lines, not to the call site. The functions of this file record
    their callees, so the library time is given to the calling function exactly; within one function it is
    split in proportion to the call sites' own measured cost (evenly when none was measured: an estimate).
    `owners`: each candidate's function, when the caller knows them (else the source index is asked)."""
    out = [0.0] * len(cands)
    groups: Dict[str, List[int]] = {}
    for i, c in enumerate(cands):
        if c.data.get("callee"):
            groups.setdefault(repr((c.data["callee"], c.data.get("callee_module", ""))), []).append(i)
    if not groups:
        return out
    index = index_for(path, source) if owners is None else None
    owner_of = {id(c): o for c, o in zip(cands, owners or [])}

    def owner(c: Candidate) -> str:
        if index is None:
            return owner_of.get(id(c), "<module>")
        scope = index.innermost_function_at(c.line) if index.parsed else None
        return scope.qualname if scope is not None else "<module>"

    for members in groups.values():
        first = cands[members[0]]
        names, module = first.data["callee"], str(first.data.get("callee_module", ""))
        by_fn: Dict[str, float] = {}
        for f in functions:
            for key, sec in f.callees.items():
                parts = key.rsplit(":", 2)
                if len(parts) == 3 and parts[2].split(".")[-1] in names and not same_file(parts[0], path) \
                        and (not module or _in_module(parts[0], module)):
                    by_fn[f.qualname] = by_fn.get(f.qualname, 0.0) + sec
        buckets: Dict[str, List[int]] = {}
        for i in members:
            buckets.setdefault(owner(cands[i]), []).append(i)
        for qual, idxs in buckets.items():
            _split(out, idxs, by_fn.get(qual, 0.0), cands, lines)
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


# Patterns whose cost is a C operator, not a call (`x in list`, `s += t`, `xs = xs + [..]`).
OPERATOR_RULES = frozenset({"list-membership", "str-concat-loop", "list-concat"})


def cost_span(c: Candidate, index: Optional[SourceIndex], approximate: bool = False) -> Tuple[int, int]:
    """The lines whose measured time is this candidate's cost: its own. The default sampler (py-spy) reads
    the running line from outside, so an operator's time lands on its own line. The in-process fallback
    (`approximate` lines) only samples at check points, which moves an operator's time to later lines of
    its loop body: there the cost is the loop body's, and the message says so."""
    first, last = c.cost_lines
    if approximate and (c.rule in OPERATOR_RULES or c.data.get("what") == "list-concat") and index is not None \
            and index.parsed:
        loops = index.loops_at(c.line)
        if loops:
            last = max(last, loops[-1].end_line)
    return first, last


# The statistical gate: a finding's cost is a count of samples, so it is reported only when the lower end
# of its 95 % confidence interval (Wilson) reaches the threshold, and never on fewer than MIN_SAMPLES.
Z = 1.96
MIN_SAMPLES = 3


def seconds_per_sample(lines: Dict[int, LineStats]) -> float:
    cpu = sum(s.cpu for s in lines.values())
    n = sum(s.samples for s in lines.values())
    return cpu / n if n > 0 and cpu > 0 else 0.0


def share_bounds(cost: float, total_cpu: float, per_sample: float) -> Tuple[float, float, float]:
    """(share, its 95 % lower bound, samples it rests on). Without a sample size (an exact backend) the
    share is taken as exact."""
    p = cost / total_cpu if total_cpu > 0 else 0.0
    if per_sample <= 0 or total_cpu <= 0:
        return p, p, float("inf")
    n, big_n = cost / per_sample, total_cpu / per_sample
    q = min(max(p, 0.0), 1.0)  # library time added to a line can push an estimate past the run's total
    centre = (q + Z * Z / (2 * big_n)) / (1 + Z * Z / big_n)
    half = Z * ((q * (1 - q) / big_n + Z * Z / (4 * big_n * big_n)) ** 0.5) / (1 + Z * Z / big_n)
    return p, max(0.0, centre - half), n


def grade(share_low: float, samples: float, th: Thresholds, data: Dict[str, object]) -> Optional[str]:
    if samples < MIN_SAMPLES:
        return None
    sev = severity(share_low, th) if share_low > 0 else None
    if sev is not None and data.get("max_severity") == "information":  # the line's cost bounds it from above
        sev = "information"
    return sev


def graded(findings: List[Finding], th: Thresholds) -> List[Finding]:
    """Findings whose cost's lower bound reaches `th`, each with the severity `th` gives it (pure: copies)."""
    out = []
    for f in findings:
        low = float(f.data.get("share_low", f.cost_share))
        sev = grade(low, float(f.data.get("sampled", MIN_SAMPLES)), th, f.data)
        if sev is None:
            continue
        out.append(f if sev == f.severity else attrs.evolve(f, severity=sev))
    return out


def to_finding(c: Candidate, path: str, lines: Dict[int, LineStats], total_cpu: float,
               functions: Sequence[FunctionLike], th: Thresholds, extra: float = 0.0,
               index: Optional[SourceIndex] = None, per_sample: float = 0.0,
               approximate: bool = False) -> Optional[Finding]:
    first, last = cost_span(c, index, approximate)
    stats = [lines[n] for n in range(first, last + 1) if n in lines]
    cost = sum(s.cost for s in stats) + extra
    samples = sum(s.samples for s in stats)
    if per_sample > 0:  # samples in the library code these lines called (their cpu_callees) count as evidence
        samples += int(round(sum(s.cpu_callees for s in stats) / per_sample))
    known_hits = [s.hits for s in stats if s.hits is not None]
    hits = max(known_hits) if known_hits else None
    calls = _calls(c, functions)
    share, low, sampled = share_bounds(cost, total_cpu, per_sample)
    sev = grade(low, sampled, th, c.data)
    if sev is None:
        return None
    what = evidence(c, cost, samples, hits, calls)
    bound = "up to " if c.data.get("max_severity") else ""
    where = " in its loop body" if (first, last) != tuple(c.cost_lines) else ""
    sure = f", at least {low * 100:.1f}% with 95% confidence" if sampled != float("inf") else ""
    message = f"{c.summary}: {bound}{share * 100:.0f}% of run time{where} ({_fmt_seconds(cost)}{sure}), {what}; {c.advice}"
    if share < 0.01:
        message = message.replace(f"{share * 100:.0f}%", f"{share * 100:.1f}%", 1)
    if c.fix_title is None and c.refusal:
        message += f" (no automatic fix: {c.refusal})"
    elif c.data.get("verify_only"):
        why = c.data.get("verify_why", "the keys are not proven hashable")
        message += f" (the fix is applied only by \"Apply fix and verify\": {why})"
    return Finding(
        rule=c.rule, message=message, file=path, line=c.line, end_line=c.end_line, severity=sev,
        cost_seconds=cost, cost_share=share,
        data={"key": c.key, "col": c.col, "end_col": c.end_col, "fix_title": c.fix_title, "refusal": c.refusal,
              "cost_lines": [first, last], "samples": samples, "hits": hits, "share_low": low,
              "sampled": sampled if sampled != float("inf") else 1e9, **c.data},
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


# Findings are computed with no cost floor and graded by the caller's thresholds (`graded`), so the
# editor's settings need no re-analysis and the CLI, the editor and the API report the same set.
FLOOR = Thresholds(warning=0.0, information=0.0)


def analyse_file(path: str, source: str, lines: Dict[int, LineStats], total_cpu: float,
                 functions: Sequence[FunctionLike] = (), approximate: bool = False) -> List[Finding]:
    """THE analysis entry point: every candidate of `source` with its measured cost (ungraded).
    `functions`: this file's function records (profile `FunctionStats` or the editor's `FunctionData`);
    `approximate`: the run's lines came from the in-process fallback sampler (see cost_span)."""
    funcs = list(functions)
    out = []
    static = analysed(source)  # parsed once per file version; each candidate's function comes with it
    cands = static.candidates
    # the source index (a second parse, unless the editor already built it) only for the fallback's loops
    index = index_for(path, source) if approximate and any(
        c.rule in OPERATOR_RULES or c.data.get("what") == "list-concat" for c in cands) else None
    per_sample = seconds_per_sample(lines)
    # call-site data (LineStats.cpu_callees, from stacks with lines) already charges library time to the
    # calling line exactly: the per-function estimate is only for runs without it
    exact = any(s.cpu_callees > 0 for s in lines.values())
    extras = [0.0] * len(cands) if exact else library_seconds(cands, lines, funcs, path, source, static.owners)
    for c, extra in zip(cands, extras):
        f = to_finding(c, path, lines, total_cpu, funcs, FLOOR, extra, index, per_sample, approximate)
        if f is not None:
            out.append(f)
    return out


def findings_for_file(path: str, source: str, lines: Dict[int, LineStats], total_cpu: float,
                      functions: Iterable[FunctionLike] = (), thresholds: Optional[Thresholds] = None,
                      probe: Optional[ProbeReport] = None, approximate: bool = False) -> List[Finding]:
    """`analyse_file` graded by `thresholds` (default: the defaults), with the probe's evidence."""
    mine = [f for f in functions if not isinstance(f, FunctionStats) or same_file(f.file, path)]
    found = analyse_file(path, source, lines, total_cpu, mine, approximate)
    return apply_probe(graded(found, thresholds or Thresholds()), probe)


def findings_for_profile(profile: Profile, read_source: Callable[[str], Optional[str]],
                         thresholds: Optional[Thresholds] = None, probe: Optional[ProbeReport] = None) -> List[Finding]:
    """Findings for every file of the run whose source `read_source(path)` can give (None: skipped)."""
    total = profile.total_cpu or sum(f.self_time for f in profile.functions) or profile.meta.cpu_time  # as the editor
    out: List[Finding] = []
    for fp in profile.files:
        if not fp.lines or fp.path.startswith("<"):
            continue
        source = read_source(fp.path)
        if source is None:
            continue
        out.extend(findings_for_file(fp.path, source, fp.by_line(), total, profile.functions, thresholds, probe,
                                     approximate=profile.meta.backend == "agent"))
    return out
