""""Profile this test": lenses on test functions (pure), then end to end through a real LSP client: the
lens's command runs the test under the profiler in a subprocess, stores the run as `pytest::NODEID`, and
publishes heat whose hottest line is in the function the test exercises."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from heatlens.lsp import protocol as hp
from heatlens.lsp.features import pytest_lens

TIMEOUT = 180  # one profiled pytest run under heavy CPU contention

TEST_SRC = '''import math


def busy(n):
    s = 0
    for i in range(n):
        s = (s + i * i) % 1000003
    return s


def cold():
    return math.sqrt(4)


def test_busy():
    assert busy(5_000_000) >= 0


class TestMore:
    def test_cold(self):
        assert cold() == 2.0

    def helper(self):
        return 1
'''


def test_only_test_files_get_lenses_one_per_test(tmp_path: Path) -> None:
    path = tmp_path / "test_work.py"
    lenses = pytest_lens.profile_test_lenses("file:///x/test_work.py", str(path), TEST_SRC)
    assert [(l.range.start.line, l.command.arguments) for l in lenses] == [
        (14, ["file:///x/test_work.py", "test_busy"]), (19, ["file:///x/test_work.py", "TestMore::test_cold"])]
    assert {l.command.command for l in lenses} == {pytest_lens.PROFILE_TEST}
    assert pytest_lens.profile_test_lenses("file:///x/work.py", str(tmp_path / "work.py"), TEST_SRC) == []
    assert len(pytest_lens.profile_test_lenses("file:///x/w_test.py", str(tmp_path / "w_test.py"), TEST_SRC)) == 2
    assert pytest_lens.profile_test_lenses("file:///x/test_bad.py", str(tmp_path / "test_bad.py"), "def test_(:\n") == []


def test_node_ids_are_relative_to_the_root_that_holds_the_file(tmp_path: Path) -> None:
    path = str(tmp_path / "pkg" / "test_a.py")
    cwd = pytest_lens.pytest_cwd(path, [str(tmp_path / "elsewhere"), str(tmp_path)])
    assert cwd == str(tmp_path)
    assert pytest_lens.nodeid_for(path, "TestA::test_b", cwd) == "pkg/test_a.py::TestA::test_b"
    assert pytest_lens.nodeid_for(path, "pkg/test_a.py::test_c", cwd) == "pkg/test_a.py::test_c"
    assert pytest_lens.pytest_cwd(path, [str(tmp_path / "elsewhere")]) == str(tmp_path / "pkg")


async def test_profile_this_test_stores_a_run_hot_in_the_tested_function(client: Any) -> None:
    path = client.root / "test_work.py"
    path.write_text(TEST_SRC)
    uri = client.open(path)
    lenses = await client.lenses(uri)
    lens = next(l for l in lenses if l.command.title == "Profile this test" and l.command.arguments[1] == "test_busy")
    assert pytest_lens.PROFILE_TEST in client.init_result.capabilities.execute_command_provider.commands

    result = await asyncio.wait_for(client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=lens.command.command, arguments=lens.command.arguments)), TIMEOUT)
    assert result["failure"]["kind"] == "ok", result
    assert result["target"] == "pytest::test_work.py::test_busy"
    assert result["hotspots"] and result["hotspots"][0]["name"] == "busy", result["hotspots"]

    runs = await client.protocol.send_request_async(hp.RUNS, hp.RunsParams())
    assert [r.target for r in runs.runs][:1] == ["pytest::test_work.py::test_busy"]
    heat = await client.wait_heat(uri)
    hottest = max(heat.lines, key=lambda l: l.cpu_share)
    assert 4 <= hottest.line <= 7, hottest  # 0-based: inside busy(), not in the test function's own lines
    in_busy = sum(l.cpu_share for l in heat.lines if 4 <= l.line <= 7)
    assert in_busy > 0.1, heat.lines  # a real share of the whole run, pytest's start-up included


async def test_unsaved_test_file_is_not_run(client: Any) -> None:
    path = client.root / "test_work.py"
    path.write_text(TEST_SRC)
    uri = client.open(path)
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=TEST_SRC + "\n# edited\n")]))
    result = await asyncio.wait_for(client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=pytest_lens.PROFILE_TEST, arguments=[uri, "test_busy"])), TIMEOUT)
    assert result["failure"]["kind"] == "unsaved"
    assert any("save the file first" in m.message for m in client.messages)
