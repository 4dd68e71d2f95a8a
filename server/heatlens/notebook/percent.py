"""`# %%` cells of a plain .py file (VS Code's Python/Jupyter "percent" format), and the program that runs
a file up to the end of one of them.

"Profile this cell" on such a file runs the file's lines from the top through the end of the cell, as
`__main__`, compiled under the file's own path: every measured line is a line of the file itself, so the
run is stored, painted and hovered like any run of the file, with no line map. Lines after the cell are
not run (as in an interactive window that ran the cells above it and then this one).
"""

from __future__ import annotations

import re
from typing import List, Optional

import attrs

# VS Code's default `jupyter.cellMarker`-style markers: "# %%", "#%%", "# %% title", "# %% [markdown]"
_MARKER = re.compile(r"^#\s*%%(?P<rest>.*)$")
_MARKDOWN = re.compile(r"^\s*\[(markdown|md|raw)\]", re.IGNORECASE)


@attrs.frozen
class FileCell:
    index: int  # 0-based among the file's cells
    start: int  # 0-based line of its `# %%` marker
    end: int  # 0-based last line of the cell (inclusive): the line before the next marker, or the file's last
    title: str  # what follows `%%` on the marker line, stripped
    markdown: bool  # `# %% [markdown]`: comments only, nothing to profile

    @property
    def number(self) -> int:
        return self.index + 1


def file_cells(text: str) -> List[FileCell]:
    """The file's `# %%` cells in order; [] when it has no marker (then it is no cell file). Lines above the
    first marker belong to no cell: they run with every cell, as the file's preamble."""
    lines = text.splitlines()
    starts = [(n, m) for n, line in enumerate(lines) for m in [_MARKER.match(line)] if m is not None]
    cells = []
    for k, (n, m) in enumerate(starts):
        end = starts[k + 1][0] - 1 if k + 1 < len(starts) else len(lines) - 1
        rest = m.group("rest")
        cells.append(FileCell(index=k, start=n, end=end, title=rest.strip(), markdown=bool(_MARKDOWN.match(rest))))
    return cells


def cell_at(cells: List[FileCell], line: int) -> Optional[FileCell]:
    """The cell holding 0-based `line` (its marker line included); None above the first marker."""
    return next((c for c in cells if c.start <= line <= c.end), None)


def cell_label(filename: str, cell: FileCell) -> str:
    """How the run is named in the history: `cell 2 of demo.py (lines 1-14)` (1-based, inclusive)."""
    return f"cell {cell.number} of {filename} (lines 1-{cell.end + 1})"


_RUNNER = """\
def _heatlens_cells(path, count):
    import os, sys, tokenize
    with tokenize.open(path) as fh:  # the file's own encoding declaration, like running the file
        source = "".join(fh.readlines()[:count])
    sys.argv[0] = path
    sys.path[0] = os.path.dirname(path)  # the file's folder first, as when the file itself runs
    namespace = globals()  # the -c program's own: `__main__`'s, or the one the backend's launcher gives it
    del namespace["_heatlens_cells"]
    namespace["__file__"] = path
    exec(compile(source, path, "exec"), namespace)
_heatlens_cells(%r, %d)
"""


def runner_code(path: str, cell: FileCell) -> str:
    """A `python -c` program that runs lines 1..end of the cell of the file at `path` (as saved) as
    `__main__`, compiled under `path`, so the measured lines are the file's own lines."""
    return _RUNNER % (path, cell.end + 1)
