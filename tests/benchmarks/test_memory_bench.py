"""benchmarks/memory_bench.py: the dev set leaves the holdout out, and the table's errors and cost ratios (the
runs themselves take minutes: `python -m benchmarks.memory_bench`)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.memory_bench import dev_programs, render


def test_the_dev_set_leaves_out_the_holdout_and_the_helpers(tmp_path: Path) -> None:
    for name in ("_gt.py", "ho_new.py", "kept.py", "leak.py", "notes.txt"):
        (tmp_path / name).write_text("")
    assert [p.name for p in dev_programs(tmp_path)] == ["kept.py", "leak.py"]


def test_the_table_gives_each_lines_error_and_the_cost_of_memory() -> None:
    programs = [{"program": "kept", "rows": [
        {"line": 5, "kind": "kept", "truth_mb": 100.0, "measured_mb": 95.0, "kept_mb": 0.0, "leak_found": False,
         "held_mb": 102.0},
        {"line": 9, "kind": "churn", "truth_mb": 0.5, "measured_mb": 2.0, "kept_mb": 0.0, "leak_found": False}],
        "other_lines": [(12, 6.0)], "other_leaks": []}]
    costs = [{"program": "p.py", "alone": 2.0, "off": 2.0, "sampled": 2.1, "traced": 0.03}]
    text = render(programs, costs, "t")
    assert "| kept | 5 | kept | 100.0 | 95.0 | 0.0 | no | -5 % | 102.0 | +2 % |" in text  # peak, then held
    assert "| kept | 9 | churn | 0.5 | 2.0 | 0.0 | no | 2.0 MB | 0.0 | - |" in text  # below 1 MB: absolute
    assert "| p.py | 2.0 | 2.0 | 2.1 | 0.03 | 1.050 | 1.050 |" in text
    assert "other lines >= 5 MB [(12, 6.0)]" in text
