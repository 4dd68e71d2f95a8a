""""Measure complexity": lenses on hinted functions (pure), then end to end through a real LSP client: the
command times a quadratic function in a subprocess, its result shows as a lens while the function's source
is unchanged (stale once it changes), is stored and shows again after a daemon restart, and errors reach
the user as window/showMessage."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, List

from lsprotocol import types as lsp

from heatlens.lsp.features import complexity_lens
from heatlens.lsp.features.complexity_lens import MEASURE_COMPLEXITY, Results, complexity_lenses

TIMEOUT = 180

QUAD_SRC = '''"""A quadratic function with small sizes: timed in about a second."""


# heatlens: sizes=100,200,400,800,1600 repeat=3
def pairs(n):
    c = 0
    for i in range(n):
        for j in range(n):
            c += i ^ j
    return c


def plain(n):
    return n


# heatlens: sizes=10,20,40
def broken(n):
    raise ValueError("no input for this size")
'''


def _titles(lenses: List[lsp.CodeLens]) -> List[str]:
    return [l.command.title for l in lenses]


def test_lenses_on_hinted_functions_and_results_while_the_function_is_unchanged(tmp_path: Path) -> None:
    path = str(tmp_path / "quad.py")
    results = Results()
    lenses = complexity_lenses("file:///q.py", path, QUAD_SRC, results)
    assert [(l.range.start.line, l.command.arguments) for l in lenses] == [
        (4, ["file:///q.py", "pairs"]), (17, ["file:///q.py", "broken"])]
    assert _titles(lenses) == ["Measure complexity"] * 2
    results.put(path, "pairs", QUAD_SRC, "≈ O(n²) (R² 1.00, n=50…800)")
    assert _titles(complexity_lenses("file:///q.py", path, QUAD_SRC, results)) == [
        "Measure complexity", "≈ O(n²) (R² 1.00, n=50…800)", "Measure complexity"]
    # editing elsewhere keeps the result; editing the function marks it stale
    assert "≈ O(n²) (R² 1.00, n=50…800)" in _titles(complexity_lenses("file:///q.py", path, QUAD_SRC + "\nX = 1\n", results))
    edited = _titles(complexity_lenses("file:///q.py", path, QUAD_SRC.replace("c += i ^ j", "c += i | j"), results))
    assert "≈ O(n²) (R² 1.00, n=50…800)" not in edited
    assert "stale: ≈ O(n²) (R² 1.00, n=50…800) (function changed since measured)" in edited
    assert complexity_lenses("file:///p.py", path, "def f(n):\n    return n\n", results) == []


async def _lenses(client: Any, uri: str) -> List[lsp.CodeLens]:
    return await client.text_document_code_lens_async(  # type: ignore[no-any-return]
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))


async def test_measure_complexity_shows_quadratic_until_the_function_changes_and_after_a_restart(
        client: Any, spawn: Any) -> None:
    path = client.root / "quad.py"
    path.write_text(QUAD_SRC)
    uri = client.open(path)
    lens = next(l for l in await _lenses(client, uri) if list(l.command.arguments or []) == [uri, "pairs"])
    assert lens.command.command == MEASURE_COMPLEXITY
    assert MEASURE_COMPLEXITY in client.init_result.capabilities.execute_command_provider.commands
    refreshes = client.refreshes["codeLens"]

    result = await asyncio.wait_for(client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=lens.command.command, arguments=lens.command.arguments)), TIMEOUT)
    assert result["ok"] and result["label"] == "O(n²)", result
    assert result["summary"].startswith("≈ O(n²) (R² ")
    shown = [l for l in await _lenses(client, uri) if l.command.title.startswith("≈")]
    assert [(l.range.start.line, l.command.title) for l in shown] == [(lens.range.start.line, result["summary"])]
    assert client.refreshes["codeLens"] > refreshes  # the client is told to ask again

    assert isinstance(result["stored"], int)

    # a new daemon on the same workspace (and store) shows the stored result again
    second = await spawn(client.root)
    second.open(path)
    again = [l for l in await _lenses(second, uri) if l.command.title.startswith("≈")]
    assert [(l.range.start.line, l.command.title) for l in again] == [(lens.range.start.line, result["summary"])]

    for c in (client, second):  # editing the function's body: the result is stale, in both daemons
        c.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=QUAD_SRC.replace("c += i ^ j", "c += i | j"))]))
        titles = _titles(await _lenses(c, uri))
        assert "Measure complexity" in titles and not any(t.startswith("≈") for t in titles)
        assert ("stale: " + result["summary"] + " (function changed since measured)") in titles


async def test_a_failing_function_is_reported_as_a_message(client: Any) -> None:
    path = client.root / "quad.py"
    path.write_text(QUAD_SRC)
    uri = client.open(path)
    result = await asyncio.wait_for(client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=MEASURE_COMPLEXITY, arguments=[uri, "broken"])), TIMEOUT)
    assert not result["ok"] and "no input for this size" in result["reason"]
    assert any(m.type == lsp.MessageType.Error and "no input for this size" in m.message for m in client.messages)
    assert not any(l.command.title.startswith("≈") for l in await _lenses(client, uri))
    assert complexity_lens.MEASURE_COMPLEXITY == "heatlens.measureComplexity"
