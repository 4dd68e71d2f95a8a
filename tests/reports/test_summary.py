"""The summary report renders the fixture's known numbers in every format."""

from __future__ import annotations

import json

import pytest

from heatlens.model import Failure, FailureKind, FileProfile, FunctionStats, LineStats, Profile, RunMeta
from heatlens.reports import render


def test_summary_json_numbers(profile):
    data = json.loads(render(profile, "summary", "json"))
    split = data["split"]
    assert data["basis"] == "line-cpu" and data["total_seconds"] == pytest.approx(10.0)
    assert split["user"]["share"] == pytest.approx(0.75)
    assert split["native"]["share"] == pytest.approx(0.15)
    assert split["library"]["share"] == pytest.approx(0.05)
    assert split["stdlib"]["share"] == pytest.approx(0.05)
    assert [f["function"] for f in data["top_functions"]] == ["join_orders", "load", "main"]
    top = data["top_functions"][0]
    assert top["self_share"] == pytest.approx(0.7) and top["total_share"] == pytest.approx(0.75)
    assert top["calls"] == 3 and top["path"] == "app.py"
    line = data["top_lines"][0]
    assert (line["path"], line["line"], line["function"], line["loop_depth"]) == ("app.py", 8, "join_orders", 2)
    assert line["share"] == pytest.approx(0.6)
    assert line["source"] == 'if o["cid"] == c["id"]:'
    assert data["files"][0]["path"] == "app.py" and data["files"][0]["share"] == pytest.approx(0.8)
    assert data["memory"]["peak_rss_mb"] == pytest.approx(200.0)  # the series' RSS beats meta's 180
    assert data["memory_lines"][0]["line"] == 9 and data["memory_lines"][0]["mem_net_mb"] == 20.0
    assert data["run"]["failure"] is None


def test_summary_recommendations_name_the_hot_lines_and_their_loop(profile):
    recs = json.loads(render(profile, "summary", "json"))["recommendations"]
    # lines 7 and 8 share one loop and one diagnostic: told once, together
    assert recs[0].startswith("lines 7, 8 of app.py (70% of CPU together) are inside a nested loop of `join_orders`")
    assert "see the heatlens diagnostic (nested-loop-join: nested loop: index customers by id)" in recs[0]
    assert sum("nested-loop-join" in r for r in recs) == 1
    assert any("line 9 of app.py still holds 20 MB" in r for r in recs)


def test_recommendation_for_one_hot_line_without_a_diagnostic(profile):
    profile.findings = []
    profile.files[0].lines[0].cpu_python = 0.0  # only line 8 is hot now: 6 s of 9 s
    recs = json.loads(render(profile, "summary", "json"))["recommendations"]
    assert recs[0] == (
        "line 8 of app.py (67% of CPU) is inside a nested loop of `join_orders` — its cost is the product of both "
        "loops' lengths: look for work the inner loop repeats for every outer item (heatlens found no known "
        "anti-pattern here)."
    )


def test_function_advice_without_line_data(profile):
    profile.files = []
    recs = json.loads(render(profile, "summary", "json"))["recommendations"]
    assert recs[0].startswith("`join_orders` (app.py:4) takes 70% of the time in its own code")


def test_summary_text_is_aligned_and_has_the_numbers(profile):
    text = render(profile, "summary", "text")
    assert "your code" in text and "75.0%" in text and "15.0%" in text
    rows = [ln for ln in text.splitlines() if ln.lstrip().startswith("app.py:8")]
    assert rows and "60.0%" in rows[0] and "join_orders" in rows[0]
    header = next(ln for ln in text.splitlines() if ln.lstrip().startswith("function "))
    join_row = next(ln for ln in text.splitlines() if ln.lstrip().startswith("join_orders"))
    # right-aligned numeric columns end where their header ends
    assert join_row.index("70.0%") + len("70.0%") == header.index("self %") + len("self %")


def test_summary_markdown_tables(profile):
    md = render(profile, "summary", "md")
    assert "| function | where | self | self % |" in md
    assert "| join_orders | app.py:4 | 7.00 s | 70.0% | 7.50 s | 75.0% | 3 | 50.0 MB |" in md
    assert "|---|---|---:|" in md


def test_project_root_argument_changes_what_is_yours(profile, paths, tmp_path):
    elsewhere = str(tmp_path / "other-root")
    data = json.loads(render(profile, "summary", "json", project_root=elsewhere))
    assert data["split"]["user"]["seconds"] == 0.0 and data["top_functions"] == []
    assert data["split"]["other"]["share"] == pytest.approx(0.75)


def test_failure_is_reported_first():
    prof = Profile(
        meta=RunMeta(target="x.py", failure=Failure(FailureKind.TIMEOUT, "ran past 5 s")),
        files=[FileProfile("/proj/x.py", None, [LineStats(3, cpu_python=1.0, samples=40)])],
    )
    data = json.loads(render(prof, "summary", "json", project_root="/proj"))
    assert data["run"]["failure"]["kind"] == "timeout"
    assert data["recommendations"][0].startswith("The run ended with timeout (ran past 5 s)")
    assert any("Only 40 samples" in r for r in data["recommendations"])
    assert "failure: timeout: ran past 5 s" in render(prof, "summary", "text", project_root="/proj")


def test_function_only_profile_uses_function_time(profile):
    profile.files = []  # a tracer without line data: shares come from self times
    data = json.loads(render(profile, "summary", "json"))
    assert data["basis"] == "function-self-time"
    assert data["split"]["user"]["share"] == pytest.approx(0.75)  # 7.0 + 0.5 of 10
    assert data["split"]["native"]["share"] == pytest.approx(0.05)
    assert data["split"]["library"]["share"] == pytest.approx(0.15)


def test_stack_only_profile_derives_functions(profile):
    profile.files, profile.functions = [], []
    data = json.loads(render(profile, "summary", "json"))
    assert data["basis"] == "stack-samples"
    top = data["top_functions"][0]
    assert top["function"] == "join_orders" and top["self_share"] == pytest.approx(0.7)
    assert top["total_share"] == pytest.approx(0.75)
    main = next(f for f in data["top_functions"] if f["function"] == "main")
    assert main["total_share"] == pytest.approx(1.0)


def test_empty_profile_renders_everywhere():
    for kind in ("summary", "details", "libraries", "raw", "all"):
        for fmt in ("text", "md", "json"):
            assert render(Profile(), kind, fmt)


def test_unknown_kind_or_format(profile):
    with pytest.raises(ValueError, match="unknown report kind"):
        render(profile, "nope")
    with pytest.raises(ValueError, match="unknown report format"):
        render(profile, "summary", "pdf")


def test_a_line_whose_time_is_in_library_code_it_calls_tops_your_lines(profile):
    app = profile.files[0]
    calls_numpy = next(s for s in app.lines if s.line == 14)
    calls_numpy.cpu_callees = 7.0  # its samples' leaves were in numpy: the line that called it pays
    data = json.loads(render(profile, "summary", "json"))
    top = data["top_lines"][0]
    assert (top["line"], top["seconds"], top["cpu_callees"]) == (14, pytest.approx(8.0), 7.0)
    assert data["total_seconds"] == pytest.approx(10.0)  # not counted twice in the run's total
    assert "in calls" in render(profile, "summary", "text")


def test_an_import_line_is_not_told_as_inside_the_loop_of_the_line_beside_it(tmp_path):
    # as a run of a markdown renderer showed: the import (8 %) and the render call in a loop (83 %), both in
    # library code; they were told together as "lines 1, 7 ... are inside a loop"
    app = tmp_path / "md.py"
    app.write_text("from markdown_it import MarkdownIt\n"
                   "md = MarkdownIt()\n"
                   "for i in range(40):\n"
                   "    html = md.render('# x')\n")
    lines = [LineStats(1, cpu_python=0.05, cpu_callees=0.75, samples=80),
             LineStats(4, cpu_python=0.3, cpu_callees=8.0, samples=830)]
    library = str(tmp_path / "venv" / "lib" / "site-packages" / "markdown_it" / "main.py")
    profile = Profile(meta=RunMeta(target=str(app), cwd=str(tmp_path), project_root=str(tmp_path), cpu_time=9.1,
                                   wall_time=9.1),
                      files=[FileProfile(str(app), None, lines),
                             FileProfile(library, None, [LineStats(9, cpu_python=8.75, samples=875)])])
    recs = json.loads(render(profile, "summary", "json"))["recommendations"]
    loop = next(r for r in recs if "line 4 of md.py" in r)
    assert " is inside a loop" in loop and "line 1" not in loop, recs
    imports = next(r for r in recs if "line 1 of md.py" in r)
    assert "inside a loop" not in imports and "python -X importtime" in imports


def test_a_module_level_line_below_a_function_is_the_module_s(tmp_path):
    # a run of a thread-pool script showed its `with` block's line under `crunch.<locals>.<genexpr>`, the
    # function defined above it (the nearest function above was taken for a line in no function)
    app = tmp_path / "tp.py"
    app.write_text("def crunch(n):\n"
                   "    return sum(i * i for i in range(n))\n"
                   "\n"
                   "total = crunch(10)\n")
    profile = Profile(meta=RunMeta(target=str(app), cwd=str(tmp_path), project_root=str(tmp_path), cpu_time=1.0),
                      files=[FileProfile(str(app), None, [LineStats(2, cpu_python=0.8, samples=80),
                                                          LineStats(4, cpu_python=0.2, samples=20)])],
                      functions=[FunctionStats("crunch", str(app), 1, self_time=0.3, total_time=0.8),
                                 FunctionStats("crunch.<locals>.<genexpr>", str(app), 2, self_time=0.5, total_time=0.5),
                                 FunctionStats("<module>", str(app), 1, self_time=0.2, total_time=1.0)])
    rows = {r["line"]: r["function"] for r in json.loads(render(profile, "summary", "json"))["top_lines"]}
    assert rows == {2: "crunch", 4: "<module>"}
