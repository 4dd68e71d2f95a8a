"""Notebook cells inside a Profile: which files of a run are cells, their text, and their hot lines.

A cell runs from a file name that only its kernel knows (ipykernel >= 6: `/tmp/ipykernel_<pid>/<hash>.py`,
a script built from a notebook: one line range of it). A run keeps, per such file, the cell's text and name
in `Profile.extras[CELLS_EXTRA]` ({path: CellInfo as a dict}) and its text in the sources extra, with line
stats in the cell's own 1-based lines, so the editor can match a stored cell to a notebook cell by its text.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import attrs

from heatlens.mapping.source_index import sha256_text
from heatlens.model import FileProfile, LineStats, Profile

CELLS_EXTRA = "heatlens.cells"
SOURCES_EXTRA = "heatlens.sources"  # = heatlens.lsp.annotations.SOURCES_EXTRA, without importing the LSP side
HOT_LINES = 5

# (file, line) -> its new (file, line), or None to drop what was measured there
Where = Callable[[str, int], Optional[Tuple[str, int]]]


@attrs.define
class CellInfo:
    path: str  # the cell's file in the run
    name: str  # "In [3]", "cell 4"
    source: str  # the cell's text as the user wrote it (magics included), lines as in the run
    notebook: str = ""  # the notebook's path, where known (a script built from it)
    index: Optional[int] = None  # 0-based position among the notebook's cells, where known
    profiled: bool = False  # the cell that was asked for (others ran because it called them)


@attrs.define
class HotLine:
    cell: CellInfo
    line: int  # 1-based line of the cell
    seconds: float
    share: float  # of the run's sampled CPU

    @property
    def text(self) -> str:
        lines = self.cell.source.splitlines()
        return lines[self.line - 1].strip() if 0 < self.line <= len(lines) else ""


def _merge(into: LineStats, more: LineStats) -> None:
    for name in ("cpu_python", "cpu_native", "cpu_system", "wall", "mem_alloc_mb", "mem_net_mb"):
        setattr(into, name, getattr(into, name) + getattr(more, name))
    into.samples += more.samples
    into.mem_peak_mb = max(into.mem_peak_mb, more.mem_peak_mb)


def _key(key: str, where: Where) -> str:
    """A "file:line:qualname" caller/callee key, moved."""
    parts = key.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].lstrip("-").isdigit():
        return key
    moved = where(parts[0], int(parts[1]))
    return key if moved is None else f"{moved[0]}:{moved[1]}:{parts[2]}"


def remap(profile: Profile, where: Where) -> None:
    """Move every location of the profile (line stats, functions, frames, findings, exceptions) with
    `where`; locations it maps to None lose their line stats and keep the rest unmoved."""
    files: Dict[str, Dict[int, LineStats]] = {}
    order: List[str] = []
    for fp in profile.files:
        for stats in fp.lines:
            moved = where(fp.path, stats.line)
            if moved is None:
                continue
            path, line = moved
            if path not in files:
                files[path] = {}
                order.append(path)
            stats = attrs.evolve(stats, line=line)
            if line in files[path]:
                _merge(files[path][line], stats)
            else:
                files[path][line] = stats
    shas = {fp.path: fp.sha256 for fp in profile.files}
    profile.files = [FileProfile(path=p, sha256=shas.get(p), lines=[files[p][n] for n in sorted(files[p])]) for p in order]
    for fn in profile.functions:
        moved = where(fn.file, fn.line)
        if moved is not None:
            fn.file, fn.line = moved
        fn.callers = {_key(k, where): v for k, v in fn.callers.items()}
        fn.callees = {_key(k, where): v for k, v in fn.callees.items()}
    for stack in profile.stacks:  # before the frames move: the leaf line is in its frame's file as run
        leaf = next((profile.frames[i] for i in reversed(stack.frames) if not profile.frames[i].native), None)
        if leaf is not None and stack.leaf_line > 0:
            moved = where(leaf.file, stack.leaf_line)
            if moved is not None:
                stack.leaf_line = moved[1]
    items: List[Any] = [*profile.frames, *profile.exceptions, *profile.findings, *profile.line_memory_series,
                        *profile.timeline]  # all with a file and a line
    for item in items:
        if getattr(item, "file", "") and getattr(item, "line", 0) > 0:
            moved = where(item.file, item.line)
            if moved is not None:
                end = getattr(item, "end_line", None)
                if end is not None:  # a finding's span keeps its length
                    item.end_line = moved[1] + (end - item.line)
                item.file, item.line = moved


def attach_cells(profile: Profile, cells: List[CellInfo]) -> None:
    """Record the cells in the run: their info, their text (the sources extra), and the hash of that text
    on their files, so that an editor showing the same text maps lines one to one."""
    by_path = {c.path: c for c in cells}
    profile.extras[CELLS_EXTRA] = {c.path: attrs.asdict(c) for c in cells}
    sources = dict(profile.extras.get(SOURCES_EXTRA) or {})
    sources.update({c.path: c.source for c in cells})
    profile.extras[SOURCES_EXTRA] = sources
    for fp in profile.files:
        if fp.path in by_path:
            fp.sha256 = sha256_text(by_path[fp.path].source)


def cells_of(profile: Profile) -> Dict[str, CellInfo]:
    """The cells a run recorded, by their file (empty for a run that is not a notebook's)."""
    raw = profile.extras.get(CELLS_EXTRA)
    if not isinstance(raw, dict):
        return {}
    out = {}
    for path, info in raw.items():
        if isinstance(info, dict) and isinstance(info.get("source"), str):
            fields = {k: v for k, v in info.items() if k in attrs.fields_dict(CellInfo)}
            out[str(path)] = CellInfo(**{**fields, "path": str(path)})
    return out


def hot_lines(profile: Profile, limit: int = HOT_LINES) -> List[HotLine]:
    """The run's hottest lines that are in cells, hottest first."""
    cells = cells_of(profile)
    total = profile.total_cpu
    found = [HotLine(cells[fp.path], s.line, s.cpu, s.cpu / total if total > 0 else 0.0)
             for fp in profile.files if fp.path in cells for s in fp.lines if s.cpu > 0]
    found.sort(key=lambda h: (-h.seconds, h.cell.name, h.line))
    return found[:limit]


def normalized(text: str) -> str:
    """A cell's text as compared between a run and an editor: line ends and trailing blanks ignored."""
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def summary_text(profile: Profile, run_id: Optional[int], limit: int = HOT_LINES) -> str:
    """What `%%heatlens` prints: the run, then the hot lines of cells with their share and time."""
    total = profile.total_cpu
    stored = f"stored as run #{run_id}" if run_id is not None else "not stored"
    head = f"heatlens: {profile.meta.target}: {total:.3f} s CPU sampled in {profile.meta.wall_time:.2f} s, {stored}"
    hot = hot_lines(profile, limit)
    if not hot:
        return head + "\n  no sample landed in a notebook cell (too short a run, or all time in libraries)"
    width = max(len(h.cell.name) for h in hot)
    rows = [f"  {h.cell.name:<{width}} line {h.line:>3}  {h.share:6.1%}  {h.seconds:7.3f} s  {h.text[:60]}" for h in hot]
    return "\n".join([head, *rows])
