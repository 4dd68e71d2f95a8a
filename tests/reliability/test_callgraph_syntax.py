"""`heatlens callgraph` on a folder where some files do not compile: those are skipped and named in a
warning, the rest is analysed (jarviscg alone dies on the whole project with an AttributeError)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from heatlens.analysis.callgraph import unparsable
from heatlens_reliability import cli  # type: ignore[import-not-found]

BROKEN = {
    "scopes.py": "def f():\n    x = 1\n    global x\n",  # only the compiler's symbol table rejects it
    "parse.py": "def broken(:\n    pass\n",
    "nul.py": "x = 1\x00\n",
}


def project(root: Path) -> Path:
    pkg = root / "proj"
    pkg.mkdir()
    (pkg / "good.py").write_text("def a():\n    return b()\n\n\ndef b():\n    return 1\n")
    (pkg / "symtable.py").write_text("raise SystemExit('the project shadowed the stdlib in the analyser')\n")
    for name, text in BROKEN.items():
        (pkg / name).write_text(text)
    return pkg


def test_files_that_do_not_compile_are_skipped_and_named(tmp_path: Path, marker: str) -> None:
    pkg = project(tmp_path)
    done = cli(["callgraph", str(pkg), "--run", "none", "-f", "json"], marker, tmp_path)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    graph = json.loads(done.stdout)
    assert {"good.a", "good.b", "symtable"} <= {n["id"] for n in graph["nodes"]}
    assert ["good.a", "good.b"] in [[e["caller"], e["callee"]] for e in graph["edges"]]
    assert sorted(Path(p).name for p in graph["skipped"]) == sorted(BROKEN)
    warnings = [line for line in done.stderr.decode().splitlines() if "warning: skipped" in line]
    assert sorted(w.split("skipped ", 1)[1].split(" ", 1)[0] for w in warnings) == sorted(f"proj/{n}" for n in BROKEN)


def test_a_folder_where_nothing_compiles_is_an_error(tmp_path: Path, marker: str) -> None:
    pkg = tmp_path / "bad"
    pkg.mkdir()
    (pkg / "x.py").write_text(BROKEN["parse.py"])
    done = cli(["callgraph", str(pkg), "--run", "none"], marker, tmp_path)
    assert done.returncode == 2 and b"compiles" in done.stderr and b"Traceback" not in done.stderr


@pytest.mark.parametrize("text,ok", [("x = 1\n", True), ("# -*- coding: latin-1 -*-\ns = '\xe9'\n", True),
                                     *((t, False) for t in BROKEN.values())])
def test_unparsable(tmp_path: Path, text: str, ok: bool) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(text.encode("latin-1"))
    why = unparsable(str(path))
    assert (why is None) == ok, why
