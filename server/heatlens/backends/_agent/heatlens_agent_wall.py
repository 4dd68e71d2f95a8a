"""Blocked time for the heatlens agent (stdlib only; runs inside the target interpreter): a daemon thread
wakes every 10 ms; for each thread, wall time minus its CPU time minus time spent runnable-but-not-running
(`/proc/.../schedstat`) is time blocked (I/O, sleep, locks, GIL), given to the line it is blocked on. The
same thread takes the CPU window while the main thread runs no SIGPROF handler (it waits), and drives the memory
series, snapshots and the periodic (crash-proof) writes of the output."""

from __future__ import annotations

import signal
import sys
import threading
import time

_WALL_TICK = 0.01
_STALE = 0.01  # seconds without a CPU window after which the wall thread takes one (_stale_window)


class WallMixin:
    """Mixed into the Sampler, whose state (names, blocked, _wcpu, _wlast, _wrq, _bacc, ...) it uses."""

    def _wall_loop(self) -> None:
        own = threading.get_ident()
        # The runner's SIGTERM must land on the main thread (its handler writes the final profile). SIGPROF
        # is NOT blocked here: the kernel gives the timer's signal to the thread using the CPU; blocked here,
        # it goes to the main thread even while that sleeps in a blocking write to a pipe, and CPython then
        # loses part of what the target writes (tests/backends/test_agent.py::test_stdout_intact...).
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        while not self._stop.wait(_WALL_TICK):
            try:
                self._wall_tick(own)
                self._stale_window()
                now = time.perf_counter() - self.t0
                self._mem_tick(now)
                if self.memory == "full" and now >= self.snap_next:
                    self._snapshot()
                if now >= self.next_write:
                    self.next_write = now + 0.5
                    self.writer(self, False)
            except Exception as exc:  # never disturb the target; say why in the profile
                self.notes.append("agent: wall sampler stopped: %r" % (exc,))
                return

    def _wall_tick(self, own: int) -> None:
        now = time.perf_counter()
        active = threading._active
        seen = set()
        for tid, fr in sys._current_frames().items():
            th = active.get(tid)
            if tid == own or th is None:  # a thread threading does not know has no native id to read
                continue
            if tid not in self.names:
                self.names[tid] = th.name
            nid = getattr(th, "native_id", None)
            got = self._wclocks.read(nid)  # by native id: reading an ended thread's clock fails, safely
            if got is None:
                continue
            seen.add(nid)
            c, rq = got
            last = self._wlast.get(nid)
            self._wlast[nid] = now
            if last is None:
                self._wcpu[nid], self._wrq[nid] = c, rq
                continue
            # wall - CPU - waiting for a CPU (run queue) = blocked
            blocked = (now - last) - (c - self._wcpu.get(nid, c)) - (rq - self._wrq.get(nid, rq))
            self._wcpu[nid], self._wrq[nid] = c, rq
            acc = self._bacc.get(nid, 0.0) + blocked
            if acc < 0.002:
                self._bacc[nid] = acc
                continue
            self._bacc[nid] = 0.0
            text = self.target_stack(tid, fr)
            if text is None:
                continue
            self.blocked[(tid, text)] = self.blocked.get((tid, text), 0.0) + acc
        for d in (self._wcpu, self._wlast, self._wrq, self._bacc):
            for nid in [n for n in d if n not in seen]:
                del d[nid]
        self._wclocks.keep_only(seen)

    def _stale_window(self) -> None:
        """From the wall thread. A main thread blocked in a sleep, a join or a lock runs no handler: SIGPROF lands on
        the threads using the CPU, which cannot run one. All they used until it woke went to where each was then
        (a worker's loop line lost 60 % of its time to the line around it). So after _STALE without a window, the
        wall thread takes one: every thread's CPU to where it is now."""
        at = self._window_at
        since = time.perf_counter() - at
        if self.dumping or not self._timer or since < max(_STALE, 3 * self.interval):
            return
        # only while it waits: using CPU (a C call that let go of the GIL), it runs its handler when the call
        # returns, which knows the call's line and that its time was native. The lock is not held while deciding:
        # a handler that finds it held leaves its window to the next one (on another line), and reading a clock
        # lets go of the GIL
        main = self._wclocks.cpu(self._main_nid)
        if main is None or main - self._main_end >= 0.1 * since or not self._window_lock.acquire(False):
            return
        try:
            if self.enabled and self._window_at == at:  # no handler took one meanwhile
                self._window(None, main, time.process_time())
                self._main_end = main  # no handler ran: none of the main thread's CPU was the agent's
        finally:
            self._window_lock.release()
