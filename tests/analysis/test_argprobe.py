"""The argument probe's judgement: when caching is offered, and which findings are worth a probe run."""

from __future__ import annotations

from heatlens.analysis.argprobe import ArgStats, Watch, judge, watches_for
from heatlens.model import Finding


def test_judgement_thresholds() -> None:
    base = ArgStats("f.py", 1, "f", calls=1000, distinct=400, consistent=600)
    assert judge(base).ok
    assert not judge(ArgStats("f.py", 1, "f", calls=1000, distinct=600, consistent=400)).ok  # rarely repeats
    assert "only 10 calls" in judge(ArgStats("f.py", 1, "f", calls=10, distinct=1, consistent=9)).reason
    assert not judge(ArgStats("f.py", 1, "f", calls=1000, distinct=4, consistent=990, unknown=6)).ok


def test_watches_come_from_repeated_call_findings() -> None:
    fs = [Finding("repeated-call", "m", "/p/a.py", 3, 3, data={"function": "f", "def_line": 3}),
          Finding("list-membership", "m", "/p/a.py", 9, 9)]
    assert watches_for(fs) == [Watch("/p/a.py", 3, "f")]
