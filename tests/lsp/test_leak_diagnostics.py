"""Memory-leak diagnostics end to end: the editor asks for a profile with the "full" memory setting, the
agent records live memory per line over time, and the leaking line of a real program gets a diagnostic."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any, List

import pytest
from lsprotocol import types as lsp

from heatlens.analysis.leaks import RULE

LEAKY = Path(__file__).resolve().parent.parent / "fixtures" / "deeper" / "leaky.py"


async def _leak_diags(client: Any, uri: str, timeout: float = 60) -> List[lsp.Diagnostic]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        found = [d for d in client.diagnostics.get(uri) or [] if d.code == RULE]
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no leak diagnostic for {uri}: {client.diagnostics.get(uri)}")


@pytest.mark.asyncio
async def test_full_memory_profile_publishes_the_leak(client: Any) -> None:
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(
        settings={"heatlens": {"memory": "full", "backend": "agent"}}))
    path = client.root / "leaky.py"
    shutil.copy(LEAKY, path)
    uri = client.open(path)
    summary = await client.profile(uri=uri)
    assert summary.failure.kind == "ok", summary.failure
    diags = await _leak_diags(client, uri)
    assert [d.range.start.line for d in diags] == [client.line_of(path, "# LEAK")]
    assert "keeps growing" in diags[0].message and diags[0].source == "heatlens"
