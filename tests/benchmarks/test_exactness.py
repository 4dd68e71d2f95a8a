"""benchmarks/exactness.py: what it runs and how it reads Austin (the runs themselves are too long for the
tests; `python -m benchmarks.exactness --quick` runs four programs)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from benchmarks import exactness
from heatlens.backends.callsite import make_is_outside

SHORT_CALLS = Path(__file__).parents[1] / "fixtures" / "exact" / "short_calls.py"


def test_austin_rows_charge_the_program_and_leave_out_the_interpreter_start_up(tmp_path: Path) -> None:
    script = tmp_path / "prog.py"
    lib = copy.__file__  # the stdlib: its time goes to the program's line that called it
    text = "\n".join([
        "# austin: 3.7.0",
        "P1;T0:1;<frozen importlib._bootstrap>:_find_and_load:1176;<frozen site>:main:600 5000",  # start-up
        f"P1;T0:1;{script}:<module>:10;{script}:work:3 3000",
        f"P1;T0:1;{script}:<module>:10;{script}:work:4;{lib}:Copier.deepcopy:128 1000",
        "P1;T0:1;:: 7000",  # nothing resolved
    ])
    lines, funcs = exactness.parse_austin(text, str(script), tmp_path)
    assert lines == {(str(script), 3): 0.003, (str(script), 4): 0.001}
    # a library's function is compared by its name only: Austin gives some library frames the wrong file
    assert funcs == {("prog.py", "work"): 0.003, ("", "deepcopy"): 0.001}  # no `_find_and_load`


def test_function_keys_agree_when_austin_names_a_library_file_wrongly(tmp_path: Path) -> None:
    is_outside = make_is_outside((str(tmp_path),))
    ours = exactness.function_key("/site-packages/pyperf/_runner.py", "Runner.bench_func.<locals>.task_func", is_outside)
    austins = exactness.function_key(copy.__file__.replace("copy.py", "datetime.py"), "task_func", is_outside)
    assert ours == austins == ("", "task_func")
    assert exactness.function_key(str(tmp_path / "run_benchmark.py"), "Point.normalize", is_outside) == (
        "run_benchmark.py", "normalize")


def test_top_diffs_names_what_differs_most() -> None:
    a = {("/x/p.py", 1): 3.0, ("/x/p.py", 2): 1.0}
    b = {("/x/p.py", 1): 1.0, ("/x/p.py", 2): 1.0, ("/x/p.py", 3): 3.0}
    assert exactness.top_diffs(a, b, 2) == [["p.py:3", 0.0, 60.0], ["p.py:1", 75.0, 20.0]]


def test_pyperformance_runs_pass_the_arguments_a_benchmark_needs() -> None:
    if exactness.pyperf_dir() is None:
        pytest.skip("pyperformance is not installed (the bench extra)")
    runs = {name: argv for name, argv, _ in exactness.programs("all", quick=False)}
    pickle = runs["pyperf:pickle"]
    assert pickle[-1] == "pickle"  # its run_benchmark.py exits with a usage error without the sub-benchmark
    assert pickle[pickle.index("-l") + 1] == str(exactness.PYPERF["pickle"])
    mdp = runs["pyperf:mdp"]
    assert mdp[mdp.index("-n") + 1] == "1" and runs["pyperf:chaos"][runs["pyperf:chaos"].index("-n") + 1] == "3"
    # the split is fixed by the sorted names: a third held out
    assert sum(n.startswith("pyperf:") for n in runs) == len(exactness.PYPERF)


def test_an_austin_run_that_stopped_early_is_not_complete() -> None:
    whole = "# austin: 3.7.0\n" + "\n".join(f"P1;T0:1;prog.py:work:{n} 1000" for n in range(2000))  # 2 s
    assert exactness.complete(whole, cpu=2.1)
    assert not exactness.complete(whole, cpu=7.0)  # it saw 2 s of a 7 s run: the imports only
    assert not exactness.complete("# austin: 3.7.0\n", cpu=0.5)


def test_the_default_mode_is_scored_with_the_products_memory_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # it was scored with memory off, while the product's default runs allocation windows inside the program
    seen = []
    monkeypatch.setattr(exactness, "programs", lambda split, quick: [("p", ["p.py"], Path("."))])
    monkeypatch.setattr(exactness, "austin_dist", lambda argv, folder: ({("p.py", 1): 1.0}, {("p.py", "f"): 1.0}))

    def fake_heatlens(argv, folder, backend, memory="off"):
        seen.append((backend, memory))
        return {("p.py", 1): 1.0}, {("p.py", "f"): 1.0}, None

    monkeypatch.setattr(exactness, "heatlens_dist", fake_heatlens)
    monkeypatch.setattr(exactness, "measure_memory", lambda quick: [])
    data = exactness.measure("dev", quick=True)
    assert seen == [("auto", "sampled"), ("agent", "off")] and data["default_memory"] == "sampled"
    assert "`--memory sampled` (the product's default" in exactness.render(data)




def test_the_paused_reference_keeps_calls_of_microseconds_in_the_callee(tmp_path: Path) -> None:
    # Found on pyperformance's chaos (a spline's __call__ of a few microseconds): read while the program runs
    # (Austin, py-spy --nonblocking: heatlens's default on 3.9/3.10), the callee is read, then a caller that has moved on or
    # whose callee has returned: ~30-50 % of this program's time sat on main's own lines. The paused reference
    # reads one moment: main's own work (the loop, two additions) is a few percent, the calls ~45 % each.
    from heatlens.backends.pyspy import find_pyspy

    if find_pyspy() is None:
        pytest.skip("py-spy is not installed")
    script = SHORT_CALLS
    lines, funcs = exactness.paused_dist([str(script)], script.parent)
    total = sum(funcs.values())
    shares = {name: t / total for (_, name), t in funcs.items()}
    assert shares.get("main", 0) < 0.2, shares
    assert 0.3 < shares["__call__"] < 0.65 and 0.3 < shares["direct"] < 0.65, shares
    assert max(lines, key=lines.get)[1] in (10, 17)  # the callees' `acc += x * t`
