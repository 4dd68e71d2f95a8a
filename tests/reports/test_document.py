"""Text and Markdown layout of report blocks, and number formatting."""

from __future__ import annotations

from heatlens.reports import document as doc


def test_text_table_alignment_and_empty():
    text = doc.to_text([doc.Table(["name", "n"], [["a", "1"], ["long name", "100"]], ["l", "r"]),
                        doc.Table(["x"], [], empty="(none)")])
    lines = text.splitlines()
    assert lines[0] == "  name         n"
    assert lines[2] == "  a            1" and lines[3] == "  long name  100"
    assert lines[4] == "  (none)"


def test_markdown_escapes_pipes():
    md = doc.to_markdown([doc.Heading("T"), doc.Table(["a|b"], [["x|y"]])])
    assert "## T" in md and "| a\\|b |" in md and "| x\\|y |" in md


def test_number_formats():
    assert doc.seconds(0.0123) == "12.3 ms" and doc.seconds(2.5) == "2.50 s" and doc.seconds(None) == "-"
    assert doc.seconds(0.0000042) == "4 µs" and doc.seconds(250) == "250 s"
    assert doc.percent(0.6123) == "61.2%" and doc.megabytes(0.05) == "51 KB" and doc.count(1204) == "1,204"
