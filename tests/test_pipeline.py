"""The one pipeline: a real run is read, analysed through `analyse_file` (graded by the options' thresholds),
checked for leaks and stored; the analysis (LibCST) is imported only when a user file is there; the CLI,
the language server and the Python API all go through it."""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, List

import pytest

from heatlens import pipeline
from heatlens.backends.base import Target
from heatlens.model import FileProfile, Finding, LineStats, Profile, RunMeta
from heatlens.options import ProfileOptions
from heatlens.store import open_store

MEMBERSHIP = textwrap.dedent('''
    def count_allowed(words):
        allowed = [str(i) for i in range(400)]
        hits = 0
        for w in words:
            if str(w) in allowed:
                hits += 1
        return hits


    print(count_allowed([i % 800 for i in range(40000)]))
''').lstrip()
HOT_LINE = 5


def test_a_real_run_is_analysed_graded_and_stored(tmp_path: Path) -> None:
    prog = tmp_path / "prog.py"
    prog.write_text(MEMBERSHIP)
    phases: List[str] = []
    options = ProfileOptions(project_root=str(tmp_path))
    outcome = asyncio.run(pipeline.profile(Target("script", str(prog), cwd=str(tmp_path)), options,
                                           progress=phases.append, save=pipeline.saver(str(tmp_path))))
    assert outcome.result.failure.ok and outcome.profile is not None
    assert ("list-membership", HOT_LINE) in {(f.rule, f.line) for f in outcome.profile.findings}
    assert {"running", "analysing", "storing"} <= set(phases)
    assert [(f.rule, f.line) for f in outcome.analysed[str(prog)] if f.rule == "list-membership"] == [("list-membership", HOT_LINE)]
    assert outcome.run_id is not None
    with open_store(str(tmp_path)) as db:
        stored = db.load(outcome.run_id)
    assert {(f.rule, f.line) for f in stored.findings} == {(f.rule, f.line) for f in outcome.profile.findings}


def _hand_built(path: Path, root: Path) -> Profile:
    lines = [LineStats(5, cpu_python=0.9, samples=900), LineStats(6, cpu_python=0.1, samples=100)]
    meta = RunMeta(argv=[str(path)], target=str(path), backend="pyspy", cwd=str(root), project_root=str(root), cpu_time=1.0)
    return Profile(meta=meta, files=[FileProfile(path=str(path), lines=lines)])


def test_finish_grades_by_the_options_thresholds_and_keeps_the_ungraded(tmp_path: Path) -> None:
    prog = tmp_path / "prog.py"
    prog.write_text(MEMBERSHIP)
    strict = pipeline.finish(_hand_built(prog, tmp_path), ProfileOptions(warning_share=0.99, info_share=0.95))
    assert strict.profile is not None and strict.profile.findings == [] and strict.run_id is None
    assert [f.rule for f in strict.analysed[str(prog)]] == ["list-membership"]  # still there for a re-grade
    default = pipeline.finish(_hand_built(prog, tmp_path), ProfileOptions())
    assert default.profile is not None and [(f.rule, f.severity) for f in default.profile.findings] == [("list-membership", "warning")]


def test_a_library_file_is_not_analysed(tmp_path: Path) -> None:
    lib = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "dep.py"
    lib.parent.mkdir(parents=True)
    lib.write_text(MEMBERSHIP)
    outcome = pipeline.finish(_hand_built(lib, tmp_path), ProfileOptions())
    assert outcome.analysed == {} and outcome.profile is not None and outcome.profile.findings == []


LAZY = '''
import asyncio, sys
from heatlens import pipeline
from heatlens.backends.base import Target
from heatlens.options import ProfileOptions
target = Target("code", "x = 1") if sys.argv[1] == "code" else Target("script", sys.argv[1])
out = asyncio.run(pipeline.profile(target, ProfileOptions(backend="agent")))
assert out.result.failure.ok, out.result.failure
print(sorted(m for m in sys.modules if m == "libcst" or m == "heatlens.analysis.findings"))
'''


def test_the_analysis_is_imported_only_when_a_user_file_is_there(tmp_path: Path) -> None:
    prog = tmp_path / "prog.py"
    prog.write_text(MEMBERSHIP)
    nothing = subprocess.run([sys.executable, "-c", LAZY, "code"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert nothing.returncode == 0, nothing.stderr
    assert nothing.stdout.strip() == "[]"
    something = subprocess.run([sys.executable, "-c", LAZY, str(prog)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert something.returncode == 0, something.stderr
    assert "heatlens.analysis.findings" in something.stdout


# ---- every entry point goes through the pipeline ---------------------------------------------------------


class _Spy:
    def __init__(self) -> None:
        self.calls: List[Any] = []


def test_the_cli_runs_the_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from heatlens.commands import run as run_cmd
    from heatlens.model import Failure, FailureKind

    spy = _Spy()

    async def fake(target: Target, options: ProfileOptions, **kw: Any) -> pipeline.Outcome:
        spy.calls.append((target, options))
        return pipeline.Outcome(argparse.Namespace(profile=None, failure=Failure(FailureKind.OK, ""), wall_time=0.0))

    monkeypatch.setattr(pipeline, "profile", fake)
    parser = argparse.ArgumentParser()
    run_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["run", "--no-store", "--interval", "5ms", "--timeout", "0", str(tmp_path / "p.py")])
    assert run_cmd.run_command(args) == 0
    [(target, options)] = spy.calls
    assert target.value == str(tmp_path / "p.py") and options.sample_interval == 0.005 and options.timeout is None


def test_the_attach_command_runs_the_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    from heatlens.commands import attach as attach_cmd
    from heatlens.model import Failure, FailureKind

    spy = _Spy()

    async def fake(target: Target, options: ProfileOptions, **kw: Any) -> pipeline.Outcome:
        spy.calls.append((target, kw["attach_seconds"], kw["attach_rate"], kw["save"]))
        return pipeline.Outcome(argparse.Namespace(profile=None, failure=Failure(FailureKind.TARGET_NOT_FOUND, "gone"),
                                                   wall_time=0.0))

    monkeypatch.setattr(pipeline, "profile", fake)
    parser = argparse.ArgumentParser()
    attach_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["attach", "4242", "--duration", "2", "--rate", "100", "--no-store"])
    assert attach_cmd.attach_command(args) == 17
    assert [(t.kind, t.value, seconds, rate, save) for t, seconds, rate, save in spy.calls] == [("pid", "4242", 2.0, 100, None)]


def test_the_api_finishes_through_the_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import heatlens

    spy = _Spy()
    real = pipeline.finish

    def recording(prof: Profile, options: ProfileOptions, save: Any = None, before_save: Any = None) -> pipeline.Outcome:
        spy.calls.append(options)
        return real(prof, options, save, before_save)

    monkeypatch.setattr(pipeline, "finish", recording)
    p = heatlens.Profiler("t", interval=0.002, store=False, project_root=str(tmp_path))
    p.start()
    sum(i * i for i in range(200000))
    assert p.stop() is not None
    [options] = spy.calls
    assert options.sample_interval == 0.002 and options.project_root == str(tmp_path)


def test_the_language_server_runs_the_pipeline_with_the_editor_s_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from heatlens.lsp import requests
    from heatlens.lsp.protocol import ProfileParams
    from heatlens.lsp.settings import parse_settings

    spy = _Spy()

    async def fake(target: Target, options: ProfileOptions, **kw: Any) -> pipeline.Outcome:
        spy.calls.append(options)
        return pipeline.Outcome(argparse.Namespace(profile=None, failure=None, wall_time=0.0))

    class History:
        def store(self) -> None:
            return None

    class Job:
        target = "t"
        cancel_event = asyncio.Event

    monkeypatch.setattr(pipeline, "profile", fake)
    settings, _ = parse_settings({"sampleInterval": 0.004, "timeout": 0, "memory": "off"})
    ls = argparse.Namespace(settings=settings, project_root="/p", history=History(), roots=lambda: ["/p"],
                            show=lambda m: None)

    async def go() -> None:
        job = Job()
        job.cancel_event = asyncio.Event()  # type: ignore[assignment]
        await requests.run_pipeline(ls, ProfileParams(backend="agent"), Target("script", "/p/x.py"), lambda p: None,
                                    job, None)

    asyncio.run(go())
    [options] = spy.calls
    assert (options.sample_interval, options.timeout, options.memory, options.backend) == (0.004, None, "off", "agent")


def test_findings_carry_the_file_they_were_analysed_in(tmp_path: Path) -> None:
    prog = tmp_path / "prog.py"
    prog.write_text(MEMBERSHIP)
    outcome = pipeline.finish(_hand_built(prog, tmp_path), ProfileOptions())
    found: List[Finding] = outcome.analysed[str(prog)]
    assert found and all(f.file == str(prog) for f in found)


def test_on_read_runs_while_the_analysis_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The editor paints the measured lines before the analysis of a big file ends: `on_read` is awaited
    beside the analysis, which here waits until on_read has seen the profile."""
    import threading

    seen = threading.Event()
    real = pipeline.analyse

    def slow_analyse(prof: Profile, options: ProfileOptions, progress: Any = None) -> Any:
        assert seen.wait(60), "on_read did not run while the analysis was running"
        return real(prof, options, progress)

    async def on_read(prof: Profile) -> None:
        assert prof.findings == []  # not analysed yet
        seen.set()

    monkeypatch.setattr(pipeline, "analyse", slow_analyse)
    prog = tmp_path / "prog.py"
    prog.write_text(MEMBERSHIP)
    outcome = asyncio.run(pipeline.profile(Target("script", str(prog), cwd=str(tmp_path)),
                                           ProfileOptions(project_root=str(tmp_path)), on_read=on_read))
    assert seen.is_set() and outcome.profile is not None
    assert "list-membership" in {f.rule for f in outcome.profile.findings}


def test_what_the_caller_needs_after_the_run_is_imported_while_the_program_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`preload`: the CLI's report modules are imported beside the running program (heatlens only waits
    then), in a thread started once the program started, and are there when the pipeline returns."""
    (tmp_path / "after_run_probe.py").write_text("import threading\nTHREAD = threading.current_thread().name\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "after_run_probe", raising=False)
    prog = tmp_path / "prog.py"
    prog.write_text("import time\ntime.sleep(0.3)\n")
    outcome = asyncio.run(pipeline.profile(Target("script", str(prog), cwd=str(tmp_path)),
                                           ProfileOptions(backend="agent"), preload=("after_run_probe",)))
    assert outcome.profile is not None
    assert sys.modules["after_run_probe"].THREAD == "heatlens-preload"
