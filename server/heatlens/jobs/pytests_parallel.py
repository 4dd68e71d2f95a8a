"""Profile pytest tests in parallel with pytest-xdist (`heatlens test --workers N`).

One `python -m pytest -n N NODEIDS…` runs in the target's interpreter with heatlens' pytest plugin
(_pytest_plugin/heatlens_pytest_profile.py) loaded through PYTEST_PLUGINS in the controller and in every
worker. The plugin profiles each test with cProfile on a CPU-time clock and leaves per-worker records;
this module merges them: one Profile per test (as the serial mode stores them, `pytest::NODEID`) and one
combined Profile of the whole run (every worker's tables added, the per-test results in
`extras["pytest_tests"]`). Per-test numbers come from the worker that ran the test, so they do not depend
on how tests were spread over workers.
"""

from __future__ import annotations

import asyncio
import os
import pstats
import secrets
import subprocess
import tempfile
from typing import Any, Dict, List, Optional, Sequence

import attrs

from heatlens.defaults import DEFAULT_TIMEOUT
from heatlens.jobs.pytests import PYTEST_ARGS, PytestError, TestRun
from heatlens.backends.cprofile import parse_stats
from heatlens.model import Failure, FailureKind, Profile, RunMeta
from heatlens.run import RunResult
from heatlens.run.argv import build_env, resolve_interpreter
from heatlens.jobs.pytests import (  # noqa: F401  (OUT_VAR, PLUGIN, PLUGIN_DIR: names kept for callers)
    OUT_VAR, PLUGIN, PLUGIN_DIR, TIME_KEY, plugin_env, read_records, test_time,
)
XDIST_MISSING = ("pytest-xdist is not installed in {python}; --workers needs it: "
                 "`{python} -m pip install pytest-xdist` (or install heatlens[backends] there)")


@attrs.define
class ParallelRun:
    tests: List[TestRun]  # one per test that ran, in node id order of the selection
    combined: Optional[Profile]  # the whole run: every worker's functions, per-test results in extras
    returncode: Optional[int]
    output: str  # pytest's stdout + stderr tail, for a run that failed before running tests


def check_xdist(python: str) -> None:
    """Raise PytestError with the install command when `python` has no pytest-xdist."""
    try:
        proc = subprocess.run([python, "-c", "import xdist"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PytestError(f"cannot run {python}: {exc}") from exc
    if proc.returncode != 0:
        raise PytestError(XDIST_MISSING.format(python=python))


def _stats(folder: str, names: Sequence[str]) -> Dict[Any, Any]:
    """The pstats tables named, added together by pstats itself (one table: one test)."""
    paths = [os.path.join(folder, n) for n in names if os.path.exists(os.path.join(folder, n))]
    if not paths:
        return {}
    table = pstats.Stats(paths[0])
    for path in paths[1:]:
        table.add(path)
    return table.stats  # type: ignore[attr-defined,no-any-return]


def test_profile(record: Dict[str, Any], folder: str, cwd: str, python: str) -> Profile:
    nodeid = record["nodeid"]
    meta = RunMeta(target=f"pytest::{nodeid}", argv=["-m", "pytest", *PYTEST_ARGS, nodeid], backend="cprofile",
                   started_at=float(record["started"]), wall_time=float(record["wall"]), cpu_time=float(record["cpu"]),
                   cwd=cwd, interpreter=python)
    profile = Profile(meta=meta, functions=parse_stats(_stats(folder, [record["pstats"]]), cwd))
    profile.extras.update(pytest_nodeid=nodeid, pytest_worker=record["worker"], pytest_outcome=record["outcome"])
    profile.extras[TIME_KEY] = test_time(record, None)  # start-up is shared by the worker's tests
    return profile


def merge(records: List[Dict[str, Any]], folder: str, cwd: str, python: str, argv: List[str]) -> Optional[Profile]:
    """One Profile of the whole run: the workers' tables added; wall = first start to last end."""
    if not records:
        return None
    start = min(float(r["started"]) for r in records)
    end = max(float(r["started"]) + float(r["wall"]) for r in records)
    meta = RunMeta(target="pytest -n " + argv[argv.index("-n") + 1], argv=argv, backend="cprofile", started_at=start,
                   wall_time=end - start, cpu_time=sum(float(r["cpu"]) for r in records), cwd=cwd, interpreter=python)
    profile = Profile(meta=meta, functions=parse_stats(_stats(folder, [r["pstats"] for r in records]), cwd))
    profile.extras["pytest_tests"] = [
        {k: r[k] for k in ("nodeid", "worker", "outcome", "cpu", "wall")} for r in records]
    profile.extras["pytest_workers"] = sorted({r["worker"] for r in records})
    return profile


def _result(profile: Profile, outcome: str) -> RunResult:
    failed = outcome == "failed"
    failure = Failure(FailureKind.EXCEPTION, "the test failed") if failed else Failure()
    return RunResult(profile=profile, failure=failure, wall_time=profile.meta.wall_time)


async def profile_parallel(nodeids: Sequence[str], workers: int, python: str = "", cwd: Optional[str] = None,
                           timeout: float = DEFAULT_TIMEOUT) -> ParallelRun:
    """Run `nodeids` with `pytest -n workers`, each test profiled in its worker; merge the records."""
    from heatlens.run.supervise import supervise

    cwd = os.path.abspath(cwd or os.getcwd())
    python = resolve_interpreter(python, cwd)
    await asyncio.to_thread(check_xdist, python)
    argv = ["-m", "pytest", *PYTEST_ARGS, "-n", str(int(workers)), *nodeids]
    with tempfile.TemporaryDirectory(prefix="heatlens-xdist-") as folder:
        token = secrets.token_hex(16)
        env = build_env(os.environ, {}, plugin_env(folder, cprofile=True), token)
        sup = await supervise([python, *argv], env=env, cwd=cwd, token=token, timeout=timeout)
        records = read_records(folder)
        order = {n: i for i, n in enumerate(nodeids)}
        records.sort(key=lambda r: (order.get(r["nodeid"], len(order)), r["nodeid"]))
        tests = [TestRun(r["nodeid"], _result(test_profile(r, folder, cwd, python), r["outcome"])) for r in records]
        combined = merge(records, folder, cwd, python, argv)
    if sup.timed_out:
        raise PytestError(f"the parallel test run took longer than {timeout:.0f}s ({len(tests)} tests finished)")
    tail = (sup.stdout.text() + sup.stderr.text())[-2000:]
    return ParallelRun(tests, combined, sup.returncode, tail)


def profile_parallel_sync(nodeids: Sequence[str], workers: int, python: str = "", cwd: Optional[str] = None,
                          timeout: float = DEFAULT_TIMEOUT) -> ParallelRun:
    return asyncio.run(profile_parallel(nodeids, workers, python, cwd, timeout))
