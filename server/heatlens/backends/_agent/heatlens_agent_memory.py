"""The heatlens agent's memory attribution (stdlib only; a mixin of the Sampler).

Memory "sampled": at each handler the RSS change since the last one (VmRSS, plus VmHWM to see a
transient peak, reset through /proc/self/clear_refs) is given to the lines the dumps saw in between:
allocated = rise to the window's peak, freed = fall from it. Approximate: small objects reuse freed
memory without moving RSS, and memory is "freed" on the line running when it is released.
"full": the same, with tracemalloc's exact traced current/peak instead of RSS, plus tracemalloc
snapshots (exact live memory per allocating line).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

_MB = float(1 << 20)
_KEEP_BYTES = 1024
SNAPSHOT_EVERY = 0.2  # seconds between tracemalloc snapshots in "full" mode (the leak detector needs >= 5)
MAX_SNAPSHOTS = 400  # then every other one is dropped and the period doubles: long runs stay small
AGENT_DIR = os.path.dirname(os.path.abspath(__file__))


class MemoryMixin:
    """Needs from the Sampler: memory, mem, series, snapshots, snap_peaks, snap_last, snap_next, snap_every,
    _statfd, _clearfd, _mem_last, _peak_seen, _peak_all."""

    memory: str
    mem: Dict[str, List[float]]
    series: List[List[float]]
    snapshots: List[Tuple[float, Dict[Tuple[str, int], int]]]  # (t, {(file, line): live bytes >= 1 KiB})
    snap_peaks: Dict[Tuple[str, int], int]
    snap_last: Optional[Dict[Tuple[str, int], int]]
    snap_next: float
    snap_every: float
    _statfd: int
    _clearfd: int
    _mem_last: int
    _peak_seen: int
    _peak_all: int
    t0: float

    def _mem_read(self) -> Tuple[int, int]:
        """(current, peak since the last reset) in bytes: tracemalloc in "full" mode, else RSS."""
        if self.memory == "full":
            import tracemalloc

            return tracemalloc.get_traced_memory()
        if self._statfd >= 0:
            b = os.pread(self._statfd, 8192, 0)
            return self._kb(b, b"VmRSS:"), self._kb(b, b"VmHWM:")
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
        return peak, peak

    @staticmethod
    def _kb(b: bytes, key: bytes) -> int:
        i = b.find(key)
        if i < 0:
            return 0
        return int(b[i + len(key) : b.index(b"k", i)].strip()) * 1024

    def _mem_reset_peak(self, current: int, peak: int) -> int:
        """Reset the peak to `current`; returns the peak value that the next reading must exceed."""
        if self.memory == "full":
            import tracemalloc

            tracemalloc.reset_peak()
            return current
        if self._clearfd >= 0:
            try:
                os.write(self._clearfd, b"5")  # resets VmHWM to VmRSS (Linux >= 4.0)
                return current
            except OSError:
                self._clearfd = -1
        return peak

    def _mem_window(self, bodies: List[str]) -> None:
        cur, peak = self._mem_read()
        last = self._mem_last
        top = max(cur, last, peak if peak > self._peak_seen else 0)
        self._peak_all = max(self._peak_all, top)
        if top > cur or peak > self._peak_seen:
            self._peak_seen = self._mem_reset_peak(cur, peak)
        self._mem_last = cur
        self._mem_tick(time.perf_counter() - self.t0)
        alloc, freed = top - last, top - cur
        if not bodies or (alloc == 0 and freed == 0):
            return
        weights: Dict[str, float] = {}
        for body in bodies:
            key = body[: body.find("\n") + 1]  # the leaf line
            weights[key] = weights.get(key, 0.0) + 1.0 / len(bodies)
        for key, w in weights.items():
            acc = self.mem.get(key)
            if acc is None:
                acc = self.mem[key] = [0.0, 0.0, 0.0, 0.0]
            acc[0] += alloc * w
            acc[2] += alloc * w
            acc[3] = max(acc[3], acc[2])  # within a window: up to its peak first, then down
            acc[1] += freed * w
            acc[2] -= freed * w

    def _mem_tick(self, t: float, force: bool = False) -> None:
        """One point of the memory time series; called from the handler and the wall thread, at most
        every 0.1 s (the handler keeps the series going when the wall thread is starved of the GIL)."""
        if self.series and t - self.series[-1][0] < 0.1 and not force:
            return
        rss = 0
        if self._statfd >= 0:
            rss = self._kb(os.pread(self._statfd, 8192, 0), b"VmRSS:")
        if self.memory == "full":
            import tracemalloc

            cur = tracemalloc.get_traced_memory()[0]
        else:
            cur = rss
        self._peak_all = max(self._peak_all, cur)
        self.series.append([round(t, 4), cur / _MB, self._peak_all / _MB, rss / _MB])

    def _snapshot(self) -> None:
        """One tracemalloc snapshot: live bytes per allocating line, with its time (the leak detector needs
        the lines' live memory over time). Kept per snapshot: lines holding >= 1 KiB (smaller ones cannot
        make a leak worth reporting); the last snapshot and every line's peak are kept whole."""
        import tracemalloc

        if not tracemalloc.is_tracing():
            return
        start = time.perf_counter()
        skip = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, AGENT_DIR + os.sep + "*")]
        stats = tracemalloc.take_snapshot().filter_traces(skip).statistics("lineno")
        rows = {(s.traceback[0].filename, s.traceback[0].lineno): s.size for s in stats}
        peaks = self.snap_peaks
        for site, size in rows.items():
            if size > peaks.get(site, 0):
                peaks[site] = size
        self.snap_last = rows
        self.snapshots.append((round(start - self.t0, 4), {k: v for k, v in rows.items() if v >= _KEEP_BYTES}))
        if len(self.snapshots) >= MAX_SNAPSHOTS:
            self.snapshots[:] = self.snapshots[::2]
            self.snap_every *= 2
        # a big heap makes snapshots slow: keep them under ~5 % of the run
        self.snap_next = start - self.t0 + max(self.snap_every, 20 * (time.perf_counter() - start))
