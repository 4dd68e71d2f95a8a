"""Supervision of the target process: start, capture, limit, and kill the whole tree. Async.

The target runs in its own session (so its own process group), with stdin from /dev/null, optionally an
address-space limit (RLIMIT_AS), a timeout and a cancel event. Output is captured with a size cap (head
and tail kept) and optionally echoed live. When the run ends, for whatever reason, every process it left
behind is stopped: the process group, every descendant seen while it ran (psutil polling), and every
process that carries the run's token in its environment (this catches daemons that setsid() away and
whose parent exited between two polls). SIGTERM first so backends can flush what they recorded, then
SIGKILL after a grace period. A task cancellation (asyncio) kills at once with SIGKILL and re-raises.

No prctl(PR_SET_CHILD_SUBREAPER): it is process-wide and would leave the daemon reaping orphans of
unrelated children; the token scan finds escaped processes without it.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import resource
import signal
import subprocess
import sys
import time
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import attrs
import psutil

from heatlens.analysis.resources import ResourceRecorder
from heatlens.model import ResourceSample
from heatlens.run.argv import RUN_TOKEN_VAR

KILL_GRACE = 2.0  # seconds between SIGTERM and SIGKILL
POLL_INTERVAL = 0.1  # seconds between process-tree polls (descendants, CPU, RSS)
PIPE_DRAIN_TIMEOUT = 5.0  # seconds to wait for output after the tree is gone
_CHUNK = 1 << 16

Stream = Callable[[str, bytes], None]


class CappedBuffer:
    """Keeps the first and the last `cap // 2` bytes of a stream; counts what it dropped in between."""

    def __init__(self, cap: int):
        self.head_cap = max(0, cap) // 2
        self.tail_cap = max(0, cap) - self.head_cap
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.head_cap - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk and self.tail_cap:
            self.tail += chunk[-self.tail_cap :]
            if len(self.tail) > 2 * self.tail_cap:  # trim rarely: amortized O(1) per byte
                del self.tail[: len(self.tail) - self.tail_cap]

    @property
    def truncated(self) -> bool:
        return self.total > self.head_cap + self.tail_cap

    def text(self) -> str:
        tail = bytes(self.tail[-self.tail_cap :]) if self.tail_cap else b""
        if not self.truncated:
            return (bytes(self.head) + tail).decode("utf-8", "replace")
        omitted = self.total - len(self.head) - len(tail)
        marker = f"\n[... {omitted} bytes omitted by heatlens ...]\n"
        return bytes(self.head).decode("utf-8", "replace") + marker + tail.decode("utf-8", "replace")


@attrs.define
class Supervised:
    """What happened to the process."""

    pid: int
    returncode: Optional[int]  # negative: the signal that killed it
    stdout: CappedBuffer
    stderr: CappedBuffer
    started_at: float  # epoch seconds
    wall_time: float
    cpu_time: float  # user + system of the tree
    peak_rss_mb: Optional[float]
    timed_out: bool = False
    cancelled: bool = False
    oom_killed: bool = False  # the kernel's OOM killer fired during the run
    leftovers_killed: int = 0  # processes still alive after the target exited, then killed
    resources: List[ResourceSample] = attrs.Factory(list)  # RSS/CPU/threads/fds of the tree over time


def read_oom_kills() -> Optional[int]:
    """The kernel's count of OOM kills (Linux /proc/vmstat), None elsewhere."""
    try:
        with open("/proc/vmstat") as f:
            for text in f:
                if text.startswith("oom_kill "):
                    return int(text.split()[1])
    except OSError:
        pass
    return None


def _children_usage() -> Tuple[float, int]:
    """(user + system CPU seconds, max RSS in bytes) of all reaped children of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss * scale


class TreeWatch:
    """Polls the target's process tree: remembers every descendant, its CPU time, and the peak total RSS."""

    def __init__(self, root_pid: int, token: str, since: float):
        self.root_pid = root_pid
        self.token = token
        self.since = since
        self.seen: Dict[int, psutil.Process] = {}
        self.cpu: Dict[int, float] = {}
        self.peak_rss = 0
        self.recorder = ResourceRecorder()
        try:
            self.root_created: Optional[float] = psutil.Process(root_pid).create_time()
        except psutil.Error:
            self.root_created = None

    def _group_is_ours(self) -> bool:
        """Whether a process group numbered like the root can only be the run's own. The number stays
        reserved while any member lives; it could be reused only once a new process got the root's pid."""
        try:
            return psutil.Process(self.root_pid).create_time() == self.root_created
        except psutil.NoSuchProcess:
            return True
        except psutil.Error:
            return False

    def poll(self) -> None:
        try:
            root = self.seen.get(self.root_pid) or psutil.Process(self.root_pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        rss = threads = fds = alive = 0
        for p in procs:
            try:
                with p.oneshot():
                    times = p.cpu_times()
                    rss += p.memory_info().rss
                    threads += p.num_threads()
                    fds += self.recorder.fd_count(p)
                self.seen.setdefault(p.pid, p)
                self.cpu[p.pid] = times.user + times.system
                alive += 1
            except psutil.Error:
                continue
        self.peak_rss = max(self.peak_rss, rss)
        if alive:
            self.recorder.add(time.time() - self.since, rss, sum(self.cpu.values()), threads, fds, alive)

    async def run(self) -> None:
        start = time.monotonic()
        while True:
            self.poll()
            # Fast at first (short runs, quick forks), then slower: each poll reads every /proc entry.
            await asyncio.sleep(POLL_INTERVAL if time.monotonic() - start < 2.0 else 2.5 * POLL_INTERVAL)

    def victims(self) -> List[psutil.Process]:
        """Every live process of this run: seen descendants, the process group, the token carriers."""
        found: Dict[int, psutil.Process] = {}
        me = os.getpid()
        for p in self.seen.values():
            if p.pid != me and p.is_running():  # is_running() also rejects a reused pid
                found[p.pid] = p
        group_ours = self._group_is_ours()
        for p in psutil.process_iter(["create_time"]):
            if p.pid in found or p.pid == me or (p.info["create_time"] or 0) < self.since - 1.0:
                continue
            try:
                in_group = group_ours and os.getpgid(p.pid) == self.root_pid
                if in_group or p.environ().get(RUN_TOKEN_VAR) == self.token:
                    found[p.pid] = p
            except (psutil.Error, OSError):
                continue
        alive = []
        for p in found.values():
            try:
                if p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
            except psutil.Error:
                continue
        return alive


def _signal_tree(proc: asyncio.SubprocessTransport, watch: TreeWatch, sig: int) -> int:
    """Send `sig` to the process group and every other process of the run; how many were signalled."""
    if proc.get_returncode() is None:
        try:  # the group id is the root's pid (start_new_session); safe while the root is unreaped
            os.killpg(proc.get_pid(), sig)
        except (ProcessLookupError, PermissionError):
            pass
    victims = watch.victims()
    for p in victims:
        try:
            p.send_signal(sig)
        except psutil.Error:
            pass
    return len(victims)


async def stop_tree(proc: asyncio.SubprocessTransport, watch: TreeWatch, grace: float = KILL_GRACE) -> int:
    """SIGTERM the whole run, wait up to `grace`, then SIGKILL what is left; returns how many processes
    were alive at the start (the root, if it still ran, and everything it left)."""
    count = _signal_tree(proc, watch, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and (proc.get_returncode() is None or watch.victims()):
        await asyncio.sleep(0.05)
    for _ in range(5):  # a process may fork while it is being killed: repeat until nothing is left
        if not _signal_tree(proc, watch, signal.SIGKILL) and proc.get_returncode() is not None:
            break
        await asyncio.sleep(0.05)
    return count


def kill_tree_now(proc: asyncio.SubprocessTransport, watch: TreeWatch) -> None:
    """SIGKILL everything without awaiting (used while the task is being cancelled)."""
    for _ in range(3):
        if not _signal_tree(proc, watch, signal.SIGKILL):
            break


class _Protocol(asyncio.SubprocessProtocol):
    """Captures both pipes into capped buffers and says when the process exited and when the pipes
    closed (asyncio's Process.wait() waits for both, so a daemon holding stdout would hide the exit)."""

    def __init__(self, out: CappedBuffer, err: CappedBuffer, stream: Optional[Stream]):
        loop = asyncio.get_running_loop()
        self.buffers = {1: out, 2: err}
        self.stream = stream
        self.exited: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.exit_time: Optional[float] = None

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self.buffers[fd].add(data)
        if self.stream is not None:
            try:
                self.stream("stdout" if fd == 1 else "stderr", data)
            except Exception:  # a closed terminal must not stop the capture
                self.stream = None

    def process_exited(self) -> None:
        self.exit_time = time.monotonic()
        if not self.exited.done():
            self.exited.set_result(None)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Optional[Callable[..., int]]:
    """libc's prctl, looked up once in the parent (never between fork and exec); None off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()


def _child_setup(limit_bytes: Optional[int]) -> Callable[[], None]:
    def apply() -> None:  # runs in the child between fork and exec: a syscall or two, nothing else
        if _PRCTL is not None:  # the target dies with its supervisor, even when that is SIGKILLed
            _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if limit_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return apply


async def supervise(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: str,
    token: str,
    timeout: Optional[float] = None,
    memory_limit_mb: Optional[int] = None,
    output_cap: int = 1 << 20,
    stream: Optional[Stream] = None,
    cancel: Optional[asyncio.Event] = None,
    on_started: Optional[Callable[[int], None]] = None,
    grace: float = KILL_GRACE,
) -> Supervised:
    """Run argv to the end (or the timeout, or cancel) and leave no process behind.

    Raises OSError when the process cannot be started at all.
    """
    preexec = _child_setup(memory_limit_mb * (1 << 20) if memory_limit_mb else None)
    out, err = CappedBuffer(output_cap), CappedBuffer(output_cap)
    loop = asyncio.get_running_loop()
    (cpu_before, maxrss_before), oom_before = _children_usage(), read_oom_kills()
    started_at, t0 = time.time(), time.monotonic()
    proc, protocol = await loop.subprocess_exec(
        lambda: _Protocol(out, err, stream), *argv,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=cwd, env=dict(env), start_new_session=True, preexec_fn=preexec,
    )
    pid = proc.get_pid()
    if on_started is not None:
        on_started(pid)
    watch = TreeWatch(pid, token, started_at)
    watcher = asyncio.ensure_future(watch.run())
    cancelled_waiter = asyncio.ensure_future(cancel.wait()) if cancel is not None else None
    timed_out = cancelled = False
    leftovers = 0
    try:
        waiting = {protocol.exited} | ({cancelled_waiter} if cancelled_waiter else set())
        done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if protocol.exited not in done:
            cancelled, timed_out = cancelled_waiter in done, cancelled_waiter not in done
        watch.poll()
        leftovers = await stop_tree(proc, watch, grace)
        await protocol.exited
        try:  # after the tree is gone the pipes close; a process we could not kill may hold them open
            await asyncio.wait_for(asyncio.shield(protocol.closed), PIPE_DRAIN_TIMEOUT)
        except asyncio.TimeoutError:
            pass
    except BaseException:
        kill_tree_now(proc, watch)
        raise
    finally:
        watcher.cancel()
        if cancelled_waiter is not None:
            cancelled_waiter.cancel()
        proc.close()  # closes the pipes; kills the root only if it somehow still runs
    wall = (protocol.exit_time or time.monotonic()) - t0
    returncode = proc.get_returncode()
    oom_after = read_oom_kills()
    cpu_after, maxrss_after = _children_usage()
    # ru_maxrss is a maximum over every child ever reaped: it only tells something when it grew now.
    peak = max(watch.peak_rss, maxrss_after if maxrss_after > maxrss_before else 0)
    return Supervised(
        pid=pid,
        returncode=returncode,
        stdout=out,
        stderr=err,
        started_at=started_at,
        wall_time=wall,
        cpu_time=max(cpu_after - cpu_before, sum(watch.cpu.values())),
        peak_rss_mb=peak / (1 << 20) if peak else None,
        timed_out=timed_out,
        cancelled=cancelled,
        oom_killed=oom_before is not None and oom_after is not None and oom_after > oom_before,
        leftovers_killed=0 if (timed_out or cancelled) else leftovers,
        resources=watch.recorder.samples(),
    )


if sys.platform == "win32":  # pragma: no cover - heatlens supervises POSIX process groups
    raise ImportError("heatlens.run.supervise needs a POSIX system")
