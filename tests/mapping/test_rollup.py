"""Roll-ups of line stats onto statements, loops, functions, classes and files."""

from __future__ import annotations

import pstats
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from heatlens.mapping.rollup import (
    line_share,
    file_line_share,
    match_function,
    merge_function_stats,
    rollup_classes,
    rollup_file,
    rollup_functions,
    rollup_lines,
    rollup_loops,
    rollup_module,
    rollup_scopes,
    rollup_statements,
)
from heatlens.mapping.source_index import build_index
from heatlens.model import FileProfile, FunctionStats, LineStats, Profile

GT = Path(__file__).parent.parent / "fixtures" / "groundtruth" / "gt_cpu_three.py"


def marked_line(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


def gt_profile() -> FileProfile:
    """Line stats shaped like a run of gt_cpu_three.py: the three marked lines carry 60/30/10 %."""
    text = GT.read_text(encoding="utf-8")
    return FileProfile(
        path=str(GT),
        lines=[
            LineStats(marked_line(text, "LINE A"), cpu_python=1.2, samples=120),
            LineStats(marked_line(text, "LINE B"), cpu_python=0.1, cpu_native=0.5, samples=60, mem_alloc_mb=1.0),
            LineStats(marked_line(text, "LINE C"), cpu_python=0.15, cpu_system=0.05, samples=20, mem_alloc_mb=3.0),
            LineStats(marked_line(text, "spent[fn.__name__] += time"), cpu_python=0.0, samples=0),
        ],
    )


def test_function_rollups_on_ground_truth_program() -> None:
    text = GT.read_text(encoding="utf-8")
    index = build_index(str(GT), text)
    fp = gt_profile()
    funcs = rollup_functions(fp, index)
    by_name = {r.scope.qualname: r for r in funcs.values()}
    assert by_name["func_a"].share == pytest.approx(0.6)
    assert by_name["func_b"].share == pytest.approx(0.3)
    assert by_name["func_c"].share == pytest.approx(0.1)
    assert by_name["func_b"].own.cpu_native == pytest.approx(0.5)
    assert by_name["func_c"].inclusive.cpu_system == pytest.approx(0.05)
    assert by_name["func_a"].own.samples == 120 and by_name["func_a"].own.lines == 1
    assert by_name["func_a"].own.hottest_line == marked_line(text, "LINE A")
    assert by_name["main"].share == 0.0 and by_name["main"].own.lines == 0
    assert set(funcs) == {s.start_line for s in index.functions}
    assert rollup_module(fp, index).lines == 0  # every profiled line is inside a function
    file_total = rollup_file(fp)
    assert file_total.cpu == pytest.approx(2.0) and file_total.mem_alloc_mb == pytest.approx(4.0)
    # Shares against the whole run's CPU (other files ran too).
    run = rollup_functions(fp, index, total_cpu=4.0)
    assert {r.scope.qualname: round(r.share, 3) for r in run.values()}["func_a"] == 0.3


NESTED = """\
class Model:
    scale = 2

    def fit(self, rows):
        def score(r):
            return r * self.scale
        out = []
        for row in rows:
            for col in row:
                out.append(
                    score(col)
                )
        return out
"""


def nested_profile() -> FileProfile:
    return FileProfile(
        path="model.py",
        lines=[
            LineStats(2, cpu_python=0.01),  # class body
            LineStats(6, cpu_python=0.30, mem_peak_mb=5.0),  # inside the closure
            LineStats(8, cpu_python=0.04),  # outer loop header
            LineStats(9, cpu_python=0.10),  # inner loop header
            LineStats(10, cpu_python=0.20, mem_alloc_mb=2.0, mem_peak_mb=1.0),
            LineStats(11, cpu_python=0.25),  # second line of the same statement
            LineStats(13, cpu_python=0.10),
        ],
    )


def test_own_versus_inclusive_for_nested_scopes() -> None:
    index = build_index("model.py", NESTED)
    scopes = {r.scope.qualname: r for r in rollup_scopes(nested_profile(), index).values()}
    fit, score, model = scopes["Model.fit"], scopes["Model.fit.<locals>.score"], scopes["Model"]
    assert score.own.cpu == pytest.approx(0.30) and score.inclusive.cpu == pytest.approx(0.30)
    assert fit.own.cpu == pytest.approx(0.69) and fit.inclusive.cpu == pytest.approx(0.99)
    assert model.own.cpu == pytest.approx(0.01) and model.inclusive.cpu == pytest.approx(1.0)
    assert model.share == pytest.approx(1.0) and fit.own_share == pytest.approx(0.69)
    module_level = FileProfile("model.py", lines=nested_profile().lines + [LineStats(14, cpu_python=0.5)])
    assert rollup_module(module_level, index).cpu == pytest.approx(0.5)
    assert fit.inclusive.mem_peak_mb == pytest.approx(6.0)  # summed: an upper bound
    assert set(rollup_classes(nested_profile(), index)) == {1}
    assert {r.scope.qualname for r in rollup_functions(nested_profile(), index).values()} == {
        "Model.fit",
        "Model.fit.<locals>.score",
    }


def test_loop_rollups_include_inner_loops_not_closures() -> None:
    index = build_index("model.py", NESTED)
    loops = rollup_loops(nested_profile(), index)
    outer, inner = (loops[lp.index] for lp in index.loops_at(10))
    assert outer.loop.depth == 1 and inner.loop.depth == 2
    assert outer.rollup.cpu == pytest.approx(0.04 + 0.10 + 0.20 + 0.25)
    assert inner.rollup.cpu == pytest.approx(0.10 + 0.20 + 0.25)
    assert inner.share == pytest.approx(0.55)


def test_statement_rollups_merge_multiline_statements() -> None:
    index = build_index("model.py", NESTED)
    stmts = rollup_statements(nested_profile(), index)
    assert stmts[(10, 12)].cpu == pytest.approx(0.45) and stmts[(10, 12)].lines == 2
    assert stmts[(6, 6)].cpu == pytest.approx(0.30)
    assert sum(r.cpu for r in stmts.values()) == pytest.approx(rollup_file(nested_profile()).cpu)


def test_line_share_across_files_and_zero_cpu() -> None:
    a = FileProfile("a.py", lines=[LineStats(1, cpu_python=3.0), LineStats(2, cpu_native=1.0)])
    b = FileProfile("b.py", lines=[LineStats(5, cpu_system=4.0)])
    shares = line_share(Profile(files=[a, b]))
    assert shares == {("a.py", 1): 0.375, ("a.py", 2): 0.125, ("b.py", 5): 0.5}
    assert line_share(Profile(files=[FileProfile("c.py", lines=[LineStats(1)])])) == {}
    assert file_line_share(a, 0.0) == {1: 0.0, 2: 0.0}
    assert rollup_lines([]).cpu == 0.0 and rollup_lines([]).hottest_line is None


def test_unparsed_source_gives_empty_structure_rollups() -> None:
    index = build_index("bad.py", "def f(:\n    pass\n")
    fp = FileProfile("bad.py", lines=[LineStats(2, cpu_python=1.0)])
    assert rollup_scopes(fp, index) == {} and rollup_loops(fp, index) == {}
    assert rollup_statements(fp, index) == {(2, 2): rollup_lines(fp.lines)}
    assert rollup_module(fp, index).cpu == pytest.approx(1.0)


PROGRAM = """\
import functools


def traced(fn):
    @functools.wraps(fn)
    def wrapper(*a):
        return fn(*a)
    return wrapper


@traced
def work(n):
    return sum(i * i for i in range(n))


class Box:
    def grow(self, n):
        return [work(k) for k in range(n)]


for _ in range(7):
    work(1000)
Box().grow(3)
"""


def cprofile_functions(tmp_path: Path) -> List[FunctionStats]:
    """Run the program under the real cProfile and read its pstats into model records."""
    script = tmp_path / "prog.py"
    script.write_text(PROGRAM, encoding="utf-8")
    out = tmp_path / "prog.prof"
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), str(script)], check=True, timeout=120, cwd=tmp_path
    )
    stats = pstats.Stats(str(out)).stats  # type: ignore[attr-defined]
    records = []
    for (file, line, name), (_cc, nc, tt, ct, _callers) in stats.items():
        records.append(FunctionStats(qualname=name, file=file, line=line, self_time=tt, total_time=ct, calls=nc))
    return records


def test_merge_exact_function_data_from_a_real_cprofile_run(tmp_path: Path) -> None:
    records = cprofile_functions(tmp_path)
    path = str(tmp_path / "prog.py")
    index = build_index(path, PROGRAM)
    rollups = rollup_scopes(FileProfile(path), index)
    merged, unmatched = merge_function_stats(rollups, records, path, index)
    by_name: Dict[str, object] = {r.scope.qualname: r for r in merged.values()}
    work = by_name["work"]
    assert work.calls == 10  # type: ignore[attr-defined]  # 7 direct + 3 from Box.grow
    assert work.scope.start_line == 11  # type: ignore[attr-defined]  # the decorator line, as cProfile said
    assert by_name["Box.grow"].calls == 1  # type: ignore[attr-defined]
    assert by_name["traced.<locals>.wrapper"].calls == 10  # type: ignore[attr-defined]
    assert by_name["traced"].calls == 1  # type: ignore[attr-defined]
    assert by_name["Box"].calls == 1  # type: ignore[attr-defined]  # the class body's code object ran once
    assert by_name["work"].total_time >= by_name["work"].self_time >= 0  # type: ignore[attr-defined]
    assert rollups[11].calls is None  # inputs untouched
    # The module's own code and the genexpr/listcomp have no def in the index.
    assert {r.qualname for r in unmatched} >= {"<module>", "<genexpr>"}
    assert all(r.file == path for r in unmatched)


def test_match_function_by_line_def_line_and_qualname() -> None:
    index = build_index("prog.py", PROGRAM)
    work = index.scopes_by_qualname("work")[0]
    assert match_function(FunctionStats("work", "prog.py", 11), index) is work
    assert match_function(FunctionStats("work", "prog.py", 12), index) is work  # def line
    assert match_function(FunctionStats("mod.work", "prog.py", 11), index) is work
    assert match_function(FunctionStats("work", "prog.py", 40), index) is work  # moved: unique name
    grow = index.scopes_by_qualname("Box.grow")[0]
    assert match_function(FunctionStats("grow", "prog.py", 99), index) is grow
    assert match_function(FunctionStats("gone", "prog.py", 11), index) is None


def test_merge_adds_repeated_records_and_ignores_other_files() -> None:
    index = build_index("prog.py", PROGRAM)
    rollups = rollup_functions(FileProfile("prog.py"), index)
    records = [
        FunctionStats("work", "prog.py", 11, self_time=1.0, total_time=2.0, calls=4),
        FunctionStats("work", "./prog.py", 11, self_time=0.5, total_time=1.0, calls=None),
        FunctionStats("work", "prog.py", 11, self_time=0.5, total_time=1.0, calls=6),
        FunctionStats("work", "other.py", 11, self_time=9.0, total_time=9.0, calls=100),
    ]
    merged, unmatched = merge_function_stats(rollups, records, "prog.py", index)
    work = merged[11]
    assert (work.calls, work.self_time, work.total_time) == (10, 2.0, 4.0)
    assert work.stats is records[0] and unmatched == []
