"""The summary report's "Findings" section: every finding of the run (Profile.findings: the anti-patterns the editor
shows as diagnostics, with their measured cost, and the analyses' results), costliest first, as plain data (the JSON
form: all of them) and as document blocks. The recommendations name only those on the five hottest lines."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

from heatlens.analysis import leaks
from heatlens.model import Profile
from heatlens.reports import document as doc

SHOWN = 15  # rows in the text and Markdown forms


def summarize(profile: Profile, display: Callable[[str], str]) -> List[Dict[str, Any]]:
    ordered = sorted(profile.findings, key=lambda f: (-f.cost_seconds, display(f.file), f.line))
    return [
        {"rule": f.rule, "severity": f.severity, "file": f.file, "path": display(f.file), "line": f.line,
         "end_line": f.end_line, "message": f.message, "cost_seconds": f.cost_seconds, "cost_share": f.cost_share,
         "quick_fix": f.data.get("fix_title")}
        for f in ordered
    ]


def blocks(rows: List[Dict[str, Any]]) -> List[doc.Block]:
    """The table of findings, leaks left out (the "Memory leaks" section tells them)."""
    shown = [r for r in rows if r["rule"] != leaks.RULE]
    if not shown:
        return []
    out: List[doc.Block] = [doc.Heading("Findings", 2), doc.Table(
        ["line", "rule", "cost", "share", "finding"],
        [[f"{r['path']}:{r['line']}", r["rule"], doc.seconds(r["cost_seconds"] or None), doc.percent(r["cost_share"] or None),
          r["message"] + (f" (quick fix: {r['quick_fix']})" if r["quick_fix"] else "")] for r in shown[:SHOWN]],
        ["l", "l", "r", "r", "l"],
    )]
    if len(shown) > SHOWN:
        out.append(doc.Para(f"{len(shown) - SHOWN} more in the JSON form of this report."))
    return out
