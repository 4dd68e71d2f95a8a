"""Blocked time for the heatlens agent (stdlib only; runs inside the target interpreter): a daemon thread
wakes every 10 ms; for each thread, wall time minus its CPU time minus time spent runnable-but-not-running
(`/proc/.../schedstat`) is time blocked (I/O, sleep, locks, GIL), given to the line it is blocked on. The
same thread drives the memory series, snapshots and the periodic (crash-proof) writes of the output."""

from __future__ import annotations

import signal
import sys
import threading
import time
from typing import Optional

from heatlens_agent_frames import frame_text, thread_cpu

_WALL_TICK = 0.01


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
        active = threading._active  # type: ignore[attr-defined]
        for tid, fr in sys._current_frames().items():
            if tid == own:
                continue
            th = active.get(tid)
            if th is not None and tid not in self.names:
                self.names[tid] = th.name
            c = thread_cpu(tid)
            last = self._wlast.get(tid)
            self._wlast[tid] = now
            if c is None or last is None:
                if c is not None:
                    self._wcpu[tid] = c
                continue
            blocked = (now - last) - (c - self._wcpu.get(tid, c))
            self._wcpu[tid] = c
            if blocked > 0.0005 and th is not None and getattr(th, "native_id", None):
                rq = self._runqueue(th.native_id)
                if rq is not None:
                    blocked -= rq - self._wrq.get(tid, rq)
                    self._wrq[tid] = rq
            acc = self._bacc.get(tid, 0.0) + blocked
            if acc < 0.002:
                self._bacc[tid] = acc
                continue
            self._bacc[tid] = 0.0
            text = frame_text(fr)
            if not self._ours(tid, text):
                continue
            self.blocked[(tid, text)] = self.blocked.get((tid, text), 0.0) + acc

    @staticmethod
    def _runqueue(native_id: int) -> Optional[float]:
        try:
            with open("/proc/self/task/%d/schedstat" % native_id, "rb") as f:
                return int(f.read().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            return None
