"""Resource monitor: RSS, CPU %, threads and open file descriptors of the target's process tree over time.

Sampled from outside the target (psutil, in the runner's poll loop `run.supervise.TreeWatch.poll`), so it
costs the target nothing and works with every backend. `ResourceRecorder` turns polls into
`model.ResourceSample`s; `summarize` and `blocks` are the pure halves the reports use.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import psutil

from heatlens.model import Profile, ResourceSample

MAX_SAMPLES = 2000  # beyond this the series is thinned (every other sample dropped): long runs stay small
_MB = float(1 << 20)
_BARS = "▁▂▃▄▅▆▇█"


class ResourceRecorder:
    """Collects one sample per poll. CPU % comes from the growth of the tree's CPU seconds between polls
    (the caller passes a total that includes processes that already exited, so it never goes down)."""

    def __init__(self, max_samples: int = MAX_SAMPLES):
        self.max_samples = max(2, max_samples)
        self._samples: List[ResourceSample] = []
        self._last: Optional[tuple] = None  # (t, cpu seconds) of the previous poll

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


def summarize(series: Sequence[ResourceSample]) -> Optional[Dict[str, Any]]:
    """Plain data for reports (and JSON); None for an empty series."""
    if not series:
        return None
    busy = series[1:] or series  # the first sample has no CPU interval
    return {
        "samples": len(series),
        "duration": series[-1].t - series[0].t,
        "rss_start_mb": series[0].rss_mb,
        "rss_end_mb": series[-1].rss_mb,
        "rss_peak_mb": max(s.rss_mb for s in series),
        "rss_peak_t": max(series, key=lambda s: s.rss_mb).t,
        "cpu_mean_percent": sum(s.cpu_percent for s in busy) / len(busy),
        "cpu_peak_percent": max(s.cpu_percent for s in busy),
        "threads_peak": max(s.threads for s in series),
        "open_files_peak": max(s.open_files for s in series),
        "open_files_start": series[0].open_files,
        "processes_peak": max(s.processes for s in series),
        "rss_sparkline": sparkline([s.rss_mb for s in series]),
        "cpu_sparkline": sparkline([s.cpu_percent for s in busy]),
    }


def sparkline(values: Sequence[float], width: int = 40) -> str:
    """A one-line plot of `values` (bucketed to `width` columns by their maximum)."""
    if not values:
        return ""
    width = max(1, min(width, len(values)))
    buckets = [max(values[i * len(values) // width:(i + 1) * len(values) // width] or [0.0]) for i in range(width)]
    low, high = min(buckets), max(buckets)
    span = high - low
    if span <= 0:
        return _BARS[0] * width
    return "".join(_BARS[min(len(_BARS) - 1, int((v - low) / span * len(_BARS)))] for v in buckets)


def profile_summary(profile: Profile) -> Optional[Dict[str, Any]]:
    return summarize(profile.resource_series)


def blocks(data: Optional[Dict[str, Any]]) -> List[Any]:
    """The report section ("Resources") for `summarize`'s data; nothing when there is no series."""
    from heatlens.reports import document as doc  # late: reports import this module

    if not data:
        return []
    return [
        doc.Heading("Resources (process tree, sampled from outside)", 2),
        doc.KeyValues([
            ("RSS", f"{doc.megabytes(data['rss_start_mb'])} → peak {doc.megabytes(data['rss_peak_mb'])} "
                    f"at {data['rss_peak_t']:.1f}s → {doc.megabytes(data['rss_end_mb'])}  {data['rss_sparkline']}"),
            ("CPU", f"mean {data['cpu_mean_percent']:.0f}%, peak {data['cpu_peak_percent']:.0f}%  "
                    f"{data['cpu_sparkline']}"),
            ("threads (peak)", str(data["threads_peak"])),
            ("open files (peak)", str(data["open_files_peak"])),
            ("processes (peak)", str(data["processes_peak"])),
            ("samples", f"{data['samples']} over {data['duration']:.1f}s"),
        ]),
    ]
