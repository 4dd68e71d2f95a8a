"""End to end through pytest-lsp: one real profile of a ~75/25 program, then everything a client sees."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List

import pytest
import pytest_asyncio
from lsprotocol import types as lsp

from heatlens.lsp import protocol as hp
from heatlens.store import open_store

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]

TOKEN = "profile-token-1"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def profiled(module_client: Any) -> Dict[str, Any]:
    client = module_client
    hot = client.root / "hot.py"
    uri = client.open(hot)
    client.progress_reports.setdefault(TOKEN, [])  # the client's own token
    summary = await client.profile(uri=uri, work_done_token=TOKEN)
    assert summary.failure.kind == "ok", summary.failure.message
    await client.wait_heat(uri)
    return {"client": client, "uri": uri, "path": hot, "summary": summary}


def _lenses(client: Any, uri: str) -> Any:
    return client.lenses(uri)


def _share(title: str) -> float:
    m = re.match(r"▲ ([\d.]+)% CPU", title)
    assert m, title
    return float(m.group(1)) / 100


async def test_progress_begin_report_end(profiled: Dict[str, Any]) -> None:
    reports = profiled["client"].progress_reports[TOKEN]
    kinds = [r.kind for r in reports]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    messages = [r.message or "" for r in reports if r.kind == "report"]
    phases = [m.split(" · ")[0] for m in messages]
    assert "running" in phases and "mapping" in phases
    assert all(re.fullmatch(r"\w+ · \d+\.\d s", m) for m in messages), messages


async def test_summary_names_the_hot_function(profiled: Dict[str, Any]) -> None:
    summary: hp.ProfileSummary = profiled["summary"]
    assert isinstance(summary.run_id, int)
    assert summary.hotspots, summary
    top = summary.hotspots[0]
    assert top.name == "hot" and top.uri == profiled["uri"]
    assert top.line == profiled["client"].line_of(profiled["path"], "# HOT LINE")


async def test_lenses_name_the_hot_function_with_its_share(profiled: Dict[str, Any]) -> None:
    client, uri, path = profiled["client"], profiled["uri"], profiled["path"]
    lenses = await _lenses(client, uri)
    first = [l for l in lenses if l.range.start.line == 0]
    assert first and first[0].command.title == "Profile this file"
    assert first[0].command.command == hp.PROFILE_FILE_COMMAND and list(first[0].command.arguments) == [uri]
    by_line = {l.range.start.line: l.command.title for l in lenses if l.command.title.startswith("▲")}
    hot_title = by_line[client.line_of(path, "def hot")]
    cold_title = by_line[client.line_of(path, "def cold")]
    ratio = _share(hot_title) / (_share(hot_title) + _share(cold_title))
    assert 0.62 <= ratio <= 0.88, (hot_title, cold_title)  # ground truth 0.75
    assert re.search(r"CPU \([\d.]+ (s|ms)\)", hot_title)


async def test_hover_numbers_equal_the_stored_profile(profiled: Dict[str, Any]) -> None:
    client, uri, path = profiled["client"], profiled["uri"], profiled["path"]
    line = client.line_of(path, "# HOT LINE")
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=line, character=8)))
    assert hover is not None and hover.contents.kind == lsp.MarkupKind.Markdown
    text = hover.contents.value
    with open_store(str(client.root)) as store:
        prof = store.load(profiled["summary"].run_id)
    fp = [f for f in prof.files if Path(f.path).resolve() == path.resolve()][0]
    stats = fp.by_line()[line + 1]
    share = stats.cpu / prof.total_cpu
    assert f"{share * 100:.1f}% of run" in text
    assert f"| samples | {stats.samples:,} " in text
    assert "python / native / system" in text
    fn_hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=client.line_of(path, "def hot"), character=5)))
    assert fn_hover is not None and "`hot`" in fn_hover.contents.value and "CPU (total)" in fn_hover.contents.value


async def test_inlay_hints_only_in_the_requested_range(profiled: Dict[str, Any]) -> None:
    client, uri, path = profiled["client"], profiled["uri"], profiled["path"]
    hot_line = client.line_of(path, "# HOT LINE")
    cold_line = client.line_of(path, "# COLD LINE")
    cold_def = client.line_of(path, "def cold")

    async def hints(first: int, last: int) -> List[lsp.InlayHint]:
        return await client.text_document_inlay_hint_async(lsp.InlayHintParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=lsp.Range(start=lsp.Position(line=first, character=0), end=lsp.Position(line=last, character=0))))

    in_cold = [h.position.line for h in await hints(cold_def, cold_line + 2)]
    assert cold_line in in_cold and all(cold_def <= l <= cold_line + 2 for l in in_cold), in_cold
    everything = await hints(0, 200)
    lines = {h.position.line: h for h in everything}
    assert hot_line in lines and cold_line in lines
    text = path.read_text().splitlines()[hot_line]
    assert lines[hot_line].position.character == len(text)  # ASCII: UTF-16 units == characters
    assert str(lines[hot_line].label).startswith("▲ ")


async def test_heat_hot_line_hotter_than_cold(profiled: Dict[str, Any]) -> None:
    client, uri, path = profiled["client"], profiled["uri"], profiled["path"]
    heat = client.heat_for(uri)
    assert heat is not None and heat.version == 1
    by_line = {h.line: h for h in heat.lines}
    hot = by_line[client.line_of(path, "# HOT LINE")]
    cold = by_line[client.line_of(path, "# COLD LINE")]
    assert hot.cpu_share > cold.cpu_share > 0
    assert 0.62 <= hot.cpu_share / (hot.cpu_share + cold.cpu_share) <= 0.88
    assert not hot.stale


async def test_client_asked_to_refresh(profiled: Dict[str, Any]) -> None:
    assert profiled["client"].refreshes["codeLens"] >= 1
    assert profiled["client"].refreshes["inlayHint"] >= 1


async def test_a_module_the_script_imported_is_annotated_when_opened(profiled: Dict[str, Any]) -> None:
    client = profiled["client"]
    helper = client.root / "helper_mod.py"
    seen = len(client.heat)
    uri = client.open(helper)
    heat = await client.wait_heat(uri, after=seen)
    assert client.line_of(helper, "# HELPER LINE") in {h.line for h in heat.lines}
    lenses = await _lenses(client, uri)
    assert any(l.range.start.line == client.line_of(helper, "def work") and l.command.title.startswith("▲") for l in lenses)


async def test_runs_report_and_flamegraph(profiled: Dict[str, Any]) -> None:
    client, run_id = profiled["client"], profiled["summary"].run_id
    runs = await client.protocol.send_request_async(hp.RUNS, hp.RunsParams(limit=5))
    assert runs.runs[0].run_id == run_id and runs.runs[0].failure == "ok"
    report = await client.protocol.send_request_async(hp.REPORT, hp.ReportParams(run_id=run_id))
    assert "hot" in report.markdown
    flame = await client.protocol.send_request_async(hp.FLAMEGRAPH, hp.FlamegraphParams())
    assert "speedscope" in flame.speedscope.get("$schema", "") and flame.speedscope["profiles"]


async def test_state_notifications(profiled: Dict[str, Any]) -> None:
    states = profiled["client"].states
    assert [s.state for s in states[:2]] == ["profiling", "idle"]
    assert states[0].target == str(profiled["path"])
    assert states[1].last_run is not None and states[1].last_run.run_id == profiled["summary"].run_id
