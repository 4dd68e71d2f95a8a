"""The heatlens agent's samplers (stdlib only; runs inside the target interpreter, Python 3.9-3.13).

CPU: `setitimer(ITIMER_PROF)` fires every `interval` of process CPU time (the kernel rounds this to its
tick, 4 ms on many Linux kernels). Each SIGPROF is handled twice:
  1. at once, in C, by `faulthandler.register(all_threads=False, chain=True)`: the thread the signal
     landed on (the one using CPU, on Linux >= 6.7) writes its own stack *at that instant* (even inside
     a long C call) to an unlinked file. Only its own: dumping other threads while they run can crash;
  2. by our Python handler, which CPython runs only at its next check point (function entry, backward
     jump, after a builtin call). It reads the new dumps, tells whose they are (the main thread by the
     agent frames under the target, others by the root frames they share with each thread's current
     stack), and gives each thread's exact CPU time since the previous handler (per-thread CPU clocks)
     to that thread's dumps, or to its current frame when none caught it. Weights come from clocks,
     positions from the dumps, so neither coalesced signals nor check-point bias skew the result; the
     agent's own time is excluded (clocks are read at handler start and end; dumps with agent frames
     on top are dropped).
On Python >= 3.11 step 1 is skipped (faulthandler's dump there can crash the target, see
_FIRST_UNSAFE; HEATLENS_AGENT_SAMPLER=python skips it anywhere): the Python handler gives the elapsed CPU
to the interrupted frame's stack. Less precise at line level only: time in a C call without check points
lands on the line where the handler runs next (the call's own line when the call returns to it).
Native time (a heuristic): when several dumps piled up for the main thread before its handler could
run, the main thread sat in one long C call without check points: (k-1)/k of that time is native. With
one dump, if the handler runs right after a CALL instruction on the very line the dump saw, the time
was spent in the called C function: native. Short C calls on other lines count as Python. CPU of
non-Python threads (BLAS pools) is process CPU minus all Python threads' CPU: native, on the main line.

Wall: a daemon thread wakes every 10 ms; for each thread, wall time minus its CPU time minus time spent
runnable-but-not-running (`/proc/.../schedstat`) is time blocked (I/O, sleep, locks, GIL), given to the
line it is blocked on.

Memory: see heatlens_agent_memory.
"""

from __future__ import annotations

import dis
import faulthandler
import os
import re
import signal
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

from heatlens_agent_entry import EntryMapper
from heatlens_agent_frames import StackMixin, ThreadClocks, frame_text, native_id
from heatlens_agent_memory import SNAPSHOT_EVERY, MemoryMixin
from heatlens_agent_wall import WallMixin

AGENT_DIR = os.path.dirname(os.path.abspath(__file__))
_STACK = re.compile(r"^Stack \(most recent call first\):\n((?:  [^\n]*\n)*)", re.M)
_CALL_OPS = {"CALL", "PRECALL", "CALL_FUNCTION", "CALL_METHOD", "CALL_FUNCTION_KW", "CALL_FUNCTION_EX", "CALL_KW"}
# faulthandler's dump walks the interrupted thread's frames from inside the C signal handler. Since 3.11
# frames are _PyInterpreterFrame structs linked in place: a SIGPROF landing while the interpreter is still
# setting one up on a C->Python call (e.g. slot_tp_init running a Python __init__) makes the dump follow a
# pointer not yet set, and the target dies by SIGSEGV (tests/fixtures/agent/crashy.py, 60 runs each:
# 3.11 6, 3.12 35, 3.13 43; 3.10 0). Up to 3.10 frames are whole objects before they are linked.
_FIRST_UNSAFE = (3, 11)


def dumps_are_safe(version: Tuple[int, ...] = tuple(sys.version_info[:2])) -> bool:
    """Whether faulthandler may dump the interrupted stack at the signal on this interpreter."""
    return tuple(version[:2]) < _FIRST_UNSAFE and os.environ.get("HEATLENS_AGENT_SAMPLER") != "python"


class Sampler(MemoryMixin, WallMixin, StackMixin):
    def __init__(self, out_path: str, interval: float, memory: str, writer: Any) -> None:
        self.out_path = out_path
        self.interval = max(interval, 0.0005)
        self.memory = memory
        self.writer = writer  # callable(sampler, final: bool)
        self.pid = os.getpid()
        self.main_ident = threading.main_thread().ident or threading.get_ident()
        self.t0 = time.perf_counter()
        self.started = time.time()
        self.cpu: Dict[Tuple[int, str], List[float]] = {}  # (thread, stack text) -> [python, native, samples]
        self.blocked: Dict[Tuple[int, str], float] = {}
        self.mem: Dict[str, List[float]] = {}  # leaf line text -> [alloc, freed, live, peak] bytes
        self.series: List[List[float]] = []  # [t, current MB, peak MB, rss MB]
        self.names: Dict[int, str] = {}
        self.snapshots: List[Any] = []  # "full": (t, {(file, line): bytes}), see MemoryMixin._snapshot
        self.snap_peaks: Dict[Tuple[str, int], int] = {}
        self.snap_last: Optional[Dict[Tuple[str, int], int]] = None
        self.snap_next = 0.0
        self.snap_every = SNAPSHOT_EVERY
        self.discarded = 0
        self.main_base = -1  # agent frames under the target's frames in the main thread, once it runs
        self.main_root = ""  # the outermost of those, as faulthandler writes it
        self.enabled = False
        self._busy = False
        # the handler and the wall thread (when no handler ran for a while: WallMixin._stale_window) take windows
        # one at a time; reentrant, as a SIGTERM handler may stop the sampler from within the SIGPROF one
        self._window_lock = threading.RLock()
        self._window_at = self.t0
        self._main_nid: Optional[int] = None
        self._tcpu: Dict[int, float] = {}  # native thread id -> its CPU at the last handler
        self._clocks = ThreadClocks()  # the handler's; the wall thread has its own (_wclocks)
        self._wclocks = ThreadClocks()
        self.own_cpu = 0.0  # the handler's and the wall thread's CPU: the agent's own cost
        self._last: Dict[int, str] = {}  # thread -> its last stack, to recognise its dumps after it ends
        self._wcpu: Dict[int, float] = {}  # the wall thread's, by native thread id
        self._wlast: Dict[int, float] = {}
        self._wrq: Dict[int, float] = {}
        self._bacc: Dict[int, float] = {}
        self._other = 0.0
        self._call_offsets: Dict[Any, frozenset] = {}
        self._dump_fd = -1
        self._timer = False  # the SIGPROF timer runs
        self._prof_prev: Any = None  # SIGPROF's handler before ours
        self.dumping = False  # faulthandler dumps the stack at each signal (else: the Python handler alone)
        self._entry = EntryMapper(frame_text)
        self._dump_off = 0
        self._carry = b""
        self._agent_mark = '"%s' % AGENT_DIR
        self._stop = threading.Event()
        self.next_write = 0.0  # when the next periodic write is due (seconds since t0)
        self._wall: Optional[threading.Thread] = None
        self._statfd = self._open("/proc/self/status", os.O_RDONLY)
        self._clearfd = self._open("/proc/self/clear_refs", os.O_WRONLY)
        self._mem_last = 0
        self._peak_seen = 0
        self._peak_all = 0
        self.notes: List[str] = []

    @staticmethod
    def _open(path: str, flags: int) -> int:
        try:
            return os.open(path, flags)
        except OSError:
            return -1

    # ---- life cycle -------------------------------------------------------------------------------------
    def start(self) -> None:
        if self.memory == "full":
            import tracemalloc

            tracemalloc.start(1)
        self._mem_last, self._peak_seen = self._mem_read()
        self.enabled = True
        self._wall = threading.Thread(target=self._wall_loop, name="heatlens-agent", daemon=True)
        self._wall.start()
        if not hasattr(signal, "setitimer"):
            self.notes.append("cpu: no setitimer on this platform; CPU not sampled")
            return
        self.dumping = hasattr(faulthandler, "register") and dumps_are_safe()
        self._p_prev = time.process_time()
        self._t_prev = self._main_end = time.thread_time()
        self._main_nid = getattr(threading.main_thread(), "native_id", None)
        self._prof_prev = signal.signal(signal.SIGPROF, self._on_prof)
        if self.dumping:
            path = "%s.%d.dump" % (self.out_path, self.pid)
            self._dump_fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC, 0o600)
            os.unlink(path)  # the descriptor lives on; nothing is left behind
            # Only the thread the signal landed on dumps itself: reading other threads' frames while they
            # run (all_threads=True from a BLAS thread) can crash the target.
            faulthandler.register(signal.SIGPROF, file=self._dump_fd, all_threads=False, chain=True)
            self.notes.append("cpu: sampler = faulthandler stack dumps at each SIGPROF + Python handler")
        else:
            self.notes.append(
                "cpu: sampler = Python SIGPROF handler only (faulthandler dumps can crash Python %d.%d); "
                "time in a C call without check points lands on the line the handler runs next"
                % sys.version_info[:2]
            )
        self._timer = True
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)

    def stop(self) -> None:
        """Stop sampling and take the last window; safe to call twice and from any exit path."""
        if not self.enabled or os.getpid() != self.pid:
            return
        self.enabled = False
        if self._timer:
            signal.setitimer(signal.ITIMER_PROF, 0, 0)
            if self.dumping:
                try:
                    faulthandler.unregister(signal.SIGPROF)
                except (RuntimeError, ValueError):
                    pass
            with self._window_lock:
                self._window(None, time.thread_time(), time.process_time(), final=True)
        self._stop.set()
        if self._wall is not None and self._wall is not threading.current_thread():
            self._wall.join(1.0)
        self._mem_tick(time.perf_counter() - self.t0, force=True)
        if self.memory == "full":
            self._snapshot()
        self._clocks.close()

    def release_signals(self) -> None:
        """SIGPROF back to what it was before the agent (a forked child inherits our handlers)."""
        if not self._timer:
            return
        self._timer = False
        if self.dumping:
            try:
                faulthandler.unregister(signal.SIGPROF)
            except (RuntimeError, ValueError):
                pass
        try:
            if signal.getsignal(signal.SIGPROF) == self._on_prof:
                signal.signal(signal.SIGPROF, self._prof_prev if self._prof_prev is not None else signal.SIG_DFL)
        except (ValueError, OSError):
            pass

    def close_inherited(self) -> None:
        """In a forked child: this sampler's descriptors name the parent's files and tasks."""
        self.enabled = False
        self._clocks.close()
        self._wclocks.close()
        for fd in (self._statfd, self._clearfd, self._dump_fd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._statfd = self._clearfd = self._dump_fd = -1

    # ---- CPU -------------------------------------------------------------------------------------------
    def _on_prof(self, signum: int, frame: Any) -> None:
        if not self.enabled or self._busy or (frame is not None and frame.f_code is _ON_PROF):
            # a signal during the handler itself, or at its entry, before it is busy (a second SIGPROF that came
            # during a long C call): the handler it interrupted takes the window (run here, the program's frame
            # would be this handler's own, its CPU and memory lost)
            return
        if not self._window_lock.acquire(False):
            return  # the wall thread takes this window (the main thread was blocked)
        self._busy = True
        t = time.thread_time()
        p = time.process_time()
        try:
            self._window(frame, t, p)
            # A CPU-bound target can starve the wall thread of the GIL for seconds, so whichever of the two
            # comes first when a periodic (crash-proof) write is due makes it, each to a file of its own
            # (see Agent.write): while the target runs Python code, that is this handler, which always runs.
            now = time.perf_counter() - self.t0
            if now >= self.next_write:
                self.next_write = now + 0.5
                self.writer(self, False)
        finally:
            self._main_end = time.thread_time()
            self.own_cpu += self._main_end - t
            self._busy = False
            self._window_lock.release()

    def _read_dumps(self) -> str:
        if self._dump_fd < 0:
            return ""
        parts = [self._carry]
        while True:
            b = os.pread(self._dump_fd, 1 << 16, self._dump_off)
            if not b:
                break
            parts.append(b)
            self._dump_off += len(b)
        data = b"".join(parts)
        cut = data.rfind(b"\n") + 1  # whole lines only; a dump still being written waits
        self._carry = data[cut:]
        if self._dump_off > (4 << 20) and not self._carry:
            os.ftruncate(self._dump_fd, 0)
            self._dump_off = 0
        return data[:cut].decode("ascii", "replace")

    def _window(self, frame: Any, t_main: float, p_now: float, final: bool = False) -> None:
        """Give each thread's CPU used since the last handler to its stacks dumped in between."""
        self._window_at = time.perf_counter()
        dumps = [b for b in map(self._strip_callbacks, _STACK.findall(self._read_dumps())) if b]
        wall_ident = self._wall.ident if self._wall is not None else None
        d_main = t_main - self._main_end
        handler = self._main_end - self._t_prev
        p_delta = p_now - self._p_prev - handler
        self._t_prev, self._p_prev = t_main, p_now
        current = sys._current_frames()
        if frame is not None or final:
            current[self.main_ident] = frame  # the interrupted frame, not the handler's
        current.pop(wall_ident, None)
        # threads that ended since the last handler: their last CPU is no longer on any clock
        gone = {t: b for t, b in self._last.items() if t not in current}
        per: Dict[int, List[str]] = {}
        for body in dumps:
            tid = self._owner(body, current, gone)
            if tid is None:
                self.discarded += 1
            else:
                per.setdefault(tid, []).append(body)
        used = 0.0
        seen = set()
        wall_nid = getattr(self._wall, "native_id", None)
        c = self._clocks.cpu(wall_nid)
        if c is not None:
            d = c - self._tcpu.get(wall_nid, 0.0)  # it started with the sampler: all of it is ours
            used += d
            self.own_cpu += d
            self._tcpu[wall_nid] = c
            seen.add(wall_nid)
        best: Tuple[float, List[str]] = (0.0, [])
        for tid, fr in current.items():
            if tid == self.main_ident:
                d = d_main
            else:
                nid = native_id(tid)
                c = self._clocks.cpu(nid)
                if c is None:
                    continue  # not a threading thread, or gone: its CPU stays in `rest` below
                d = c - self._tcpu.get(nid, 0.0)  # keyed by native id: idents are reused at once
                self._tcpu[nid] = c
                seen.add(nid)
            used += max(d, 0.0)
            fr = self._below_callbacks(fr)
            bodies = per.get(tid, [])
            if d <= 0:
                self.discarded += len(bodies)  # dumped while idle: the signal landed on a waiting thread
                continue
            k = len(bodies)
            native = 0.0
            if not bodies:
                text = self.target_stack(tid, fr)
                if text is None:
                    continue
                bodies = [text]
                if tid == self.main_ident and not self.dumping:
                    # Python handler alone: it runs at the next check point; right after a builtin CALL
                    # returns when the signal landed inside that C call (native, as with one dump); at
                    # a function's entry, the work was done before the call (heatlens_agent_entry)
                    entry = self._entry.stack(fr)
                    if entry is not None:
                        bodies = [entry]
                        # no check point for many ticks: a long C operation (straight-line bytecode
                        # without calls or loops cannot run that long)
                        native = 1.0 if d > 4 * max(self.interval, 0.004) else 0.0
                    elif self._at_call(fr, text):
                        native = 1.0
            elif tid == self.main_ident:
                if k >= 2:
                    native = (k - 1) / k
                elif fr is not None and self._at_call(fr, bodies[0]):
                    native = 1.0
            self._add(tid, bodies, d, native)
            if tid != self.main_ident:
                self._last[tid] = bodies[-1]
            if d > best[0] or (tid == self.main_ident and d >= best[0]):
                best = (d, bodies)
        rest = p_delta - used
        ended = [(t, per[t]) for t in gone if t in per]
        if not self.dumping:  # no dumps: an ended thread's last CPU goes to the last stack it was seen in
            ended = [(t, [b]) for t, b in gone.items()]
        if ended and rest > 0:  # what the ended threads used after their last reading
            n = sum(len(b) for _, b in ended)
            for t, bodies in ended:
                self._add(t, bodies, rest * len(bodies) / n, 0.0)
            rest = 0.0
        for t in gone:
            self._last.pop(t, None)
        for nid in [n for n in self._tcpu if n not in seen]:
            del self._tcpu[nid]
        self._clocks.keep_only(seen)
        self._other += rest
        if self._other > 2 * self.interval and best[1]:
            self._add(self.main_ident, best[1], self._other, 1.0)
            self._other = 0.0
        if self.memory != "off":
            self._mem_window(best[1])

    def _add(self, tid: int, bodies: List[str], d: float, native: float) -> None:
        share = d / len(bodies)
        nat = share * native
        py = share - nat
        for body in bodies:
            acc = self.cpu.get((tid, body))
            if acc is None:
                self.cpu[(tid, body)] = [py, nat, 1]
            else:
                acc[0] += py
                acc[1] += nat
                acc[2] += 1

    def _at_call(self, fr: Any, body: str) -> bool:
        code = fr.f_code
        offsets = self._call_offsets.get(code)
        if offsets is None:
            try:
                offsets = frozenset(i.offset for i in dis.get_instructions(code) if i.opname in _CALL_OPS)
            except Exception:
                offsets = frozenset()
            self._call_offsets[code] = offsets
        if fr.f_lasti not in offsets:
            return False
        leaf = '  File "%s", line %d in %s\n' % (code.co_filename, fr.f_lineno or 0, code.co_name)
        return body.startswith(leaf)


_ON_PROF = Sampler._on_prof.__code__
