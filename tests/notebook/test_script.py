"""A notebook's code cells as one script with a line map, and the script's run split back into cells."""

from __future__ import annotations

from heatlens.model import FileProfile, FunctionStats, LineStats, Profile
from heatlens.notebook.cells import cells_of
from heatlens.notebook.script import build_script, cell_paths, python_of, split_profile


def test_python_of_keeps_lines_and_drops_ipython_only_syntax() -> None:
    cell = "%matplotlib inline\nimport os\nfiles = !ls\nfor f in os.listdir('.'):\n    %time print(f)"
    out = python_of(cell).splitlines()
    assert len(out) == 5 and out[1] == "import os"
    assert out[0].startswith("pass  # %matplotlib") and out[2].startswith("pass  # files = !ls")
    assert out[4] == "    pass  # %time print(f)"  # indentation kept: the loop still has a body
    compile(python_of(cell), "cell", "exec")


def test_cell_magics_keep_a_python_body_and_comment_out_others() -> None:
    assert python_of("%%heatlens\nx = 1").splitlines() == ["# %%heatlens", "x = 1"]
    assert all(line.startswith("# ") for line in python_of("%%bash\necho hi\nls").splitlines())
    compile(python_of("%%bash\necho hi"), "cell", "exec")


def test_build_script_line_map() -> None:
    script, linemap = build_script(["a = 1\nb = 2", "", "c = a + b"])
    assert script.splitlines() == ["a = 1", "b = 2", "", "c = a + b"]
    assert linemap == [(0, 1), (0, 2), (1, 1), (2, 1)]


def test_split_profile_moves_script_lines_onto_cells() -> None:
    cells = ["def f(n):\n    return sum(range(n))", "x = 1\nf(10**6)"]
    script, linemap = build_script(cells)
    prof = Profile(files=[FileProfile(path="/tmp/s.py", lines=[LineStats(line=2, cpu_python=0.8),
                                                               LineStats(line=4, cpu_python=0.2)]),
                          FileProfile(path="/usr/lib/python3/x.py", lines=[LineStats(line=9, cpu_python=0.1)])],
                   functions=[FunctionStats(qualname="f", file="/tmp/s.py", line=1)])
    split_profile(prof, "/tmp/s.py", linemap, "/w/nb.ipynb", cells, indices=[0, 2], profiled=2)
    paths = cell_paths("/w/nb.ipynb", 3)
    assert paths[2] == "/w/nb.ipynb#cell3"
    assert [s.line for s in prof.file(paths[0]).lines] == [2] and [s.line for s in prof.file(paths[2]).lines] == [2]
    assert prof.file("/usr/lib/python3/x.py") is not None  # other files untouched
    assert (prof.functions[0].file, prof.functions[0].line) == (paths[0], 1)
    cells_info = cells_of(prof)
    assert cells_info[paths[2]].profiled and cells_info[paths[2]].name == "cell 3" and cells_info[paths[2]].index == 2
    assert cells_info[paths[0]].source == cells[0] and not cells_info[paths[0]].profiled
