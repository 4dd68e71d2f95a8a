"""`heatlens/heat`: per current line, its CPU share, memory and staleness, for clients that paint heat."""

from __future__ import annotations

from typing import List, Optional

from heatlens.lsp.annotations import DocView
from heatlens.lsp.protocol import HeatLine, HeatParams

MEM_HEAT_MB = 1.0


def heat_lines(view: Optional[DocView], threshold: float) -> List[HeatLine]:
    """Lines at or above `threshold` CPU share (or allocating ≥ 1 MB), sorted; empty clears the heat."""
    if view is None:
        return []
    out = []
    for lv in view.lines():
        mem = lv.stats.mem_peak_mb or lv.stats.mem_alloc_mb
        if lv.share >= threshold or mem >= MEM_HEAT_MB:
            out.append(HeatLine(line=lv.line, cpu_share=round(lv.share, 5), mem_mb=round(mem, 3), stale=lv.stale))
    out.sort(key=lambda h: h.line)
    return out


def heat_params(uri: str, version: Optional[int], view: Optional[DocView], threshold: float) -> HeatParams:
    return HeatParams(uri=uri, version=version, lines=heat_lines(view, threshold))
