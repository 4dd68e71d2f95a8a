"""`heatlens test --workers N`: a real pytest-xdist run in which every worker profiles its own tests; the
merged result keeps per-test profiles (CPU ratio of tests whose cost is known), names both workers, and
holds the same tests as the serial run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from heatlens.jobs import pytests, pytests_parallel
from heatlens.cli import main
from heatlens.run import RunOptions
from heatlens.store import open_store

pytestmark = pytest.mark.slow  # real pytest + xdist processes

DEMO = Path(__file__).parent.parent / "fixtures" / "deeper" / "xdist_demo"


@pytest.fixture()
def demo(tmp_path: Path) -> Path:
    dest = tmp_path / "demo"
    shutil.copytree(DEMO, dest)
    return dest


def _burn(profile: object) -> float:
    return next(f.total_time for f in profile.functions if f.qualname == "burn")  # type: ignore[attr-defined]


def test_two_workers_keep_per_test_profiles_and_match_the_serial_run(demo: Path) -> None:
    ids = pytests.collect(["cost_tests.py"], sys.executable, str(demo))
    par = pytests_parallel.profile_parallel_sync(ids, 2, sys.executable, str(demo), timeout=240)
    assert par.returncode == 0, par.output
    assert [t.nodeid for t in par.tests] == ids and all(t.passed for t in par.tests)
    workers = {t.result.profile.extras["pytest_worker"] for t in par.tests if t.result.profile}
    assert workers == {"gw0", "gw1"}  # both workers ran tests, and both workers' records are merged

    by_id = {t.nodeid: t.result.profile for t in par.tests}
    heavy, light = by_id["cost_tests.py::test_heavy"], by_id["cost_tests.py::test_light"]
    assert heavy is not None and light is not None
    # each test's profile is its own, not its worker's running table: burn called once in each
    assert [next(f.calls for f in p.functions if f.qualname == "burn") for p in (heavy, light)] == [1, 1]
    ratio = _burn(heavy) / _burn(light)  # CPU-clock cProfile in each worker: 4× the iterations
    # 2.97 in one full run on the shared 2 cores; CPU time itself stretches beside busy cores (one size's repeats
    # 1.4-1.9x apart in the big-O measurements), so two moments' CPU compare loosely
    assert 2.0 < ratio < 8.0, ratio
    # a test's whole CPU is its own too, not its worker's total so far: it holds its burn, and neither test's
    # holds the other's burn (whichever of them ran second in a worker would). Idle: 4-6 ms beyond the burn
    # (the worker's per-test bookkeeping). No ratio of the two tests' whole CPU: CI read 2.39 for 4x the work.
    for p in (heavy, light):
        assert _burn(p) <= p.meta.cpu_time * 1.02, (_burn(p), p.meta.cpu_time)
    assert heavy.meta.cpu_time < _burn(heavy) + 0.7 * _burn(light), (heavy.meta.cpu_time, _burn(heavy), _burn(light))
    assert light.meta.cpu_time < 0.6 * _burn(heavy), (light.meta.cpu_time, _burn(heavy))
    assert heavy.meta.target == "pytest::cost_tests.py::test_heavy"

    combined = par.combined
    assert combined is not None and combined.meta.target == "pytest -n 2"
    assert sorted(t["nodeid"] for t in combined.extras["pytest_tests"]) == sorted(ids)
    assert combined.extras["pytest_workers"] == ["gw0", "gw1"]
    burn_calls = next(f.calls for f in combined.functions if f.qualname == "burn")
    assert burn_calls == 2  # the workers' tables are added: light's call and heavy's call
    assert _burn(combined) == pytest.approx(_burn(heavy) + _burn(light), rel=1e-6)

    serial = pytests.profile_tests_sync(ids, RunOptions(backend="cprofile", timeout=180), sys.executable, str(demo))
    assert {t.nodeid for t in serial} == {t.nodeid for t in par.tests}
    assert [t.passed for t in serial] == [t.passed for t in par.tests]


def test_cli_workers_stores_each_test_and_the_merged_run(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = demo / "runs.db"
    code = main(["test", "cost_tests.py", "--workers", "2", "--cwd", str(demo), "--project-root", str(demo),
                 "--store", str(db), "--python", sys.executable])
    assert code == 0
    out = capsys.readouterr().out
    assert "2 workers" in out and "cost_tests.py::test_heavy" in out
    with open_store(str(demo), str(db)) as store:
        rows = store.runs()
        assert sorted(r.target for r in rows) == sorted(
            ["pytest -n 2"] + ["pytest::cost_tests.py::" + n for n in
                               ("test_light", "test_heavy", "test_cheap_a", "test_cheap_b", "test_cheap_c")])
        assert len({r.group_id for r in rows}) == 1
        merged = store.load(next(r.id for r in rows if r.target == "pytest -n 2"))
        assert len(merged.extras["pytest_tests"]) == 5


@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="needs a second interpreter")
def test_missing_xdist_is_a_clear_error(demo: Path) -> None:
    python = "/usr/bin/python3"
    if subprocess.run([python, "-c", "import xdist"], capture_output=True).returncode == 0:
        pytest.skip("that interpreter has pytest-xdist")
    with pytest.raises(pytests.PytestError, match="pytest-xdist is not installed .*pip install pytest-xdist"):
        pytests_parallel.check_xdist(python)
