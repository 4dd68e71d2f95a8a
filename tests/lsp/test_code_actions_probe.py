"""Quick fixes through a real LSP client: the settings' thresholds decide which actions are offered, and
the argument probe: profile -> repeated-call diagnostic -> "Measure argument repetition" -> the diagnostic
carries the probe's evidence -> the lru_cache action -> applied -> the program's output is unchanged; an
impure function measured the same way gets no cache fix."""

from __future__ import annotations

import ast
import asyncio
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, List, Tuple

from lsprotocol import types as lsp

from heatlens.analysis.findings import Thresholds
from heatlens.lsp.annotations import DocView, FileData
from heatlens.lsp.features.code_actions import code_actions
from heatlens.lsp.features.probe_args import MEASURE_ARGS
from heatlens.mapping.linemap import LineMap
from heatlens.model import LineStats

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "antipatterns"

PROG = '''import time


def weight(level):
    total = 0
    for k in range(1, 400):
        total += (level * k) % 11
    return total


def stamp(level):
    total = 0
    for k in range(1, 400):
        total += (level * k) % 7
    return total + time.perf_counter_ns() % 2


def main():
    print(sum(weight(i % 30) for i in range(6000)))
    print(sum(stamp(i % 30) for i in range(5000)) > 0)


main()
'''

MEMBER = """def f(xs):
    allowed = ["1", "2", "3"]
    out = []
    for x in xs:
        if str(x) in allowed:
            out.append(x)
    return out
"""


def test_actions_follow_the_given_thresholds() -> None:
    # measured from outside: the membership line itself holds 80% of the run, on 2,000 samples
    lines = {5: LineStats(5, cpu_python=1.0, samples=2000), 6: LineStats(6, cpu_python=0.1, samples=200)}
    data = FileData(path="/nowhere/f.py", run_id=1, total_cpu=1.25, lines=lines, functions=[], source=MEMBER, parsed=True)
    view = DocView(data, LineMap.from_text(MEMBER))
    rng = lsp.Range(start=lsp.Position(line=4, character=0), end=lsp.Position(line=4, character=5))
    assert len(code_actions("file:///f.py", MEMBER, view, rng)) == 1
    assert len(code_actions("file:///f.py", MEMBER, view, rng, Thresholds(warning=0.9, information=0.75))) == 1
    assert code_actions("file:///f.py", MEMBER, view, rng, Thresholds(warning=0.9, information=0.85)) == []


def _run(path: Path) -> str:
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=True).stdout


def _apply(text: str, edit: lsp.TextEdit) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(lines[:edit.range.start.line]) + edit.new_text + "".join(lines[edit.range.end.line:])


async def _wait(client: Any, uri: str, ok: Callable[[List[lsp.Diagnostic]], bool], timeout: float = 120) -> List[lsp.Diagnostic]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        diags = client.diagnostics.get(uri) or []
        if ok(diags):
            return diags  # type: ignore[no-any-return]
        await asyncio.sleep(0.05)
    raise AssertionError(f"diagnostics never matched: {client.diagnostics.get(uri)}")


async def _actions(client: Any, uri: str, d: lsp.Diagnostic) -> List[lsp.CodeAction]:
    got = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=d.range, context=lsp.CodeActionContext(diagnostics=[d])))
    return [a for a in got or [] if isinstance(a, lsp.CodeAction)]


async def _measure(client: Any, uri: str, d: lsp.Diagnostic) -> Tuple[str, List[Any]]:
    """The "Measure argument repetition" code action's title and command arguments. lsprotocol's client-side
    hook structures every code action that carries a `command` as a bare Command (its `command` then holds
    the action's command object as text), so both shapes are read."""
    got = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=d.range, context=lsp.CodeActionContext(diagnostics=[d])))
    for a in got or []:
        if isinstance(a, lsp.CodeAction) and a.command and a.command.command == MEASURE_ARGS:
            return a.title, list(a.command.arguments or [])
        if isinstance(a, lsp.Command) and MEASURE_ARGS in a.command:
            cmd = ast.literal_eval(a.command)
            assert cmd["command"] == MEASURE_ARGS
            return a.title, list(cmd["arguments"])
    raise AssertionError(f"no {MEASURE_ARGS} action: {got}")


async def test_raising_the_threshold_removes_the_action(client: Any) -> None:
    path = client.root / "tag_filter.py"  # a list of strings: the set rewrite is proven safe, so it is offered
    uri = client.open(path)
    summary = await client.profile(uri=uri)
    assert summary.failure.kind == "ok", summary.failure
    line = client.line_of(path, "# the hot membership")
    diags = await _wait(client, uri, lambda ds: any(d.code == "list-membership" and d.range.start.line == line for d in ds))
    d = next(d for d in diags if d.code == "list-membership" and d.range.start.line == line)
    assert [a for a in await _actions(client, uri, d) if a.edit is not None]
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(
        settings={"heatlens": {"diagnostics": {"warningShare": 1.0, "infoShare": 1.0}}}))
    await _wait(client, uri, lambda ds: not ds)
    assert await _actions(client, uri, d) == []  # no diagnostic there, so no quick fix either


async def test_probe_evidence_then_cache_fix_keeps_output(client: Any) -> None:
    path = client.root / "scores.py"
    path.write_text(PROG)
    expected = _run(path)
    uri = client.open(path)
    summary = await client.profile(uri=uri)
    assert summary.failure.kind == "ok", summary.failure
    pure_line, impure_line = client.line_of(path, "def weight"), client.line_of(path, "def stamp")

    def repeated(ds: List[lsp.Diagnostic], line: int) -> List[lsp.Diagnostic]:
        return [d for d in ds if d.code == "repeated-call" and d.range.start.line == line]

    diags = await _wait(client, uri, lambda ds: bool(repeated(ds, pure_line) and repeated(ds, impure_line)))
    pure = repeated(diags, pure_line)[0]
    assert "measure argument repetition first" in pure.message
    actions = await _actions(client, uri, pure)
    assert not [a for a in actions if a.title.startswith("Cache")]  # no evidence yet: no cache fix
    title, arguments = await _measure(client, uri, pure)
    assert title == "Measure argument repetition of `weight` (runs the program once)"
    assert arguments == [uri, "weight", pure_line + 1]
    result = await asyncio.wait_for(client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=MEASURE_ARGS, arguments=arguments)), 300)
    assert result["ok"] and result["cacheOffered"] and result["calls"] == 6000 and result["distinct"] == 30, result

    evidence = "argument probe: 6,000 calls, 30 distinct arguments, same result each time"
    diags = await _wait(client, uri, lambda ds: any(evidence in d.message for d in repeated(ds, pure_line)))
    pure = repeated(diags, pure_line)[0]
    cache = [a for a in await _actions(client, uri, pure) if a.title.startswith("Cache `weight`")]
    assert cache and "assumes no side effects" in cache[0].title and "30 distinct arguments" in cache[0].title
    path.write_text(_apply(path.read_text(), cache[0].edit.changes[uri][0]))
    assert "@functools.lru_cache(maxsize=None)\ndef weight" in path.read_text()
    assert _run(path) == expected

    # the impure decoy: measured, and refused (the file back as the server has it: the probe runs it as saved)
    path.write_text(PROG)
    impure = repeated(diags, impure_line)[0]
    _, arguments = await _measure(client, uri, impure)
    result = await asyncio.wait_for(client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=MEASURE_ARGS, arguments=arguments)), 300)
    assert result["ok"] and not result["cacheOffered"] and "not pure" in result["reason"], result
    diags = await _wait(client, uri, lambda ds: any("different results" in d.message for d in repeated(ds, impure_line)))
    impure = repeated(diags, impure_line)[0]
    assert "(no automatic fix: it is not pure" in impure.message
    assert not [a for a in await _actions(client, uri, impure) if a.title.startswith("Cache")]
