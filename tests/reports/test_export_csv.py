"""CSV export: one file with a `kind` column, parsed back with the csv module."""

from __future__ import annotations

import csv

import pytest

from heatlens.reports.export import export
from heatlens.reports.export_csv import COLUMNS


def test_csv_rows_by_kind(profile, paths, tmp_path):
    out = tmp_path / "run.csv"
    export(profile, "csv", str(out))
    with open(out, newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == COLUMNS
        rows = list(reader)
    functions = [r for r in rows if r["kind"] == "function"]
    lines = [r for r in rows if r["kind"] == "line"]
    memory = [r for r in rows if r["kind"] == "memory"]
    assert len(functions) == 6 and len(lines) == 6 and len(memory) == 1
    join = next(r for r in functions if r["function"] == "join_orders")
    assert (join["category"], join["file"], join["line"], join["calls"]) == ("user", paths["app"], "4", "3")
    assert float(join["self_s"]) == 7.0 and float(join["share"]) == pytest.approx(0.7)
    dot = next(r for r in functions if r["function"] == "dot")
    assert dot["category"] == "library"
    hot = next(r for r in lines if r["file"] == paths["app"] and r["line"] == "8")
    assert float(hot["share"]) == pytest.approx(0.6) and hot["samples"] == "600" and hot["hits"] == "1000"
    assert hot["function"] == "" and hot["self_s"] == ""  # not applicable to a line row
    assert memory[0]["line"] == "9" and float(memory[0]["mem_alloc_mb"]) == 50.0
