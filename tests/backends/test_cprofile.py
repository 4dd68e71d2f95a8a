"""cProfile adapter: recorded pstats, real runs (exact call counts, -m, a failing target), ground truth."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest
from heatlens.backends import cprofile
from heatlens.backends.base import BackendOptions, BackendOutputError, Target, UnsupportedTarget
from heatlens.model import FailureKind, RunMeta

FIXTURE = Path(__file__).parents[1] / "fixtures" / "backends" / "cprofile"


import heatlens_backend_harness as H  # noqa: E402  (registered by conftest.py)


def test_recorded_pstats_functions_calls_callers() -> None:
    profile = cprofile.CProfileBackend().read(FIXTURE, RunMeta(cwd="/project"))
    fns = {(f.qualname, f.line): f for f in profile.functions}
    calls = {k: f.calls for k, f in fns.items() if f.file == "/project/tiny.py"}
    assert calls == {
        ("<module>", 1): 1,
        ("main", 32): 1,
        ("wrapper", 7): 5,
        ("square_sum", 13): 5,
        ("step", 22): 5,
        ("<listcomp>", 34): 1,
        ("may_fail", 26): 6,
        ("deco", 6): 1,
        ("Worker", 21): 1,
    }
    # co_firstlineno: the decorated square_sum sits on its decorator line (13), not on `def` (14)
    square = fns[("square_sum", 13)]
    assert square.self_time == pytest.approx(0.258500628) and square.total_time == pytest.approx(0.258500628)
    assert fns[("main", 32)].total_time == pytest.approx(0.36885894900000005)
    assert square.callers == {"/project/tiny.py:7:wrapper": pytest.approx(0.258500628)}
    # built-ins become native functions with readable names; the profiler's own entries are dropped
    total_sum = fns[("builtins.sum", 0)]
    assert (total_sum.file, total_sum.calls, total_sum.callers) == (
        "",
        5,
        {"/project/tiny.py:22:step": pytest.approx(0.056640845)},
    )
    assert fns[("dict.update", 0)].calls == 1
    assert fns[("builtins.len", 0)].calls == 2 and len(fns[("builtins.len", 0)].callers) == 2
    assert ("builtins.exec", 0) not in fns and not any("disable" in f.qualname for f in profile.functions)
    assert fns[("main", 32)].callees["/project/tiny.py:22:step"] == pytest.approx(0.056718342000000005)
    assert profile.extras["pstats"] == (FIXTURE / "profile.pstats").read_bytes()
    assert profile.files == [] and profile.stacks == []  # cProfile has no lines or stacks: nothing invented


def test_native_names() -> None:
    assert cprofile.native_name("<built-in method builtins.sum>") == "builtins.sum"
    assert cprofile.native_name("<method 'append' of 'list' objects>") == "list.append"
    assert cprofile.native_name("<built-in method time.sleep>") == "time.sleep"


def test_command_lines(tmp_path: Path) -> None:
    backend = cprofile.CProfileBackend()
    out = str(tmp_path / cprofile.OUTPUT)
    assert backend.command(Target("script", "/p/x.py", args=["-o", "y"]), "/py", tmp_path, BackendOptions()) == [
        "/py",
        "-m",
        "cProfile",
        "-o",
        out,
        "/p/x.py",
        "-o",
        "y",
    ]
    assert backend.command(Target("module", "pkg.tool", args=["a"]), "/py", tmp_path, BackendOptions())[-3:] == [
        "-m",
        "pkg.tool",
        "a",
    ]
    with pytest.raises(UnsupportedTarget):
        backend.command(Target("code", "pass"), "/py", tmp_path, BackendOptions())


def test_garbage_and_missing_output(tmp_path: Path) -> None:
    with pytest.raises(BackendOutputError, match="os._exit"):
        cprofile.CProfileBackend().read(tmp_path, RunMeta())
    (tmp_path / cprofile.OUTPUT).write_bytes(b"not marshal")
    with pytest.raises(BackendOutputError):
        cprofile.CProfileBackend().read(tmp_path, RunMeta())


def test_real_run_exact_call_counts_with_recursion(tmp_path: Path) -> None:
    script = tmp_path / "rec.py"
    script.write_text(
        "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\n"
        "class Tree:\n    @staticmethod\n    def walk(k):\n        return [fib(10) for _ in range(k)]\n\n"
        "print(fib(15), len(Tree.walk(3)))\n"
    )
    run = H.run(cprofile.CProfileBackend(), Target("script", str(script), cwd=str(tmp_path)))
    assert run.failure.kind is FailureKind.OK, run.failure
    assert run.stdout.split() == ["610", "3"]
    fns = {f.qualname: f for f in run.profile.functions if f.file == str(script)}
    assert fns["fib"].calls == 1973 + 3 * 177  # fib(15) and three fib(10): exact, recursion included
    assert (fns["fib"].line, fns["walk"].line) == (1, 5)  # walk: its decorator line
    assert marshal.loads(run.profile.extras["pstats"])  # the raw pstats kept for pstats/snakeviz users


def test_real_run_of_a_module_that_raises_keeps_the_profile(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "__main__.py").write_text("import sys\n\ndef boom(x):\n    raise ValueError(x)\n\nboom(sys.argv[1])\n")
    run = H.run(cprofile.CProfileBackend(), Target("module", "pkg", args=["bad"], cwd=str(tmp_path)))
    assert run.failure.kind in (FailureKind.EXCEPTION, FailureKind.NONZERO_EXIT), run.failure
    assert run.profile is not None, run.failure  # cProfile dumps its stats in a `finally`
    boom = [f for f in run.profile.functions if f.qualname == "boom"]
    assert len(boom) == 1 and boom[0].calls == 1 and boom[0].file == str(pkg / "__main__.py")


@pytest.mark.slow
def test_ground_truth_functions() -> None:
    run = H.run(cprofile.CProfileBackend(), H.gt_target())
    assert run.failure.kind is FailureKind.OK, run.failure
    errors = H.errors_pp(H.function_shares(run.profile, str(H.GT_CPU_THREE)), H.ground_truth(run.stdout))
    H.report("cprofile", "function", errors)
    # measured here: <= 0.1 pp (the program times itself under the same tracer, so the tracer's own
    # overhead is part of the truth); a function given another's time would be off by >= 10 pp
    assert all(abs(e) <= 4 for e in errors.values()), errors
