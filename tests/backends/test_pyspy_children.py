"""pyspy_children: the program is sampled without py-spy's --subprocesses (it costs every sample); each
Python child gets its own py-spy when the wrapper sees it, and the outputs are read as one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from heatlens.backends import pyspy, pyspy_children, pyspy_wrapper
from heatlens.backends.base import BackendOptions, Target
from heatlens.backends.pyspy_parse import parse_raw
from heatlens.model import FailureKind

import heatlens_backend_harness as H  # noqa: E402  (registered by conftest.py)

CHILDREN = Path(__file__).parents[1] / "fixtures" / "children"
needs_pyspy = pytest.mark.skipif(pyspy.find_pyspy() is None or not pyspy_children.children_listed(os.getpid()),
                                 reason="py-spy binary not installed, or /proc lists no children here")


def test_a_childs_record_has_its_own_output_and_its_children_and_never_pauses_it() -> None:
    # a child's unbuffered output has no launcher to make its writes whole: a pause could cut one short
    record = ["py-spy", "record", "-r", "250", "--subprocesses", "-o", "/out/pyspy.txt", "-t"]
    expected = ["py-spy", "record", "-r", "250", "-t", "--subprocesses", "--nonblocking", "-o", "/out/pyspy-child-42.txt",
                "--pid", "42"]
    assert pyspy_children.child_record(record, "/out", 42) == expected
    assert pyspy_children.child_record(record[:2] + ["--nonblocking"] + record[2:], "/out", 42) == expected


def test_the_programs_py_spy_runs_without_subprocesses_where_children_are_listed(tmp_path: Path) -> None:
    spies = pyspy_wrapper._child_spies(["py-spy", "record", "--subprocesses"], str(tmp_path))
    assert (spies is not None) == pyspy_children.children_listed(os.getpid())
    assert pyspy_wrapper._child_spies(["py-spy", "record"], str(tmp_path)) is None  # --no-children


def test_children_of_lists_every_threads_children() -> None:
    if not pyspy_children.children_listed(os.getpid()):
        pytest.skip("/proc lists no children here")
    code = ("import subprocess, sys, threading\n"
            "t = threading.Thread(target=lambda: subprocess.run([sys.executable, '-c', 'import time; time.sleep(3)']))\n"
            "t.start(); print('up', flush=True); t.join()\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"up"
        found: list = []
        for _ in range(100):  # the thread starts its child right after printing
            found = pyspy_children.children_of(proc.pid)
            if found:
                break
            subprocess.run(["sleep", "0.02"])
        assert len(found) == 1 and pyspy_children.is_python(found[0], os.readlink("/proc/%d/exe" % proc.pid))
    finally:
        for child in pyspy_children.children_of(proc.pid):
            os.kill(child, 9)
        proc.wait(10)
    assert pyspy_children.children_of(proc.pid) == []  # gone: nothing, no error


def test_the_childrens_records_are_read_with_the_programs(tmp_path: Path) -> None:
    (tmp_path / "pyspy-child-11.txt").write_text('process 11:"python -c x";thread (11);<module> (c.py:3) 5\n')
    text = pyspy_children.with_children("thread (10);<module> (app.py:7) 9\n", str(tmp_path), 10, "python app.py")
    profile = parse_raw(text, 1000.0, str(tmp_path), 10, launcher=False)
    assert profile.extras["pyspy_processes"] == {"10": "python app.py", "11": "python -c x"}
    samples = {(Path(f.path).name, s.line): s.samples for f in profile.files for s in f.lines}
    assert samples[("app.py", 7)] == 9 and samples[("c.py", 3)] == 5
    alone = tmp_path / "no_children"
    alone.mkdir()
    assert pyspy_children.with_children("thread (10);f (a.py:1) 1\n", str(alone), 10, "p") == "thread (10);f (a.py:1) 1\n"


@needs_pyspy
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pool_workers_are_profiled(method: str) -> None:
    run = H.run(pyspy.PySpyBackend(), Target("script", str(CHILDREN / "pool_workers.py"), [method], cwd=str(CHILDREN)),
                BackendOptions(memory="off", sample_interval=0.004))
    assert run.failure.kind is FailureKind.OK, (run.failure, run.stderr)
    truth = json.loads(run.stdout.strip().splitlines()[-1])
    assert run.profile is not None
    self_time = {fn.qualname: 0.0 for fn in run.profile.functions}
    for fn in run.profile.functions:
        if fn.file == str(CHILDREN / "pool_workers.py"):
            self_time[fn.qualname] += fn.self_time
    # two workers each burned 0.25 s in child_work, beside each other and their py-spys: seen running longer
    # than they ran, they are scaled to their own CPU, and the parent's pool threads, seen running in their
    # waits, to theirs (all scaled together to the whole CPU, the workers read +26 %, and the parent's work,
    # which ran alone, lost 40-57 % of its time: 0.17-0.24 s of 0.4)
    assert self_time.get("child_work", 0.0) == pytest.approx(truth["child_work"], rel=0.15), self_time
    assert 0.7 * truth["parent_work"] < self_time.get("parent_work", 0.0) < 1.2 * truth["parent_work"], self_time
    assert len(run.profile.extras.get("pyspy_processes", {})) >= 3  # the program and its two workers
