"""The summary's "Findings" section (heatlens.reports.findings): every finding of a run, costliest first, in the JSON
form all of them; the text form leaves leaks to their own section. A real run's report is in test_real_run.py."""

from __future__ import annotations

import re

from heatlens.analysis import leaks
from heatlens.model import Finding, Profile
from heatlens.reports import document as doc
from heatlens.reports import findings


def _profile() -> Profile:
    return Profile(findings=[
        Finding("membership-in-list", "`x in seen` scans a list", "/p/app.py", 12, 12, cost_seconds=0.5,
                cost_share=0.25, data={"fix_title": "Use a set for `seen`"}),
        Finding("string-concat-in-loop", "`s += t` copies `s`", "/p/app.py", 30, 30, cost_seconds=1.5, cost_share=0.75),
        Finding(leaks.RULE, "grows 2.0 MB/s to the end", "/p/app.py", 40, 40),
    ])


def test_every_finding_is_in_the_data_costliest_first() -> None:
    rows = findings.summarize(_profile(), lambda p: p.rsplit("/", 1)[-1])
    assert [(r["rule"], r["path"], r["line"]) for r in rows] == [
        ("string-concat-in-loop", "app.py", 30), ("membership-in-list", "app.py", 12), (leaks.RULE, "app.py", 40)]
    assert rows[1]["quick_fix"] == "Use a set for `seen`" and rows[0]["quick_fix"] is None
    assert rows[1]["cost_share"] == 0.25 and rows[1]["message"] == "`x in seen` scans a list"


def test_the_text_lists_them_with_their_cost_and_fix_and_leaves_leaks_to_their_section() -> None:
    text = doc.to_text(findings.blocks(findings.summarize(_profile(), str)))
    assert "Findings" in text and "/p/app.py:30" in text and "1.50 s" in text and "75.0%" in text
    assert "quick fix: Use a set for `seen`" in text
    assert "grows 2.0 MB/s" not in text
    assert findings.blocks([]) == [] and findings.blocks(findings.summarize(Profile(findings=_profile().findings[2:]), str)) == []


def test_more_than_fit_are_counted() -> None:
    many = Profile(findings=[Finding("r", f"m{i}", "/p/a.py", i, i, cost_seconds=float(i)) for i in range(1, 21)])
    text = doc.to_text(findings.blocks(findings.summarize(many, str)))
    shown = set(re.findall(r"\bm(\d+)\b", text))
    assert shown == {str(i) for i in range(6, 21)} and "5 more in the JSON form" in text  # the 15 costliest
