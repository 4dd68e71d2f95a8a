"""`heatlens/profileCell` through a real daemon (pytest-lsp): the code cells up to a cell run as a script in a
subprocess; the hot line lands on the membership test in the middle of the loop body of the cell that defines
the function, with heat, hover and lens there; an edit in that cell moves its heat."""

from __future__ import annotations

import asyncio
import os
from typing import Any, Dict

import pytest
from lsprotocol import types as lsp

from heatlens.backends.pyspy import find_pyspy
from heatlens.lsp.protocol import PROFILE_CELL
from heatlens.lsp.features.notebook_profile import ran_path, result_of
from heatlens.model import Failure, FileProfile, LineStats, Profile
from heatlens.notebook.script import build_script, split_profile
from heatlens.store import open_store

from .conftest import TIMEOUT, HeatClient
from .test_notebook import AFTER, CALL, DEFINE, MEMBERSHIP, hottest, notebook_params


def plain(value: Any) -> Any:
    """pygls hands back an untyped result as nested namedtuples: make them dicts."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


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
    assert not any(l.command and l.command.title == "Profile this file" for l in lenses)  # a cell is no file to run
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



DEDUPE = """def dedupe(items):
    seen = []
    for x in items:
        if x not in seen:
            seen.append(x)
    return seen"""
DEDUPE_CALL = "print(len(dedupe([i % 3000 for i in range(30000)])))"


@pytest.mark.skipif(find_pyspy() is None, reason="py-spy binary not installed")
async def test_profile_cell_runs_the_pipeline_and_stores_findings_on_the_cell_lines(client: HeatClient) -> None:
    # The same pipeline as "Profile this file": the stored run has the anti-pattern findings of the
    # analysed script, moved onto the cell and line they are on (the membership test: cell 1, line 4).
    opened = notebook_params(client.root, [DEDUPE, DEDUPE_CALL])
    client.notebook_document_did_open(opened)
    call_uri = opened.notebook_document.cells[1].document
    result: Dict[str, Any] = plain(await asyncio.wait_for(
        client.protocol.send_request_async(PROFILE_CELL, {"cellUri": call_uri}), TIMEOUT))
    assert result["failure"]["kind"] == "ok", result
    with open_store(str(client.root)) as store:
        stored = store.load(int(result["runId"]))
    where = {(os.path.basename(f.file), f.line) for f in stored.findings}
    assert ("analysis.ipynb#cell1", 4) in where, stored.findings
    assert all("#cell" in f.file for f in stored.findings), stored.findings  # none left on the temporary script


def test_result_names_hot_lines_by_cell_document_and_zero_based_line(tmp_path: Any) -> None:
    from heatlens.lsp.features.notebook import Cell

    script, linemap = build_script(["a = 1", "for i in range(9):\n    a += i"])
    prof = Profile(files=[FileProfile(path="/t/nb.py", lines=[LineStats(line=3, cpu_python=1.0, samples=10)])])
    assert ran_path(prof, "/elsewhere/nb.py") == "/elsewhere/nb.py"  # not in the run: as given
    split_profile(prof, "/t/nb.py", linemap, "/w/nb.ipynb", ["a = 1", "for i in range(9):\n    a += i"], [0, 2], 2)
    cells = [Cell("cell-a", 0, "a = 1"), Cell("cell-c", 2, "for i in range(9):\n    a += i")]
    out = result_of(prof, 5, Failure(), cells, "file:///w/nb.ipynb", "/w/nb.ipynb")
    assert out["runId"] == 5 and out["failure"]["kind"] == "ok"
    assert out["hotLines"] == [{"cellUri": "cell-c", "cell": 3, "line": 1, "share": 1.0, "seconds": 1.0}]
