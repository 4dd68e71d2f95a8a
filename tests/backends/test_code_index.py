"""backends/code_index.py: a sampled (file, function, line) gets its function's qualified name and first line,
from the file's up-to-date bytecode cache where there is one (never from a stale one)."""

from __future__ import annotations

import json
import os
import py_compile
from pathlib import Path

import pytest

from heatlens.backends import code_index as ci
from heatlens.backends.code_index import anchor_function, code_index, file_index, resolve

SOURCE = ("import functools\n\n\nclass Shop:\n    @functools.lru_cache\n    def price(self, n):\n"
          "        def tax(v):\n            return v * 2\n        return tax(n)\n\n\ndef main():\n"
          "    return Shop().price(3)\n")


def test_resolve_without_source_falls_back_to_name() -> None:
    assert resolve(None, "f", 12) == ("f", 12)
    index = code_index("def f():\n    pass\n", "<x>")
    assert resolve(index, "f", 2) == ("f", 1)


def test_functions_are_anchored_on_their_first_line_with_their_qualified_name(tmp_path: Path) -> None:
    path = tmp_path / "shop.py"
    path.write_text(SOURCE)
    assert anchor_function(str(path), "price", 9) == ("Shop.price", 5)  # the decorator's line, as co_firstlineno
    assert anchor_function(str(path), "tax", 8) == ("Shop.price.<locals>.tax", 7)
    assert anchor_function(str(path), "Shop.main", 13) == ("main", 12)  # a qualname: its last part is the co_name
    assert anchor_function(str(tmp_path / "gone.py"), "f", 3) == ("f", 3)  # no source: as sampled


def test_an_up_to_date_bytecode_cache_gives_the_same_index_as_compiling(tmp_path: Path) -> None:
    path = tmp_path / "shop.py"
    path.write_text(SOURCE)
    py_compile.compile(str(path), doraise=True)
    stat = path.stat()
    assert ci._cached_code(str(path), stat.st_size) is not None  # the .pyc is used ...
    assert file_index(str(path), stat.st_mtime + 0.5) == code_index(SOURCE, str(path))  # ... and says the same


def test_a_stale_bytecode_cache_is_not_used(tmp_path: Path) -> None:
    """The source changed after the .pyc was written (same size, new mtime): its lines come from the source."""
    path = tmp_path / "m.py"
    path.write_text("def f():\n    return 1\n")
    py_compile.compile(str(path), doraise=True)
    path.write_text("def g():\n    return 2\n")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))
    assert ci._cached_code(str(path), path.stat().st_size) is None
    index = file_index(str(path), path.stat().st_mtime)
    assert index is not None and "g" in index and "f" not in index


@pytest.mark.parametrize("damage", ["truncated", "magic", "hash-based"])
def test_a_damaged_or_foreign_bytecode_cache_falls_back_to_compiling(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "m.py"
    path.write_text("def f():\n    return 1\n")
    pyc = Path(py_compile.compile(str(path), doraise=True))
    data = bytearray(pyc.read_bytes())
    if damage == "truncated":
        data = data[:20]
    elif damage == "magic":
        data[0] ^= 0xFF
    else:
        data[4] = 1  # flags: checked by a source hash, not by mtime and size
    pyc.write_bytes(bytes(data))
    assert ci._cached_code(str(path), path.stat().st_size) is None
    assert file_index(str(path), path.stat().st_mtime + 0.25) == code_index(path.read_text(), str(path))


def test_the_standard_library_is_read_from_its_cache() -> None:
    """What the speed-up is for: the modules a run touches are mostly the standard library's, cached."""
    source = Path(json.__file__)
    size = source.stat().st_size
    if not Path(__import__("importlib.util").util.cache_from_source(str(source))).is_file():
        pytest.skip("this interpreter's standard library has no bytecode cache")
    assert ci._cached_code(str(source), size) is not None
    assert file_index(str(source), source.stat().st_mtime) == code_index(source.read_bytes(), str(source))
