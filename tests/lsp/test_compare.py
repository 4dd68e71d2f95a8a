"""`heatlens/compare` and `heatlens/history`: real runs of a program whose second run does 5x the work in
one function, so the sign of that function's change is known; the other function's work is unchanged."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, List

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from heatlens.analysis.regression import IMPROVEMENT, NOISE, REGRESSION, judge, FunctionDelta
from heatlens.lsp import protocol as hp
from heatlens.lsp.compare import lens_suffix, percent
from heatlens.lsp.features.format import seconds

from .conftest import TIMEOUT, HeatClient

# `work` does k times the loop of `steady`; the run's first argument is k.
GROW = """import sys


def work(n):
    s = 0
    for i in range(n):
        s = (s + i * i) % 1000003
    return s


def steady(n):
    s = 0
    for i in range(n):
        s = (s + i * i) % 1000003
    return s


def main():
    k = int(sys.argv[1])
    work(2000000 * k)
    steady(2000000)


main()
"""


def _delta(a: float, b: float, new: bool = False) -> FunctionDelta:
    ch = judge([a], [b])
    return FunctionDelta("/p.py", "f", None if new else 3, 3, ch, ch, judge([0.0], [0.0]), 0.5, 0.5)


def test_lens_suffix_reads_the_sign_and_the_verdict() -> None:
    assert lens_suffix(_delta(1.0, 0.62), "previous") == "▼ \u221238% vs previous"
    assert lens_suffix(_delta(1.0, 3.12), "#4") == "▲ +212% vs #4"
    assert lens_suffix(_delta(1.0, 1.03), "previous") == "≈ +3.0% vs previous"  # one run each: noise
    assert lens_suffix(_delta(0.0, 1.0, new=True), "previous") == "new vs previous"
    assert percent(-0.045) == "\u22124.5%"
    assert judge([1.0], [0.62]).verdict == IMPROVEMENT and judge([1.0], [1.03]).verdict == NOISE


async def _lenses(client: HeatClient, uri: str) -> List[lsp.CodeLens]:
    return await client.lenses(uri)


def _title(lenses: List[lsp.CodeLens], line: int) -> str:
    found = [l.command.title for l in lenses if l.range.start.line == line and l.command]
    assert found, f"no lens on line {line}: {[(l.range.start.line, l.command.title if l.command else '') for l in lenses]}"
    return found[0]


async def _hover(client: HeatClient, uri: str, line: int) -> str:
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=line, character=4)))
    assert hover is not None
    assert isinstance(hover.contents, lsp.MarkupContent)
    return hover.contents.value


async def _request(client: HeatClient, method: str, params: Any) -> Any:
    return await asyncio.wait_for(client.protocol.send_request_async(method, params), TIMEOUT)


@pytest.mark.asyncio
async def test_compare_with_previous_shows_deltas_until_clear(client: HeatClient) -> None:
    path: Path = client.root / "grow.py"
    path.write_text(GROW)
    uri = client.open(path)
    work_line, steady_line = client.line_of(path, "def work"), client.line_of(path, "def steady")

    with pytest.raises(JsonRpcException, match="no earlier run|no runs"):
        await _request(client, hp.COMPARE, hp.CompareParams())  # nothing stored yet

    first = await client.profile(uri=uri, args=["1"])
    second = await client.profile(uri=uri, args=["5"])
    assert first.failure.kind == "ok" and second.failure.kind == "ok", (first.failure, second.failure)
    assert (await _lenses(client, uri)) and "vs previous" not in _title(await _lenses(client, uri), work_line)

    result = await _request(client, hp.COMPARE, hp.CompareParams(baseline="previous"))
    assert isinstance(result, hp.CompareResult)
    assert (result.run_id, result.baseline_run_id, result.label) == (second.run_id, first.run_id, "previous")
    by_name = {f.qualname: f for f in result.functions}
    work = by_name["work"]
    assert work.time.change is not None and work.time.change > 1.0  # 5x the loop: far more than +100%
    assert work.time.verdict == REGRESSION
    assert result.wall.after > result.wall.before and result.speedup is not None and result.speedup < 1.0

    lenses = await _lenses(client, uri)
    title = _title(lenses, work_line)
    assert title.startswith("▲ ") and "CPU" in title  # the run's own numbers stay first
    assert " · ▲ +" in title and title.endswith("vs previous"), title
    assert "vs previous" in _title(lenses, steady_line)  # unchanged work: whatever its sign, it is compared

    text = await _hover(client, uri, work_line)
    assert "vs previous" in text and f"#{first.run_id} → #{second.run_id}" in text
    assert seconds(work.time.before) in text and seconds(work.time.after) in text, text
    assert "regression" in text

    await _request(client, hp.CLEAR, hp.ClearParams())
    client.open(path, version=2)
    assert all("vs previous" not in (l.command.title if l.command else "") for l in await _lenses(client, uri))

    # compare again, then a new run of the file replaces its data: its deltas are gone
    await _request(client, hp.COMPARE, hp.CompareParams())
    assert "vs previous" in _title(await _lenses(client, uri), work_line)
    third = await client.profile(uri=uri, args=["1"])
    assert third.failure.kind == "ok"
    assert all("vs previous" not in (l.command.title if l.command else "") for l in await _lenses(client, uri))

    # a named baseline: the first run, labelled by its id
    result = await _request(client, hp.COMPARE, hp.CompareParams(baseline=str(first.run_id)))
    assert (result.run_id, result.baseline_run_id, result.label) == (third.run_id, first.run_id, f"#{first.run_id}")
    assert f"vs #{first.run_id}" in _title(await _lenses(client, uri), work_line)

    history = await _request(client, hp.HISTORY, hp.HistoryParams(limit=10))
    assert isinstance(history, hp.HistoryResult)
    assert [r.run_id for r in history.runs] == [third.run_id, second.run_id, first.run_id]
    for run in history.runs:
        assert run.duration > 0 and run.failure == "ok" and run.target.endswith("grow.py")
        assert run.peak_mem_mb is not None and run.peak_mem_mb > 1.0
    assert history.runs[1].cpu > history.runs[0].cpu  # the 5x run used more CPU than the 1x runs
    assert [r.run_id for r in (await _request(client, hp.HISTORY, hp.HistoryParams(limit=1))).runs] == [third.run_id]


def _stored(store: Any, target: str, work: float) -> int:
    from heatlens.model import FunctionStats, Profile, RunMeta

    prof = Profile(meta=RunMeta(target=target, wall_time=work + 0.1, cpu_time=work), functions=[
        FunctionStats(file="/w/p.py", qualname="work", line=3, self_time=work, total_time=work)])
    return int(store.save(prof))


def test_resolve_pair_and_deltas_follow_the_compared_run(tmp_path: Path) -> None:
    from heatlens.analysis.regression import compare
    from heatlens.lsp.annotations import DocView, FileData
    from heatlens.lsp.compare import CompareState, resolve_pair
    from heatlens.store import StoreError, open_store

    with open_store(str(tmp_path)) as store:
        a1 = _stored(store, "-m a", 1.0)
        b1 = _stored(store, "-m b", 1.0)
        a2 = _stored(store, "-m a", 0.5)
        b2 = _stored(store, "-m b", 2.0)
        assert resolve_pair(store, None, None) == (b2, b1)  # the latest run and its target's previous one
        assert resolve_pair(store, "previous", a2) == (a2, a1)  # a named run: its own target's previous
        assert resolve_pair(store, f"#{a1}", None) == (b2, a1)
        with pytest.raises(StoreError, match="no run of -m b before"):
            resolve_pair(store, "previous", b1)
        cmp = compare([store.load(a1)], [store.load(a2)])

    state = CompareState.build(cmp, a2, a1, "previous")
    data = FileData(path="/w/p.py", run_id=a2, total_cpu=0.5, lines={}, functions=[])
    assert state.lens_suffixes(DocView(data)) == {"work": "▼ \u221250% vs previous"}
    assert "| CPU (total) | 1.00 s | 500.0 ms |" in state.hover_extra(DocView(data))["work"]
    assert state.lens_suffixes(DocView(FileData(path="/w/p.py", run_id=b2, total_cpu=1, lines={}, functions=[]))) == {}
    assert state.lens_suffixes(None) == {}
