"""Typed settings: camelCase keys, per-key fallback to defaults with a message, and the live server path."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.uris import from_fs_path

from heatlens.lsp.settings import Settings, parse_settings, settings_to_wire

DOC = Path(__file__).parents[2] / "docs" / "protocol.md"


def test_defaults_match_the_protocol_doc() -> None:
    s, problems = parse_settings({})
    assert problems == [] and s == Settings()
    table = DOC.read_text().split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = {}
    for row in re.finditer(r"^\| `(\w+)` \| `([^`]*)` \|", table, re.M):
        documented[row.group(1)] = json.loads(row.group(2))
    wire = settings_to_wire(s)
    flat = {k: v for k, v in wire.items() if k != "diagnostics"}
    assert documented == flat  # every setting documented, with the parser's default
    assert wire["diagnostics"] == {"warningShare": 0.02, "infoShare": 0.005}


def test_valid_values_and_the_heatlens_section() -> None:
    s, problems = parse_settings({"heatlens": {"backend": "scalene", "timeout": 5, "hintThreshold": 0.1,
                                               "userCode": ["lib/**"], "diagnostics": {"infoShare": 0.01}}})
    assert problems == []
    assert (s.backend, s.timeout, s.hint_threshold, s.user_code, s.diagnostics.info_share) == ("scalene", 5.0, 0.1, ["lib/**"], 0.01)


def test_each_invalid_key_falls_back_alone() -> None:
    s, problems = parse_settings({"timeout": "soon", "heatThreshold": 3, "backend": "cprofile", "clientCommands": "yes", "typo": 1})
    assert s.backend == "cprofile"  # the valid key is kept
    assert (s.timeout, s.heat_threshold, s.client_commands) == (300.0, 0.01, False)
    assert len(problems) == 4
    assert any("heatlens.timeout" in p for p in problems) and any("heatlens.typo: unknown" in p for p in problems)


def test_not_an_object() -> None:
    s, problems = parse_settings(["x"])
    assert s == Settings() and problems


async def test_invalid_configuration_shows_a_message_and_keeps_serving(client: Any) -> None:
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={"heatlens": {"heatThreshold": "hot"}}))
    uri = client.open(client.root / "hot.py")
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))
    assert [l.command.title for l in lenses] == ["Profile this file"]
    assert any("heatThreshold" in m.message and m.type == lsp.MessageType.Warning for m in client.messages)


async def test_client_commands_option_hides_the_server_command(client: Any, spawn: Any) -> None:
    commands = client.init_result.capabilities.execute_command_provider
    assert commands is not None and "heatlens.profileFile" in commands.commands  # + the fix commands (code_actions)
    other = await spawn(client.root, {"clientCommands": True})
    hidden = other.init_result.capabilities.execute_command_provider
    assert hidden is None or "heatlens.profileFile" not in hidden.commands
    # the commands no client implements itself stay advertised (vscode-languageclient forwards them)
    assert hidden is not None and {"heatlens.applyFix", "heatlens.applyFixAndVerify", "heatlens.profileTest",
                                   "heatlens.measureComplexity"} <= set(hidden.commands)
    assert other.init_result.capabilities.code_lens_provider is not None


async def test_a_run_from_the_editor_samples_at_the_configured_interval(client: Any, spawn: Any) -> None:
    """`sampleInterval` reaches the run: py-spy samples at 1/interval and the stored run says so."""
    from heatlens.store import open_store

    editor = await spawn(client.root, {"sampleInterval": 0.005, "backend": "pyspy"})
    summary = await editor.profile(uri=from_fs_path(str(client.root / "hot.py")))
    assert summary.failure.kind == "ok", summary.failure.message
    with open_store(str(client.root)) as db:
        stored = db.load(summary.run_id)
    assert stored.meta.backend == "pyspy" and stored.meta.sample_interval == pytest.approx(0.005)
