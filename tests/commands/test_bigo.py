"""`heatlens bigo` end to end: a real measurement in a subprocess is saved in the store, then listed by
`heatlens bigo --history`, current while the function is unchanged and stale once it is edited."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, List

QUAD = '''# heatlens: sizes=100,200,400,800 repeat=3
def pairs(n):
    c = 0
    for i in range(n):
        for j in range(n):
            c += i ^ j
    return c


# heatlens: sizes=1k,4k,16k,64k repeat=3
def total(n):
    return sum(range(n))
'''


def _heatlens(cwd: Path, *args: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([sys.executable, "-m", "heatlens", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def _history(cwd: Path, *args: str) -> List[Any]:
    out = _heatlens(cwd, "bigo", "--history", "--json", "--store", "s.db", *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_bigo_saves_and_lists_results(tmp_path: Path) -> None:
    (tmp_path / "quad.py").write_text(QUAD)
    assert _history(tmp_path) == []
    for fn in ("pairs", "total"):
        run = _heatlens(tmp_path, "bigo", f"quad.py::{fn}", "--store", "s.db")
        assert run.returncode == 0, run.stderr
    nosave = _heatlens(tmp_path, "bigo", "quad.py::total", "--store", "s.db", "--no-save")
    assert nosave.returncode == 0, nosave.stderr

    rows = _history(tmp_path)
    assert [r["qualname"] for r in rows] == ["total", "pairs"]  # newest first; --no-save stored nothing
    pairs = _history(tmp_path, "quad.py::pairs")
    assert len(pairs) == 1 and pairs[0]["label"] == "O(n²)" and pairs[0]["current"] is True
    assert pairs[0]["sizes"] == [100, 200, 400, 800] and len(pairs[0]["runs"]) == 4
    assert {f["label"] for f in pairs[0]["fits"]} == {"O(1)", "O(log n)", "O(n)", "O(n log n)", "O(n²)", "O(n³)"}
    assert pairs[0]["origin"] == "cli" and pairs[0]["file"] == str((tmp_path / "quad.py").resolve())

    # edit `pairs` only: its result is stale, `total`'s stays current
    (tmp_path / "quad.py").write_text(QUAD.replace("c += i ^ j", "c += i | j"))
    assert {r["qualname"]: r["current"] for r in _history(tmp_path, "quad.py")} == {"pairs": False, "total": True}
    text = _heatlens(tmp_path, "bigo", "--history", "--store", "s.db")
    assert text.returncode == 0
    assert "quad.py::pairs" in text.stdout and "stale (source changed)" in text.stdout and "O(n²)" in text.stdout


def test_a_function_that_needs_input_without_a_factory_says_how_to_give_one(tmp_path: Path) -> None:
    (tmp_path / "needs.py").write_text("def f(items):\n    return sorted(items)\n")
    run = _heatlens(tmp_path, "bigo", "needs.py::f", "--sizes", "1k..100k", "--no-save")
    assert run.returncode == 2
    assert "TypeError: 'int' object is not iterable" in run.stderr
    assert "--input make_input" in run.stderr and "# heatlens: input=make_input" in run.stderr
    assert "Traceback" not in run.stderr
