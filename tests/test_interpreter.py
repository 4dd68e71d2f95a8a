"""heatlens/interpreter.py: which Python a target interpreter is."""

from __future__ import annotations

import sys
from pathlib import Path

from heatlens import interpreter


def test_interpreter_version_of_another_path(tmp_path: Path) -> None:
    link = tmp_path / "py"
    link.symlink_to(sys.executable)
    assert interpreter.interpreter_version(str(link)) == "%d.%d.%d" % sys.version_info[:3]
    assert interpreter.interpreter_version(str(tmp_path / "missing")) == ""


def test_version_tuple() -> None:
    assert interpreter.version_tuple("3.10.12") == (3, 10, 12)
    assert interpreter.version_tuple("") == () and interpreter.version_tuple("3.x") == ()
