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
    # the default sampler reads the running line: the test's own line is its cost, with its lower bound
    assert "60% of run time (0.60 s, at least 5" in f.message and "150 samples" in f.message
    assert f.data["fix_title"] is None and "changes it in the loop" in f.data["refusal"]


def test_gate_never_one_sample_and_lower_bound() -> None:
    # one sample that happens to be 100% of a tiny run is not evidence: nothing is reported even at threshold 0
    one = {4: LineStats(4, cpu_python=0.01, samples=1)}
    assert findings_for_file("f.py", SRC, one, total_cpu=0.01, thresholds=Thresholds(0.0, 0.0)) == []
    # 1.0% measured on 10 of 1000 samples: the 95% lower bound (~0.54%) passes 0.5% but not 0.8%
    lines = {9: LineStats(9, cpu_python=0.01, samples=10), 2: LineStats(2, cpu_python=0.99, samples=990)}
    assert [f.line for f in findings_for_file("f.py", SRC, lines, 1.0, thresholds=Thresholds(0.02, 0.005))] == [9]
    assert findings_for_file("f.py", SRC, lines, 1.0, thresholds=Thresholds(0.02, 0.008)) == []


def test_information_band_and_hits() -> None:
    lines = {9: LineStats(9, cpu_python=0.01, samples=10, hits=12345), 2: LineStats(2, cpu_python=0.99, samples=990)}
    fs = findings_for_file("f.py", SRC, lines, total_cpu=1.0)
    assert [(f.line, f.severity) for f in fs] == [(9, "information")]
    # `x` comes from a parameter: not proven hashable (x in {1, 2} raises on a list x), so the set rewrite is
    # offered only through "Apply fix and verify", whose runs before and after are the evidence
    assert "12.3 k times" in fs[0].message and fs[0].data["verify_only"] is True
    assert "only with verification" in fs[0].data["fix_title"] and "Apply fix and verify" in fs[0].message


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
    # the calling function's record says how long its calls into re took (a line profile charges that to
    # re's own lines); within the function it is split by the call sites' own measured cost
    funcs = [FunctionStats("f", "f.py", 3, callees={"/usr/lib/python3.11/re/__init__.py:173:search": 0.3,
                                                    "/usr/lib/python3.11/re/__init__.py:272:_compile": 0.1})]
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
    hot = FunctionStats("hot", "/p/f.py", 3, callees={"/usr/lib/python3.11/re/__init__.py:173:search": 0.4})
    fs = findings_for_file("/p/f.py", RE_TWO, {}, total_cpu=1.0, functions=[hot])
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
