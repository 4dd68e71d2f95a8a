"""The export dispatcher: every format writes, Markdown is summary + details, formats from suffixes."""

from __future__ import annotations

import pytest

from heatlens.reports.export import EXPORT_FORMATS, export, export_bytes, format_for_export_path
from heatlens.reports.output import OutputError


def test_every_format_writes_a_nonempty_file(profile, tmp_path):
    for fmt in EXPORT_FORMATS:
        out = tmp_path / f"run.{fmt}"
        export(profile, fmt, str(out))
        assert out.stat().st_size > 0, fmt


def test_markdown_is_summary_and_details(profile):
    md = export_bytes(profile, "md").decode()
    assert "## heatlens summary" in md and "## heatlens details: your functions by module" in md
    assert "| join_orders | app.py:4 |" in md


def test_refusals(profile, tmp_path):
    with pytest.raises(ValueError, match="unknown export format"):
        export(profile, "xlsx", str(tmp_path / "x"))
    with pytest.raises(OutputError):
        export(profile, "json", str(tmp_path))


@pytest.mark.parametrize(
    "path,fmt",
    [("a.csv", "csv"), ("A.HTML", "html"), ("x.prof", "pstats"), ("x.pstats", "pstats"), ("r.md", "md"),
     ("t.speedscope.json", "speedscope"), ("t.trace.json", "chrome"), ("plain.json", None), ("noext", None)],
)
def test_format_for_export_path(path, fmt):
    assert format_for_export_path(path) == fmt
