"""The call-graph and resource-usage webviews in a real VS Code (code-server + headless Chromium): after a
profile of hot.py, the call graph draws hot() and main() as ran, slow.py's spin() dashed (never ran) and the
taken edge main -> hot bold, a click on hot() opens hot.py at its line, and the resource view plots four
series over time beside the memory timeline. One code-server start (tests/e2e/scenarios_views.mjs)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .test_vscode_e2e import _drive, vsix  # noqa: F401  (the packaged-extension fixture, shared build)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_call_graph_and_resource_views(vsix: Path) -> None:  # noqa: F811
    result = _drive(vsix, "views", 200, "--server-python", sys.executable)
    expected = {
        "views: trusted workspace opens and hot.py is profiled",
        "call graph webview draws the functions that ran, the never-ran ones dashed, the taken edge bold",
        "clicking a function in the call graph opens its source line",
        "resource usage webview plots RSS, CPU, threads and open files over time, and the memory timeline",
    }
    assert expected <= set(result["checks"]), set(result["checks"])
    assert all(result["checks"][name]["ok"] for name in expected)
