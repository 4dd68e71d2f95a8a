"""benchmarks/stress.py's bookkeeping: runs go in even levels, a record file resumes a batch, each run is
classified against the plain run, and the summary counts per backend and Python. One real run at the end
(one program, one run) through the CLI with a record file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import stress  # noqa: E402
from heatlens.backends.pyspy import find_pyspy  # noqa: E402
from heatlens.model import Failure, FailureKind  # noqa: E402
from heatlens.run import RunResult  # noqa: E402


def test_levels_reach_the_run_count_in_steps() -> None:
    assert stress.levels(50, 10) == [10, 20, 30, 40, 50]
    assert stress.levels(25, 10) == [10, 20, 25]
    assert stress.levels(3, 10) == [3]


def test_records_hold_no_path_of_this_machine() -> None:
    import tempfile
    text = f"{stress.REPO}/server/x.py {Path.home()}/.pyenv/python {tempfile.gettempdir()}/heatlens-run-1"
    assert stress.scrubbed(text) == "<repo>/server/x.py ~/.pyenv/python <tmp>/heatlens-run-1"


def test_a_run_is_classified_against_the_plain_run() -> None:
    want = subprocess.CompletedProcess([], 0, stdout=b"out\n", stderr=b"")
    ok = RunResult(profile=None, failure=Failure(FailureKind.OK, ""), stdout="out\n", stderr="")
    assert stress.classify_run(ok, want) == ("ok", "")
    changed = RunResult(profile=None, failure=Failure(FailureKind.OK, ""), stdout="out\n", stderr="py-spy panicked\n")
    assert stress.classify_run(changed, want)[0] == "output"
    hung = RunResult(profile=None, failure=Failure(FailureKind.TIMEOUT, "60 s"))
    assert stress.classify_run(hung, want) == ("hang", "60 s")
    died = RunResult(profile=None, failure=Failure(FailureKind.SIGNAL, "SIGSEGV"), stderr="Fatal Python error")
    outcome, detail = stress.classify_run(died, want)
    assert outcome == "crash" and "SIGSEGV" in detail and "Fatal Python error" in detail


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_the_program_alone_is_classified_and_a_hung_one_leaves_no_process(tmp_path: Path) -> None:
    """`--backend none`: the program's own rate of hangs (a pool that hangs by itself is not heatlens's)."""
    class Programs:  # the stress test module's attributes that the baseline uses
        STRESS, TIMEOUT = tmp_path, 3.0
    (tmp_path / "ok.py").write_text("print('out')\n")
    mark = "baseline_child_" + tmp_path.name  # this test's child alone
    (tmp_path / "hangs.py").write_text("import subprocess, sys, time\n"
                                       f"child = subprocess.Popen([sys.executable, '-c', '{mark} = 1; import time; time.sleep(60)'], "
                                       "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
                                       "time.sleep(60)\n")
    want = subprocess.CompletedProcess([], 0, stdout=b"out\n", stderr=b"")
    assert stress.unprofiled(Programs, "ok.py", (), sys.executable, want) == ("ok", "")
    other = subprocess.CompletedProcess([], 0, stdout=b"other\n", stderr=b"")
    assert stress.unprofiled(Programs, "ok.py", (), sys.executable, other)[0] == "output"
    outcome, detail = stress.unprofiled(Programs, "hangs.py", (), sys.executable, want)
    assert outcome == "hang" and "without heatlens" in detail
    time.sleep(0.2)
    children = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            children += [cmdline.parent.name] if mark.encode() in cmdline.read_bytes() else []
        except OSError:
            continue  # ended meanwhile
    assert not children, children  # the hung program's child went with it


@pytest.mark.skipif(find_pyspy() is None, reason="py-spy binary not installed")
def test_a_slow_run_gets_the_stacks_of_its_processes(tmp_path: Path) -> None:
    # The watchdog's dump: every process carrying the run's marker (a parent and the child it waits on),
    # with where each one was; other processes are left out.
    prog = tmp_path / "stuck.py"
    prog.write_text("import subprocess, sys, time\n"
                    "def wait_for_child():\n"
                    "    subprocess.run([sys.executable, '-c', 'import time\\ndef child_sleeps():\\n time.sleep(60)\\nchild_sleeps()'])\n"
                    "wait_for_child()\n")
    marker = "HEATLENS_STRESS_RUN=" + "ab" * 8
    env = dict(os.environ, HEATLENS_STRESS_RUN="ab" * 8)
    parent = subprocess.Popen([sys.executable, str(prog)], env=env)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        deadline = time.monotonic() + 20
        while len(stress.marked_pids(marker)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)  # the child is in its function
        stacks = stress.stacks_of(marker)
    finally:
        for proc in (parent, other):
            for pid in [proc.pid] + (stress.marked_pids(marker) if proc is parent else []):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            proc.wait()
    assert f"== {parent.pid}:" in stacks and "wait_for_child" in stacks and "child_sleeps" in stacks, stacks
    assert f"== {other.pid}:" not in stacks


def test_summary_counts_per_backend_and_python() -> None:
    def rec(backend: str, python: str, program: str, outcome: str, commit: str = "abc") -> dict:
        return {"backend": backend, "python": python, "program": program, "outcome": outcome, "commit": commit}

    table = stress.summarize([rec("auto", "3.10", "a.py", "ok"), rec("auto", "3.10", "a.py", "output", "def"),
                              rec("auto", "3.10", "b.py", "ok"), rec("auto", "3.9", "a.py", "hang"),
                              rec("agent", "3.9", "a.py", "crash")])
    rows = table.splitlines()[2:]
    assert rows == ["| agent | 3.9 | 1 | 1 × 1 | 1 | 0 | 0 | abc |",
                    "| auto | 3.9 | 1 | 1 × 1 | 0 | 1 | 0 | abc |",  # 3.9 before 3.10: versions sort as numbers
                    "| auto | 3.10 | 3 | 2 × 1–2 | 0 | 0 | 1 | abc, def |"]


def test_a_recorded_batch_resumes_where_it_stopped(tmp_path: Path) -> None:
    record = tmp_path / "runs.jsonl"
    version = "%d.%d" % sys.version_info[:2]
    module = stress.REPO / "tests" / "backends" / "test_agent_stress.py"
    programs = stress._load("heatlens_agent_stress", module).PROGRAMS
    done = [stress.program_label(*p) for p in programs if p[0] != "os_fork.py"]  # every program but one ran
    record.write_text("".join(json.dumps({"backend": "agent", "python": version, "program": label, "outcome": "ok",
                                          "commit": "x"}) + "\n" for label in done))
    code = stress.main(["--runs", "1", "--backend", "agent", "--python", version, "--record", str(record)])
    new = [json.loads(line) for line in record.read_text().splitlines()][len(done):]
    assert [r["program"] for r in new] == ["os_fork.py"]  # only what the record lacked, appended
    assert code == 0 and new[0]["outcome"] == "ok" and new[0]["used"] == "agent" and new[0]["commit"] != "x"
