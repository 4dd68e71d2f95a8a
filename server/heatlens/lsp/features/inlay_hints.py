"""Inlay hints at the end of hot lines: the line's CPU share (and memory), only inside the requested range."""

from __future__ import annotations

from typing import Callable, List, Optional

from lsprotocol import types as lsp

from heatlens.lsp.annotations import DocView, LineView
from heatlens.lsp.features.format import mb, pct

MEM_HINT_MB = 1.0  # a line that allocates at least this much gets a hint even when its CPU is small


def hint_label(view: LineView) -> str:
    label = f"▲ {pct(view.share)}"
    mem = view.stats.mem_peak_mb or view.stats.mem_alloc_mb
    if mem >= MEM_HINT_MB:
        label += f" · {mb(mem)}"
    return label + " (stale)" if view.stale else label


def inlay_hints(
    view: Optional[DocView],
    first: int,
    last: int,
    threshold: float,
    line_end: Callable[[int], Optional[int]],
) -> List[lsp.InlayHint]:
    """Hints for hot lines among current lines first..last (0-based, inclusive; the request's range).

    `line_end(line)` gives the UTF-16 length of a current line (None past the end of the document): the
    hint goes after the last character, on the absolute line, never relative to the range start.
    """
    if view is None:
        return []
    hints = []
    for lv in view.lines_in(first, last):
        mem = lv.stats.mem_peak_mb or lv.stats.mem_alloc_mb
        if lv.share < threshold and mem < MEM_HINT_MB:
            continue
        end = line_end(lv.line)
        if end is None:
            continue
        hints.append(lsp.InlayHint(
            position=lsp.Position(line=lv.line, character=end),
            label=hint_label(lv),
            padding_left=True,
            tooltip=f"heatlens: {pct(lv.share)} of the run's CPU on this line" + (" (edited since the run)" if lv.stale else ""),
        ))
    return hints
