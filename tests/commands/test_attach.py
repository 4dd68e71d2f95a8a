"""`heatlens attach` as a user runs it: a real server process, the real CLI, the report on stdout, the run stored."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from heatlens.backends.pyspy import find_pyspy

APP = Path(__file__).parents[1] / "fixtures" / "attach" / "http_app.py"


def heatlens(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "heatlens", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.mark.skipif(find_pyspy() is None, reason="py-spy binary not installed")
def test_attach_reports_and_stores_the_busy_server_and_it_keeps_running(tmp_path: Path, busy_http_server) -> None:
    proc, _ = busy_http_server()
    listed = heatlens("attach", "--list", cwd=APP.parent)
    assert str(proc.pid) in listed.stdout
    store = tmp_path / "runs.db"
    run = heatlens("attach", str(proc.pid), "--duration", "2", "--store", str(store), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "slow_fib" in run.stdout and "http_app.py" in run.stdout
    assert "stored as run #1" in run.stderr
    assert proc.poll() is None
    history = heatlens("history", "--store", str(store), cwd=tmp_path)
    assert f"pid {proc.pid}" in history.stdout


def test_attach_to_no_process_fails_clearly(tmp_path: Path) -> None:
    run = heatlens("attach", str(2 ** 22 + 4321), "--duration", "1", "--no-store", cwd=tmp_path)
    assert run.returncode == 17 and "No process" in run.stderr
