"""Function lenses are built once per (document version, run): repeated requests reuse them, an edit or a
new run rebuilds them, and after an edit they sit on the moved functions. Builds are counted by the
daemon itself (`heatlens/debugCounters`)."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from lsprotocol import types as lsp
import pytest

from heatlens.lsp.annotations import DocView, FileData, FunctionData
from heatlens.lsp.features.code_lens import LensCache, encode_lenses, lens_rows
from heatlens.lsp.protocol import PROFILE_FILE_COMMAND
from heatlens.mapping.linemap import LineMap


async def _builds(client: Any) -> int:
    counters = await client.protocol.send_request_async("heatlens/debugCounters", None)
    return int(counters.codeLensBuilds)


async def _function_lenses(client: Any, uri: str) -> Dict[int, str]:
    lenses = await client.lenses(uri)
    return {l.range.start.line: l.command.title for l in lenses if l.data and "qualname" in l.data}


@pytest.mark.asyncio
async def test_lenses_are_reused_until_an_edit_or_a_new_run(client: Any) -> None:
    hot = client.root / "hot.py"
    uri = client.open(hot)
    summary = await client.profile(uri=uri, backend="agent")
    assert summary.failure.kind == "ok", summary.failure
    first = await _function_lenses(client, uri)
    def_hot = client.line_of(hot, "def hot(")
    assert def_hot in first and "CPU" in first[def_hot]
    built = await _builds(client)
    for _ in range(3):
        assert await _function_lenses(client, uri) == first
    assert await _builds(client) == built  # same version, same run: no rebuild

    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[lsp.TextDocumentContentChangePartial(
            range=lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0)),
            text="# one\n# two\n")],
    ))
    moved = await _function_lenses(client, uri)
    assert moved == {line + 2: title for line, title in first.items()}  # moved with the code, same titles
    assert await _builds(client) == built + 1
    assert await _function_lenses(client, uri) == moved
    assert await _builds(client) == built + 1

    summary = await client.profile(uri=uri, backend="agent")
    assert summary.failure.kind == "ok", summary.failure
    await _function_lenses(client, uri)
    assert await _builds(client) > built + 1  # a new run's data: rebuilt


def _data(source: str) -> FileData:
    from heatlens.lsp.annotations import FunctionData

    fn = FunctionData(qualname="f", line=2, def_line=2, end_line=3, seconds=1.0, share=0.5, own_seconds=1.0)
    return FileData(path="/nowhere/c.py", run_id=1, total_cpu=2.0, lines={}, functions=[fn], sha256=None, source=source)


def test_cache_keys_on_version_data_and_map_not_deltas() -> None:
    source = "import x\ndef f():\n    pass\n"
    cache = LensCache()
    data, linemap = _data(source), LineMap.from_text(source)
    view = DocView(data, linemap)
    a = cache.lenses("u", 1, view)
    b = cache.lenses("u", 1, DocView(data, linemap))  # a new view object of the same data and map
    assert cache.builds == 1 and [l.range for l in a] == [l.range for l in b]
    cache.lenses("u", 2, view)  # a new version
    cache.lenses("u", 2, DocView(_data(source), linemap))  # a new run's data
    cache.lenses("u", 2, DocView(view.data, LineMap.from_text(source)))  # re-anchored
    assert cache.builds == 4
    cache.lenses("u", 2, DocView(view.data, linemap), {"f": "▼ −38% vs previous"})  # deltas: at resolve
    assert cache.builds == 5  # the map differs from the previous call's, not because of the deltas
    cache.lenses("u", 2, DocView(view.data, linemap), {"f": "▼ −10% vs previous"})
    assert cache.builds == 5
    cache.invalidate("u")
    cache.lenses("u", 2, DocView(view.data, linemap))
    assert cache.builds == 6


def test_encoded_answer_is_the_converters_json_and_is_encoded_once_per_entry() -> None:
    from heatlens.lsp.jsonrpc import heatlens_converter

    source = "import x\ndef f():\n    pass\ndef g():\n    pass\n"
    fns = [FunctionData(qualname=q, line=n, def_line=n, end_line=n + 1, seconds=1.0, share=0.5, own_seconds=1.0)
           for q, n in (("f", 2), ("g", 4))]
    data = FileData(path="/nowhere/c.py", run_id=1, total_cpu=2.0, lines={}, functions=fns, sha256=None, source=source)
    linemap = LineMap.from_text(source)
    linemap.apply(0, 0, 0, 0, "# moved\n")  # the lenses sit on the moved lines
    view, cache, unstructure = DocView(data, linemap), LensCache(), heatlens_converter().unstructure
    text = cache.encoded("u", 1, view, unstructure)
    assert json.loads("[" + text + "]") == unstructure(cache.lenses("u", 1, view))  # what pygls would send
    assert [lens["range"]["start"]["line"] for lens in json.loads("[" + text + "]")] == [0, 2, 4]
    assert cache.encoded("u", 1, view, unstructure) is text and cache.builds == 1  # cached, not re-encoded
    assert cache.encoded("u", 2, view, unstructure) is not text and cache.builds == 2  # a new version
    assert json.loads("[" + cache.encoded("u", 2, None, unstructure) + "]")[0]["command"]["command"] == PROFILE_FILE_COMMAND


def test_lens_rows_put_each_function_where_the_line_map_puts_its_line() -> None:
    source = "".join(f"def f{i}():\n    pass\n" for i in range(40))
    fns = [FunctionData(qualname=f"f{i}", line=2 * i + 1, def_line=2 * i + 1, end_line=2 * i + 2, seconds=1.0,
                        share=0.01, own_seconds=1.0) for i in (5, 0, 39, 12, 13, 20)]  # not in line order
    linemap = LineMap.from_text(source)
    linemap.apply(0, 0, 0, 0, "# a\n# b\n")  # insert above everything
    linemap.apply(28, 0, 30, 0, "")  # delete f13's lines (current 28-29)
    linemap.apply(40, 0, 40, 3, "xyz")  # edit a line of f19
    view = DocView(FileData(path="/nowhere/r.py", run_id=1, total_cpu=1.0, lines={}, functions=fns, source=source),
                   linemap)
    expected = [(view.current(fn.line), n) for n, fn in enumerate(fns) if view.current(fn.line) is not None]
    assert lens_rows(view) == expected and len(expected) == 5  # f13 deleted
    assert lens_rows(DocView(view.data)) == [(fn.line - 1, n) for n, fn in enumerate(fns)]


def test_encode_lenses_matches_the_converter_for_any_lens() -> None:
    from heatlens.lsp.jsonrpc import heatlens_converter

    unstructure = heatlens_converter().unstructure
    rng = lsp.Range(start=lsp.Position(line=3, character=0), end=lsp.Position(line=3, character=0))
    lenses = [lsp.CodeLens(range=rng, data=[0, 7]),
              lsp.CodeLens(range=rng, command=lsp.Command(title="▲ 3% CPU", command="", arguments=["é"])),
              lsp.CodeLens(range=lsp.Range(start=lsp.Position(line=1, character=4), end=lsp.Position(line=1, character=9)),
                           data=[1, 2])]
    text = encode_lenses(lenses, unstructure)
    assert text.isascii() and json.loads("[" + text + "]") == unstructure(lenses)
    assert encode_lenses([], unstructure) == ""


@pytest.mark.asyncio
async def test_an_edit_inside_a_function_stales_its_lens_like_the_hints(client: Any) -> None:
    hot = client.root / "hot.py"
    uri = client.open(hot)
    summary = await client.profile(uri=uri, backend="agent")
    assert summary.failure.kind == "ok", summary.failure
    def_hot, hot_line = client.line_of(hot, "def hot("), client.line_of(hot, "# HOT LINE")
    assert "stale" not in (await _function_lenses(client, uri))[def_hot]
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[lsp.TextDocumentContentChangePartial(
            range=lsp.Range(start=lsp.Position(line=hot_line, character=8), end=lsp.Position(line=hot_line, character=8)),
            text="t = 0; ")],
    ))
    hints = await client.text_document_inlay_hint_async(lsp.InlayHintParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri),
        range=lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=100, character=0))))
    assert any(h.position.line == hot_line and "(stale)" in str(h.label) for h in hints)
    lenses = await _function_lenses(client, uri)
    assert "· stale since your edit at " in lenses[def_hot]
    assert "stale" not in lenses[client.line_of(hot, "def cold(")]
