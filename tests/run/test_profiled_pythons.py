"""The Pythons the README says can be profiled (3.9-3.13): every one found on this machine (PATH or pyenv) runs
a program under the default mode, with nothing installed in it, and the hot line is where the time went."""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import pytest

from heatlens.backends.base import Target
from heatlens.model import FailureKind
from heatlens.run.runner import RunOptions, profile_target_sync

from heatlens_test_pythons import other_interpreters  # noqa: E402  (registered by tests/conftest.py)

PROGRAM = """\
import time
def cheap(n):
    return sum(range(n))
def hot(xs):
    seen = list(range(2000))
    return sum(1 for x in xs if x in seen)
t = time.process_time()
while time.process_time() - t < 0.6:
    cheap(1000)
    hot(range(1500, 1600))
print("done")
"""


def _pythons() -> List[object]:
    found = [pytest.param(p, v, id=f"python{v[0]}.{v[1]}") for p, v in other_interpreters() if (3, 9) <= v <= (3, 13)]
    return found or [pytest.param("", (0, 0), marks=pytest.mark.skip(reason="no other Python on this machine"))]


@pytest.mark.slow
@pytest.mark.parametrize("python,version", _pythons())
def test_the_default_mode_profiles_each_python_with_nothing_installed(tmp_path: Path, python: str, version: Tuple[int, int]) -> None:
    script = tmp_path / "prog.py"
    script.write_text(PROGRAM)
    result = profile_target_sync(Target("script", str(script), cwd=str(tmp_path), python=python), RunOptions(backend="auto", timeout=120))
    assert result.failure.kind is FailureKind.OK, result.failure
    assert result.stdout == "done\n"
    profile = result.profile
    assert profile is not None and profile.meta.backend == "pyspy", profile and profile.meta.notes
    lines = profile.file(str(script)).by_line()
    total = sum(s.cost for s in lines.values())
    # the membership test scans a 2,000-item list 100 times a call: it is where the time goes, on every Python
    assert lines[6].cost > 0.5 * total, {n: round(s.cost, 3) for n, s in lines.items()}
