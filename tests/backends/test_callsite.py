"""The line of the program that pays for library code it calls: pure rule, py-spy's raw stacks, and real
runs of both default samplers against the program's own CPU clock."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest
from heatlens.backends import agent, pyspy
from heatlens.backends.base import Target
from heatlens.backends.callsite import make_is_outside, paying_line
from heatlens.model import FailureKind

import heatlens_backend_harness as H  # noqa: E402  (registered by conftest.py)

STDLIB_COPY = copy.__file__
USER = "/project/app.py"


def test_the_innermost_line_of_the_program_pays_for_a_library_leaf() -> None:
    outside = make_is_outside()
    assert outside(STDLIB_COPY) and outside("<frozen importlib._bootstrap>") and not outside(USER)
    assert not outside("<string>")  # a -c snippet is the user's own code
    stack = [(USER, 3), (USER, 10), (STDLIB_COPY, 128), (STDLIB_COPY, 140)]
    assert paying_line(stack, outside) == (USER, 10)
    assert paying_line([(USER, 3), (USER, 10)], outside) is None  # the leaf is the program's: it pays itself
    assert paying_line([(STDLIB_COPY, 128)], outside) is None  # nobody of the program on the stack
    assert paying_line([], outside) is None


def test_pyspy_stacks_charge_library_time_to_the_calling_line_without_changing_totals() -> None:
    text = (
        f"thread (5);<module> ({USER}:3);make ({USER}:10);deepcopy ({STDLIB_COPY}:128) 30\n"
        f"thread (5);<module> ({USER}:3);make ({USER}:11) 10\n"
    )
    profile = pyspy.parse_raw(text, 100.0, "/", main_tid=5, launcher=False)
    user = profile.file(USER).by_line()
    assert user[10].cpu == 0.0 and user[10].cpu_callees == pytest.approx(0.30)
    assert user[10].cost == pytest.approx(0.30) and user[11].cost == pytest.approx(0.10)
    assert profile.file(STDLIB_COPY).by_line()[128].cpu == pytest.approx(0.30)  # the library's own line keeps it
    assert sum(s.cpu for f in profile.files for s in f.lines) == pytest.approx(0.40)  # nothing counted twice


PROGRAM = """\
import copy, sys, time
TEMPLATE = {"a": [1, 2, {"b": [3, 4]}], "c": "x" * 10, "d": [[i] for i in range(8)]}
def build(n):
    return [copy.deepcopy(TEMPLATE) for _ in range(n)]
def crunch(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total
t0 = time.process_time()
rows = build(int(sys.argv[1]))
t1 = time.process_time()
s = crunch(int(sys.argv[2]))
t2 = time.process_time()
print(f"TRUTH {t1 - t0} {t2 - t1}")
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["pyspy", "agent"])
def test_real_run_paints_a_stdlib_call_on_its_line_like_the_programs_own_clock(tmp_path: Path, backend: str) -> None:
    if backend == "pyspy" and pyspy.find_pyspy() is None:
        pytest.skip("py-spy binary not installed")
    script = tmp_path / "app.py"
    script.write_text(PROGRAM)
    impl = pyspy.PySpyBackend() if backend == "pyspy" else agent.AgentBackend()
    run = H.run(impl, Target("script", str(script), args=["40000", "2500000"], cwd=str(tmp_path)))
    assert run.failure.kind is FailureKind.OK, run.failure
    deep, loop = (float(x) for x in run.stdout.split()[1:3])
    lines = run.profile.file(str(script)).by_line()
    build_line, crunch_line = lines[4], lines[8]
    # the deepcopy line's time is almost all in copy.py, and is now on the line that called it
    assert build_line.cpu_callees > 5 * build_line.cpu, build_line
    measured = build_line.cost / (build_line.cost + crunch_line.cost)
    truth = deep / (deep + loop)
    print(f"[{backend}] deepcopy line share {measured:.3f} vs the program's own clock {truth:.3f}", file=sys.stderr)
    assert abs(measured - truth) < 0.15, (measured, truth)


def test_the_scripts_own_folder_is_the_program_even_inside_site_packages() -> None:
    from heatlens.model import RunMeta
    from heatlens.backends.callsite import program_dirs

    bench = "/venv/lib/python3.11/site-packages/pyperformance/data-files/benchmarks/bm_go/run_benchmark.py"
    meta = RunMeta(argv=[bench, "--worker"], target=bench, cwd="/tmp")
    assert program_dirs(meta) == (bench.rsplit("/", 1)[0],)
    assert program_dirs(RunMeta(argv=["-c", "x"], target="-c")) == ()
    outside = make_is_outside(program_dirs(meta))
    lib = "/venv/lib/python3.11/site-packages/pyperf/_runner.py"
    assert not outside(bench) and outside(lib)
    assert paying_line([(lib, 700), (bench, 40), (STDLIB_COPY, 128)], outside) == (bench, 40)
