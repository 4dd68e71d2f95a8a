"""Quick fixes: pure pieces, then end to end through a real LSP client: profile -> diagnostic on the right
range -> code action -> apply the WorkspaceEdit -> the program's output is unchanged; and "Apply fix and
verify" through workspace/executeCommand."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, List

import pytest
from lsprotocol import types as lsp

from heatlens.lsp.annotations import DocView, FileData
from heatlens.lsp.features.code_actions import APPLY_FIX, APPLY_FIX_AND_VERIFY, code_actions, fix_lenses, minimal_edit
from heatlens.mapping.linemap import LineMap
from heatlens.model import LineStats

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "antipatterns"

SRC = """def f(xs):
    allowed = ["1", "2", "3"]
    out = []
    for x in xs:
        if str(x) in allowed:
            out.append(x)
    return out
"""


def _apply(text: str, edit: lsp.TextEdit) -> str:
    lines = text.splitlines(keepends=True)
    s, e = edit.range.start, edit.range.end
    assert s.character == 0 and e.character == 0
    return "".join(lines[:s.line]) + edit.new_text + "".join(lines[e.line:])


def test_minimal_edit_roundtrip() -> None:
    old = "a\nb\nc\nd\n"
    new = "a\nB\nB2\nc\nd\n"
    edit = minimal_edit(old, new)
    assert (edit.range.start.line, edit.range.end.line, edit.new_text) == (1, 2, "B\nB2\n")
    assert _apply(old, edit) == new


def _view() -> DocView:
    lines = {5: LineStats(5, cpu_python=0.8, samples=200), 6: LineStats(6, cpu_python=0.2, samples=50)}
    data = FileData(path="/nowhere/f.py", run_id=1, total_cpu=1.0, lines=lines, functions=[], source=SRC, parsed=True)
    return DocView(data, LineMap.from_text(SRC))


def test_code_action_is_a_quickfix_edit() -> None:
    rng = lsp.Range(start=lsp.Position(line=4, character=0), end=lsp.Position(line=4, character=5))
    actions = code_actions("file:///f.py", SRC, _view(), rng)
    assert len(actions) == 1 and actions[0].kind == lsp.CodeActionKind.QuickFix
    assert actions[0].title == "Test membership in a set built once from `allowed`"  # proven: str values
    fixed = _apply(SRC, actions[0].edit.changes["file:///f.py"][0])
    ns: dict = {}
    exec(fixed, ns)
    assert "allowed_set = set(allowed)" in fixed and ns["f"]([0, 1, 2, 5, 3]) == [1, 2, 3]
    elsewhere = lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=1, character=0))
    assert code_actions("file:///f.py", SRC, _view(), elsewhere) == []


def test_lenses_offer_apply_and_verify() -> None:
    lenses = fix_lenses("file:///f.py", _view())
    assert [lens.command.command for lens in lenses] == [APPLY_FIX, APPLY_FIX_AND_VERIFY]
    assert lenses[0].range.start.line == 4 and lenses[0].command.arguments[1] == "list-membership"


def test_lens_and_action_ranges_are_utf16_and_the_fix_still_applies_after_an_emoji() -> None:
    src = SRC.replace("        if str(x) in allowed:", '        if x != "🔥" and str(x) in allowed:')
    lines = {5: LineStats(5, cpu_python=0.8, samples=200), 6: LineStats(6, cpu_python=0.2, samples=50)}
    view = DocView(FileData(path="/nowhere/f.py", run_id=1, total_cpu=1.0, lines=lines, functions=[], source=src,
                            parsed=True), LineMap.from_text(src))
    line = src.splitlines()[4]
    code_points, utf16 = line.index("str(x)"), line.index("str(x)") + 1  # 🔥: one code point, two UTF-16 units
    lens = fix_lenses("file:///f.py", view)[0]
    assert lens.range.start.character == utf16
    assert lens.command.arguments[3] == code_points  # the fix command's column is LibCST's (code points)
    rng = lsp.Range(start=lsp.Position(line=4, character=0), end=lsp.Position(line=4, character=5))
    [action] = code_actions("file:///f.py", src, view, rng)
    assert action.diagnostics[0].range.start.character == utf16
    fixed = _apply(src, action.edit.changes["file:///f.py"][0])
    ns: dict = {}
    exec(fixed, ns)
    assert "allowed_set = set(allowed)" in fixed and ns["f"]([0, 1, 2, 5, 3]) == [1, 2, 3]


def _run(path: Path) -> str:
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=True).stdout


async def _wait_diags(client: Any, uri: str, timeout: float = 60) -> List[lsp.Diagnostic]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        found = client.diagnostics.get(uri)
        if found:
            return found  # type: ignore[no-any-return]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no diagnostics for {uri}")


@pytest.mark.asyncio
async def test_profile_diagnose_then_the_join_fix_only_through_verification(client: Any) -> None:
    """The headline fix, on records whose key type static analysis cannot prove hashable: no plain quick fix,
    only "Apply fix and verify", whose runs before and after are the evidence; the output stays the same."""
    path = client.root / "join_records.py"
    shutil.copy(CORPUS / "join_records.py", path)
    expected = _run(path)
    uri = client.open(path)
    edits: List[lsp.ApplyWorkspaceEditParams] = []

    @client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def on_apply(ls: Any, params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        edits.append(params)
        return lsp.ApplyWorkspaceEditResult(applied=True)

    summary = await client.profile(uri=uri)
    assert summary.failure.kind == "ok"
    diags = await _wait_diags(client, uri)
    line = client.line_of(path, "for o in orders:  # expect: hot nested-loop-join fix")
    hit = [d for d in diags if d.code == "nested-loop-join" and d.range.start.line == line]
    assert hit, [(d.code, d.range.start.line) for d in diags]
    d = hit[0]
    assert d.range.start.character == 8 and "% of run time" in d.message and "Apply fix and verify" in d.message
    cold = client.line_of(path, "# expect: cold nested-loop-join")
    assert not [x for x in diags if x.range.start.line == cold]
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=d.range,
        context=lsp.CodeActionContext(diagnostics=[d])))
    assert not [a for a in actions or [] if isinstance(a, lsp.CodeAction) and a.edit is not None]  # no unverified edit
    lenses = [lens for lens in await client.lenses(uri) if lens.range.start.line == line and lens.command]
    assert [lens.command.command for lens in lenses if lens.command.command in (APPLY_FIX, APPLY_FIX_AND_VERIFY)] \
        == [APPLY_FIX_AND_VERIFY]
    plain = await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=APPLY_FIX, arguments=lenses[0].command.arguments))
    assert plain["applied"] is False and "verify" in plain["reason"] and not edits  # the plain command refuses too
    result = await asyncio.wait_for(client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=APPLY_FIX_AND_VERIFY, arguments=lenses[0].command.arguments)), 300)
    assert result["applied"] is True, result
    fixed = _apply(path.read_text(), edits[0].edit.changes[uri][0])
    assert "orders_by_customer_id" in fixed
    path.write_text(fixed)
    assert _run(path) == expected


@pytest.mark.asyncio
async def test_apply_fix_and_verify_command(client: Any) -> None:
    path = client.root / "queue_proc.py"
    shutil.copy(CORPUS / "queue_proc.py", path)
    uri = client.open(path)
    edits: List[lsp.ApplyWorkspaceEditParams] = []

    @client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def on_apply(ls: Any, params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        edits.append(params)
        return lsp.ApplyWorkspaceEditResult(applied=True)

    summary = await client.profile(uri=uri)
    assert summary.failure.kind == "ok"
    await _wait_diags(client, uri)
    lenses = await client.lenses(uri)
    verify = [lens for lens in lenses if lens.command and lens.command.command == APPLY_FIX_AND_VERIFY]
    assert verify
    line = client.line_of(path, "job = queue.pop(0)")
    lens = next(lens for lens in verify if lens.range.start.line == line)
    result = await asyncio.wait_for(client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=APPLY_FIX_AND_VERIFY, arguments=lens.command.arguments)), 300)
    assert result["applied"] is True, result
    assert result["speedup"] > 0 and "same exit status and output" in result["reason"]
    assert len(edits) == 1 and "popleft" in edits[0].edit.changes[uri][0].new_text
    assert "popleft" not in path.read_text()  # the server edits through the client, never the file
