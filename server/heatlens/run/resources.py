"""Resource monitor, the recording half: one sample of the target's process tree per poll of the runner.

Sampled from outside the target (psutil, in the runner's poll loop `run.supervise.TreeWatch.poll`), so it
costs the target nothing and works with every backend. The summary is `analysis.resources.summarize`.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

from heatlens.model import ResourceSample


class LazyModule:
    """A module imported at the first use of one of its attributes (thread-safe; Python 3.11's LazyLoader
    is not): psutil costs ~5-8 ms to import, which `heatlens run` would pay before the program starts; its
    first use is the tree watch, once the target started, while heatlens only waits."""

    def __init__(self, name: str):
        self._name, self._lock = name, threading.Lock()
        self._module: Optional[ModuleType] = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            with self._lock:
                if self._module is None:
                    self._module = importlib.import_module(self._name)
                module = self._module
        return getattr(module, attr)


if TYPE_CHECKING:
    import psutil
else:
    psutil = LazyModule("psutil")

MAX_SAMPLES = 2000  # beyond this the series is thinned (every other sample dropped): long runs stay small
_MB = float(1 << 20)


class ResourceRecorder:
    """Collects one sample per poll. CPU % comes from the growth of the tree's CPU seconds between polls
    (the caller passes a total that includes processes that already exited, so it never goes down)."""

    def __init__(self, max_samples: int = MAX_SAMPLES):
        self.max_samples = max(2, max_samples)
        self._samples: List[ResourceSample] = []
        self._last: Optional[Tuple[float, float]] = None  # (t, cpu seconds) of the previous poll

    @staticmethod
    def fd_count(proc: psutil.Process) -> int:
        """Open descriptors (POSIX) or handles (Windows) of one process; 0 where neither is readable."""
        try:
            return proc.num_fds() if hasattr(proc, "num_fds") else proc.num_handles()
        except (psutil.Error, OSError):
            return 0

    def add(self, t: float, rss_bytes: int, cpu_seconds: float, threads: int, fds: int, processes: int) -> None:
        cpu_percent = 0.0
        if self._last is not None and t > self._last[0]:
            cpu_percent = max(0.0, (cpu_seconds - self._last[1]) / (t - self._last[0]) * 100.0)
        self._last = (t, cpu_seconds)
        self._samples.append(ResourceSample(
            t=round(t, 4), rss_mb=rss_bytes / _MB, cpu_percent=round(cpu_percent, 1), threads=threads,
            open_files=fds, processes=processes,
        ))
        if len(self._samples) > self.max_samples:
            self._samples = self._samples[::2]

    def samples(self) -> List[ResourceSample]:
        return list(self._samples)
