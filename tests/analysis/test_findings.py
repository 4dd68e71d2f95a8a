"""Weighting on hand-built line stats: thresholds, severity, message evidence."""

from __future__ import annotations

from heatlens.analysis.findings import Thresholds, findings_for_file, severity
from heatlens.model import LineStats

SRC = """def f(xs):
    seen = []
    for x in xs:
        if x in seen:
            pass
        seen.append(x)
    bad = [1, 2]
    for x in xs:
        if x in bad:
            pass
"""


def test_severity_thresholds() -> None:
    th = Thresholds(warning=0.02, information=0.005)
    assert severity(0.5, th) == "warning"
    assert severity(0.01, th) == "information"
    assert severity(0.001, th) is None


def test_hot_reported_cold_not() -> None:
    lines = {4: LineStats(4, cpu_python=0.6, samples=150), 9: LineStats(9, cpu_python=0.0004, samples=1),
             5: LineStats(5, cpu_python=0.3994, samples=100)}
    fs = findings_for_file("f.py", SRC, lines, total_cpu=1.0)
    assert [(f.line, f.rule, f.severity) for f in fs] == [(4, "list-membership", "warning")]
    f = fs[0]
    # a C operator's time may land on a later line of its loop body (the agent's sampler on Python >= 3.11):
    # the whole body (lines 4-6) is its cost, and the message says so
    assert "100% of run time in its loop body (1.00 s)" in f.message and "250 samples" in f.message
    assert f.data["fix_title"] is None and "changes it in the loop" in f.data["refusal"]


def test_information_band_and_hits() -> None:
    lines = {9: LineStats(9, cpu_python=0.01, samples=3, hits=12345)}
    fs = findings_for_file("f.py", SRC, lines, total_cpu=1.0)
    assert [(f.line, f.severity) for f in fs] == [(9, "information")]
    assert "12.3 k times" in fs[0].message and fs[0].data["fix_title"]


RE_SRC = """import re

def f(lines):
    for line in lines:
        re.search("a+", line)
    for line in lines[:2]:
        re.search("a+", line)
"""


def test_library_time_goes_to_the_hot_call_site() -> None:
    from heatlens.model import FunctionStats

    lines = {5: LineStats(5, cpu_python=0.05, samples=12), 7: LineStats(7, cpu_python=0.0, samples=0)}
    funcs = [FunctionStats("search", "/usr/lib/python3.11/re/__init__.py", 173, self_time=0.3, total_time=0.4),
             FunctionStats("_compile", "/usr/lib/python3.11/re/__init__.py", 272, self_time=0.1, total_time=0.1)]
    fs = findings_for_file("f.py", RE_SRC, lines, total_cpu=1.0, functions=funcs)
    assert [(f.line, f.rule) for f in fs] == [(5, "loop-invariant")]  # the cold site gets none of it
    assert abs(fs[0].cost_seconds - 0.45) < 1e-9  # own 0.05 + library 0.3 + 0.1


RE_TWO = """import re

def hot(lines):
    for line in lines:
        re.search("a+", line)

def cold(lines):
    for line in lines[:2]:
        re.search("a+", line)
"""


def test_library_time_follows_recorded_callers() -> None:
    from heatlens.model import FunctionStats

    # neither call site has own samples (all the time is inside re): callers decide, not an even split
    search = FunctionStats("search", "/usr/lib/python3.11/re/__init__.py", 173, self_time=0.3, total_time=0.4,
                           callers={"/p/f.py:3:hot": 0.4})
    fs = findings_for_file("/p/f.py", RE_TWO, {}, total_cpu=1.0, functions=[search])
    assert [(f.line, round(f.cost_seconds, 6)) for f in fs] == [(5, 0.4)]


PURE = """def weight(level):
    total = 0
    for k in range(1, 300):
        total += (level * k) % 11
    return total


def main(xs):
    return [weight(x) for x in xs]
"""


def test_repeated_call_fix_only_under_the_probe_evidence() -> None:
    from heatlens.analysis.argprobe import ArgStats, ProbeReport
    from heatlens.analysis.findings import apply_probe, with_probe

    lines = {n: LineStats(n, cpu_python=0.2, samples=50) for n in range(2, 6)}
    [f] = [f for f in findings_for_file("m.py", PURE, lines, total_cpu=1.0) if f.rule == "repeated-call"]
    assert f.data["fix_title"] is None and "measure argument repetition first" in f.message
    assert f.data["def_line"] == 1 and f.data["cache_fix"]
    good = ArgStats("m.py", 1, "weight", calls=12000, distinct=40, consistent=11960)
    fixed = with_probe(f, good)
    assert "argument probe: 12,000 calls, 40 distinct arguments, same result each time" in fixed.message
    assert "no automatic fix" not in fixed.message and fixed.data["probe"]["calls"] == 12000
    assert fixed.data["fix_title"].startswith("Cache `weight` with functools.lru_cache (assumes no side effects")
    impure = with_probe(f, ArgStats("m.py", 1, "weight", calls=12000, distinct=40, consistent=11000, inconsistent=960))
    assert impure.data["fix_title"] is None and "(no automatic fix: it is not pure" in impure.message
    assert f.data["fix_title"] is None  # a copy: the original finding is unchanged
    report = ProbeReport(True, [good])
    assert apply_probe([f], report)[0].data["fix_title"] == fixed.data["fix_title"]
    assert apply_probe([f], ProbeReport(True, []))[0] is f
