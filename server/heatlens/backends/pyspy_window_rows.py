"""The allocation windows' rows (pyspy_alloc_windows.py writes one a line) read per program line: which lines
kept memory in each window, without the lines whose memory was temporary (alive at the window's middle and end
alike), and which lines allocate at all. pyspy_memory.py shares the resident-memory steps out with them."""

from __future__ import annotations

import ast
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from heatlens.backends.pyspy_dump import HELPER_FILE  # the window helper's own allocations
from heatlens.backends.window_phase import Frame

MB = float(1 << 20)
LineKey = Tuple[str, int]
# (start, end, the program's CPU seconds during it, MB kept per line), on the wrapper's clock
Window = Tuple[float, float, float, Dict[Optional[LineKey], float]]
Locate = Callable[[List[Tuple[str, str, int]]], Optional[LineKey]]
SEEN_MB = 1.0 / 256  # windows that kept less than this saw nothing stay alive
KEPT_NEWER = 0.4  # a line keeps memory when what windows saw alive from it was this much as newer than their middle
# as a steady keeper's (the share of their CPU after the middle; a half where a window did not say)
JUDGE_MB = 1.0 / 64  # ... judged once windows saw this much alive from it
SAY_MB = 1.0 / 16  # ... each window's say: its amount from the line (at its end or middle), up to this


def read_windows(text: str, t0: float, locate: Locate) -> List[Window]:
    """The helper's windows (one `repr((start, end, cpu, [(bytes, ((file, line), ...)), ...], t_mid, [...]))` a
    line, absolute time.monotonic()) on the wrapper's clock (which started at `t0`), per program line, without
    the lines whose memory alive at the windows' ends was temporary (`_temporaries`); a torn last line (the
    program ended while it was written) is skipped."""
    rows = _rows(text, t0, locate)
    temporary = _temporaries(rows)
    return [(s, e, cpu, {k: v for k, v in sites.items() if k not in temporary}) for (s, e, cpu, sites), *_ in rows]


def window_stacks(text: str, t0: float) -> Dict[float, List[Frame]]:
    """Where each window began (its start on the wrapper's clock, as read_windows has it): the main thread's frames,
    outermost first, (file, line) each, without the launcher's (window_phase.py)."""
    stacks: Dict[float, List[Frame]] = {}
    for fields in _parsed(text):
        try:
            if len(fields) > 10 and fields[10] is not None:
                stacks[float(fields[0]) - t0] = [(str(f), int(n)) for f, n in fields[10] if not str(f).startswith("<")]
        except (ValueError, TypeError, IndexError):
            continue
    return stacks


def window_lines(text: str, locate: Locate) -> Set[LineKey]:
    """The lines windows saw allocate what was alive at their ends, temporaries too: lines that allocate."""
    return {k for (_, _, _, sites), *_ in _rows(text, 0.0, locate) for k, mb in sites.items() if k and mb >= SEEN_MB}


# a window, its middle, its CPU after it, whether its middle and end were at a loop's rounds
Row = Tuple[Window, Optional[Dict[Optional[LineKey], float]], float, bool]


def _parsed(text: str) -> Iterator[Any]:
    """Each row as the helper wrote it; a torn last line (the program ended while it was written) is skipped."""
    for row in text.splitlines():
        try:
            yield ast.literal_eval(row)
        except (ValueError, SyntaxError):
            continue


def _rows(text: str, t0: float, locate: Locate) -> List[Row]:
    rows: List[Row] = []
    for fields in _parsed(text):
        try:
            start, end, cpu, found = fields[:4]
            mid = _by_line(fields[5], locate) if len(fields) > 5 and fields[4] is not None else None
            after = float(fields[8]) if len(fields) > 8 and fields[8] is not None else 0.5
            at_rounds = len(fields) > 9 and fields[9] is True
            rows.append(((float(start) - t0, float(end) - t0, float(cpu), _by_line(found, locate)), mid, after, at_rounds))
        except (ValueError, TypeError, IndexError):
            continue
    return rows


def _by_line(found: Sequence[Tuple[int, Sequence[Tuple[str, int]]]], locate: Locate) -> Dict[Optional[LineKey], float]:
    sites: Dict[Optional[LineKey], float] = {}
    for size, traceback in found:
        file, line = traceback[0]
        if file == HELPER_FILE:
            continue
        site = locate([("", str(file), int(line))])
        sites[site] = sites.get(site, 0.0) + int(size) / MB
    return sites


def _temporaries(rows: Sequence[Row]) -> set:
    """Lines whose memory alive at a window's end was mostly alive at its middle too: temporaries (a request's
    rows, a compression buffer), not memory kept. What a line keeps grows through a window, so the share of it
    newer than the middle is the share of the window's CPU after the middle (about half; under load as little as
    a tenth, and a steady leak read as a temporary, 1 run in 14); a temporary's amount comes and goes (on a
    program that leaks slowly while it churns, windows saw its churn lines keep more than the leak at their ends).
    A window's say is its amount, up to SAY_MB: a list that keeps growing is one buffer, moved by realloc, and made
    before the middle of one window it outweighed all the others (1.4 of 2.2 MB alive from the line: it was judged
    a temporary, 1 run in ~14)."""
    alive: Dict[Optional[LineKey], float] = {}
    newer: Dict[Optional[LineKey], float] = {}  # the windows' shares of it newer than their middle, weighed
    expected: Dict[Optional[LineKey], float] = {}  # ... and what a steady keeper's would have been
    # a window whose middle and end were at a loop's rounds compared the same point of the program: where one saw
    # the line, timed ones (any two points, a sorted copy made between them read as kept) have no say on it
    rounds = {site for (_, _, _, sites), mid, _, at in rows if at and mid is not None for site in set(sites) | set(mid)}
    for (_, _, _, sites), mid, after, at_rounds in rows:
        if mid is None:
            continue
        for site in (set(sites) | set(mid)) - (set() if at_rounds else rounds):
            end, middle = sites.get(site, 0.0), mid.get(site, 0.0)
            alive[site] = alive.get(site, 0.0) + end
            say = min(max(end, middle), SAY_MB)
            if say > 0:
                newer[site] = newer.get(site, 0.0) + say * (end - middle) / max(end, middle)
                expected[site] = expected.get(site, 0.0) + say * after
    return {site for site, mb in alive.items() if mb >= JUDGE_MB and newer[site] < KEPT_NEWER * expected[site]}
