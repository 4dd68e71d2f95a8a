"""`diagnostics.warningShare` / `diagnostics.infoShare`: parsed with the other settings, and grading the
anti-pattern diagnostics: pure grading first, then end to end on a real run of an anti-pattern program,
re-graded by workspace/didChangeConfiguration without another run."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any, Callable, List

from lsprotocol import types as lsp

from heatlens.analysis.findings import Thresholds
from heatlens.lsp.features.diagnostics import graded, thresholds_of
from heatlens.lsp.settings import parse_settings
from heatlens.model import Finding

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "antipatterns"


def _finding(share: float, **data: Any) -> Finding:
    return Finding(rule="r", message="m", file="f.py", line=1, end_line=1, severity="warning", cost_share=share, data=dict(data))


def test_thresholds_come_from_the_settings_and_bad_values_fall_back() -> None:
    s, problems = parse_settings({"diagnostics": {"warningShare": 0.3, "infoShare": 0.1}})
    assert problems == [] and thresholds_of(s) == Thresholds(warning=0.3, information=0.1)
    s, problems = parse_settings({"diagnostics": {"warningShare": 2, "infoShare": "x"}})
    assert thresholds_of(s) == Thresholds() and len(problems) == 2
    assert any("warningShare" in p for p in problems) and any("infoShare" in p for p in problems)
    s, problems = parse_settings({"diagnostics": {"warningShare": 0.01, "infoShare": 0.2}})
    assert thresholds_of(s) == Thresholds() and any("must not exceed" in p for p in problems)


def test_grading_by_cost_share() -> None:
    fs = [_finding(0.5), _finding(0.05), _finding(0.001), _finding(0.5, max_severity="information")]
    assert [f.severity for f in graded(fs, Thresholds())] == ["warning", "warning", "information"]
    assert [f.severity for f in graded(fs, Thresholds(warning=0.4, information=0.01))] == ["warning", "information", "information"]
    assert graded(fs, Thresholds(warning=1.0, information=0.9)) == []
    assert fs[1].severity == "warning"  # the run's findings are not edited in place


async def _wait_diags(client: Any, uri: str, ok: Callable[[List[lsp.Diagnostic]], bool], timeout: float = 60) -> List[lsp.Diagnostic]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        diags = [d for d in client.diagnostics.get(uri) or [] if d.code == "list-membership"]
        if ok(diags):
            return diags
        await asyncio.sleep(0.05)
    raise AssertionError(f"diagnostics for {uri} never matched: {client.diagnostics.get(uri)}")


def _config(client: Any, **diagnostics: Any) -> None:
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(
        settings={"heatlens": {"backend": "agent", "diagnostics": diagnostics}}))


async def test_raising_warning_share_turns_the_warning_into_information(client: Any) -> None:
    path = client.root / "dedupe.py"
    shutil.copy(CORPUS / "dedupe.py", path)
    _config(client)
    uri = client.open(path)
    summary = await client.profile(uri=uri)
    assert summary.failure.kind == "ok", summary.failure
    hot_line = client.line_of(path, "# expect: hot list-membership")
    W, I = lsp.DiagnosticSeverity.Warning, lsp.DiagnosticSeverity.Information

    def hot(diags: List[lsp.Diagnostic]) -> List[Any]:
        return [d.severity for d in diags if d.range.start.line == hot_line]

    await _wait_diags(client, uri, lambda ds: hot(ds) == [W])
    _config(client, warningShare=0.999)  # no finding costs 99.9% of the run
    await _wait_diags(client, uri, lambda ds: hot(ds) == [I] and W not in [d.severity for d in ds])
    _config(client, warningShare=1.0, infoShare=0.999)
    await _wait_diags(client, uri, lambda ds: ds == [])
    _config(client, warningShare=0.01, infoShare=0.5)  # invalid together: a message, and the defaults
    await _wait_diags(client, uri, lambda ds: hot(ds) == [W])
    assert any("must not exceed" in m.message and m.type == lsp.MessageType.Warning for m in client.messages)
