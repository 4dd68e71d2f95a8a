"""VizTracer adapter: recorded trace (calls, timeline, args, exceptions), real runs (recursion, buffer
overflow), ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from heatlens.backends import viztracer
from heatlens.backends.base import BackendOptions, BackendOutputError, Target
from heatlens.model import ExceptionRecord, FailureKind, RunMeta

FIXTURE = Path(__file__).parents[1] / "fixtures" / "backends" / "viztracer"


import heatlens_backend_harness as H  # noqa: E402  (registered by conftest.py)


def test_recorded_trace_functions() -> None:
    profile = viztracer.VizTracerBackend().read(FIXTURE, RunMeta(cwd="/project"))
    fns = {(f.qualname, f.line): f for f in profile.functions}
    calls = {k: f.calls for k, f in fns.items() if f.file == "/project/tiny.py"}
    assert calls == {
        ("<module>", 1): 1,
        ("main", 32): 1,
        ("deco.<locals>.wrapper", 7): 5,
        ("square_sum", 13): 5,
        ("deco", 6): 1,
        ("Worker.step", 22): 5,
        ("main.<locals>.<listcomp>", 34): 1,
        ("may_fail", 26): 6,
        ("Worker", 21): 1,
    }
    assert fns[("builtins.getattr", 0)].calls == 7 and fns[("builtins.getattr", 0)].file == ""
    main = fns[("main", 32)]
    assert main.total_time == pytest.approx(0.000186529) and main.self_time == pytest.approx(5.419e-05)
    assert fns[("square_sum", 13)].callers == {"/project/tiny.py:7:deco.<locals>.wrapper": pytest.approx(7.1074e-05)}
    assert ("builtins.exec", 0) not in fns  # VizTracer's own exec of the program is not a call of it
    # every call's self time is somewhere in the stacks
    assert sum(s.weight for s in profile.stacks) == pytest.approx(sum(f.self_time for f in profile.functions))


def test_recorded_trace_timeline_args_exceptions() -> None:
    profile = viztracer.VizTracerBackend().read(FIXTURE, RunMeta(cwd="/project"))
    assert len(profile.timeline) == 50 and profile.timeline[0].name == "<module>"
    assert [e.start for e in profile.timeline] == sorted(e.start for e in profile.timeline)
    fails = [e for e in profile.timeline if e.name == "may_fail"]
    assert [e.args for e in fails] == [{"x": str(i)} for i in range(6)]
    assert [e.return_value for e in fails] == [None, "1", "2", None, "4", "5"]  # 0 and 3 raised
    assert {e.depth for e in fails} == {2} and {e.thread for e in fails} == {"MainThread"}
    assert profile.exceptions == [
        ExceptionRecord(type="ValueError", message="bad 0", file="/project/tiny.py", line=26),
        ExceptionRecord(type="ValueError", message="bad 3", file="/project/tiny.py", line=26),
    ]
    assert profile.extras["viztracer"] == {"overflow": False, "events": 50}


def test_timeline_cap_keeps_the_longest_calls() -> None:
    data = json.loads((FIXTURE / viztracer.OUTPUT).read_text())
    profile = viztracer.parse_trace(data, timeline_cap=5)
    everything = sorted((e.duration for e in viztracer.parse_trace(data).timeline), reverse=True)
    assert sorted((e.duration for e in profile.timeline), reverse=True) == everything[:5]
    assert [e.start for e in profile.timeline] == sorted(e.start for e in profile.timeline)
    assert profile.timeline[0].name == "<module>" and profile.timeline[1].name == "deco"
    assert len(profile.timeline) == 5 and any("5 longest of 50" in n for n in profile.meta.notes)
    assert len(profile.functions) == 18  # the cap trims the timeline only


def test_exception_event_names() -> None:
    assert viztracer.parse_exception("Exception - ValueError() = ValueError('bad 0')") == ("ValueError", "bad 0")
    assert viztracer.parse_exception("Exception - err = mod.Error(3, 'x')") == ("mod.Error", "(3, 'x')")
    assert viztracer.parse_exception("Exception") is None  # a bare re-raise


def test_command_lines(tmp_path: Path) -> None:
    backend, out = viztracer.VizTracerBackend(), str(tmp_path / viztracer.OUTPUT)
    argv = backend.command(
        Target("script", "/p/x.py", args=["--quiet"]), "/py", tmp_path, BackendOptions(log_args=True)
    )
    assert argv[:3] == ["/py", "-m", "viztracer"] and "--log_func_args" in argv and "--log_func_retval" in argv
    assert argv[argv.index("--tracer_entries") + 1] == str(viztracer.TRACER_ENTRIES)
    assert argv[-5:] == ["-o", out, "--", "/p/x.py", "--quiet"]  # "--": the program's args stay its own
    assert backend.command(Target("module", "m", args=["a"]), "/py", tmp_path, BackendOptions())[-4:] == [
        "-m",
        "m",
        "--",
        "a",
    ]
    assert backend.command(Target("code", "pass"), "/py", tmp_path, BackendOptions())[-3:] == ["-c", "pass", "--"]
    assert "--log_func_args" not in backend.command(Target("code", "pass"), "/py", tmp_path, BackendOptions())


def test_missing_or_broken_trace(tmp_path: Path) -> None:
    with pytest.raises(BackendOutputError):
        viztracer.VizTracerBackend().read(tmp_path, RunMeta())
    (tmp_path / viztracer.OUTPUT).write_text('{"traceEvents": [')
    with pytest.raises(BackendOutputError):
        viztracer.VizTracerBackend().read(tmp_path, RunMeta())


def test_real_run_exact_calls_recursion_and_exceptions(tmp_path: Path) -> None:
    script = tmp_path / "rec.py"
    script.write_text(
        "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\n"
        "def check(x):\n    if x > 1:\n        raise RuntimeError('too big')\n\n"
        "def main():\n    for x in range(3):\n        try:\n            check(x)\n        except RuntimeError:\n            pass\n"
        "    return fib(12)\n\nprint(main())\n"
    )
    run = H.run(viztracer.VizTracerBackend(), Target("script", str(script), cwd=str(tmp_path)))
    assert run.failure.kind is FailureKind.OK, run.failure
    fns = {f.qualname: f for f in run.profile.functions}
    assert fns["fib"].calls == 465 and fns["check"].calls == 3  # fib(12): 2 * fib(13) - 1 calls
    assert fns["fib"].total_time <= fns["main"].total_time  # recursion not counted twice
    assert run.profile.exceptions == [ExceptionRecord(type="RuntimeError", message="too big", file=str(script), line=4)]


def test_real_run_buffer_overflow_is_noted(tmp_path: Path) -> None:
    code = "def f():\n    pass\nfor _ in range(3000):\n    f()\n"
    options = BackendOptions(extra_args=["--tracer_entries", "1000"])  # the last value wins
    run = H.run(viztracer.VizTracerBackend(), Target("code", code, cwd=str(tmp_path)), options)
    assert run.failure.kind is FailureKind.OK, run.failure
    assert run.profile.extras["viztracer"]["overflow"] is True
    assert any("dropped the EARLIEST" in n for n in run.profile.meta.notes)
    f = [fn for fn in run.profile.functions if fn.qualname == "f"]
    assert f and f[0].file == "<string>" and f[0].calls < 3000  # only the end of the run survived


@pytest.mark.slow
def test_ground_truth_functions() -> None:
    run = H.run(viztracer.VizTracerBackend(), H.gt_target())
    assert run.failure.kind is FailureKind.OK, run.failure
    assert run.profile.extras["viztracer"]["overflow"] is False, run.profile.meta.notes
    errors = H.errors_pp(H.function_shares(run.profile, str(H.GT_CPU_THREE)), H.ground_truth(run.stdout))
    H.report("viztracer", "function", errors)
    # measured here: <= 0.1 pp; a function given another's time would be off by >= 10 pp
    assert all(abs(e) <= 4 for e in errors.values()), errors
