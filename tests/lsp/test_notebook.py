"""Notebooks over LSP 3.17 `notebookDocument/*` (pytest-lsp, a real daemon): "Profile this cell" paints heat,
hovers and lenses on the right lines of the right cells; a run stored by a kernel (`%%heatlens`) is painted
on the matching cell when the notebook opens; edits in a cell move its heat."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, List

import pytest
from lsprotocol import types as lsp
from pygls.uris import from_fs_path

from .conftest import TIMEOUT, HeatClient
from heatlens.backends.pyspy import find_pyspy
from heatlens.lsp.features.notebook import PROFILE_CELL, cell_data, cell_path_of, match_cells
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


def plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def hottest(heat: Any) -> int:
    return max(heat.lines, key=lambda h: h.cpu_share).line


@pytest.mark.skipif(find_pyspy() is None, reason="py-spy binary not installed")
async def test_profile_cell_paints_the_membership_line_of_the_defining_cell(client: HeatClient) -> None:
    opened = notebook_params(client.root, [DEFINE, CALL, AFTER])
    client.notebook_document_did_open(opened)
    define_uri, call_uri = (c.document for c in opened.notebook_document.cells[:2])
    before = len(client.heat)
    result: Dict[str, Any] = plain(await asyncio.wait_for(
        client.protocol.send_request_async(PROFILE_CELL, {"cellUri": call_uri}), TIMEOUT))
    assert result["failure"]["kind"] == "ok", result
    assert result["target"] == "notebook analysis.ipynb cell 2" and result["runId"]
    top = result["hotLines"][0]
    assert (top["cellUri"], top["line"], top["cell"]) == (define_uri, MEMBERSHIP, 1)
    heat = await client.wait_heat(define_uri, before)
    assert hottest(heat) == MEMBERSHIP
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=define_uri), position=lsp.Position(line=MEMBERSHIP, character=8)))
    assert hover is not None and "CPU" in hover.contents.value and f"line {MEMBERSHIP + 1} as profiled" in hover.contents.value
    lenses = await client.lenses(define_uri)
    assert any(l.range.start.line == 2 and "CPU" in (l.command.title if l.command else "") for l in lenses)  # count_hits
    # an edit above the hot line moves its heat with it
    before = len(client.heat)
    client.notebook_document_did_change(lsp.DidChangeNotebookDocumentParams(
        notebook_document=lsp.VersionedNotebookDocumentIdentifier(version=2, uri=opened.notebook_document.uri),
        change=lsp.NotebookDocumentChangeEvent(cells=lsp.NotebookDocumentCellChanges(text_content=[
            lsp.NotebookDocumentCellContentChanges(
                document=lsp.VersionedTextDocumentIdentifier(uri=define_uri, version=2),
                changes=[lsp.TextDocumentContentChangePartial(
                    range=lsp.Range(start=lsp.Position(line=1, character=0), end=lsp.Position(line=1, character=0)),
                    text="import math\n")])]))))
    assert hottest(await client.wait_heat(define_uri, before)) == MEMBERSHIP + 1


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
