"""Function-source hashes (what decides whether a stored big-O result still holds) and result → row."""

from __future__ import annotations

from pathlib import Path

from heatlens.analysis import complexity as cx
from heatlens.analysis.complexity_record import function_hash, function_sources, to_row
from heatlens.jobs.complexity import measure_sync

SRC = '''import os


# heatlens: sizes=10,20,40 repeat=2
def f(n):
    return sum(range(n))


class C:
    def m(self, n):
        return n
'''


def test_hash_covers_the_function_and_its_hint_block_only() -> None:
    sources = function_sources("x.py", SRC)
    assert sources["f"].startswith("# heatlens: sizes=10,20,40") and sources["f"].endswith("return sum(range(n))")
    assert "C.m" in sources
    h = function_hash("x.py", SRC, "f")
    assert h and function_hash("x.py", SRC + "\nX = 1\n", "f") == h  # other code changed: still current
    assert function_hash("x.py", SRC.replace("import os", "import sys"), "f") == h
    assert function_hash("x.py", SRC.replace("sizes=10,20,40", "sizes=10,20,80"), "f") != h  # its hint changed
    assert function_hash("x.py", SRC.replace("sum(range(n))", "n * (n - 1) // 2"), "f") != h
    assert function_hash("x.py", SRC, "missing") is None


def test_row_from_a_real_measurement(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_text(SRC)
    result = measure_sync(str(path), "f")
    row = to_row(result, SRC, "cli")
    assert row.qualname == "f" and row.file == str(path.resolve()) and row.source_hash == function_hash(str(path), SRC, "f")
    assert row.sizes == [10, 20, 40] and [r["n"] for r in row.runs] == [10, 20, 40]
    assert row.label == result.best.label and row.summary == cx.summary_text(result)
    assert len(row.fits) == len(cx.MODELS) and all(len(r["times"]) >= 2 for r in row.runs)  # repeat=2, more if unsettled
