"""Attach from an editor (pytest-lsp, a real daemon): `heatlens/processes` lists the workspace's running Python
process first, `heatlens/profile {pid, duration}` samples it, and its hot handler gets heat; the server keeps
answering."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

import pytest

from heatlens.backends.pyspy import find_pyspy
from heatlens.lsp import protocol as hp

APP = Path(__file__).parents[1] / "fixtures" / "attach" / "http_app.py"
pytestmark = pytest.mark.skipif(find_pyspy() is None, reason="py-spy binary not installed")


async def test_attach_lists_profiles_and_paints_a_running_server(client: Any, busy_http_server: Any) -> None:
    app = client.root / "http_app.py"
    proc, port = busy_http_server(cwd=client.root, app=app)
    listed = await client.protocol.send_request_async(hp.PROCESSES, hp.ProcessesParams())
    assert listed.processes[0].pid == proc.pid and listed.processes[0].in_project
    uri = client.open(app)
    summary = await client.profile(pid=proc.pid, duration=2.0)
    assert summary.failure.kind == "ok", summary.failure
    assert summary.target == f"pid {proc.pid}" and summary.backend == "pyspy"
    assert summary.hotspots and summary.hotspots[0].name == "slow_fib"
    heat = await client.wait_heat(uri)
    hottest = max(heat.lines, key=lambda h: h.cpu_share)
    assert hottest.line in (client.line_of(app, "def slow_fib"), client.line_of(app, "# FIB"))
    assert proc.poll() is None
    assert urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read() == b'{"fib": 17711}'
