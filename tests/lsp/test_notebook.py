"""Notebooks over LSP 3.17 `notebookDocument/*` (pytest-lsp, a real daemon): a run stored by a kernel
(`%%heatlens`) is painted on the cell with its text when the notebook opens; matching and cell data."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List

import pytest
from lsprotocol import types as lsp
from pygls.uris import from_fs_path

from .conftest import HeatClient
from heatlens.lsp.features.notebook import cell_data, cell_path_of, match_cells
from heatlens.model import FileProfile, LineStats, Profile, RunMeta
from heatlens.notebook.cells import CellInfo, attach_cells

DEFINE = """import random

def count_hits(items, n):
    hits = 0
    for k in range(n):
        x = k * 7
        if x in items:
            hits += 1
        x += 1
    return hits"""
MEMBERSHIP = 6  # 0-based line of `if x in items:` in DEFINE
CALL = """%matplotlib inline
items = list(range(3000))
print(count_hits(items, 20000))"""
AFTER = "print('never profiled')"


def notebook_params(root: Path, texts: List[str]) -> lsp.DidOpenNotebookDocumentParams:
    nb_uri = from_fs_path(str(root / "analysis.ipynb")) or ""
    cells = [lsp.NotebookCell(kind=lsp.NotebookCellKind.Code, document=f"vscode-notebook-cell:{root}/analysis.ipynb#C{i}")
             for i in range(len(texts))]
    return lsp.DidOpenNotebookDocumentParams(
        notebook_document=lsp.NotebookDocument(uri=nb_uri, notebook_type="jupyter-notebook", version=1, cells=cells),
        cell_text_documents=[lsp.TextDocumentItem(uri=c.document, language_id="python", version=1, text=t)
                             for c, t in zip(cells, texts)])


def hottest(heat: Any) -> int:
    return max(heat.lines, key=lambda h: h.cpu_share).line


async def test_a_kernel_run_in_the_store_is_painted_when_the_notebook_opens(client: HeatClient) -> None:
    from heatlens.store import open_store

    kernel_cell = "%%heatlens\n" + CALL  # as the kernel stored it: the magic line is line 1
    prof = Profile(meta=RunMeta(target="notebook In [2]", project_root=str(client.root)),
                   files=[FileProfile(path="/tmp/ipykernel_1/42.py", lines=[LineStats(line=4, cpu_python=0.9, samples=900),
                                                                            LineStats(line=3, cpu_python=0.1, samples=100)])])
    attach_cells(prof, [CellInfo(path="/tmp/ipykernel_1/42.py", name="In [2]", source=kernel_cell, profiled=True)])
    with open_store(str(client.root)) as store:
        store.save(prof)
    opened = notebook_params(client.root, [DEFINE, kernel_cell])
    client.notebook_document_did_open(opened)
    heat = await client.wait_heat(opened.notebook_document.cells[1].document)
    assert hottest(heat) == 3 and {h.line for h in heat.lines} == {2, 3}
    assert client.heat_for(opened.notebook_document.cells[0].document) is None  # not in that run


def test_match_cells_exact_first_then_close_and_each_stored_cell_once() -> None:
    def stored(source: str, run: int) -> Any:
        return (run, Profile(), CellInfo(path=f"/k/{run}.py", name="In", source=source))

    runs = [stored("a = 1\nb = 2\n", 9), stored("x = 1", 8), stored("a = 1\nb = 2", 7)]
    matched = match_cells(["a = 1\nb = 2", "a = 1\nb = 2", "x = 10", "zzz"], runs)
    assert matched[0][0] == 9 and matched[1][0] == 7  # the newest first, then the next one with that text
    assert matched[2][0] == 8 and 3 not in matched  # close enough; nothing alike


def test_cell_data_lives_under_the_cells_own_path() -> None:
    prof = Profile(files=[FileProfile(path="/k/1.py", lines=[LineStats(line=3, cpu_python=1.0, samples=10)])])
    info = CellInfo(path="/k/1.py", name="In [1]", source="%%heatlens\ndef f():\n    return 1\nf()")
    path = cell_path_of("file:///w/nb.ipynb", "vscode-notebook-cell:/w/nb.ipynb#C1")
    assert path.startswith("/w/nb.ipynb#cell-") and path != cell_path_of("file:///w/nb.ipynb", "vscode-notebook-cell:/w/nb.ipynb#C2")
    data = cell_data(prof, 4, info, path)
    assert data is not None and data.path == path and data.source == info.source and data.run_id == 4
    assert [f.qualname for f in data.functions] == ["f"] and data.parsed  # the magic line did not stop the parse
    assert cell_data(prof, 4, CellInfo(path="/k/2.py", name="x", source=""), path) is None
