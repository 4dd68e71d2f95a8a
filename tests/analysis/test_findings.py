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
    assert "60% of run time (0.60 s)" in f.message and "150 samples" in f.message
    assert f.data["fix_title"] is None and "changes it in the loop" in f.data["refusal"]


def test_information_band_and_hits() -> None:
    lines = {9: LineStats(9, cpu_python=0.01, samples=3, hits=12345)}
    fs = findings_for_file("f.py", SRC, lines, total_cpu=1.0)
    assert [(f.line, f.severity) for f in fs] == [(9, "information")]
    assert "12.3 k times" in fs[0].message and fs[0].data["fix_title"]
