"""Threads that run no Python code (pyspy_native.py): a library's native workers are shown as native code, not as
time the profiler did not see."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from heatlens.backends import pyspy
from heatlens.backends.base import BackendOptions, Target
from heatlens.backends.pyspy_native import FILE, FRAME, add_native_threads, native_threads
from heatlens.backends.pyspy_parse import SAMPLED, parse_raw
from heatlens.model import FailureKind, Profile, RunMeta
from heatlens.reports import render

import heatlens_backend_harness as H  # noqa: E402  (registered by conftest.py)

RAW = ('process 5:"python app.py";thread (5): MainThread;<module> (/p/app.py:3) 40\n'
       'process 5:"python app.py";thread (9);work (/p/app.py:8) 2\n'
       'process 5:"python app.py";process 6:"python app.py";thread (11);worker (/p/app.py:14) 50\n')


def test_the_threads_sampled_are_the_program_s_own_process_s() -> None:
    profile = parse_raw(RAW, 100.0, "/", 5, launcher=False, later=("thread (12);f (/p/app.py:20) 3\n", 100.0))
    assert set(profile.extras[SAMPLED]) == {5, 9, 12}  # 11 is a child's thread


def test_a_thread_never_sampled_that_used_cpu_is_native_but_not_the_main_one_heatlens_s_or_an_idle_one() -> None:
    cpu = {5: 2.0, 9: 0.3, 13: 0.8, 14: 0.001, 15: 0.05, 0x7F00AA00BB00: 0.8}
    assert native_threads(cpu, {5, 9}, 5, heatlens={15}) == {13: 0.8}


def test_native_threads_are_native_code_in_stacks_of_their_own_and_told() -> None:
    profile = Profile(meta=RunMeta(target="app.py", cpu_time=3.0))
    add_native_threads(profile, {13: 0.8, 17: 0.2}, 250.0)
    assert [(s.thread, s.weight) for s in profile.stacks] == [("thread 13", 0.8), ("thread 17", 0.2)]
    assert profile.frames[-1].name == FRAME and profile.frames[-1].native
    assert profile.file(FILE).lines[0].cpu_native == pytest.approx(1.0)
    assert [f.qualname for f in profile.functions] == [FRAME]
    assert "2 thread(s) ran no Python code (1.00 s of CPU)" in profile.meta.notes[-1]
    before = len(profile.stacks)
    add_native_threads(profile, {}, 250.0)
    assert len(profile.stacks) == before


MATMUL = """\
import numpy as np
a = np.random.default_rng(0).random((500, 500))
for _ in range(40):
    b = a @ a.T  # BLAS: its worker threads run no Python code
print("done")
"""


@pytest.mark.skipif(pyspy.find_pyspy() is None or sys.version_info < (3, 11), reason="py-spy, and numpy for the test")
def test_blas_workers_are_native_code_not_unseen_time(tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    prog = tmp_path / "matmul.py"
    prog.write_text(MATMUL)
    run = H.run(pyspy.PySpyBackend(), Target("script", str(prog), cwd=str(tmp_path), env={"OPENBLAS_NUM_THREADS": "2"}),
                BackendOptions())
    assert run.failure.kind is FailureKind.OK, (run.failure, run.stderr)
    native = [s for s in run.profile.stacks if run.profile.frames[s.frames[-1]].name == FRAME]
    assert native and sum(s.weight for s in native) > 0.05, [(run.profile.frames[s.frames[-1]].name, s.weight)
                                                            for s in run.profile.stacks]
    data = json.loads(render(run.profile, "summary", "json"))
    assert data["split"]["native"]["seconds"] == pytest.approx(sum(s.weight for s in native))
    acc = data["time_account"]
    assert acc["not_seen"] < sum(s.weight for s in native), acc  # before: the workers' CPU was all "not seen"
