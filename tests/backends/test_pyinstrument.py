"""pyinstrument adapter: recorded session, real runs (script, -c, sys.exit, an exception), ground truth."""

from __future__ import annotations

from pathlib import Path

import pytest
from heatlens.backends import pyinstrument
from heatlens.backends.base import BackendOptions, BackendOutputError, Target
from heatlens.model import FailureKind, Frame, RunMeta, StackSample

FIXTURE = Path(__file__).parents[1] / "fixtures" / "backends" / "pyinstrument"


import heatlens_backend_harness as H  # noqa: E402  (registered by conftest.py)


def test_recorded_session_stacks_and_functions() -> None:
    profile = pyinstrument.PyinstrumentBackend().read(FIXTURE, RunMeta(cwd="/project"))
    fns = {f.qualname: f for f in profile.functions}
    assert set(fns) == {"<module>", "main", "wrapper", "square_sum", "Worker.step", "sum", "<listcomp>"}
    assert [(fns[n].file, fns[n].line) for n in ("square_sum", "Worker.step", "wrapper")] == [
        ("/project/tiny.py", 13),
        ("/project/tiny.py", 22),
        ("/project/tiny.py", 7),  # co_firstlineno
    ]
    assert fns["square_sum"].self_time == pytest.approx(0.3356313770001407)
    assert fns["Worker.step"].self_time == pytest.approx(0.004126956999925824)
    assert fns["Worker.step"].total_time == pytest.approx(0.07210578299986992)
    assert (fns["sum"].file, fns["sum"].self_time) == ("", pytest.approx(0.06797882599994409))
    assert fns["main"].total_time == pytest.approx(0.46050221600000896) and fns["main"].self_time == 0.0
    assert fns["sum"].callers == {"/project/tiny.py:22:Worker.step": pytest.approx(0.06797882599994409)}
    assert fns["square_sum"].calls is None  # a sampler does not count calls
    # 13 records, merged into 5 distinct stacks; pyinstrument's own CLI and runpy frames are stripped
    assert len(profile.stacks) == 5 and sum(s.weight for s in profile.stacks) == pytest.approx(0.4716556880000553)
    assert all(profile.frames[s.frames[0]].name == "<module>" for s in profile.stacks)
    assert [f for f in profile.frames if f.native] == [Frame(name="sum", file="", line=0, native=True)]
    assert profile.files == [] and all(s.leaf_line == 0 for s in profile.stacks)  # no line data: by design
    assert profile.meta.sample_interval == 0.001 and profile.extras["pyinstrument"]["sample_count"] == 13
    assert any("main thread" in n for n in profile.meta.notes)


def test_frame_ids_and_launcher_stripping() -> None:
    assert pyinstrument.parse_frame_id("step\x00tiny.py\x0022\x01cWorker\x01l23") == ("step", "tiny.py", 22, "Worker")
    assert pyinstrument.parse_frame_id("sum\x00<built-in>\x000") == ("sum", "<built-in>", 0, None)
    main = "/venv/lib/python3.11/site-packages/pyinstrument/__main__.py"
    module_run = [
        f"<module>\x00{main}\x001",
        f"main\x00{main}\x0030",
        "<module>\x00<string>\x001",
        "run_module\x00<frozen runpy>\x00201",
        "_run_code\x00<frozen runpy>\x0065",
        "<module>\x00/p/pkg/__main__.py\x001",
    ]
    assert pyinstrument.strip_launcher(module_run) == ["<module>\x00/p/pkg/__main__.py\x001"]
    code_run = [f"<module>\x00{main}\x001", f"main\x00{main}\x0030", "<module>\x00<string>\x001", "f\x00<string>\x003"]
    assert pyinstrument.strip_launcher(code_run) == ["<module>\x00<string>\x001", "f\x00<string>\x003"]


def test_functions_from_stacks_counts_recursion_once() -> None:
    frames = [Frame("main", "/a.py", 1), Frame("rec", "/a.py", 5)]
    stacks = [StackSample([0, 1, 1, 1], 0.3), StackSample([0], 0.1)]
    fns = {f.qualname: f for f in pyinstrument.functions_from_stacks(frames, stacks)}
    assert fns["rec"].total_time == pytest.approx(0.3) and fns["rec"].self_time == pytest.approx(0.3)
    assert fns["main"].total_time == pytest.approx(0.4) and fns["main"].self_time == pytest.approx(0.1)
    assert fns["rec"].callers == {"/a.py:1:main": pytest.approx(0.3)}  # self-recursion is not an edge


def test_command_lines(tmp_path: Path) -> None:
    backend, out = pyinstrument.PyinstrumentBackend(), str(tmp_path / pyinstrument.OUTPUT)
    argv = backend.command(
        Target("script", "/p/x.py", args=["-i", "9"]), "/py", tmp_path, BackendOptions(sample_interval=0.002)
    )
    assert argv == ["/py", "-m", "pyinstrument", "-i", "0.002", "-r", "pyisession", "-o", out, "/p/x.py", "-i", "9"]
    assert backend.command(Target("code", "pass", args=["a"]), "/py", tmp_path, BackendOptions())[-3:] == [
        "-c",
        "pass",
        "a",
    ]
    assert backend.command(Target("module", "m"), "/py", tmp_path, BackendOptions())[-2:] == ["-m", "m"]


def test_empty_or_missing_session_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BackendOutputError):
        pyinstrument.PyinstrumentBackend().read(tmp_path, RunMeta())
    (tmp_path / pyinstrument.OUTPUT).write_text("")
    with pytest.raises(BackendOutputError, match="uncaught exception"):
        pyinstrument.PyinstrumentBackend().read(tmp_path, RunMeta())


def test_real_run_of_a_script(tmp_path: Path) -> None:
    run = H.run(pyinstrument.PyinstrumentBackend(), H.tiny_target(400_000, tmp_path))
    assert run.failure.kind is FailureKind.OK, run.failure
    fns = {f.qualname: f for f in run.profile.functions}
    script = str(tmp_path / "tiny.py")
    assert (fns["square_sum"].file, fns["square_sum"].line) == (script, 13)
    assert fns["square_sum"].self_time > fns["Worker.step"].self_time  # tiny.py's loop outweighs one sum()
    assert fns["main"].total_time >= fns["square_sum"].total_time + fns["Worker.step"].total_time - 1e-9


def test_real_run_of_a_snippet_that_calls_sys_exit(tmp_path: Path) -> None:
    code = "import sys, time\ndef spin():\n    t = time.time()\n    while time.time() - t < 0.1:\n        pass\nspin()\nsys.exit(2)\n"
    run = H.run(pyinstrument.PyinstrumentBackend(), Target("code", code, cwd=str(tmp_path)))
    assert run.failure.kind is FailureKind.NONZERO_EXIT and run.failure.exit_code == 2
    spin = [f for f in run.profile.functions if f.qualname == "spin"]  # saved despite the exit
    assert spin and spin[0].file == "<string>" and spin[0].total_time > 0.05


def test_real_run_that_raises_is_the_targets_failure(tmp_path: Path) -> None:
    script = tmp_path / "raises.py"
    script.write_text("raise KeyError('nope')\n")
    run = H.run(pyinstrument.PyinstrumentBackend(), Target("script", str(script), cwd=str(tmp_path)))
    assert run.failure.kind in (FailureKind.EXCEPTION, FailureKind.NONZERO_EXIT), run.failure
    assert run.profile is None  # pyinstrument saves nothing then; the target's error is what is reported


@pytest.mark.slow
def test_ground_truth_functions() -> None:
    run = H.run(pyinstrument.PyinstrumentBackend(), H.gt_target())
    assert run.failure.kind is FailureKind.OK, run.failure
    errors = H.errors_pp(H.function_shares(run.profile, str(H.GT_CPU_THREE)), H.ground_truth(run.stdout))
    H.report("pyinstrument", "function", errors)
    # measured here: <= 0.1 pp; a function given another's time would be off by >= 10 pp
    assert all(abs(e) <= 4 for e in errors.values()), errors
