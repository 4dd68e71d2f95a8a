"""`%load_ext heatlens` + `%%heatlens` in a real Jupyter kernel (nbclient): the cell's hot line, in the
cell's own line numbers, is the membership test in the middle of the loop body, and the run is stored."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from heatlens.backends.pyspy import find_pyspy  # noqa: E402
from heatlens.notebook.cells import cells_of, normalized  # noqa: E402
from heatlens.notebook.magic import parse_line, placed_code  # noqa: E402
from heatlens.store import open_store  # noqa: E402

HOT_CELL = """%%heatlens
items = list(range(4000))
found = 0
for k in range(12000):
    x = k * 2
    if x in items:
        found += 1
    y = x + 1
print("found", found)"""
HOT_LINE = 6  # `if x in items:`, counting the %%heatlens line as line 1, as the notebook shows it

HELPER_CELL = """def squares(n):
    total = 0
    for i in range(n):
        total += i * i
    return total"""


@pytest.fixture
def kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A kernelspec of this interpreter (whatever kernels the machine has), the store in tmp_path."""
    spec = tmp_path / "jupyter" / "kernels" / "heatlens-test"
    spec.mkdir(parents=True)
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "heatlens test", "language": "python",
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("HEATLENS_PROJECT_ROOT", str(tmp_path))
    return tmp_path


def run_notebook(root: Path, *sources: str) -> list:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in ("%load_ext heatlens", *sources)]
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="heatlens-test",
                                     resources={"metadata": {"path": str(root)}})
    client.execute()
    return [("".join(o.get("text", "") for o in c.outputs), c.outputs) for c in nb.cells]


@pytest.mark.skipif(find_pyspy() is None, reason="py-spy binary not installed")
def test_cell_hot_line_is_the_membership_test_and_the_run_is_stored(kernel_env: Path) -> None:
    outputs = run_notebook(kernel_env, HELPER_CELL, HOT_CELL, "%heatlens squares(2_000_000)")
    text = outputs[2][0]
    assert "found 2000" in text  # the cell ran in the kernel as usual
    first = next(line for line in text.splitlines() if line.strip().startswith("In ["))
    assert first.split()[:4] == ["In", "[3]", "line", str(HOT_LINE)], text  # the hottest line, first
    with open_store(str(kernel_env)) as store:
        rows = store.runs(10)
        assert [r.target for r in rows] == ["notebook In [4]", "notebook In [3]"]
        cell_run, line_run = store.load(rows[1].id), store.load(rows[0].id)
    cells = cells_of(cell_run)
    (profiled,) = [c for c in cells.values() if c.profiled]
    assert normalized(profiled.source) == normalized(HOT_CELL) and profiled.name == "In [3]"
    lines = cell_run.file(profiled.path).by_line()
    assert max(lines.values(), key=lambda s: s.cpu).line == HOT_LINE
    assert lines[HOT_LINE].cpu >= 0.6 * sum(s.cpu for s in lines.values())
    # `%heatlens squares(...)`: the time is in the earlier cell that defined the function, on its loop body
    helper = [c for c in cells_of(line_run).values() if normalized(c.source) == normalized(HELPER_CELL)]
    assert helper and helper[0].name == "In [2]"
    helper_lines = line_run.file(helper[0].path).by_line()
    assert max(helper_lines.values(), key=lambda s: s.cpu).line in (3, 4)
    assert "In [2] line" in outputs[3][0]


def test_placed_code_keeps_the_cell_line_numbers() -> None:
    raw = "\n%%heatlens --rate 500\na = 1\nb = 2"
    code, source = placed_code(raw, "--rate 500", "a = 1\nb = 2", "")
    assert code.splitlines()[2] == "a = 1" and source.splitlines()[2] == "a = 1"  # cell line 3 both
    code, source = placed_code("x = 1\n%heatlens f(x)\n", "f(x)", None, "f(x)")
    assert code.splitlines()[1] == "f(x)" and source == "x = 1\n%heatlens f(x)\n"
    code, source = placed_code("", "", "a = 1", "")  # no history: the cell as the magic got it
    assert source == "%%heatlens\na = 1" and code == "#\na = 1"


def test_parse_line_options() -> None:
    assert parse_line("--rate 250 --no-store f(1, 2)") == ({"rate": 250, "store": False}, "f(1, 2)")
    assert parse_line("") == ({"rate": 1000, "store": True}, "")
    with pytest.raises(ValueError, match="unknown option"):
        parse_line("--fast f()")
