"""`heatlens history` on real stored runs: listing, filtering by target, failures, one function's history."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Tuple

import pytest

from heatlens import cli

GOOD = textwrap.dedent('''
    def crunch():
        return sum(i * i for i in range(3000000))

    crunch()
''')
BAD = "raise ValueError('broken on purpose')\n"


def heatlens(capsys: pytest.CaptureFixture, *argv: str) -> Tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history")
    (root / "good.py").write_text(GOOD)
    (root / "bad.py").write_text(BAD)
    assert cli.main(["run", "--project-root", str(root), "--repeat", "2", str(root / "good.py")]) == 0
    assert cli.main(["run", "--project-root", str(root), str(root / "bad.py")]) != 0
    return root


def test_lists_runs_newest_first_with_failure_class(project: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = heatlens(capsys, "history", "--project-root", str(project))
    assert code == 0
    header, *rows = out.strip().splitlines()
    assert header.split()[:4] == ["id", "started", "target", "backend"]
    assert [r.split()[0] for r in rows] == ["3", "2", "1"]
    assert rows[0].split()[-1] == "exception" and rows[1].split()[-1] == "ok"
    assert "pyspy" in rows[1] and " MB" in rows[1]  # the default backend, and its peak memory


def test_filters_by_target_and_limit(project: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    code, out, _ = heatlens(capsys, "history", "good.py", "--project-root", str(project))
    assert code == 0 and len(out.strip().splitlines()) == 3  # header + the two repeats
    code, out, _ = heatlens(capsys, "history", "--limit", "1", "--project-root", str(project))
    assert len(out.strip().splitlines()) == 2
    code, out, _ = heatlens(capsys, "history", "nothing.py", "--project-root", str(project))
    assert "no runs" in out


def test_json_output_carries_run_fields(project: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = heatlens(capsys, "history", "--json", "--project-root", str(project))
    runs = json.loads(out)
    assert [r["id"] for r in runs] == [3, 2, 1]
    assert runs[1]["group_id"] == runs[2]["group_id"] is not None and runs[0]["group_id"] is None
    assert runs[0]["failure_kind"] == "exception" and "broken on purpose" in runs[0]["failure_message"]
    assert runs[1]["wall"] > 0 and runs[1]["cpu"] > 0


def test_function_history(project: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    code, out, _ = heatlens(capsys, "history", "--function", "good.py:crunch", "--project-root", str(project))
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("crunch (")
    assert [r.split()[0] for r in lines[2:]] == ["2", "1"]
    assert all(r.split()[3] == "2" for r in lines[2:])  # first line of crunch


def test_empty_and_damaged_stores(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = heatlens(capsys, "history", "--project-root", str(tmp_path))
    assert code == 0 and "no runs stored yet" in out
    bad = tmp_path / "junk.db"
    bad.write_bytes(b"not a database at all" * 100)
    code, _, err = heatlens(capsys, "history", "--store", str(bad), "--project-root", str(tmp_path))
    assert code == 2 and "damaged or not a database" in err
    assert bad.read_bytes() == b"not a database at all" * 100


def test_retention_flags_delete_old_runs(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "good.py").write_text(GOOD)
    assert cli.main(["run", "--project-root", str(tmp_path), "--repeat", "3", str(tmp_path / "good.py")]) == 0
    capsys.readouterr()
    code, out, err = heatlens(capsys, "history", "--keep-last", "1", "--project-root", str(tmp_path))
    assert code == 0 and "deleted 2 old run(s)" in err
    assert [r.split()[0] for r in out.strip().splitlines()[1:]] == ["3"]
    code, out, err = heatlens(capsys, "history", "--max-age-days", "0", "--project-root", str(tmp_path))
    assert "deleted 1 old run(s)" in err and "no runs stored yet" in out


def test_group_names_are_shown_whole() -> None:
    from heatlens.commands.history import render_runs
    from heatlens.store.queries import RunRow

    def row(n: int, group: str) -> RunRow:
        return RunRow(id=n, group_id=group, target="t.py", target_key="t.py", argv=[], backend="agent", started_at=0.0,
                      saved_at=0.0, wall=1.0, cpu=1.0, peak_mem_mb=None, git_commit=None, failure_kind="ok",
                      failure_message="", interpreter="")

    text = render_runs([row(1, "pytest-20261205T125102"), row(2, "pytest-20261205T125112")])
    assert "pytest-20261205T125102" in text and "pytest-20261205T125112" in text
