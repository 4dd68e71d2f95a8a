"""Resource monitor, the analysis half: a summary of the target tree's RSS, CPU %, threads and open files.

The series is recorded from outside the target by `run.resources.ResourceRecorder` (in the runner's poll
loop); the report section is `reports.resources.blocks`.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

from heatlens.model import Profile, ResourceSample

_BARS = "▁▂▃▄▅▆▇█"


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
