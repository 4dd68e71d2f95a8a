""""Measure argument repetition" is a job of the server's: `heatlens/cancel` stops the probe's run within a
second (a real slow program under the real probe), and the job slot is free again afterwards."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from lsprotocol import types as lsp

from heatlens.lsp import protocol as hp
from heatlens.lsp.features.probe_args import MEASURE_ARGS

PROGRAM = """import os, time


def sq(n):
    return n * n


open({pids!r}, "a").write(f"{{os.getpid()}}\\n")
_end = time.time() + 60
while time.time() < _end:  # busy for a minute before the calls the probe watches
    sum(i * i for i in range(10000))
print(sum(sq(i % 10) for i in range(1000)))
"""


@pytest.mark.asyncio
async def test_cancel_stops_the_argument_probe_within_a_second(client: Any) -> None:
    path, pids = client.root / "probed.py", client.root / "pids.txt"
    path.write_text(PROGRAM.format(pids=str(pids)))
    uri = client.open(path)
    probe = asyncio.ensure_future(client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=MEASURE_ARGS, arguments=[uri, "sq", 4])))
    deadline = time.monotonic() + 60
    while not (pids.exists() and pids.read_text().strip()):  # the probe's run of the program is under way
        assert time.monotonic() < deadline and not probe.done(), probe.result() if probe.done() else "no run"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    cancelled_at = time.monotonic()
    reply = await client.protocol.send_request_async(hp.CANCEL, hp.CancelParams())
    assert reply.cancelled
    result = await asyncio.wait_for(probe, 10)
    took = time.monotonic() - cancelled_at
    assert result["ok"] is False and "cancelled" in result["reason"], result
    assert took < 1.0, f"the cancel took {took:.2f} s"
    reply = await client.protocol.send_request_async(hp.CANCEL, hp.CancelParams())
    assert not reply.cancelled  # the job is over: nothing left to cancel
