"""Smoke test of the benchmark harness: every part runs end to end in a tiny mode and returns (and renders)
results of the right shape. Timings are never asserted; only that real measurements came back."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import accuracy, editor, overhead, report, run, store_bench  # noqa: E402


def _quiet(_msg: str) -> None:
    pass


def _positive(x: object) -> bool:
    return isinstance(x, float) and math.isfinite(x) and x > 0


def test_overhead_quick_measures_each_tool_against_the_unprofiled_run() -> None:
    res = overhead.run(quick=True, workloads=["call_heavy"], tools=["heatlens", "cprofile"], log=_quiet)
    assert res["tools"] == ["none", "heatlens", "cprofile"]
    for tool in ("heatlens", "cprofile"):
        cell = res["ratios"][tool]["call_heavy"]
        assert cell["n"] == 1 and _positive(cell["median"]), (tool, cell, res["failures"])
        assert _positive(res["overall_geomean"][tool])
    assert "runner_total_median" in res["ratios"]["heatlens"]["call_heavy"]  # heatlens went through its runner
    assert _positive(res["baseline_s"]["call_heavy"])
    assert set(res["startup"]["wall_s"]) == {"none", "heatlens", "cprofile"}


def test_accuracy_quick_compares_lines_and_functions_with_the_programs_truth() -> None:
    res = accuracy.run(quick=True, tools=["heatlens", "cprofile"], programs=["bt_lines"], mem_tools=["heatlens"], log=_quiet)
    agent = res["cpu"]["bt_lines"]["heatlens"]
    assert agent["failure"] == "ok"
    assert set(agent["truth"]) == {"pure", "native", "strings"}
    assert set(agent["line_pp"]) == {"pure", "native", "strings"}  # the agent reports lines
    assert all(0 <= v <= 100 for v in agent["line_pp"].values())
    assert abs(sum(agent["line_measured"].values()) - 1) < 1e-6
    assert all(agent["function_line_ok"].values())
    prof = res["cpu"]["bt_lines"]["cprofile"]
    assert "line_pp" not in prof and set(prof["function_pp"]) == {"pure", "native", "strings"}  # functions only
    mem = res["memory"]["heatlens"]
    assert {"X", "Y", "Z"} <= set(mem) and mem["X"]["alloc_mb"] > 0
    assert res["cpu_summary"]["heatlens"]["line_n"] == 3


def test_markers_find_single_and_multi_line_spots() -> None:
    spans = accuracy.markers((REPO / "benchmarks" / "groundtruth" / "bt_multiline.py").read_text())
    assert spans["single"][0] == spans["single"][1]
    assert spans["multi"][1] - spans["multi"][0] == 4


def test_editor_tiny_measures_requests_through_a_real_client() -> None:
    res = editor.run(tiny=True, log=_quiet)
    assert res["lines"] == 211 and res["heat_lines"] and res["heat_lines"] > 0
    assert res["publish_ms"]["n"] == 1 and _positive(res["publish_ms"]["median"])
    assert {k: v["n"] for k, v in res["requests"].items()} == {"hover": 3, "codeLens": 3, "codeLens_parsed": 3, "inlayHint": 3, "codeLensResolve": 3}
    assert res["reanchor"]["didChange_then_hover"]["n"] == 2
    assert _positive(res["rss_idle_mb"]) and _positive(res["rss_after_runs_mb"])
    assert res["server_internal"]["store_and_heat_ms"]  # the daemon's own timer was read from its log


def test_store_quick_sizes_and_history(tmp_path: Path) -> None:
    res = store_bench.run(quick=True, workloads=["nested_loops", "call_heavy"], runs=12, log=_quiet)
    assert set(res["sizes"]) == {"nested_loops", "call_heavy"}
    for s in res["sizes"].values():
        assert s["blob_bytes"] > 0 and s["with_sources_bytes"] >= s["blob_bytes"]
    assert res["db_bytes"] > 0 and res["history_points"] >= 1
    assert all(_positive(q["p50"]) for q in res["queries_ms"].values())
    # rendering: the goals table has every goal, the parts that did not run say so
    res_all = {"machine": {"CPU": "x"}, "versions": {}, "store": res}
    rows = report.evaluate(res_all)
    assert len(rows) == len(report.GOALS) and rows[-1][3] in ("PASS", "MISS") and rows[0][3] == "NOT RUN"
    md = report.render(res_all, None)
    assert "## Store" in md and "stored size per run" in md


def test_run_writes_results_where_told(tmp_path: Path) -> None:
    assert run.main(["--quick", "--only", "nonsense"]) == 2
    (tmp_path / "results.json").write_text('{"machine": {"CPU": "x"}, "versions": {}, "quick": true}')
    assert run.main(["--quick", "--report-only", "--out-dir", str(tmp_path)]) == 0
    assert "# heatlens benchmarks" in (tmp_path / "RESULTS.md").read_text()


@pytest.mark.parametrize("name", overhead.WORKLOAD_NAMES)
def test_workloads_exist_and_take_a_scale(name: str) -> None:
    source = (REPO / "benchmarks" / "workloads" / f"{name}.py").read_text()
    assert "def main(scale)" in source and "sys.argv[1]" in source
