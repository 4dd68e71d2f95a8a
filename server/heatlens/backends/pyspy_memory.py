"""Memory per line from resident-memory steps seen from outside, each with the line that was running then.

Input: the wrapper's events `[t, delta_bytes, thread, frames root->leaf]` (see pyspy_wrapper.py). A step up is
memory the line made resident; a step down is charged back to the most recent live allocations first (last
in, first out), so that a buffer made and dropped inside a function shows as a transient peak on the line
that made it, and "kept at end" is never negative. What this cannot see, and the report says so: memory
never touched (`bytes(n)` of untouched zero pages is not resident), growth below one step, and allocations
so brief that they were over before the line could be read (they land on a later line).

The line read is when memory grew, not always who allocated it: memory made in small pieces between heavy
computation is read on the computing line. Allocation windows (pyspy_alloc_windows.py: a few milliseconds of
tracemalloc inside the program while memory rises; pyspy_window_rows.py reads them) say which lines allocated what
stayed alive; a step whose
line is not seen allocating in them is shared out by the windows of its time span, or the nearest ones, unless
it grew fast next to a read that is sure of its line (a buffer filled by one C call, which no window sees).
"""

from __future__ import annotations

import bisect
import math
from typing import Callable, Collection, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, cast

import attrs

from heatlens.backends.pyspy_helper_memory import HelperMemory
from heatlens.backends.pyspy_window_rows import MB, SEEN_MB, LineKey, Locate, Window
from heatlens.backends.window_phase import Frame, same_phase
from heatlens.model import LineMemoryTrack, MemorySample

STREAK_GAP = 0.06  # seconds: a read this soon after the previous one continues its growth
QUIET_MB = 0.25  # changed less than this while a line was read: the growth had stopped
SNAPSHOT_GAP = 0.1  # seconds between two points of the per-line live series (the leak detector's input)
# seconds: frees this close to the end are the program's exit (globals, main()'s locals going), not the end
# of a leak; the live series (not "kept at end") keeps the amounts from before them
TEARDOWN = 0.25


KNOWN_MB = 1.0  # a line that kept this much over all windows (and KNOWN_SHARE of the top line's) allocates:
KNOWN_SHARE = 0.1  # a step read on it is its own
MIN_CPU = 0.001  # seconds of the program's CPU in a window below which it saw too little to speak
HORIZON = 1.0  # seconds: windows on both sides of a step, this close, that saw the same lines speak for it
NEAR = 0.05  # seconds: a single window this close speaks for it
EMPTY_MB = 1.0 / 32  # windows that kept less did not see enough to share a step out by themselves (SEEN_MB: nothing)
MIN_SHARE = 0.1
ALIKE = 0.5  # overlap of two windows' shares of kept memory for them to count as the same pattern
# growth this fast (MB/s, and at least FAST_MIN_MB) next to a read that stopped the program, or next to a read on
# the same line as the read before or after it: one large block being filled by the line read (a C call: no
# window sees it, they open between two bytecodes), not small pieces between computation (a single unstopped
# read may come long after the growth, on a line that allocates nothing)
FAST_MB_S = 400.0
FAST_MIN_MB = 2.0


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
    helper_mb: float = 0.0  # growth that was the allocation windows' own (HelperMemory)


def attribute(
    events: Sequence[Sequence[object]],
    series: Sequence[Sequence[float]],
    locate: Locate,
    windows: Sequence[Window] = (),
    helper: Sequence[Tuple[float, float, float]] = (),
    allocating: Collection[LineKey] = (),
    began: Optional[Mapping[float, Sequence[Frame]]] = None,
) -> MemoryAttribution:
    """Per-line memory from the wrapper's events; `locate` maps a stack to the program's (file, line);
    `windows`: allocation windows (read_windows); `helper`: their own memory (helper_memory); `allocating`: the lines
    they saw allocate (window_lines); `began`: where each window began, by its start (window_stacks)."""
    owners, own = Owners(windows, allocating, began), HelperMemory(helper)
    rss = Resident(series)
    lines: Dict[LineKey, LineMemory] = {}
    live: List[List[object]] = []  # [key, mb] in allocation order: frees pop from the end
    snapshot_times: List[float] = []
    snaps: List[Dict[LineKey, float]] = []
    unattributed = 0.0
    next_snap = 0.0
    previous: Optional[LineKey] = None
    since = 0.0  # the end of the previous read: a step's growth happened after it
    end = max([float(p[0]) for p in series[-1:]] + [float(e[0]) for e in events[-1:]] + [0.0])  # type: ignore[arg-type]
    teardown: Optional[Dict[LineKey, float]] = None  # live amounts before the program's exit freed them
    def snap_until(when: float) -> None:
        """The live amounts at every snapshot time up to `when` (as they are now)."""
        nonlocal next_snap
        while when >= next_snap:
            snapshot_times.append(round(next_snap, 3))
            snaps.append(teardown if teardown is not None else {k: v.live_mb for k, v in lines.items()})
            next_snap = len(snaps) * SNAPSHOT_GAP

    steps = list(_steps(events, locate))
    reads = sorted({(step[0], step[2]) for step in steps if step[2] is not None and (step[3] > 0 or (step[4] or 0) > 0)})
    at_read = {t: i for i, (t, _) in enumerate(reads)}
    for t, read_end, key, before, during, stopped, blocks, stack in steps:
        # read on the same line as the read before or after it: the program stayed on that line through a rise
        i = at_read.get(t)
        again = i is not None and any(0 <= j < len(reads) and reads[j][1] == key for j in (i - 1, i + 1))
        if teardown is None and t >= end - TEARDOWN and min(before, during or 0.0) < 0:
            teardown = {k: v.live_mb for k, v in lines.items()}
        snap_until(min(since, t))
        # growth seen before the read, in a streak, with none while reading: it ended before the read, so
        # the line read came after it; it belongs to the streak's line
        owner = previous if before > 0 and during is not None and abs(during) < QUIET_MB else key
        for mb, who, (start, stop) in ((before, owner, (since, t)), (during or 0.0, key, (t, read_end))):
            if mb < 0:
                snap_until(t)
                _free(-mb, live, lines)
                continue
            took = own.take(start, stop, mb)  # the allocation windows' own: on no line
            mb -= took
            # one C call filling a block on the line read: where the wrapper saw a block mapped or filled, or windows
            # saw that line allocate (a loop calling a function that keeps 3 KB strings grows at 740 MB/s, and
            # reads on the call line, which no window saw allocate, took 290 MB of its leak: a test flaked)
            fast = mb >= FAST_MIN_MB and mb >= FAST_MB_S * (stop - start) and (blocks or owners.allocates(who))
            sure = fast and (stopped or again) and who == key
            shares = [] if mb <= 0 else [(who, 1.0)] if sure else owners.of(start, stop, who, fast,
                                                                             stack if who == key else None)
            # growth accrued over the span: in pieces, so that the live series rises through it (a leak's
            # climb is steady, not a jump at each read), each piece as much as resident memory rose in it
            pieces = max(1, min(50, math.ceil((stop - start) / SNAPSHOT_GAP)))
            weights = rss.rises(start, stop, pieces)
            for k in range(pieces if shares else 0):
                snap_until(start + k * (stop - start) / pieces)
                for site, share in shares:
                    if site is None:  # still the program's: a free takes it first where it is the newest
                        unattributed += mb * share * weights[k]
                        live.append([None, mb * share * weights[k]])
                    else:
                        _grow(mb * share * weights[k], site, live, lines)
            if took:  # made at the window's end, after the program's growth: a free right after takes it first
                live.append([None, took])
        previous = key if (before > 0 or (during or 0) > 0) else None
        since = max(since, read_end)
    while next_snap <= end + 1e-9:  # a plateau has no steps: its flat tail must be in the series too
        snapshot_times.append(round(next_snap, 3))
        snaps.append(teardown if teardown is not None else {k: v.live_mb for k, v in lines.items()})
        next_snap = len(snaps) * SNAPSHOT_GAP
    return MemoryAttribution(
        lines=lines,
        series=[MemorySample(t=float(t), current_mb=float(rss) / MB, rss_mb=float(rss) / MB) for t, rss in series],
        snapshot_times=snapshot_times,
        tracks=_tracks(lines, snaps),
        unattributed_mb=unattributed,
        helper_mb=own.took,
    )


class Resident:
    """The resident-memory series (the poller's points, SERIES_GAP apart): when, within a span between two reads,
    memory rose. A step is read up to a read's spacing or budget after its growth began: a block made at once
    after a long quiet spell is not a steady climb through it (the leak detector reads these shapes)."""

    def __init__(self, series: Sequence[Sequence[float]]) -> None:
        self.times = [float(p[0]) for p in series]
        self.sizes = [float(p[1]) for p in series]

    def at(self, t: float) -> float:
        i = bisect.bisect_left(self.times, t)
        if i == 0 or i == len(self.times):
            return self.sizes[min(i, len(self.sizes) - 1)]
        t0, t1 = self.times[i - 1], self.times[i]
        return self.sizes[i - 1] + (self.sizes[i] - self.sizes[i - 1]) * (t - t0) / (t1 - t0)

    def rises(self, start: float, stop: float, pieces: int) -> List[float]:
        """Each piece's share of the rises of resident memory over [start, stop]; equal shares where the series
        cannot say (fewer than two of its points in the span, or no rise between them)."""
        inside = bisect.bisect_right(self.times, stop) - bisect.bisect_left(self.times, start)
        if pieces > 1 and inside >= 2:
            edges = [self.at(start + k * (stop - start) / pieces) for k in range(pieces + 1)]
            up = [max(0.0, b - a) for a, b in zip(edges, edges[1:])]
            total = sum(up)
            if total > 0:
                return [u / total for u in up]
        return [1.0 / pieces] * pieces


class Owners:
    """Who made a step's memory: the line read, unless allocation windows say otherwise."""

    def __init__(self, windows: Sequence[Window], allocating: Collection[LineKey] = (),
                 began: Optional[Mapping[float, Sequence[Frame]]] = None) -> None:
        self.windows = sorted((w for w in windows if w[2] >= MIN_CPU), key=lambda w: w[0])
        self.began = began or {}
        self.starts = [w[0] for w in self.windows]
        totals: Dict[Optional[LineKey], float] = {}
        for _, _, _, sites in self.windows:
            for site, mb in sites.items():
                totals[site] = totals.get(site, 0.0) + mb
        top = max(totals.values(), default=0.0)
        self.known = {k for k, mb in totals.items() if k is not None and mb >= max(KNOWN_MB, KNOWN_SHARE * top)}
        self.allocating = allocating
        # seen allocating, never keeping: what it makes is let go (a sorted copy remade each round), so growth
        # read on it is another line's, made just before (the reads come late, on the line that runs longest)
        self.temporary = {k for k in allocating if totals.get(k, 0.0) < SEEN_MB}

    def allocates(self, line: Optional[LineKey]) -> bool:
        """Windows saw the line allocate, or there were none to see."""
        return line in self.allocating or not self.windows

    def of(self, since: float, t: float, line: Optional[LineKey], fast: bool = False,
           stack: Optional[Sequence[Frame]] = None) -> List[Tuple[Optional[LineKey], float]]:
        """[(line, share)] of memory grown between `since` and `t`, read on `line` (in `stack`): the line itself
        where it is seen allocating; else the lines that kept memory in the windows of that span, or (unless it
        grew `fast`: a large block made quickly, which windows outside its span did not see) in the windows within
        HORIZON before and after it where both sides saw the same lines keep memory (a steady pattern), or in
        one very close by (of those begun after the read, the ones in the phase it was read in: window_phase.py);
        else (windows saw nothing kept: memory reserved earlier being touched) the line read."""
        if line in self.known or not self.windows:
            return [(line, 1.0)]
        i = bisect.bisect_right(self.starts, t)  # windows [0, i) started by t
        inside = [w for w in self.windows[max(0, i - 64):i] if w[1] >= since]
        shares = _shares(inside) if inside else []
        if shares or fast or (inside and sum(_merged(inside).values()) < SEEN_MB):
            return shares or [(line, 1.0)]  # (windows of its own time that saw nothing kept: the line read)
        # the windows within HORIZON on either side, together (a slow leak keeps a little in each window); one that
        # began after the read, in another phase, came after the growth (a read comes late, never early: one that
        # ended before it, in the phase before, may have seen that phase's last growth, read in the next)
        def here(w: Window) -> bool:
            return w[0] <= t or stack is None or w[0] not in self.began or same_phase(stack, self.began[w[0]])
        befores = [w for w in self.windows[max(0, i - 64):i] if since - w[1] <= HORIZON]
        afters = [w for w in self.windows[i:i + 64] if w[0] - t <= HORIZON and here(w)]
        if befores and afters and _alike(_merged(befores), _merged(afters)):
            return _shares(befores + afters) or [(line, 1.0)]
        half = len(befores) // 2  # after the last window (the run's end): the windows before it, if steady
        if i == len(self.windows) and half and _alike(_merged(befores[:half]), _merged(befores[half:])):
            return _shares(befores) or [(line, 1.0)]
        before, after = befores[-1:], afters[:1]
        near = [w for w in before + after if max(since - w[1], w[0] - t) <= NEAR]
        if near and all(_shares([w]) for w in near):
            return _shares(near)
        if line in self.temporary:  # the keepers of the nearest window that saw any
            by_distance = sorted(filter(here, self.windows), key=lambda w: max(since - w[1], w[0] - t))
            return next((found for found in (_shares([w]) for w in by_distance) if found), [(line, 1.0)])
        return [(line, 1.0)]


def _merged(windows: Sequence[Window]) -> Dict[Optional[LineKey], float]:
    """What the windows saw kept, per line, together."""
    sites: Dict[Optional[LineKey], float] = {}
    for found in windows:
        for site, kept in found[3].items():
            sites[site] = sites.get(site, 0.0) + kept
    return sites


def _shares(windows: Sequence[Window]) -> List[Tuple[Optional[LineKey], float]]:
    """[(line, share of what the windows saw kept)], or [] where they kept less than EMPTY_MB."""
    sites = _merged(windows)
    total = sum(sites.values())
    if total < EMPTY_MB:
        return []
    # a line holding a small part of what a window saw kept is most likely a temporary alive at its end
    sites = {site: kept for site, kept in sites.items() if kept >= MIN_SHARE * total}
    total = sum(sites.values())
    return [(site, kept / total) for site, kept in sites.items()]


def _alike(a: Dict[Optional[LineKey], float], b: Dict[Optional[LineKey], float]) -> bool:
    """Both sides saw memory kept, enough together, mostly from the same lines (a window that ends once the calls
    made in it have returned sees a slow leak's few KB and nothing else)."""
    ta, tb = sum(a.values()), sum(b.values())
    if ta < SEEN_MB or tb < SEEN_MB or ta + tb < EMPTY_MB:
        return False
    return sum(min(a[k] / ta, b.get(k, 0.0) / tb) for k in a) >= ALIKE


def _steps(
    events: Sequence[Sequence[object]], locate: Callable[[List[Tuple[str, str, int]]], Optional[LineKey]]
) -> Iterator[Tuple[float, float, Optional[LineKey], float, Optional[float], bool, bool, List[Frame]]]:
    """(t, end of the read, line read, MB changed up to the trigger, MB changed until the line was read, whether
    the program was stopped for the read, whether a large block was mapped or filled in that growth: True where the
    wrapper did not say, the stack read as (file, line) frames without the launcher's) for each event; the fifth is
    None when the read may come after the growth's end and must not decide whose it was (the target was stopped for
    the read, or the read did not continue a streak)."""
    for event in events:
        t = float(event[0])  # type: ignore[arg-type]
        frames = event[3]
        key = locate([(str(f[0]), str(f[1]), int(f[2])) for f in frames])  # type: ignore[attr-defined]
        stack = [(str(f[1]), int(f[2])) for f in frames if not str(f[1]).startswith("<")]  # type: ignore[attr-defined]
        if len(event) < 6:
            yield t, t, key, float(event[1]) / MB, None, False, True, stack  # type: ignore[arg-type]
            continue
        blocks = bool(event[8]) if len(event) > 8 else True
        read_end = float(cast(float, event[7])) if len(event) > 7 else t
        before, during, gap = float(event[1]) / MB, float(event[4]) / MB, float(event[5])  # type: ignore[arg-type]
        stopped = len(event) > 6 and bool(event[6])
        if stopped or gap >= STREAK_GAP:
            yield t, t, key, before, None, stopped, blocks, stack
            if during:
                yield t, read_end, key, 0.0, during, stopped, blocks, stack
        else:
            yield t, read_end, key, before, during, stopped, blocks, stack


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
        if key is not None:  # None: the allocation windows' own, or growth on no line
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
