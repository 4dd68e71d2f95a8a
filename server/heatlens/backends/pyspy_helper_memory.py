"""The allocation windows' own resident memory (pyspy_alloc_windows.py writes, per window, how much more resident
the program was at its end than at its start beyond what the program still held from it): tracemalloc's tables
(~120 bytes per traced block) and the copies of its traces (~110), which the allocator keeps. A window opened during a
burst of small objects left 6-8 MB, which the steps read on the burst's line made its own (a 3.4 MB list read as
8-14 MB). It is taken off the growth of the steps that meet the window, so that no line gets it."""

from __future__ import annotations

import ast
from typing import List, Sequence, Tuple

MB = float(1 << 20)
AFTER = 0.05  # seconds: the poller sees a window's growth this long after it at most (a step this late still meets it)


def helper_memory(text: str, t0: float) -> List[Tuple[float, float, float]]:
    """(start, end, MB) per allocation window: its own memory that it left resident (the row's 8th field)."""
    out = []
    for row in text.splitlines():
        try:
            fields = ast.literal_eval(row)
            if len(fields) > 7 and fields[7]:
                out.append((float(fields[0]) - t0, float(fields[1]) - t0, int(fields[7]) / MB))
        except (ValueError, SyntaxError, TypeError, IndexError):
            continue
    return out


class HelperMemory:
    """The windows' own memory, taken off the growth of the steps that meet a window (or come up to AFTER after it)."""

    def __init__(self, helper: Sequence[Tuple[float, float, float]]) -> None:
        self.left = sorted([start, end, mb] for start, end, mb in helper if mb > 0)
        self.took = 0.0

    def take(self, start: float, stop: float, mb: float) -> float:
        while self.left and self.left[0][1] + AFTER < start:
            self.left.pop(0)  # steps come in time order: a window this far behind is met by none
        took = 0.0
        for window in self.left:
            if window[0] > stop or took >= mb:
                break
            part = min(window[2], mb - took)
            window[2] -= part
            took += part
        self.left = [w for w in self.left if w[2] > 1e-9]
        self.took += took
        return took
