"""Scoring a corpus: `# expect:` marks parsed, and findings counted against them."""

from __future__ import annotations

from heatlens.analysis.evaluate import expectations, score
from heatlens.model import Finding


def test_expectations_parse() -> None:
    exp = expectations("x = 1  # expect: hot list-membership fix\ny = 2  # expect: cold str-concat-loop\n")
    assert [(e.line, e.heat, e.rule, e.fix) for e in exp] == [(1, "hot", "list-membership", True), (2, "cold", "str-concat-loop", None)]


def test_score_counts_found_missed_and_false_reports() -> None:
    source = ("a = 1  # expect: hot list-membership fix\nb = 2  # expect: hot str-concat-loop\n"
              "c = 3  # expect: cold list-membership\n")
    found = [Finding(rule="list-membership", message="", file="f.py", line=1, end_line=1, data={"fix_title": "t"}),
             Finding(rule="list-membership", message="", file="f.py", line=3, end_line=3)]
    s = score("f.py", source, found)
    assert (s.hot, s.hot_found, s.missed) == (2, 1, [(2, "str-concat-loop")])
    assert (s.cold, s.cold_reported, s.fixable, s.fix_offered) == (1, 1, 1, 1)
    assert (s.reported, s.true_reports, s.false) == (2, 1, [(3, "list-membership")])
