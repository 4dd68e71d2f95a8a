"""Annotations follow the code: didChange edits, reopened files recovered by line diff, daemon restarts."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest
from lsprotocol import types as lsp

from heatlens.lsp import protocol as hp
from heatlens.lsp.annotations import Annotations, path_key

pytestmark = pytest.mark.slow


def _change(client: Any, uri: str, version: int, start: tuple, end: tuple, text: str) -> None:
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[lsp.TextDocumentContentChangePartial(
            range=lsp.Range(start=lsp.Position(line=start[0], character=start[1]), end=lsp.Position(line=end[0], character=end[1])),
            text=text)],
    ))


async def _state(client: Any, uri: str, version: int) -> Dict[str, Any]:
    """Heat (of `version`), function lenses and hint lines as the client sees them now."""
    seen = 0
    while True:
        heat = await client.wait_heat(uri, after=seen)
        if heat.version == version:
            break
        seen = len(client.heat)
    lenses = await client.lenses(uri)
    hints = await client.text_document_inlay_hint_async(lsp.InlayHintParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri),
        range=lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=500, character=0))))
    return {
        "heat": {h.line: h for h in heat.lines},
        "lenses": {l.range.start.line for l in lenses if l.command.title.startswith("▲")},
        "hints": {h.position.line for h in hints},
    }


async def test_edit_sequence_moves_everything_and_stales_the_edited_line(client: Any) -> None:
    path = client.root / "hot.py"
    uri = client.open(path)
    assert (await client.profile(uri=uri)).failure.kind == "ok"
    hot, cold = client.line_of(path, "# HOT LINE"), client.line_of(path, "# COLD LINE")
    hot_def, cold_def, cold_end = client.line_of(path, "def hot"), client.line_of(path, "def cold"), cold + 1
    before = await _state(client, uri, 1)
    assert {hot, cold} <= set(before["heat"]) and {hot, cold} <= before["hints"] and {hot_def, cold_def} <= before["lenses"]

    _change(client, uri, 2, (0, 0), (0, 0), "# a\n# b\n# c\n")  # insert three lines above
    s = await _state(client, uri, 2)
    assert {hot + 3, cold + 3} <= set(s["heat"]) and hot not in s["heat"]
    assert {hot_def + 3, cold_def + 3} <= s["lenses"] and {hot + 3, cold + 3} <= s["hints"]
    assert not s["heat"][hot + 3].stale

    _change(client, uri, 3, (hot + 3, 8), (hot + 3, 8), "  ")  # type inside the hot line
    s = await _state(client, uri, 3)
    assert s["heat"][hot + 3].stale and not s["heat"][cold + 3].stale
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=hot + 3, character=9)))
    assert hover is not None and "stale" in hover.contents.value

    removed = cold_end - cold_def + 2  # `def cold` .. `return s` and the two blank lines after it
    _change(client, uri, 4, (cold_def + 3, 0), (cold_def + 3 + removed, 0), "")  # delete the cold function
    s = await _state(client, uri, 4)
    assert cold + 3 not in s["heat"] and all(not (cold_def + 3 <= l < cold_def + 3 + removed) or l in (hot + 3,) for l in s["heat"])
    assert cold_def + 3 not in s["lenses"] and hot_def + 3 in s["lenses"]
    main_def = client.line_of(path, "def main")
    assert main_def + 3 - removed in s["lenses"]  # functions below the deleted block moved up

    _change(client, uri, 5, (hot + 3, 8), (hot + 3, 10), "")  # undo the typing
    s = await _state(client, uri, 5)
    assert not s["heat"][hot + 3].stale


async def test_reopened_file_that_changed_on_disk_is_recovered_by_line_diff(client: Any) -> None:
    path = client.root / "hot.py"
    uri = client.open(path)
    assert (await client.profile(uri=uri)).failure.kind == "ok"
    hot = client.line_of(path, "# HOT LINE")
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))
    path.write_text("# new header\n# more\n" + path.read_text())
    seen = len(client.heat)
    client.open(path)
    heat = await client.wait_heat(uri, after=seen)
    lines = {h.line: h for h in heat.lines}
    assert hot + 2 in lines and not lines[hot + 2].stale and hot not in lines


async def test_restarted_daemon_shows_the_stored_run(client: Any, spawn: Any) -> None:
    path = client.root / "hot.py"
    uri = client.open(path)
    run = await client.profile(uri=uri)
    assert run.failure.kind == "ok"
    fresh = await spawn(client.root)
    fresh.open(path)
    heat = await fresh.wait_heat(uri)
    assert client.line_of(path, "# HOT LINE") in {h.line for h in heat.lines}
    hover = await fresh.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=client.line_of(path, "# HOT LINE"), character=9)))
    assert hover is not None and f"run #{run.run_id}" in hover.contents.value


def test_unknown_profiled_source_and_changed_text_is_not_annotated(build_data: Any) -> None:
    data = build_data({7: 1.0})
    data.sha256, data.source = "0" * 64, None
    ann = Annotations()
    ann.add_run([data])
    assert ann.attach(path_key(data.path), "different text\n") is None
    data2 = build_data({7: 1.0})
    data2.sha256 = "0" * 64  # the source as run is known: recover by diff
    ann.add_run([data2])
    view = ann.attach(path_key(data2.path), "# added\n" + data2.source)
    assert view is not None and [lv.line for lv in view.lines()] == [7]


async def test_clear_removes_annotations_and_heat(client: Any) -> None:
    path = client.root / "hot.py"
    uri = client.open(path)
    assert (await client.profile(uri=uri)).failure.kind == "ok"
    assert (await client.wait_heat(uri)).lines
    seen = len(client.heat)
    await client.protocol.send_request_async(hp.CLEAR, hp.ClearParams(uri=uri))
    assert (await client.wait_heat(uri, after=seen)).lines == []
    lenses = await client.lenses(uri)
    assert [l.command.title for l in lenses] == ["Profile this file"]


async def test_no_refresh_requests_to_a_client_that_cannot_refresh(client: Any, spawn: Any) -> None:
    plain = await spawn(client.root, caps=lsp.ClientCapabilities(window=lsp.WindowClientCapabilities(work_done_progress=True)))
    path = client.root / "hot.py"
    uri = plain.open(path)
    assert (await plain.profile(uri=uri)).failure.kind == "ok"
    assert (await plain.wait_heat(uri)).lines
    assert plain.refreshes == {"codeLens": 0, "inlayHint": 0}


def test_prepare_hooks_run_on_every_file_and_survive_a_failing_one(build_data: Any) -> None:
    from heatlens.lsp.annotations import prepared

    seen = []

    def broken(data: Any) -> None:
        raise RuntimeError("analysis bug")

    datas = [build_data({7: 1.0}), build_data({13: 1.0})]
    assert prepared(iter(datas), [broken, seen.append]) == datas
    assert seen == datas


def test_function_headers_are_indexed_once_per_run_data() -> None:
    from heatlens.lsp.annotations import FileData, FunctionData

    dec = FunctionData(qualname="f", line=2, def_line=3, end_line=4, seconds=1.0, share=0.5, own_seconds=1.0)
    plain = FunctionData(qualname="g", line=6, def_line=6, end_line=7, seconds=1.0, share=0.5, own_seconds=1.0)
    data = FileData(path="/nowhere/a.py", run_id=1, total_cpu=2.0, lines={}, functions=[dec, plain])
    first = data.function_at_first_lines()
    assert first == {2: dec, 3: dec, 6: plain}  # decorator and def lines of f, the def line of g
    assert data.function_at_first_lines() is first  # every hover asks: built once, not per request
