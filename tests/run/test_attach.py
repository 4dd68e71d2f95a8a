"""Attach to a running process (a stdlib HTTP server under load): its hot handler is painted, the server is
never paused and still answers afterwards; a missing process and a refused attach say what to do."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from heatlens.backends.pyspy import find_pyspy
from heatlens.model import FailureKind
from heatlens.run.attach import attach, permission_help, python_processes

APP = Path(__file__).parents[1] / "fixtures" / "attach" / "http_app.py"
needs_pyspy = pytest.mark.skipif(find_pyspy() is None, reason="py-spy binary not installed")


def fib_line() -> int:
    return next(n for n, text in enumerate(APP.read_text().splitlines(), 1) if text.endswith("# FIB"))


@pytest.fixture
def server(busy_http_server):
    return busy_http_server()


@needs_pyspy
def test_attach_paints_the_hot_handler_and_the_server_keeps_answering(server) -> None:
    proc, port = server
    assert proc.pid in [p.pid for p in python_processes(str(APP.parent))][:3]  # the project's processes first
    result = asyncio.run(attach(proc.pid, duration=2.0, project_root=str(APP.parent)))
    assert result.failure.kind is FailureKind.OK, result.failure
    lines = result.profile.file(str(APP)).by_line()
    fib = [lines[n].cpu for n in (fib_line() - 1, fib_line()) if n in lines]  # its `def` (frame set-up) and body
    assert max(lines.values(), key=lambda s: s.cpu).line in (fib_line() - 1, fib_line())
    assert sum(fib) >= 0.7 * sum(s.cpu for s in lines.values())
    assert result.profile.meta.pid == proc.pid and "never paused" in result.profile.meta.notes[-1]
    assert proc.poll() is None  # still running: attaching never stops the process
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read()
    assert body == b'{"fib": 17711}'


@needs_pyspy
def test_stop_on_request_keeps_what_was_sampled(server) -> None:
    proc, _ = server

    async def go():
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(1.0, stop.set)
        return await attach(proc.pid, duration=60, cancel=stop)

    started = time.monotonic()
    result = asyncio.run(go())
    assert time.monotonic() - started < 30  # the duration was 60 s: the stop ended it
    assert result.failure.kind is FailureKind.OK and result.profile is not None
    assert "stopped on request" in result.profile.meta.notes[-1]


def test_no_such_process_is_target_not_found() -> None:
    result = asyncio.run(attach(2 ** 22 + 12345, duration=1))
    assert result.failure.kind is FailureKind.TARGET_NOT_FOUND and result.profile is None


def test_a_refused_attach_says_what_to_change_and_the_alternative() -> None:
    text = permission_help("Error: Permission Denied\n")
    assert "ptrace_scope" in text or "sudo" in text
    assert "heatlens run" in text


SPIN = "import time\nwhile True:\n    sum(i * i for i in range(10000))  # HOT\n"


@needs_pyspy
def test_recording_samples_from_start_to_stop_in_a_thread_of_its_own(tmp_path: Path) -> None:
    from heatlens.run.attach import Recording

    script = tmp_path / "spin.py"
    script.write_text(SPIN)
    proc = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path)
    try:
        recording = Recording(proc.pid, rate=200, project_root=str(tmp_path))
        assert recording.start() and recording.pyspy_pid  # py-spy said it samples before start() returned
        time.sleep(1.0)
        result = recording.stop()
    finally:
        proc.kill()
        proc.wait()
    assert result.failure.kind is FailureKind.OK, result.failure
    lines = result.profile.file(str(script)).by_line()
    assert max(lines.values(), key=lambda s: s.cpu).line == 3
    assert "stopped on request" in result.profile.meta.notes[-1]


@needs_pyspy
def test_recording_of_a_missing_process_fails_cleanly() -> None:
    from heatlens.run.attach import Recording

    recording = Recording(2**22 + 12345)
    assert recording.start(timeout=10) is False
    assert recording.stop().failure.kind is FailureKind.TARGET_NOT_FOUND
