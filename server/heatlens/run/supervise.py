"""Supervision of the target process: start, capture, limit, and kill the whole tree. Async.

The target does not run as heatlens's child but as the child of a per-run reaper (reaper.py, driven by
guard.py): a child subreaper that every orphaned descendant (setsid() children, double-forked daemons,
multiprocessing workers and their resource tracker) is re-parented to, and that outlives heatlens: when
heatlens dies, even by SIGKILL, the reaper kills the whole tree and removes the run's directory.

The target runs in its own session (own process group), stdin /dev/null, optionally an address-space limit
(RLIMIT_AS), a timeout and a cancel event. Output is captured with a size cap (head and tail kept) and
optionally echoed live. When the run ends, for whatever reason, the reaper stops every descendant: SIGTERM
first so backends can flush what they recorded, SIGKILL after a grace period. Then processes that carry the
run's token in their environment but left the tree some other way are swept too (and, should the reaper be
lost, every descendant seen while it ran: psutil polling). A task cancellation kills at once and re-raises.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from typing import TYPE_CHECKING, Awaitable, Callable, Collection, Dict, List, Mapping, Optional, Sequence

import attrs

from heatlens.backends.pyspy_children import children_listed, children_of
from heatlens.run.resources import ResourceRecorder
from heatlens.model import ResourceSample
from heatlens.run.argv import RUN_TOKEN_VAR
from heatlens.run.guard import Guard

if TYPE_CHECKING:
    import psutil
else:
    from heatlens.run.resources import psutil  # imported at its first use: once the target started

KILL_GRACE = 2.0  # seconds between SIGTERM and SIGKILL
POLL_INTERVAL = 0.1  # seconds between process-tree polls (descendants, CPU, RSS)
PIPE_DRAIN_TIMEOUT = 5.0  # seconds to wait for output after the tree is gone

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


async def _nothing_to_release() -> None:
    return None


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
    # With `cleanup_dir`: lets the reaper go (it removes that directory); until then a heatlens that dies
    # still has it removed. Without: already done.
    release: Callable[[], Awaitable[None]] = _nothing_to_release


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


def descendants(root: psutil.Process) -> List[psutil.Process]:
    """Every descendant of `root`, from the kernel's per-thread children lists where /proc has them: they
    cost reads of the tree's own entries, where psutil's children(recursive=True) reads every process of
    the machine (3 ms a poll with 140 processes; polled 10 times a second beside the program)."""
    if not children_listed(root.pid):
        return root.children(recursive=True)
    found: List[psutil.Process] = []
    todo = [root.pid]
    while todo:
        for pid in children_of(todo.pop()):
            try:
                found.append(psutil.Process(pid))
            except psutil.Error:
                continue  # ended meanwhile
            todo.append(pid)
    return found


class TreeWatch:
    """Polls the target's process tree: remembers every descendant, its CPU time, and the peak total RSS."""

    def __init__(self, root_pid: int, token: str, since: float, exclude: Collection[int] = (),
                 group: Optional[int] = None):
        self.root_pid = root_pid
        self.token = token
        self.since = since
        self.exclude = {os.getpid(), *exclude}  # heatlens and the reaper: watched through, never victims
        self.group = root_pid if group is None else group  # the target's process group
        self.seen: Dict[int, psutil.Process] = {}
        self.cpu: Dict[int, float] = {}
        self.peak_rss = 0
        self.recorder = ResourceRecorder()
        self.group_created = self._created(self.group)

    @staticmethod
    def _created(pid: int) -> Optional[float]:
        try:
            return psutil.Process(pid).create_time()
        except psutil.Error:
            return None

    def _group_is_ours(self) -> bool:
        """Whether a process group numbered like the target can only be the run's own. The number stays
        reserved while any member lives; it could be reused only once a new process got the target's pid."""
        try:
            return psutil.Process(self.group).create_time() == self.group_created
        except psutil.NoSuchProcess:
            return True
        except psutil.Error:
            return False

    def poll(self) -> None:
        try:
            root = self.seen.get(self.root_pid) or psutil.Process(self.root_pid)
            procs = [root, *descendants(root)]
        except psutil.Error:
            return
        rss = threads = fds = alive = 0
        for p in procs:
            if p.pid in self.exclude:
                continue
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
        for p in self.seen.values():
            if p.pid not in self.exclude and p.is_running():  # is_running() also rejects a reused pid
                found[p.pid] = p
        group_ours = self._group_is_ours()
        for p in started_since(self.since - 1.0):
            if p.pid in found or p.pid in self.exclude:
                continue
            try:
                in_group = group_ours and os.getpgid(p.pid) == self.group
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


def started_since(since: float) -> List[psutil.Process]:
    """The processes started at `since` (epoch s) or later. Linux: start times from /proc, the boot time read
    once (psutil reads it for each process: ~6 ms for 80 processes, after every run); elsewhere psutil's."""
    try:
        with open("/proc/stat", "rb") as f:
            boot = next(int(text.split()[1]) for text in f if text.startswith(b"btime "))
        names = os.listdir("/proc")
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, StopIteration, ValueError, AttributeError):
        return [p for p in psutil.process_iter(["create_time"]) if (p.info["create_time"] or 0) >= since]
    found = []
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                data = f.read()
            start = int(data[data.rfind(b")") + 2 :].split()[19])  # field 22, starttime (clock ticks after boot)
            if boot + start / ticks >= since:
                found.append(psutil.Process(int(name)))
        except (OSError, ValueError, IndexError, psutil.Error):
            continue  # ended meanwhile
    return found


def _signal_victims(watch: TreeWatch, sig: int) -> int:
    """Send `sig` to every process of the run that psutil can find; how many were signalled."""
    victims = watch.victims()
    for p in victims:
        try:
            p.send_signal(sig)
        except psutil.Error:
            pass
    return len(victims)


async def sweep(watch: TreeWatch, grace: float = KILL_GRACE) -> int:
    """SIGTERM what is left of the run outside the reaper's reach, wait up to `grace`, then SIGKILL it;
    returns how many processes were alive at the start."""
    count = _signal_victims(watch, signal.SIGTERM)
    if not count:
        return 0
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and watch.victims():
        await asyncio.sleep(0.05)
    for _ in range(5):  # a process may fork while it is being killed: repeat until nothing is left
        if not _signal_victims(watch, signal.SIGKILL):
            break
        await asyncio.sleep(0.05)
    return count


class _Protocol(asyncio.SubprocessProtocol):
    """Captures both pipes into capped buffers; says when the reaper exited and when both pipes closed
    (the reaper lets go of them once the target started, so that is when the target's tree closed them)."""

    def __init__(self, out: CappedBuffer, err: CappedBuffer, stream: Optional[Stream]):
        loop = asyncio.get_running_loop()
        self.buffers = {1: out, 2: err}
        self.stream = stream
        self.exited: asyncio.Future[None] = loop.create_future()
        self.drained: asyncio.Future[None] = loop.create_future()
        self.open_pipes = {1, 2}

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self.buffers[fd].add(data)
        if self.stream is not None:
            try:
                self.stream("stdout" if fd == 1 else "stderr", data)
            except Exception:  # a closed terminal must not stop the capture
                self.stream = None

    def pipe_connection_lost(self, fd: int, exc: Optional[Exception]) -> None:
        self.open_pipes.discard(fd)
        if not self.open_pipes and not self.drained.done():
            self.drained.set_result(None)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)


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
    cleanup_dir: Optional[str] = None,
    inline: bool = False,
) -> Supervised:
    """Run argv to the end (or the timeout, or cancel) and leave no process behind.

    `cleanup_dir`: a directory the run's reaper removes should heatlens die before it calls
    `Supervised.release()` (which the caller then must do, once it read what the run left there).
    `inline`: argv is a stdlib-only script of heatlens run by the reaper itself (Guard.start).
    Raises OSError when the process cannot be started at all.
    """
    out, err = CappedBuffer(output_cap), CappedBuffer(output_cap)
    loop = asyncio.get_running_loop()
    oom_before, started_at = read_oom_kills(), time.time()
    protocols: List[_Protocol] = []

    def new_protocol() -> _Protocol:
        protocols.append(_Protocol(out, err, stream))
        return protocols[-1]

    guard = Guard()
    limit = memory_limit_mb * (1 << 20) if memory_limit_mb else None
    pid = await guard.start(new_protocol, argv, env=env, cwd=cwd, limit_bytes=limit, cleanup_dir=cleanup_dir,
                            inline=inline)
    # from the pid's report, not from here: on a loaded machine its exit may be read before this line runs
    t0, protocol = guard.start_time or loop.time(), protocols[0]
    if on_started is not None:
        on_started(pid)
    watch = TreeWatch(guard.reaper_pid, token, started_at, exclude=(guard.reaper_pid,), group=pid)
    watcher = asyncio.ensure_future(watch.run())
    cancelled_waiter = asyncio.ensure_future(cancel.wait()) if cancel is not None else None
    timed_out = cancelled = False
    try:
        waiting = {guard.exited} | ({cancelled_waiter} if cancelled_waiter else set())
        done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if guard.exited not in done:
            cancelled, timed_out = cancelled_waiter in done, cancelled_waiter not in done
        watch.poll()
        stopped = await guard.stop(grace)
        leftovers = (stopped[0] if stopped else 0) + await sweep(watch, grace)
        returncode = await guard.exited
        try:  # after the tree is gone the pipes close; a process we could not kill may hold them open
            await asyncio.wait_for(asyncio.shield(protocol.drained), PIPE_DRAIN_TIMEOUT)
        except asyncio.TimeoutError:
            pass
    except BaseException:
        guard.kill_now()
        _signal_victims(watch, signal.SIGKILL)
        raise
    finally:
        watcher.cancel()
        if cancelled_waiter is not None:
            cancelled_waiter.cancel()
    if cleanup_dir is None:
        await guard.release()
    if returncode is None:  # the reaper was lost before it reported: its own status is the best there is
        returncode = guard.transport.get_returncode() if guard.transport is not None else None
    wall = (guard.exit_time or loop.time()) - t0
    oom_after = read_oom_kills()
    cpu, maxrss = (stopped[1], stopped[2]) if stopped else (0.0, 0)
    peak = max(watch.peak_rss, maxrss)
    return Supervised(
        pid=pid,
        returncode=returncode,
        stdout=out,
        stderr=err,
        started_at=started_at,
        wall_time=wall,
        cpu_time=max(cpu, sum(watch.cpu.values())),
        peak_rss_mb=peak / (1 << 20) if peak else None,
        timed_out=timed_out,
        cancelled=cancelled,
        oom_killed=oom_before is not None and oom_after is not None and oom_after > oom_before,
        leftovers_killed=0 if (timed_out or cancelled) else leftovers,
        resources=watch.recorder.samples(),
        release=guard.release if cleanup_dir is not None else _nothing_to_release,
    )


if sys.platform == "win32":  # pragma: no cover - heatlens supervises POSIX process groups
    raise ImportError("heatlens.run.supervise needs a POSIX system")
