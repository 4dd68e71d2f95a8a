"""prestart.py: `heatlens run`'s reaper starts while the CLI imports, and is handed the run once it is known;
unused, it exits with the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import List

from heatlens import prestart

SHOW = """import os, sys
print("cwd", os.getcwd(), "FOO", os.environ.get("FOO"), "args", sys.argv[1:])
print("to stderr", file=sys.stderr)
pid = os.getppid()
while pid > 1:  # the reaper above this program: the one started with --wait?
    words = open("/proc/%d/cmdline" % pid, "rb").read().split(b"\\0")
    if any(w.endswith(b"reaper.py") for w in words):
        print("waiting reaper", b"--wait" in words)
        break
    pid = int(open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[1])
sys.exit(3)
"""


def _status_lines(fd: int, until: str, timeout: float = 30.0) -> List[str]:
    data, end = b"", time.monotonic() + timeout
    while until.encode() not in data and time.monotonic() < end:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    return data.decode().splitlines()


def test_a_waiting_reaper_runs_the_run_it_is_sent(tmp_path: Path) -> None:
    prestart.spawn()
    started = prestart.take()
    assert started is not None and prestart.take() is None  # once: a second run starts its own
    proc, ctl, status = started
    try:
        (tmp_path / "work").mkdir()
        code = "import os, sys; print(os.getcwd(), os.environ['FOO'], sys.argv[1:]); sys.exit(5)"
        os.write(ctl, prestart.config_message([sys.executable, "-c", code, "a b", "c\nd"],
                                              {"FOO": "x=y", "PATH": os.environ["PATH"]},
                                              str(tmp_path / "work"), 0, "-", False))
        lines = _status_lines(status, "exit")
        assert lines[0].startswith("pid ") and "exit 5" in lines, lines
        os.write(ctl, b"stop 1\n")
        assert any(line.startswith("stopped ") for line in _status_lines(status, "stopped")), lines
    finally:
        os.close(ctl)
        os.close(status)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and err == b""
    assert out.decode().strip() == f"{tmp_path / 'work'} x=y ['a b', 'c\\nd']"


def test_a_waiting_reaper_that_is_not_needed_exits() -> None:
    prestart.spawn()
    started = prestart.take()
    assert started is not None
    proc, ctl, status = started
    os.close(ctl)  # end of file before any run: the CLI had nothing to run
    os.close(status)
    assert proc.wait(timeout=30) == 0
    assert proc.stdout is not None and proc.stdout.read() == b""


def test_heatlens_run_hands_its_run_to_the_reaper_it_started_first(tmp_path: Path) -> None:
    (tmp_path / "show.py").write_text(SHOW)
    (tmp_path / "sub").mkdir()
    proc = subprocess.run([sys.executable, "-m", "heatlens", "run", "--no-store", "../show.py", "a", "b c"],
                          cwd=tmp_path / "sub", capture_output=True, text=True, timeout=120,
                          env={**os.environ, "FOO": "bar", "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.returncode not in (0, 2), proc.stderr  # the program's nonzero exit, classified (not a usage error)
    assert f"cwd {tmp_path / 'sub'} FOO bar args ['a', 'b c']" in proc.stdout
    assert "waiting reaper True" in proc.stdout and "to stderr" in proc.stderr, (proc.stdout, proc.stderr)
    assert "exited with code 3" in proc.stderr


def _with_marker(marker: str) -> List[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                environ = Path(f"/proc/{name}/environ").read_bytes()
            except OSError:
                continue
            if marker.encode() in environ:
                found.append(int(name))
    return found


def test_a_run_that_never_starts_leaves_no_reaper(tmp_path: Path) -> None:
    marker = f"HEATLENS_TEST_MARK={uuid.uuid4().hex}"
    key, value = marker.split("=")
    proc = subprocess.run([sys.executable, "-m", "heatlens", "run", "--no-store", "missing.py"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, key: value, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.returncode != 0 and "missing.py" in proc.stderr
    end = time.monotonic() + 10
    while _with_marker(marker) and time.monotonic() < end:
        time.sleep(0.05)
    assert _with_marker(marker) == []


def test_a_run_whose_waiting_reaper_died_starts_another(tmp_path: Path) -> None:
    from heatlens.backends.base import Target
    from heatlens.model import FailureKind
    from heatlens.run import RunOptions, profile_target_sync

    (tmp_path / "hello.py").write_text("print('hello from the program')\n")
    prestart.spawn()
    assert prestart._started is not None
    dead = prestart._started[0]
    dead.kill()  # e.g. killed by the user's tooling while the CLI imported
    dead.wait(timeout=30)
    result = profile_target_sync(Target("script", str(tmp_path / "hello.py"), cwd=str(tmp_path)),
                                 RunOptions(backend="agent", timeout=60))
    assert result.failure.kind is FailureKind.OK, result.failure
    assert prestart.take() is None  # taken (and its pipes closed) by that run
