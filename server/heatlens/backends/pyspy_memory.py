"""Memory per line from resident-memory steps seen from outside, each with the line that was running then.

Input: the wrapper's events `[t, delta_bytes, thread, frames root->leaf]` (see pyspy_wrapper.py). A step up is
memory the line made resident; a step down is charged back to the most recent live allocations first (last
in, first out), so that a buffer made and dropped inside a function shows as a transient peak on the line
that made it, and "kept at end" is never negative. What this cannot see, and the report says so: memory
never touched (`bytes(n)` of untouched zero pages is not resident), growth below one step, and allocations
so brief that they were over before the line could be read (they land on a later line).
"""

from __future__ import annotations

from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import attrs

from heatlens.model import LineMemoryTrack, MemorySample

MB = float(1 << 20)
STREAK_GAP = 0.06  # seconds: a read this soon after the previous one continues its growth
QUIET_MB = 0.25  # changed less than this while a line was read: the growth had stopped
SNAPSHOT_GAP = 0.1  # seconds between two points of the per-line live series (the leak detector's input)

LineKey = Tuple[str, int]


@attrs.define
class LineMemory:
    alloc_mb: float = 0.0  # made resident here over the run
    peak_mb: float = 0.0  # largest amount live from here at any time
    live_mb: float = 0.0  # still live at the end


@attrs.define
class MemoryAttribution:
    lines: Dict[LineKey, LineMemory]
    series: List[MemorySample]
    snapshot_times: List[float]
    tracks: List[LineMemoryTrack]
    unattributed_mb: float = 0.0  # steps whose stack was outside the program (start-up, launcher)


def attribute(
    events: Sequence[Sequence[object]],
    series: Sequence[Sequence[float]],
    locate: Callable[[List[Tuple[str, str, int]]], Optional[LineKey]],
) -> MemoryAttribution:
    """Per-line memory from the wrapper's events; `locate` maps a stack to the program's (file, line)."""
    lines: Dict[LineKey, LineMemory] = {}
    live: List[List[object]] = []  # [key, mb] in allocation order: frees pop from the end
    snapshot_times: List[float] = []
    snaps: List[Dict[LineKey, float]] = []
    unattributed = 0.0
    next_snap = 0.0
    previous: Optional[LineKey] = None
    for t, key, before, during in _steps(events, locate):
        while t >= next_snap:  # the live amounts as they were before this step
            snapshot_times.append(round(next_snap, 3))
            snaps.append({k: v.live_mb for k, v in lines.items()})
            next_snap = len(snaps) * SNAPSHOT_GAP
        # growth seen before the read, in a streak, with none while reading: it ended before the read, so
        # the line read came after it; it belongs to the streak's line
        owner = previous if before > 0 and during is not None and abs(during) < QUIET_MB else key
        for mb, who in ((before, owner), (during or 0.0, key)):
            if mb > 0 and who is None:
                unattributed += mb
            elif mb > 0 and who is not None:
                _grow(mb, who, live, lines)
            elif mb < 0:
                _free(-mb, live, lines)
        previous = key if (before > 0 or (during or 0) > 0) else None
    end = max([float(p[0]) for p in series[-1:]] + [float(e[0]) for e in events[-1:]] + [0.0])  # type: ignore[arg-type]
    while next_snap <= end + 1e-9:  # a plateau has no steps: its flat tail must be in the series too
        snapshot_times.append(round(next_snap, 3))
        snaps.append({k: v.live_mb for k, v in lines.items()})
        next_snap = len(snaps) * SNAPSHOT_GAP
    return MemoryAttribution(
        lines=lines,
        series=[MemorySample(t=float(t), current_mb=float(rss) / MB, rss_mb=float(rss) / MB) for t, rss in series],
        snapshot_times=snapshot_times,
        tracks=_tracks(lines, snaps),
        unattributed_mb=unattributed,
    )


def _steps(
    events: Sequence[Sequence[object]], locate: Callable[[List[Tuple[str, str, int]]], Optional[LineKey]]
) -> Iterator[Tuple[float, Optional[LineKey], float, Optional[float]]]:
    """(t, line read, MB changed up to the trigger, MB changed until the line was read) for each event; the
    second is None when the read may come after the growth's end and must not decide whose it was (the
    target was stopped for the read, or the read did not continue a streak)."""
    for event in events:
        t = float(event[0])  # type: ignore[arg-type]
        frames = event[3]
        key = locate([(str(f[0]), str(f[1]), int(f[2])) for f in frames])  # type: ignore[index,union-attr,attr-defined]
        if len(event) < 6:
            yield t, key, float(event[1]) / MB, None  # type: ignore[arg-type]
            continue
        before, during, gap = float(event[1]) / MB, float(event[4]) / MB, float(event[5])  # type: ignore[arg-type]
        stopped = len(event) > 6 and bool(event[6])
        if stopped or gap >= STREAK_GAP:
            yield t, key, before, None
            if during:
                yield t, key, during, None
        else:
            yield t, key, before, during


def _grow(mb: float, key: LineKey, live: List[List[object]], lines: Dict[LineKey, LineMemory]) -> None:
    stats = lines.setdefault(key, LineMemory())
    stats.alloc_mb += mb
    stats.live_mb += mb
    stats.peak_mb = max(stats.peak_mb, stats.live_mb)
    if live and live[-1][0] == key:
        live[-1][1] = float(live[-1][1]) + mb  # type: ignore[arg-type]
    else:
        live.append([key, mb])


def _free(mb: float, live: List[List[object]], lines: Dict[LineKey, LineMemory]) -> None:
    while mb > 1e-9 and live:
        key, amount = live[-1][0], float(live[-1][1])  # type: ignore[arg-type]
        take = min(mb, amount)
        lines[key].live_mb -= take  # type: ignore[index]
        mb -= take
        if take >= amount:
            live.pop()
        else:
            live[-1][1] = amount - take
    # frees beyond what the program was seen to make (memory from before it started) are nobody's


def _tracks(lines: Dict[LineKey, LineMemory], snaps: List[Dict[LineKey, float]]) -> List[LineMemoryTrack]:
    """Per line, its live memory at each snapshot time: what heatlens.analysis.leaks reads."""
    out = []
    for key, stats in lines.items():
        if stats.peak_mb <= 0:
            continue
        values = [s.get(key, 0.0) for s in snaps]
        out.append(LineMemoryTrack(file=key[0], line=key[1], live_mb=[round(v, 3) for v in values]))
    return out
