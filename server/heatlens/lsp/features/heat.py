"""`heatlens/heat`: per current line, its CPU share, memory and staleness, for clients that paint heat.

After an edit, clients that opt in (`experimental.heatlensHeatDeltas`) get `heatlens/heatDelta` instead
of the whole file's heat again: the edits as line replacements (the client moves what it holds) plus the
heat of the lines the edits touched or un-staled. `apply_delta` is the reference of what a client does;
the VS Code client (extension/src/heat.ts `applyHeatDelta`) mirrors it.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Set

from heatlens.lsp.annotations import DocView
from heatlens.lsp.protocol import HeatDeltaParams, HeatEdit, HeatLine, HeatParams
from heatlens.mapping.positions import split_lines
from heatlens.model import LineStats

MEM_HEAT_MB = 1.0


def _heat_line(line: int, stats: LineStats, share: float, stale: bool, threshold: float) -> Optional[HeatLine]:
    mem = stats.mem_peak_mb or stats.mem_alloc_mb
    if share >= threshold or mem >= MEM_HEAT_MB:
        return HeatLine(line=line, cpu_share=round(share, 5), mem_mb=round(mem, 3), stale=stale)
    return None


def heat_lines(view: Optional[DocView], threshold: float) -> List[HeatLine]:
    """Lines at or above `threshold` CPU share (or allocating ≥ 1 MB), sorted; empty clears the heat."""
    if view is None:
        return []
    data = view.data
    lines, total = data.lines, data.total_cpu
    out: List[HeatLine] = []
    # One pass over the map's runs with no per-line view objects: this runs on every publish of a
    # 5,000-line file, where building a LineView per line cost more than the rest together.
    if view.linemap is None:
        placed = ((old - 1, old, False) for old in sorted(lines))
    else:
        placed = ((run.new_start + k, run.old_start + k + 1, run.stale)
                  for run in view.linemap.runs() for k in range(run.length))
    for line, old, stale in placed:
        stats = lines.get(old)
        if stats is None:
            continue
        share = stats.cost / total if total > 0 else 0.0  # exactly FileData.share: deltas must agree
        mem = stats.mem_peak_mb or stats.mem_alloc_mb
        if share >= threshold or mem >= MEM_HEAT_MB:  # the test of `_heat_line`, inlined for speed
            out.append(HeatLine(line, round(share, 5), round(mem, 3), stale))
    out.sort(key=lambda h: h.line)
    return out


def heat_line(view: Optional[DocView], line: int, threshold: float) -> Optional[HeatLine]:
    """The heat of one current line (what `heat_lines` has for it), None when it has none."""
    lv = view.line_at(line) if view is not None else None
    return None if lv is None else _heat_line(lv.line, lv.stats, lv.share, lv.stale, threshold)


def heat_params(uri: str, version: Optional[int], view: Optional[DocView], threshold: float) -> HeatParams:
    return HeatParams(uri=uri, version=version, lines=heat_lines(view, threshold))


# ---- deltas ----------------------------------------------------------------------------------------


def edit_of(start_line: int, end_line: int, text: str, line_count: int) -> Optional[HeatEdit]:
    """The line replacement a ranged change makes (lines start..end become the lines of `text`), None
    for a range a client replica could not follow (reversed, or outside the `line_count` lines the
    document had): the caller then sends the full heat."""
    if start_line < 0 or end_line < start_line or end_line >= line_count:
        return None
    return HeatEdit(line=start_line, removed=end_line - start_line + 1, inserted=len(split_lines(text)))


def touched_lines(edits: Iterable[HeatEdit]) -> Set[int]:
    """Current lines (after all `edits`) that the edits produced: their heat must be re-sent."""
    touched: Set[int] = set()
    for e in edits:
        shift, end = e.inserted - e.removed, e.line + e.removed
        touched = {n if n < e.line else n + shift for n in touched if not e.line <= n < end}
        touched.update(range(e.line, e.line + e.inserted))
    return touched


def delta_params(
    uri: str, version: Optional[int], view: Optional[DocView], edits: List[HeatEdit], also: Iterable[int], threshold: float
) -> HeatDeltaParams:
    """The delta after `edits`: their replacements plus the heat of every line they produced and of the
    lines in `also` (current lines whose staleness changed elsewhere, e.g. un-staled by an undo)."""
    lines: List[HeatLine] = []
    for n in sorted(touched_lines(edits).union(also)):
        hl = heat_line(view, n, threshold)
        if hl is not None:
            lines.append(hl)
    return HeatDeltaParams(uri=uri, version=version, edits=list(edits), lines=lines)


def apply_delta(held: Iterable[HeatLine], delta: HeatDeltaParams) -> List[HeatLine]:
    """What a client does with a delta: replay the edits on the heat it holds, then set the delta's lines."""
    by_line: Dict[int, HeatLine] = {h.line: h for h in held}
    for e in delta.edits:
        shift, end = e.inserted - e.removed, e.line + e.removed
        by_line = {(n if n < e.line else n + shift): HeatLine(n if n < e.line else n + shift, h.cpu_share, h.mem_mb, h.stale)
                   for n, h in by_line.items() if not e.line <= n < end}
    for h in delta.lines:
        by_line[h.line] = h
    return [by_line[n] for n in sorted(by_line)]
