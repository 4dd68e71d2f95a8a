""""Profile this cell" on a .py file with `# %%` cells: lenses on code cells (pure), the cell's hottest
line (pure), then through a real LSP client: the lens's command runs the file through that cell, stores
the run, and paints heat whose hottest line is the cell's own hot line, on the file's own line numbers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from heatlens.lsp import protocol as hp
from heatlens.lsp.features import file_cells
from heatlens.notebook.percent import file_cells as cells_of

TIMEOUT = 180  # one profiled run under heavy CPU contention

CELLS_SRC = '''import math

# %% data
values = list(range(300_000))
squares_in_data = sum(v * v for v in values[:1000])

# %% [markdown]
# The hot cell below sums square roots.

# %% hot cell
total = 0.0
for _ in range(12):
    total += sum(math.sqrt(v) for v in values)
print("total", round(total))

# %% not run
raise SystemExit("the cell after the profiled one must not run")
'''
HOT_LINE = 12  # 0-based: `total += sum(...)`


def test_one_lens_per_code_cell_on_its_marker_line() -> None:
    lenses = file_cells.cell_lenses("file:///w/cells.py", "/w/cells.py", CELLS_SRC)
    assert [(l.range.start.line, l.command.title, l.command.command, l.command.arguments) for l in lenses] == [
        (2, "Profile this cell", file_cells.PROFILE_FILE_CELL, ["file:///w/cells.py", 2]),
        (9, "Profile this cell", file_cells.PROFILE_FILE_CELL, ["file:///w/cells.py", 9]),
        (15, "Profile this cell", file_cells.PROFILE_FILE_CELL, ["file:///w/cells.py", 15])]  # not the markdown cell
    assert file_cells.cell_lenses("file:///w/plain.py", "/w/plain.py", "x = 1  # 50%% off\n") == []
    assert file_cells.cell_lenses("file:///w/notes.md", "/w/notes.md", CELLS_SRC) == []


def test_the_cells_hottest_line_ignores_hotter_lines_of_other_cells(build_data: Any) -> None:
    hot_cell = cells_of(CELLS_SRC)[2]
    data = build_data({5: 3.0, 12: 0.5, 13: 1.5, 14: 0.1})  # 1-based: line 5 is in the data cell
    assert file_cells.hottest_in_cell(data, hot_cell) == {"line": 12, "share": round(1.5 / 5.1, 5), "seconds": 1.5}
    assert file_cells.hottest_in_cell(build_data({5: 3.0}), hot_cell) is None
    assert file_cells.hottest_in_cell(None, hot_cell) is None


async def test_profile_this_cell_paints_the_cells_hot_line(client: Any) -> None:
    path = client.root / "cells.py"
    path.write_text(CELLS_SRC)
    uri = client.open(path)
    lenses = await client.lenses(uri)
    lens = next(l for l in lenses if l.command.title == "Profile this cell" and l.range.start.line == 9)
    assert file_cells.PROFILE_FILE_CELL in client.init_result.capabilities.execute_command_provider.commands

    heat_before = len(client.heat)
    result = await asyncio.wait_for(client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=lens.command.command, arguments=lens.command.arguments)), TIMEOUT)
    assert result["failure"]["kind"] == "ok", result  # the `raise SystemExit` cell after it did not run
    assert result["target"] == "cell 3 of cells.py (lines 1-15)"
    assert result["cell"] == {"number": 3, "startLine": 9, "endLine": 14, "title": "hot cell"}
    assert result["cellHotLine"]["line"] == HOT_LINE, result
    assert result["hotspots"][0]["uri"] == uri and result["hotspots"][0]["line"] == HOT_LINE, result["hotspots"]

    heat = await client.wait_heat(uri, after=heat_before)
    hottest = max(heat.lines, key=lambda h: h.cpu_share)
    assert hottest.line == HOT_LINE and hottest.cpu_share > 0.5, heat.lines
    assert all(h.line <= 14 for h in heat.lines)  # nothing measured past the profiled cell

    runs = await client.protocol.send_request_async(hp.RUNS, hp.RunsParams())
    assert [r.target for r in runs.runs][:1] == ["cell 3 of cells.py (lines 1-15)"]


async def test_an_unsaved_file_is_refused_and_a_line_outside_cells_is_invalid(client: Any) -> None:
    path = client.root / "cells.py"
    path.write_text(CELLS_SRC)
    uri = client.open(path)
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=CELLS_SRC + "x = 1\n")]))
    result = await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=file_cells.PROFILE_FILE_CELL, arguments=[uri, 9]))
    assert result["failure"]["kind"] == "unsaved", result
    try:
        await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
            command=file_cells.PROFILE_FILE_CELL, arguments=[uri, 0]))  # the preamble: in no cell
    except Exception as exc:  # JSON-RPC error -32602
        assert "no `# %%` code cell" in str(exc)
    else:
        raise AssertionError("a line above the first marker was accepted")
