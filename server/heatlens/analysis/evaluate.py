"""Score findings against a corpus whose lines say what is expected (`# expect: hot <rule> fix|nofix`,
`# expect: cold <rule>`, `# expect: any <rule>`): recall on hot patterns, reports on cold decoys, fixes on
unsafe decoys, precision. Used by the corpus test and `benchmarks/antipatterns.py`, which profile the corpus
through `jobs/corpus.py`."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import attrs

from heatlens.model import Finding

MARK = "# expect:"


@attrs.define
class Expect:
    line: int
    heat: str  # "hot" | "cold" | "any"
    rule: str
    fix: Optional[bool] = None  # True: a fix must be offered; False: none may be; None: not said


def expectations(source: str) -> List[Expect]:
    out = []
    for i, text in enumerate(source.splitlines(), start=1):
        if MARK in text:
            words = text.split(MARK, 1)[1].split()
            fix = {"fix": True, "nofix": False}.get(words[2]) if len(words) > 2 else None
            out.append(Expect(i, words[0], words[1], fix))
    return out


@attrs.define
class Score:
    file: str
    hot: int = 0
    hot_found: int = 0
    cold: int = 0
    cold_reported: int = 0
    unsafe: int = 0  # findings expected without a fix
    unsafe_fixed: int = 0
    fixable: int = 0
    fix_offered: int = 0
    reported: int = 0
    true_reports: int = 0  # reports on hot/any lines with the right rule
    missed: List[Tuple[int, str]] = attrs.Factory(list)
    false: List[Tuple[int, str]] = attrs.Factory(list)


def score(path: str, source: str, findings: List[Finding]) -> Score:
    exp = expectations(source)
    by_line: Dict[Tuple[int, str], Finding] = {(f.line, f.rule): f for f in findings}
    s = Score(path, reported=len(findings))
    for e in exp:
        f = by_line.get((e.line, e.rule))
        if e.heat == "hot":
            s.hot += 1
            if f is None:
                s.missed.append((e.line, e.rule))
            else:
                s.hot_found += 1
        elif e.heat == "cold":
            s.cold += 1
            s.cold_reported += f is not None
        if f is not None and e.fix is False:
            s.unsafe += 1
            s.unsafe_fixed += bool(f.data.get("fix_title"))
        if f is not None and e.fix is True:
            s.fixable += 1
            s.fix_offered += bool(f.data.get("fix_title"))
    good = {(e.line, e.rule) for e in exp if e.heat in ("hot", "any")}
    for f in findings:
        if (f.line, f.rule) in good:
            s.true_reports += 1
        else:
            s.false.append((f.line, f.rule))
    return s
