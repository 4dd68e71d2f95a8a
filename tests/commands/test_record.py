"""`heatlens run` and the store: every run saved, --repeat as one group, --batch with one table, --no-store."""

from __future__ import annotations

from pathlib import Path

import pytest

from heatlens import cli
from heatlens.store import open_store

PROGRAM = "def spin():\n    return sum(i * i for i in range(2000000))\n\nspin()\nprint('ran')\n"


def test_run_is_stored_and_repeat_makes_one_group(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "p.py").write_text(PROGRAM)
    assert cli.main(["run", "--project-root", str(tmp_path), str(tmp_path / "p.py")]) == 0
    assert cli.main(["run", "--project-root", str(tmp_path), "--repeat", "3", str(tmp_path / "p.py")]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines().count("ran") == 4  # the target ran every time ...
    assert out.count("heatlens: 3 runs") == 1 and "median" in out  # ... one summary table for the repeats
    assert "stored as run #4" in err
    with open_store(str(tmp_path)) as store:
        rows = store.runs()
        assert [r.id for r in rows] == [4, 3, 2, 1]
        group = rows[0].group_id
        assert group and rows[1].group_id == rows[2].group_id == group and rows[3].group_id is None
        assert store.group(group) == [2, 3, 4]
        spin = store.function_history(str(tmp_path / "p.py"), "spin")
        assert [p.run_id for p in spin] == [4, 3, 2, 1]
        assert store.resolve("previous") == 1  # the repeat group counts as one run
    assert (tmp_path / ".heatlens" / ".gitignore").read_text().strip().endswith("*")


def test_no_store_and_explicit_store_path(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "p.py").write_text(PROGRAM)
    assert cli.main(["run", "--project-root", str(tmp_path), str(tmp_path / "p.py"), "--no-store"]) == 0
    assert not (tmp_path / ".heatlens").exists()
    db = tmp_path / "elsewhere" / "runs.db"
    assert cli.main(["run", "--project-root", str(tmp_path), "--store", str(db), str(tmp_path / "p.py")]) == 0
    with open_store(str(tmp_path), str(db)) as store:
        assert len(store.runs()) == 1


def test_batch_profiles_each_program_with_one_table(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "one.py").write_text(PROGRAM)
    (bench / "two.py").write_text(PROGRAM.replace("spin", "twirl"))
    (bench / "broken.py").write_text("import no_such_module_xyz\n")
    monkeypatch.chdir(tmp_path)
    code = cli.main(["run", "--batch", "bench/*.py", "--output", str(tmp_path / "rep.md")])
    out, err = capsys.readouterr()
    assert code == 13  # the import error of broken.py, while the others still ran
    table = out[out.index("heatlens: 3 runs of 3 programs"):].splitlines()[1:]
    assert [r.split()[0] for r in table[1:]] == ["bench/broken.py", "bench/one.py", "bench/two.py"]
    assert "import-error" in table[1] and "spin" in table[2] and "twirl" in table[3]
    assert (tmp_path / "rep.one.md").exists() and (tmp_path / "rep.two.md").exists()
    with open_store(str(tmp_path)) as store:
        assert sorted(r.target for r in store.runs()) == ["bench/broken.py", "bench/one.py", "bench/two.py"]
    assert cli.main(["run", "--batch", "nothing/*.py"]) == 2
    assert "no Python files match" in capsys.readouterr().err
