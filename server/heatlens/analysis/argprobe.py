"""The argument probe, the judging half: which findings to probe, what a probe's report says, and whether
caching is safe. The run itself (`heatlens_probe_args.py` in a supervised process) is `jobs/argprobe.py`.

    watches_for(findings) -> [Watch]                       # the repeated-call findings worth probing
    parse_report(data) -> ProbeReport                      # what the probe recorded
    judge(stats) -> Judgement                             # ok: offer lru_cache; evidence: for the message

`judge` offers a cache only when the run saw enough calls, at most `MAX_DISTINCT_SHARE` of them with new
arguments, every argument hashable and repr-able, every repeated argument tuple giving the same result
repr, no exception and no mutable result (a cached list would be shared by callers).
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence

import attrs
import cattrs

from heatlens.model import Finding

MIN_CALLS = 20
MAX_DISTINCT_SHARE = 0.5


@attrs.define
class Watch:
    file: str
    line: int  # first line of the `def`
    qualname: str


@attrs.define
class ArgStats:
    file: str
    line: int
    qualname: str
    calls: int = 0
    distinct: int = 0
    unknown: int = 0  # calls whose arguments could not be repr'd
    unhashable: int = 0
    raised: int = 0
    mutable_results: int = 0
    consistent: int = 0  # repeated calls that gave the first call's result
    inconsistent: int = 0
    overflow: int = 0
    top: List[List[Any]] = attrs.Factory(list)  # [[args repr, count], ...] most repeated first
    mismatches: List[List[str]] = attrs.Factory(list)  # [[args, first result, later result], ...]


@attrs.define
class ProbeReport:
    ok: bool
    functions: List[ArgStats] = attrs.Factory(list)
    mechanism: str = ""  # "sys.monitoring" | "sys.setprofile"
    exit_code: Optional[int] = None
    stdout: str = ""
    message: str = ""  # why not ok

    def stats_for(self, file: str, qualname: str) -> Optional[ArgStats]:
        for s in self.functions:
            if s.qualname == qualname and _same(s.file, file):
                return s
        return None


@attrs.define
class Judgement:
    ok: bool
    evidence: str  # "12.0 k calls, 40 distinct arguments, same result each time"
    reason: str = ""  # why caching is not offered


def _same(a: str, b: str) -> bool:
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def _count(n: int) -> str:
    return f"{n:,}"


def judge(s: ArgStats) -> Judgement:
    repeats = s.consistent + s.inconsistent
    same = "same result each time" if s.inconsistent == 0 and repeats else (
        f"different results for the same arguments {s.inconsistent} times" if s.inconsistent else "no repeated arguments")
    evidence = f"{_count(s.calls)} calls, {_count(s.distinct)} distinct arguments, {same}"
    if s.calls < MIN_CALLS:
        return Judgement(False, evidence, f"only {s.calls} calls measured")
    if s.unhashable:
        return Judgement(False, evidence, f"unhashable arguments in {_count(s.unhashable)} calls")
    if s.unknown:
        return Judgement(False, evidence, f"arguments that cannot be compared in {_count(s.unknown)} calls")
    if s.inconsistent:
        return Judgement(False, evidence, "it is not pure: the same arguments gave different results")
    if s.raised:
        return Judgement(False, evidence, f"it raised in {_count(s.raised)} calls")
    if s.mutable_results:
        return Judgement(False, evidence, "it returns mutable objects (a cached one would be shared by callers)")
    if s.distinct > MAX_DISTINCT_SHARE * s.calls or not repeats:
        return Judgement(False, evidence, "its arguments rarely repeat: a cache would not pay")
    return Judgement(True, evidence)


def watches_for(findings: Sequence[Finding]) -> List[Watch]:
    """One watch per repeated-call finding (the function's `def` line and name)."""
    out: List[Watch] = []
    for f in findings:
        if f.rule == "repeated-call" and f.data.get("function"):
            w = Watch(os.path.abspath(f.file), int(f.data.get("def_line", f.line)), str(f.data["function"]))
            if w not in out:
                out.append(w)
    return out


def parse_report(data: Dict[str, Any], stdout: str = "") -> ProbeReport:
    conv = cattrs.Converter()
    funcs = [conv.structure(f, ArgStats) for f in data.get("functions", [])]
    return ProbeReport(True, funcs, str(data.get("mechanism", "")), data.get("exit_code"), stdout)


def to_data(s: ArgStats) -> Dict[str, Any]:
    return attrs.asdict(s)


def from_data(d: Dict[str, Any]) -> ArgStats:
    return cattrs.Converter().structure(d, ArgStats)
