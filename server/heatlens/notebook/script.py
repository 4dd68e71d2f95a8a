"""A notebook's code cells as one plain script, and the run of that script split back into cells.

"Profile this cell" with no kernel attached runs the code cells up to that cell as a script in a
subprocess, through the normal runner. Each cell keeps its line count in the script (IPython-only lines
become `pass` with the line as a comment), so a line map of (cell, line) per script line is all it takes
to move the measured lines back onto the cells.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

from heatlens.model import Profile
from heatlens.notebook.cells import CellInfo, attach_cells, remap

# Cell magics whose body is Python that runs as written (the magic only measures or captures it).
PYTHON_BODY_MAGICS = {"heatlens", "time", "timeit", "capture", "prun"}
_SHELL_OR_MAGIC = re.compile(r"^(\s*)(?:[%!]|[\w.\[\]'\", ]+=\s*[%!])")

LineMap = List[Tuple[int, int]]  # script line - 1 -> (cell index, 1-based cell line)


def cell_name(index: int) -> str:
    return f"cell {index + 1}"


def python_of(text: str) -> str:
    """The cell as plain Python with the same lines: `%magic`, `!shell` and `x = %magic` lines become
    `pass` (commented), a cell magic's body is kept when it is Python and commented out otherwise."""
    lines = text.splitlines()
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if len(first) > 2 else ""
        head = ["# " + lines[0]]
        if magic not in PYTHON_BODY_MAGICS:
            return "\n".join(head + ["# " + line for line in lines[1:]])
        lines = lines[1:]
        return "\n".join(head + [_plain_line(line) for line in lines])
    return "\n".join(_plain_line(line) for line in lines)


def _plain_line(line: str) -> str:
    m = _SHELL_OR_MAGIC.match(line)
    if m is None:
        return line
    return f"{m.group(1)}pass  # {line.strip()}"


def build_script(cells: Sequence[str]) -> Tuple[str, LineMap]:
    """The code cells (in notebook order) as one script, and its line map."""
    out: List[str] = []
    linemap: LineMap = []
    for index, text in enumerate(cells):
        body = python_of(text).splitlines() or [""]
        for n, line in enumerate(body, 1):
            out.append(line)
            linemap.append((index, n))
    return "\n".join(out) + "\n", linemap


def cell_paths(notebook_path: str, count: int) -> List[str]:
    """The file name each cell's lines get in the stored run: the notebook's path and the cell number."""
    return [f"{notebook_path}#cell{i + 1}" for i in range(count)]


def split_profile(profile: Profile, script: str, linemap: LineMap, notebook_path: str, cells: Sequence[str],
                  indices: Optional[Sequence[int]] = None, profiled: Optional[int] = None) -> None:
    """Move the script's lines onto its cells, in place, and record the cells in the run. `indices`: each
    cell's position in the notebook (default 0..n-1), `profiled`: the position of the cell asked for."""
    indices = list(indices) if indices is not None else list(range(len(cells)))
    paths = cell_paths(notebook_path, max(indices) + 1 if indices else 0)

    def where(path: str, line: int) -> Optional[Tuple[str, int]]:
        if path != script:
            return (path, line)
        if not 0 < line <= len(linemap):
            return None  # the blank end of the script: nothing of a cell
        cell, n = linemap[line - 1]
        return paths[indices[cell]], n

    remap(profile, where)
    by_path: Dict[str, CellInfo] = {}
    for k, text in enumerate(cells):
        i = indices[k]
        by_path[paths[i]] = CellInfo(path=paths[i], name=cell_name(i), source=text, notebook=notebook_path, index=i,
                                     profiled=i == profiled)
    attach_cells(profile, list(by_path.values()))
