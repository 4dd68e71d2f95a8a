""""Profile this cell" on a plain .py file with `# %%` cells in a real VS Code (code-server + headless
Chromium): a lens on each code cell, a click runs the file through that cell and paints heat on the cell's
hot line only, the hover there shows its share, and the palette command profiles the cell at the cursor.
One code-server start (tests/e2e/scenarios_cells.mjs)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .test_vscode_e2e import _drive, vsix  # noqa: F401  (the packaged-extension fixture, shared build)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_profile_this_cell_of_a_py_file(vsix: Path) -> None:  # noqa: F811
    result = _drive(vsix, "cells", 240, "--server-python", sys.executable)
    expected = {
        'cells: a lens "Profile this cell" sits on each code cell of a .py file',
        "clicking the cell's lens paints heat on the cell's hot line only",
        "hover on the cell's hot line shows its numbers",
        '"Heatlens: Profile this cell" from the palette profiles the cell at the cursor',
    }
    assert expected <= set(result["checks"]), set(result["checks"])
    assert all(result["checks"][name]["ok"] for name in expected)
