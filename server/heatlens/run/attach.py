"""Attach to a running Python process: sample it from outside with py-spy for a while, then detach.

The process keeps running untouched (non-blocking sampling: it is never paused); the result is a run like any
other (stored, painted, analysed). Attaching needs the right to read another process's memory, which a
launched run gets for free (py-spy is its parent): where the system refuses, the failure says exactly what to
change, or how to start the program under heatlens instead.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, List, Optional

import attrs
import psutil

from heatlens.backends.pyspy import NOTES, OUTPUT, find_pyspy, note_scaled, parse_raw
from heatlens.backends.pyspy_parse import PROGRAM
from heatlens.model import Failure, FailureKind, RunMeta
from heatlens.run.runner import RunResult  # the same result as a launched run

STOP_GRACE = 10.0  # seconds py-spy may take to write its output after being asked to stop
ATTACH_NOTE = "Attached to a running process: only what it did while sampled is here (from its start: heatlens run)."


@attrs.define
class PythonProcess:
    pid: int
    command: str
    cwd: str
    in_project: bool


def python_processes(root: Optional[str] = None) -> List[PythonProcess]:
    """Python processes of this user that heatlens could attach to, those started under `root` first."""
    out = []
    me = os.getpid()
    for proc in psutil.process_iter(["pid", "name", "cmdline", "cwd", "uids", "exe"]):
        info = proc.info
        cmd = info.get("cmdline") or []
        exe = os.path.basename(info.get("exe") or (cmd[0] if cmd else ""))
        if info["pid"] == me or not exe.startswith("python") or "heatlens" in " ".join(cmd[1:3]):
            continue
        uids = info.get("uids")
        if hasattr(os, "getuid") and uids is not None and uids.real != os.getuid() and os.getuid() != 0:
            continue
        cwd = info.get("cwd") or ""
        inside = bool(root) and (cwd == root or cwd.startswith(os.path.join(root or "", "")))
        out.append(PythonProcess(pid=info["pid"], command=" ".join(cmd), cwd=cwd, in_project=inside))
    return sorted(out, key=lambda p: (not p.in_project, -p.pid))


def permission_help(stderr: str) -> str:
    """What to change when the system refused to let py-spy read the process."""
    if sys.platform == "darwin":
        how = "on macOS only root may read another process: run the editor or `heatlens attach` with sudo"
    else:
        how = ("allow it with `sudo sysctl kernel.yama.ptrace_scope=0` (or run as root / with CAP_SYS_PTRACE; in a "
               "container: `--cap-add SYS_PTRACE`)")
    return (f"heatlens could not read the process's memory ({stderr.strip().splitlines()[-1] if stderr.strip() else 'permission denied'}): "
            f"{how}; or start the program under heatlens instead (`heatlens run your_program.py`), which needs no "
            f"permission.")


async def attach(pid: int, duration: Optional[float] = None, cancel: Optional[asyncio.Event] = None,
                 rate: int = 250, project_root: Optional[str] = None,
                 ready: Optional[Callable[[int], None]] = None) -> RunResult:
    """Sample process `pid` until `duration` seconds passed, `cancel` is set, or it exits; a RunResult.
    `ready(pyspy_pid)` is called once py-spy is sampling (its banner; never if it could not attach)."""
    try:
        proc = psutil.Process(pid)
        cmdline, cwd, exe = proc.cmdline(), proc.cwd(), proc.exe()
        cpu_before = sum(proc.cpu_times()[:2])
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess) as exc:
        return RunResult(None, Failure(FailureKind.TARGET_NOT_FOUND, f"No process {pid} to attach to ({exc})."))
    binary = find_pyspy()
    if binary is None:
        return RunResult(None, Failure(FailureKind.BACKEND_MISSING, "py-spy is not installed beside heatlens.",
                                       install_command=f"{sys.executable} -m pip install py-spy==0.4.3"))
    meta = RunMeta(argv=cmdline, target=f"pid {pid}: {' '.join(cmdline)[:200]}", interpreter=exe, backend="pyspy",
                   cwd=cwd, project_root=os.path.abspath(project_root or cwd), pid=pid, started_at=time.time())
    with tempfile.TemporaryDirectory(prefix="heatlens-attach-") as tmp:
        out = Path(tmp) / OUTPUT
        # never paused: a running service's writes have no launcher to make them whole (backends/whole_writes.py)
        argv = [binary, "record", "--pid", str(pid), "-f", "raw", "-r", str(rate), "--nonblocking", "--full-filenames",
                "-t", "-o", str(out)]
        started = time.monotonic()
        child = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE if ready else asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        banner = asyncio.ensure_future(_announce(child, ready)) if ready else None
        stopped = await _wait(child, duration, cancel)
        if banner is not None:
            await banner
        stderr = (await child.stderr.read()).decode(errors="replace") if child.stderr else ""
        meta.wall_time = time.monotonic() - started
        try:
            meta.cpu_time = sum(proc.cpu_times()[:2]) - cpu_before
        except psutil.Error:
            pass
        text = out.read_text(encoding="utf-8", errors="replace") if out.is_file() else ""
    if not text.strip():
        denied = "permission" in stderr.lower() or "denied" in stderr.lower()
        message = permission_help(stderr) if denied else f"py-spy took no sample of process {pid}: {stderr.strip()[-500:]}"
        return RunResult(None, Failure(FailureKind.BACKEND_FAILED, message), stderr=stderr)
    profile = parse_raw(text, float(rate), cwd, pid, launcher=False, cpu={PROGRAM: meta.cpu_time} if meta.cpu_time else None)
    profile.meta = meta
    meta.sample_interval = 1.0 / rate
    meta.notes.extend([ATTACH_NOTE, *NOTES[:2]])
    note_scaled(profile)
    how = {"cancelled": "stopped on request", "duration": "for the duration asked", "exited": "until the process exited"}
    meta.notes.append(f"Sampled {meta.wall_time:.1f} s, {how[stopped]}; the process was never paused.")
    return RunResult(profile, Failure(), stderr=stderr, wall_time=meta.wall_time)


async def _announce(child: "asyncio.subprocess.Process", ready: Callable[[int], None]) -> None:
    """Call `ready` when py-spy says it samples ("py-spy> Sampling process ..." on its stdout: it could
    read the process), then drain the rest so that py-spy never blocks on a full pipe."""
    called = False
    assert child.stdout is not None
    async for raw in child.stdout:
        if not called and b"Sampling process" in raw:
            called = True
            ready(child.pid)


async def _wait(child: "asyncio.subprocess.Process", duration: Optional[float], cancel: Optional[asyncio.Event]) -> str:
    """'duration', 'cancelled' or 'exited': py-spy is asked to stop (SIGINT: it writes what it has) on the
    first two."""
    waiters = [asyncio.ensure_future(child.wait())]
    if cancel is not None:
        waiters.append(asyncio.ensure_future(cancel.wait()))
    done, pending = await asyncio.wait(waiters, timeout=duration, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    reason = "exited" if waiters[0] in done else ("cancelled" if done else "duration")
    if child.returncode is None:
        child.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(child.wait(), STOP_GRACE)
        except asyncio.TimeoutError:
            child.kill()
            await child.wait()
    return reason


class Recording:
    """`attach` run in a thread of its own, for a caller that is not async or whose event loop is busy (an
    IPython kernel runs the cell inside its loop): `start()` returns once py-spy samples, `stop()` ends
    sampling and returns the RunResult.

        rec = Recording(os.getpid()); rec.start(); work(); result = rec.stop()
    """

    def __init__(self, pid: int, rate: int = 250, project_root: Optional[str] = None) -> None:
        self.pid, self.rate, self.project_root = pid, rate, project_root
        self.result: Optional[RunResult] = None
        self._ready = threading.Event()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._cancel: Optional[asyncio.Event] = None
        self._thread = threading.Thread(target=self._run, name="heatlens-attach", daemon=True)
        self.pyspy_pid: Optional[int] = None

    def _run(self) -> None:
        async def main() -> RunResult:
            self._loop, self._cancel = asyncio.get_running_loop(), asyncio.Event()
            return await attach(self.pid, None, self._cancel, self.rate, self.project_root, ready=self._on_ready)

        try:
            self.result = asyncio.run(main())
        except Exception as exc:  # report it like any failed attach, never raise into the caller's thread
            self.result = RunResult(None, Failure(FailureKind.BACKEND_FAILED, f"attaching failed: {exc}"))
        finally:
            self._ready.set()

    def _on_ready(self, pyspy_pid: int) -> None:
        self.pyspy_pid = pyspy_pid
        self._ready.set()

    def start(self, timeout: float = 30.0) -> bool:
        """Start sampling; True once py-spy samples, False if it ended first or took over `timeout` s."""
        self._thread.start()
        self._ready.wait(timeout)
        return self.pyspy_pid is not None and self.result is None

    def stop(self, timeout: float = STOP_GRACE + 20) -> RunResult:
        loop, cancel = self._loop, self._cancel
        if loop is not None and cancel is not None and self._thread.is_alive():
            try:
                loop.call_soon_threadsafe(cancel.set)
            except RuntimeError:  # its loop already closed: attach returned by itself
                pass
        self._thread.join(timeout)
        if self.result is None:
            return RunResult(None, Failure(FailureKind.BACKEND_FAILED, "py-spy did not stop in time"))
        return self.result
