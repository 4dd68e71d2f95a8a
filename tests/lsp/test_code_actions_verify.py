""""Apply fix and verify" is a job of the server's: `heatlens/cancel` stops its run in progress within a
second (a real slow program through the real runner), nothing is applied, and the next job may start."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any, List

import pytest
from lsprotocol import types as lsp

from heatlens.lsp import protocol as hp
from heatlens.lsp.features.code_actions import APPLY_FIX_AND_VERIFY

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "antipatterns"
# Once slow.flag exists beside it, every run of the program first spins for a minute (the verification's
# runs, in copies of the folder, are slow; the profile that found the fix was not); each writes its pid to pids.txt.
SLOW_PREFIX = """import os, time
if os.path.exists("slow.flag"):
    open({pids!r}, "a").write(f"{{os.getpid()}}\\n")
    _end = time.time() + 60
    while time.time() < _end:
        sum(i * i for i in range(10000))
"""


@pytest.mark.asyncio
async def test_cancel_stops_apply_fix_and_verify_within_a_second(client: Any) -> None:
    path = client.root / "queue_proc.py"
    pids = client.root / "pids.txt"
    path.write_text(SLOW_PREFIX.format(pids=str(pids)) + (CORPUS / "queue_proc.py").read_text())
    uri = client.open(path)
    edits: List[lsp.ApplyWorkspaceEditParams] = []

    @client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def on_apply(ls: Any, params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        edits.append(params)
        return lsp.ApplyWorkspaceEditResult(applied=True)

    assert (await client.profile(uri=uri)).failure.kind == "ok"
    line = client.line_of(path, "job = queue.pop(0)")
    deadline = time.monotonic() + 60
    lens = None
    while lens is None:
        assert time.monotonic() < deadline, "no 'Apply fix and verify' lens"
        lens = next((x for x in await client.lenses(uri) if x.command and x.command.command == APPLY_FIX_AND_VERIFY
                     and x.range.start.line == line), None)
        await asyncio.sleep(0.1)
    (client.root / "slow.flag").write_text("")
    verify = asyncio.ensure_future(client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=APPLY_FIX_AND_VERIFY, arguments=lens.command.arguments)))
    while not (pids.exists() and pids.read_text().strip()):  # the first run is under way
        assert time.monotonic() < deadline and not verify.done()
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    cancelled_at = time.monotonic()
    reply = await client.protocol.send_request_async(hp.CANCEL, hp.CancelParams())
    assert reply.cancelled
    result = await asyncio.wait_for(verify, 10)
    took = time.monotonic() - cancelled_at
    assert result["applied"] is False and "cancelled" in result["reason"], result
    assert took < 1.0, f"the cancel took {took:.2f} s"
    assert not edits
    (client.root / "slow.flag").unlink()
    assert (await client.profile(uri=uri)).failure.kind == "ok"  # the job is over: a profile may run again
