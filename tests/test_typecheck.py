"""The type check: mypy over all of server/heatlens with the configuration in pyproject.toml (strict on the
modules listed there), run as CI runs the tests; and `type: ignore` comments may only get fewer."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# 81 when the check came in; fixes made some unnecessary, new code added some. Lower it as they go.
MAX_TYPE_IGNORES = 60


def test_mypy_passes() -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy", "--no-color-output"], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert "Success" in proc.stdout


def test_the_new_modules_are_checked_strictly() -> None:
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    strict = re.search(r'module = \[("heatlens\.jobs\.\*".*?)\]\ndisallow_untyped_defs = true', config, re.S)
    assert strict is not None
    for module in ("heatlens.jobs.*", "heatlens.options", "heatlens.pipeline"):
        assert f'"{module}"' in strict.group(1)


def test_type_ignores_do_not_grow() -> None:
    count = sum(path.read_text(encoding="utf-8").count("type: ignore")
                for path in (ROOT / "server" / "heatlens").rglob("*.py"))
    assert count <= MAX_TYPE_IGNORES, f"{count} `type: ignore` comments (at most {MAX_TYPE_IGNORES})"
