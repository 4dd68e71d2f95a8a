"""`# %%` cells of a plain .py file, and the `-c` program that runs the file through the end of one cell
under the file's own name and line numbers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from heatlens.notebook.percent import cell_at, cell_label, file_cells, runner_code

SRC = """import sys
print("preamble")

# %% setup
data = [1, 2, 3]
#%%   [markdown]
# notes only
# %%
print("second", sum(data), __name__, __file__.endswith("cells.py"))
raise ValueError("from the second cell")
# %% last
print("never")
"""


def test_cells_start_at_markers_and_end_before_the_next() -> None:
    cells = file_cells(SRC)
    assert [(c.start, c.end, c.title, c.markdown) for c in cells] == [
        (3, 4, "setup", False), (5, 6, "[markdown]", True), (7, 9, "", False), (10, 11, "last", False)]
    assert [c.number for c in cells] == [1, 2, 3, 4]
    assert file_cells("x = 1\n# not a %% marker\n") == []


def test_cell_at_a_line() -> None:
    cells = file_cells(SRC)
    assert cell_at(cells, 0) is None  # the preamble is in no cell
    assert cell_at(cells, 3) is cells[0] and cell_at(cells, 4) is cells[0]  # the marker line opens its cell
    assert cell_at(cells, 9) is cells[2] and cell_at(cells, 11) is cells[3]
    assert cell_label("cells.py", cells[2]) == "cell 3 of cells.py (lines 1-10)"


def test_runner_runs_through_the_cell_only_with_the_files_own_lines(tmp_path: Path) -> None:
    path = tmp_path / "cells.py"
    path.write_text(SRC)
    (tmp_path / "sibling.py").write_text("VALUE = 7\n")
    out = subprocess.run([sys.executable, "-c", runner_code(str(path), file_cells(SRC)[2])], cwd=str(tmp_path.parent),
                         capture_output=True, text=True, timeout=60)
    assert out.stdout == "preamble\nsecond 6 __main__ True\n"  # the last cell never ran
    # the traceback names the file and its own line 10, not a line of some temporary script
    assert f'File "{path}", line 10' in out.stderr and "ValueError: from the second cell" in out.stderr
    assert "_heatlens_cells" not in out.stderr.splitlines()[-1]

    # the file's folder comes first on sys.path, as when the file itself runs (cwd is elsewhere)
    path.write_text("# %%\nimport sibling\nprint(sibling.VALUE)\n")
    out = subprocess.run([sys.executable, "-c", runner_code(str(path), file_cells(path.read_text())[0])],
                         cwd=str(tmp_path.parent), capture_output=True, text=True, timeout=60)
    assert (out.returncode, out.stdout) == (0, "7\n"), out.stderr
