"""Profiling pytest tests: real collection and real profiled pytest runs of a demo test file."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from heatlens.jobs import pytests
from heatlens.cli import main
from heatlens.run import RunOptions
from heatlens.store import open_store

DEMO = Path(__file__).parent.parent / "fixtures" / "deeper" / "pytests_demo"
IDS = ["demo_tests.py::test_slow", "demo_tests.py::test_fast", "demo_tests.py::TestGroup::test_method"]


@pytest.fixture()
def demo(tmp_path: Path) -> Path:
    dest = tmp_path / "demo"
    shutil.copytree(DEMO, dest)
    return dest


def test_collect_and_lens_targets(demo: Path) -> None:
    assert pytests.collect(["demo_tests.py"], sys.executable, str(demo)) == IDS
    assert pytests.collect(["demo_tests.py", "-k", "fast"], sys.executable, str(demo)) == [IDS[1]]
    with pytest.raises(pytests.PytestError):
        pytests.collect(["missing_tests.py"], sys.executable, str(demo))
    source = (demo / "demo_tests.py").read_text()
    found = pytests.test_functions(str(demo / "demo_tests.py"), source)
    assert [name for name, _ in found] == ["test_slow", "test_fast", "TestGroup::test_method"]
    assert source.splitlines()[found[0][1] - 1].startswith("def test_slow")


def test_each_test_gets_its_own_profile(demo: Path) -> None:
    runs = pytests.profile_tests_sync(IDS[:2], RunOptions(backend="cprofile", timeout=180), sys.executable, str(demo))
    assert [r.nodeid for r in runs] == IDS[:2] and all(r.passed for r in runs)
    slow, fast = (r.result.profile for r in runs)
    assert slow is not None and fast is not None
    assert slow.meta.target == "pytest::" + IDS[0] and fast.extras["pytest_nodeid"] == IDS[1]
    names = lambda p: {f.qualname for f in p.functions if f.file.endswith("demo_tests.py")}  # noqa: E731
    assert "crunch" in names(slow) and "crunch" not in names(fast)
    crunch = next(f for f in slow.functions if f.qualname == "crunch")
    test_fn = next(f for f in slow.functions if f.qualname == "test_slow")
    assert crunch.total_time >= 0.9 * test_fn.total_time  # test_slow's time is crunch's


def test_cli_stores_one_run_per_test_in_one_group(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = demo / "runs.db"
    code = main(["test", "demo_tests.py", "-k", "fast or method", "--backend", "cprofile", "--cwd", str(demo),
                 "--project-root", str(demo), "--store", str(db), "--python", sys.executable])
    assert code == 0
    out = capsys.readouterr().out
    assert IDS[1] in out and IDS[2] in out and IDS[0] not in out
    with open_store(str(demo), str(db)) as store:
        rows = store.runs()
        assert sorted(r.target for r in rows) == sorted("pytest::" + i for i in IDS[1:])
        assert rows[0].group_id and len(store.group(rows[0].group_id)) == 2


def test_a_tests_time_is_its_call_with_start_up_apart() -> None:
    record = {"nodeid": "t.py::test_x", "wall": 0.02, "cpu": 0.018, "call_wall": 0.014, "call_cpu": 0.013}
    assert pytests.test_time(record, 2.5) == {"wall": 0.014, "cpu": 0.013, "startup": pytest.approx(2.48)}
    assert pytests.test_time(record, None)["startup"] is None  # --workers: start-up is shared
    assert pytests.test_time({"wall": 0.02, "cpu": 0.01}, None)["wall"] == 0.02  # an older plugin's record
    assert pytests.test_time(None, 2.5) == {"wall": None, "cpu": None, "startup": None}


def test_serial_runs_time_the_test_like_the_workers_do(demo: Path) -> None:
    runs = pytests.profile_tests_sync(IDS[1:2], RunOptions(backend="cprofile", timeout=180), sys.executable, str(demo))
    prof = runs[0].result.profile
    assert prof is not None
    took = prof.extras[pytests.TIME_KEY]
    assert took["wall"] is not None and took["cpu"] is not None and took["startup"] is not None
    assert took["wall"] + took["startup"] <= prof.meta.wall_time  # both parts of the one process
