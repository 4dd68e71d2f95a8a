"""Memory leaks: allocation sites whose live memory keeps growing until the end of the run.

Input: per-line live memory over time (`Profile.memory_snapshot_times` + `Profile.line_memory_series`, from
the agent's "full" memory mode, see backends/memory_tracks.py, or from the py-spy memory thread). A site is a
leak when, over the LATER part of the run, its live memory still climbs: positive slope, mostly
non-decreasing steps, a straight-line fit that explains the climb (R²), a climb worth reporting, and one that
still goes on at the end. Memory that grew and then plateaued (a bounded cache, a dict built to its final
size) or was freed gives no report. Confidence = R² × share of
rising steps.
"""

from __future__ import annotations

import bisect
from typing import List, Mapping, Optional, Sequence, Tuple

import attrs

from heatlens.model import Finding, LineMemoryTrack, Profile

RULE = "memory-leak"
MIN_SNAPSHOTS = 5
MIN_GROWTH_MB = 1.0  # climb over the tail below this: not worth a diagnostic
TAIL = 0.5  # the last half of the run decides: a cache fills early, a leak keeps going
MIN_RISING = 0.7  # share of tail steps that do not go down
MIN_R2 = 0.6
MIN_RISES = 3  # separate rises over the tail: one late allocation is not a leak
MAX_SINGLE_RISE = 0.6  # no single rise may be most of the climb
# the climb still goes on at the end: over the tail's last third, live memory rose by at least this share of
# what the fitted slope says (a list or dict that grew to its final size and then stayed is kept, not leaking)
END = 1.0 / 3
MIN_END_RISE = 0.25
# and it takes time: from 10 % to 90 % of the tail's rise in at least this share of the tail (a dict or list
# built in one burst late in the run climbs steadily too, in the py-spy mode's pieces, but briefly)
MIN_CLIMB_SPAN = 0.4
_FLAT_MB = 1e-3  # steps smaller than this count as "not down" (allocator noise)
# a line whose live memory a little before the end (END_GRACE) is below this share of its peak gave back most of
# what it made: a transient's line. What it still holds is what frees charged to the newest allocations left there
# (the default mode reads frees from outside), not a leak; across 29 leaks of the memory benchmarks it held 0.53 of
# its peak or more, a checkpoint buffer's line 0.08-0.35 (benchmarks/MEMORY.md, session 24). Before the end: the
# series keeps what the program's last 0.25 s freed (its exit's frees), a last buffer freed as the program ends too
MIN_KEPT_OF_PEAK = 0.4
END_GRACE = 0.25


@attrs.define
class Leak:
    file: str
    line: int
    rate_mb_s: float  # slope of live memory over the tail
    growth_mb: float  # live memory added over the tail
    final_mb: float
    confidence: float  # 0..1
    r2: float
    rising: float  # share of tail steps that went up (or stayed)
    samples: int

    def message(self) -> str:
        return (f"Possible memory leak: live memory allocated here keeps growing, {format_rate(self.rate_mb_s)} "
                f"(+{self.growth_mb:.1f} MB over the last part of the run, {self.final_mb:.1f} MB live at the end; "
                f"confidence {self.confidence:.0%})")


def format_rate(mb_s: float) -> str:
    return f"{mb_s:.2f} MB/s" if mb_s >= 0.1 else f"{mb_s * 1024:.0f} KB/s"


def _linear_fit(ts: Sequence[float], ys: Sequence[float]) -> Tuple[float, float]:
    """(slope, R²) of the least-squares line."""
    n = len(ts)
    mt, my = sum(ts) / n, sum(ys) / n
    stt = sum((t - mt) ** 2 for t in ts)
    if stt <= 0:
        return 0.0, 0.0
    slope = sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / stt
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (my + slope * (t - mt))) ** 2 for t, y in zip(ts, ys))
    return slope, (1.0 - ss_res / ss_tot) if ss_tot > 0 else 0.0


def assess(file: str, line: int, times: Sequence[float], live_mb: Sequence[float],
           min_growth_mb: float = MIN_GROWTH_MB) -> Tuple[bool, Leak]:
    """Whether one site leaks, and the numbers behind the verdict."""
    n = min(len(times), len(live_mb))
    start = min(n - 3, int(n * (1.0 - TAIL))) if n >= 3 else 0
    ts, ys = list(times[start:n]), list(live_mb[start:n])
    slope, r2 = _linear_fit(ts, ys) if len(ts) >= 2 else (0.0, 0.0)
    steps = [b - a for a, b in zip(ys, ys[1:])]
    rising = sum(1 for d in steps if d > -_FLAT_MB) / len(steps) if steps else 0.0
    growth = max(0.0, slope * (ts[-1] - ts[0])) if len(ts) >= 2 else 0.0
    final = live_mb[n - 1] if n else 0.0
    leak = Leak(file, line, slope, growth, final, max(0.0, r2) * rising, r2, rising, n)
    is_leak = (
        n >= MIN_SNAPSHOTS and slope > 0 and growth >= min_growth_mb and rising >= MIN_RISING and r2 >= MIN_R2
        and growth >= 0.1 * final  # the climb is a real part of what is live, not jitter on a big cache
        and _spread(steps)  # a steady climb, not one allocation made late in the run
        and _still_rising(ts, ys, slope) and _long_climb(ts, ys)
    )
    return is_leak, leak


def _still_rising(ts: Sequence[float], ys: Sequence[float], slope: float) -> bool:
    """Live memory over the tail's last END of time still climbs (MIN_END_RISE of the slope's rise there). By
    time, not by count: snapshots come unevenly on a busy machine, and the last, as the program ends, can come
    right after the one before it (one step of a few ms, flat, is no plateau)."""
    if len(ts) < 2:
        return True
    k = min(len(ts) - 2, max(0, bisect.bisect_right(ts, ts[-1] - END * (ts[-1] - ts[0])) - 1))  # last at or before
    return ys[-1] - ys[k] >= MIN_END_RISE * slope * (ts[-1] - ts[k])


def _long_climb(ts: Sequence[float], ys: Sequence[float]) -> bool:
    """The tail's rise (from its first value to its highest) took MIN_CLIMB_SPAN of the tail or more."""
    rise = max(ys) - ys[0]
    if rise <= 0 or ts[-1] <= ts[0]:
        return False
    t10 = next(t for t, y in zip(ts, ys) if y >= ys[0] + 0.1 * rise)
    t90 = next(t for t, y in zip(ts, ys) if y >= ys[0] + 0.9 * rise)
    return t90 - t10 >= MIN_CLIMB_SPAN * (ts[-1] - ts[0])


def _spread(steps: Sequence[float]) -> bool:
    """At least MIN_RISES separate rises, none of them most of the climb."""
    rises = [d for d in steps if d > _FLAT_MB]
    return len(rises) >= MIN_RISES and max(rises) <= MAX_SINGLE_RISE * sum(rises)


def detect(times: Sequence[float], tracks: Sequence[LineMemoryTrack],
           min_growth_mb: float = MIN_GROWTH_MB, peaks: Optional[Mapping[Tuple[str, int], float]] = None) -> List[Leak]:
    """Leaking sites, most confident and fastest first. `peaks`: each line's peak live memory (MB), where known."""
    if len(times) < MIN_SNAPSHOTS:
        return []
    found = []
    for track in tracks:
        peak = (peaks or {}).get((track.file, track.line), 0.0)
        if track.live_mb and _held(times, track.live_mb) < MIN_KEPT_OF_PEAK * peak:
            continue
        ok, leak = assess(track.file, track.line, times, track.live_mb, min_growth_mb)
        if ok:
            found.append(leak)
    return sorted(found, key=lambda k: (-k.confidence, -k.rate_mb_s))


def _held(times: Sequence[float], live_mb: Sequence[float]) -> float:
    """Live memory END_GRACE before the series' end (its last value in a series shorter than that)."""
    n = min(len(times), len(live_mb))
    k = bisect.bisect_right(times[:n], times[n - 1] - END_GRACE) - 1
    return live_mb[k] if k >= 0 else live_mb[n - 1]


def detect_in_profile(profile: Profile, min_growth_mb: float = MIN_GROWTH_MB) -> List[Leak]:
    peaks = {(f.path, s.line): s.mem_peak_mb for f in profile.files for s in f.lines}
    return detect(profile.memory_snapshot_times, profile.line_memory_series, min_growth_mb, peaks)


def leak_findings(profile: Profile, min_growth_mb: float = MIN_GROWTH_MB) -> List[Finding]:
    """Diagnostics-ready findings (rule "memory-leak") on the leaking lines."""
    return [
        Finding(rule=RULE, message=k.message(), file=k.file, line=k.line, end_line=k.line,
                severity="warning" if k.confidence >= 0.8 else "information",
                data={"rate_mb_s": k.rate_mb_s, "growth_mb": k.growth_mb, "final_mb": k.final_mb,
                      "confidence": k.confidence, "r2": k.r2, "samples": k.samples})
        for k in detect_in_profile(profile, min_growth_mb)
    ]
