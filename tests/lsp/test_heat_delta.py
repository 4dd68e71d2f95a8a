"""heatlens/heatDelta: a client that replays the deltas holds exactly the heat a full recompute gives.

The pure part is a property test (random edit sequences, undos included); the LSP part drives the real
daemon with a client that opts in and checks its replica against the full heat the server sends later.
"""

from __future__ import annotations

import asyncio
from typing import Any, List

from hypothesis import given, settings, strategies as st
from lsprotocol import types as lsp
import pytest

from heatlens.lsp import protocol as hp
from heatlens.lsp.annotations import Annotations, FileData, path_key
from heatlens.lsp.features.heat import apply_delta, delta_params, edit_of, heat_lines, touched_lines
from heatlens.lsp.protocol import HeatEdit
from heatlens.mapping.positions import split_lines
from heatlens.model import LineStats

N_LINES = 24
SOURCE = "".join(f"line_{i} = {i}\n" for i in range(N_LINES))
PATH = "/nowhere/delta.py"


def _data() -> FileData:
    # every 3rd line cold (below the threshold), every 5th allocating (heat by memory alone)
    lines = {n: LineStats(line=n, cpu_python=0.0 if n % 3 == 0 else n / 100.0, samples=10,
                          mem_peak_mb=2.0 if n % 5 == 0 else 0.0) for n in range(1, N_LINES + 1)}
    return FileData(path=PATH, run_id=1, total_cpu=sum(s.cpu for s in lines.values()), lines=lines, functions=[],
                    sha256=None, source=SOURCE)


def _apply_text(text: str, sl: int, sc: int, el: int, ec: int, new: str) -> str:
    lines = split_lines(text)
    starts, pos = [], 0
    for ln in lines:
        starts.append(pos)
        pos += len(ln) + 1
    a = starts[sl] + min(sc, len(lines[sl]))
    b = starts[el] + min(ec, len(lines[el]))
    return text[:a] + new + text[b:]


# one change: (start line, start char, end line offset, end char, text); positions are clamped to the text
_change = st.tuples(st.integers(0, 40), st.integers(0, 12), st.integers(0, 3), st.integers(0, 12),
                    st.sampled_from(["", "x", "# c\n", "\n", "a\nb\n", "zz\n\n\n", "q = 1"]) | st.text("ab\n", max_size=6))
_batch = st.one_of(st.lists(_change, min_size=1, max_size=3).map(lambda cs: ("edit", cs)),
                   st.integers(0, 40).map(lambda n: ("undo", n)))


@settings(max_examples=150, deadline=None)
@given(st.lists(_batch, min_size=1, max_size=12), st.sampled_from([0.0, 0.05]))
def test_replayed_deltas_equal_the_full_heat(batches: List[Any], threshold: float) -> None:
    ann = Annotations()
    ann.add_run([_data()])
    key = path_key(PATH)
    text = SOURCE
    ann.attach(key, text)
    held = heat_lines(ann.view(key), threshold)
    for kind, arg in batches:
        edits: List[HeatEdit] = []
        changes = arg if kind == "edit" else []
        if kind == "undo":  # put a profiled line's text back at a current line: revalidate un-stales it
            n = arg % len(split_lines(text))
            old = ann.view(key).old(n)
            changes = [(n, 0, 0, 10 ** 6, SOURCE.splitlines()[(old if old is not None else arg) % N_LINES - 1])]
        for sl, sc, dl, ec, new in changes:
            count = len(split_lines(text))
            sl = min(sl, count - 1)
            el = min(sl + dl, count - 1)
            if el == sl:
                sc, ec = min(sc, ec), max(sc, ec)
            edit = edit_of(sl, el, new, ann.line_count(key) or 0)
            assert edit is not None
            edits.append(edit)
            ann.edit(key, sl, sc, el, ec, new)
            text = _apply_text(text, sl, sc, el, ec, new)
        now = split_lines(text)
        fresh = ann.revalidate(key, lambda n: now[n] if 0 <= n < len(now) else None)
        view = ann.view(key)
        delta = delta_params("file:///d.py", None, view, edits, fresh, threshold)
        held = apply_delta(held, delta)
        assert held == heat_lines(view, threshold)
        # a delta carries the touched lines, never the whole file
        assert {h.line for h in delta.lines} <= touched_lines(edits) | set(fresh)


def test_touched_lines_follow_later_edits() -> None:
    edits = [HeatEdit(line=2, removed=1, inserted=3), HeatEdit(line=0, removed=1, inserted=2)]
    assert touched_lines(edits) == {0, 1, 3, 4, 5}
    assert touched_lines([HeatEdit(line=4, removed=3, inserted=1), HeatEdit(line=4, removed=1, inserted=1)]) == {4}


def test_edits_a_replica_cannot_follow_are_refused() -> None:
    assert edit_of(3, 2, "", 10) is None  # reversed
    assert edit_of(0, 10, "", 10) is None  # past the last line
    assert edit_of(0, 0, "a\nb", 10) == HeatEdit(line=0, removed=1, inserted=2)


# ---- through the real daemon ---------------------------------------------------------------------------


def _delta_capabilities() -> lsp.ClientCapabilities:
    return lsp.ClientCapabilities(window=lsp.WindowClientCapabilities(work_done_progress=True),
                                  experimental={hp.HEAT_DELTAS_CAPABILITY: True})


def _change(uri: str, version: int, line: int, end_line: int, end_char: int, text: str) -> lsp.DidChangeTextDocumentParams:
    return lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[lsp.TextDocumentContentChangePartial(
            range=lsp.Range(start=lsp.Position(line=line, character=0), end=lsp.Position(line=end_line, character=end_char)),
            text=text)],
    )


async def _until(predicate: Any, timeout: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.mark.asyncio
async def test_client_replica_of_deltas_matches_the_servers_full_heat(client: Any, spawn: Any) -> None:
    root = client.root
    c = await spawn(root, {"heatThreshold": 0.0}, _delta_capabilities())
    replica: List[hp.HeatLine] = []
    deltas: List[hp.HeatDeltaParams] = []

    @c.feature(hp.HEAT_DELTA)
    def on_delta(ls: Any, params: hp.HeatDeltaParams) -> None:
        deltas.append(params)

    hot = root / "hot.py"
    uri = c.open(hot)
    summary = await c.profile(uri=uri, backend="agent")
    assert summary.failure.kind == "ok", summary.failure
    await _until(lambda: c.heat_for(uri) is not None and c.heat_for(uri).lines)
    replica = list(c.heat_for(uri).lines)
    hot_line = c.line_of(hot, "# HOT LINE")
    assert any(h.line == hot_line and not h.stale for h in replica)
    full_before = len(c.heat)

    # insert two lines at the top, edit the hot line, then undo that edit by typing the text back
    text = hot.read_text().splitlines()
    c.text_document_did_change(_change(uri, 2, 0, 0, 0, "# one\n# two\n"))
    c.text_document_did_change(_change(uri, 3, hot_line + 2, hot_line + 2, len(text[hot_line]), text[hot_line] + "  # edited"))
    await _until(lambda: len(deltas) >= 2)
    for d in deltas:
        replica = apply_delta(replica, d)
    assert len(c.heat) == full_before  # no full re-send on an edit
    assert all(len(d.lines) <= len(touched_lines(d.edits)) for d in deltas)  # the touched lines only,
    assert len(replica) > max(len(d.lines) for d in deltas)  # not the whole file's heat
    moved = [h for h in replica if h.line == hot_line + 2]
    assert moved and moved[0].stale  # the hot line moved down by two and is dimmed as stale

    c.text_document_did_change(_change(uri, 4, hot_line + 2, hot_line + 2, len(text[hot_line]) + 10, text[hot_line]))
    await _until(lambda: len(deltas) >= 3)
    replica = apply_delta(replica, deltas[2])
    assert [h.stale for h in replica if h.line == hot_line + 2] == [False]  # undo: fresh again

    # a settings change makes the server send the full heat: it must equal the replica
    c.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={"heatlens": {"heatThreshold": 0.0}}))
    await _until(lambda: len(c.heat) > full_before)
    assert c.heat[-1].lines == replica
    counters = await c.protocol.send_request_async("heatlens/debugCounters", None)
    assert counters.heatDelta == 3 and counters.heatFull >= 2
