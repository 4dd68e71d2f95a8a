"""SIGKILL of `heatlens run` or of the daemon mid-run: every descendant of the target dies anyway (a
subprocess child, a setsid() child, a double-forked daemon, multiprocessing fork and spawn workers, the
resource tracker, and the target itself) and the run's temporary directory is removed. heatlens gets no
chance to clean up; the run's reaper (server/heatlens/run/reaper.py), which outlives it, must."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import psutil
import pytest

from heatlens_reliability import TESTS, clean_env, wire  # type: ignore[import-not-found]

EVERY_KIND = TESTS / "fixtures" / "children" / "every_kind.py"
KINDS = {"target", "subprocess", "setsid", "daemon", "mp_fork", "mp_spawn", "resource_tracker"}
START_WAIT = 90.0  # seconds for the fixture to start all its children (a loaded machine)
DEATH_WAIT = 15.0  # seconds for the reaper's SIGTERM, grace and SIGKILL after heatlens died


def backends() -> List[str]:
    """The in-process agent, and py-spy (a wrapper and py-spy between runner and target) where it runs."""
    from heatlens.backends.base import BackendUnavailable
    from heatlens.backends import get_backend

    names = ["agent"]
    try:
        get_backend("pyspy").check_available(sys.executable)
        names.append("pyspy")
    except (BackendUnavailable, KeyError, ValueError):
        pass
    return names


def wait_for_pids(pid_file: Path, heatlens: subprocess.Popen) -> Dict[str, int]:
    deadline = time.monotonic() + START_WAIT
    while not pid_file.exists():
        assert heatlens.poll() is None, f"heatlens exited ({heatlens.returncode}) before the target started them all"
        assert time.monotonic() < deadline, "the fixture never wrote its pids"
        time.sleep(0.1)
    pids = json.loads(pid_file.read_text())
    assert set(pids) == KINDS
    return pids


def alive(pids: Dict[str, int]) -> Dict[str, int]:
    left = {}
    for kind, pid in pids.items():
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                left[kind] = pid
        except psutil.NoSuchProcess:
            continue
    return left


def run_dirs(tmp: Path) -> List[Path]:
    return sorted(tmp.glob("heatlens-run-*"))


def assert_all_gone_after_kill(heatlens: subprocess.Popen, pid_file: Path, tmp: Path) -> None:
    """SIGKILL heatlens once the target started everything; then no pid may live, no run dir remain."""
    pids = wait_for_pids(pid_file, heatlens)
    assert not set(KINDS) - set(alive(pids)), "a descendant died before heatlens was killed"
    assert run_dirs(tmp), "the run's temporary directory was not where the test looks"
    heatlens.send_signal(signal.SIGKILL)
    heatlens.wait(10)
    deadline = time.monotonic() + DEATH_WAIT
    while (alive(pids) or run_dirs(tmp)) and time.monotonic() < deadline:
        time.sleep(0.1)
    left, dirs = alive(pids), run_dirs(tmp)
    for pid in left.values():  # leave the machine clean even when the test fails
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    assert left == {}, f"alive {DEATH_WAIT:.0f} s after heatlens was SIGKILLed: {left}"
    assert dirs == [], f"the run's temporary directory survived: {dirs}"


def private_tmp(tmp_path: Path) -> Path:
    """A TMPDIR of the test's own, so that the run's directory (tempfile.mkdtemp) can be found."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    return tmp


@pytest.mark.parametrize("backend", backends())
def test_sigkill_of_heatlens_run_kills_every_descendant(tmp_path: Path, marker: str, backend: str) -> None:
    tmp, pid_file = private_tmp(tmp_path), tmp_path / "pids.json"
    env = clean_env(marker, {"TMPDIR": str(tmp)})
    cli = subprocess.Popen(
        [sys.executable, "-m", "heatlens", "run", "--no-store", "--backend", backend, "--timeout", "300",
         str(EVERY_KIND), "--", str(pid_file)],
        cwd=str(tmp_path), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        assert_all_gone_after_kill(cli, pid_file, tmp)
    finally:
        cli.kill()
        cli.wait()


@pytest.mark.parametrize("backend", backends())
def test_sigkill_of_the_daemon_kills_every_descendant(tmp_path: Path, marker: str, backend: str) -> None:
    tmp, pid_file = private_tmp(tmp_path), tmp_path / "pids.json"
    w = wire.Wire(str(tmp_path), env=clean_env(marker, {"TMPDIR": str(tmp)}))
    try:
        w.initialize(str(tmp_path), {"backend": backend})
        w.request("heatlens/profile", {"uri": EVERY_KIND.as_uri(), "args": [str(pid_file)], "timeout": 300})
        assert_all_gone_after_kill(w.proc, pid_file, tmp)
    finally:
        w.proc.kill()
        w.proc.wait()
        w.close()
