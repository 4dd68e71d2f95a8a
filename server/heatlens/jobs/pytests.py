"""Profile pytest tests: one profiled run per test, in the target's interpreter under the chosen backend.

Each test id runs as `python -m pytest -q -p no:cacheprovider NODEID` through the normal runner (so every
backend, limit, timeout and failure class applies), and its profile is labelled `pytest::NODEID`. Runs of
one invocation share a store group, so `heatlens history` and the editor can browse them per test.
Collection (`pytest --collect-only -q`) also runs in the target's interpreter: the daemon never imports
the user's tests.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import attrs

from heatlens.backends.base import Target
from heatlens.run import RunOptions, RunResult, profile_target
from heatlens.run.argv import resolve_interpreter

PYTEST_ARGS = ["-q", "-p", "no:cacheprovider"]  # no .pytest_cache writes from profiling runs
PLUGIN_DIR = str(Path(__file__).with_name("_pytest_plugin"))
PLUGIN = "heatlens_pytest_profile"  # times each test (and, with --workers, profiles it): both modes alike
OUT_VAR = "HEATLENS_PYTEST_OUT"
TIME_KEY = "pytest_time"  # Profile.extras: the test's own time, and the process start-up apart
_NODEID = re.compile(r"^\S+\.py::\S")


class PytestError(Exception):
    """Collection failed; the message says why."""


@attrs.define
class TestRun:
    nodeid: str
    result: RunResult

    @property
    def passed(self) -> bool:
        return self.result.failure.ok


def collect(selection: Sequence[str], python: str = "", cwd: Optional[str] = None, timeout: float = 120.0) -> List[str]:
    """Test ids pytest selects for `selection` (files, folders, node ids, -k/-m options)."""
    argv = [resolve_interpreter(python, cwd), "-m", "pytest", "--collect-only", "-q", *PYTEST_ARGS[1:], *selection]
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PytestError(f"cannot collect tests: {exc}") from exc
    ids = [line.strip() for line in proc.stdout.splitlines() if _NODEID.match(line.strip())]
    if not ids:
        tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-4:])
        raise PytestError(f"pytest collected no tests (exit {proc.returncode}): {tail}")
    return ids


def plugin_env(out_dir: str, cprofile: bool) -> Dict[str, str]:
    """Variables that load heatlens' pytest plugin into the target's pytest, the user's own kept."""
    plugins = ",".join(p for p in (PLUGIN, os.environ.get("PYTEST_PLUGINS", "")) if p)
    path = os.pathsep.join(p for p in (PLUGIN_DIR, os.environ.get("PYTHONPATH", "")) if p)
    return {OUT_VAR: out_dir, "PYTEST_PLUGINS": plugins, "PYTHONPATH": path,
            "HEATLENS_PYTEST_CPROFILE": "1" if cprofile else "0"}


def target_for(nodeid: str, python: str = "", cwd: Optional[str] = None, timing_dir: Optional[str] = None) -> Target:
    env = plugin_env(timing_dir, cprofile=False) if timing_dir else {}
    return Target("module", "pytest", [*PYTEST_ARGS, nodeid], cwd=cwd, python=python, env=env)


def read_records(folder: str) -> List[Dict[str, Any]]:
    """The plugin's records (one per test) from every process that wrote into `folder`."""
    records = []
    for path in sorted(Path(folder).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:  # a line torn by a crash
                continue
    return records


def test_time(record: Optional[Dict[str, Any]], process_wall: Optional[float]) -> Dict[str, Optional[float]]:
    """One definition of a test's time in both modes: its call (the test function, fixtures' setup and
    teardown not included); `startup` is the rest of its own process (interpreter, pytest start-up,
    collection), known only when the test ran alone in one (None with --workers, where it is shared)."""
    if record is None:
        return {"wall": None, "cpu": None, "startup": None}
    wall = record.get("call_wall")
    startup = None
    if process_wall is not None and record.get("wall") is not None:
        startup = max(process_wall - float(record["wall"]), 0.0)
    return {"wall": wall if wall is not None else record.get("wall"),
            "cpu": record.get("call_cpu") if record.get("call_cpu") is not None else record.get("cpu"),
            "startup": startup}


async def profile_tests(
    nodeids: Sequence[str], options: RunOptions, python: str = "", cwd: Optional[str] = None,
    on_done: Optional[Callable[[TestRun], None]] = None,
) -> List[TestRun]:
    """Profile each test in its own run, one after another; profiles are labelled `pytest::NODEID`."""
    runs = []
    for nodeid in nodeids:
        with tempfile.TemporaryDirectory(prefix="heatlens-pytest-") as timing:
            result = await profile_target(target_for(nodeid, python, cwd, timing), options)
            record = next((r for r in read_records(timing) if r.get("nodeid") == nodeid), None)
        if result.profile is not None:
            result.profile.meta.target = f"pytest::{nodeid}"
            result.profile.extras["pytest_nodeid"] = nodeid
            result.profile.extras[TIME_KEY] = test_time(record, result.profile.meta.wall_time or None)
        run = TestRun(nodeid, result)
        runs.append(run)
        if on_done is not None:
            on_done(run)
    return runs


def group_id() -> str:
    return time.strftime("pytest-%Y%m%dT%H%M%S")


def test_functions(path: str, text: str) -> List[Tuple[str, int]]:
    """(node id suffix, first line) of each test function of a file: where an editor puts a "Profile this
    test" code lens. Module-level `test_*` functions and `test_*` methods of `Test*` classes."""
    from heatlens.mapping.source_index import index_for

    found = []
    for scope in index_for(path, text).functions:
        if not scope.name.startswith("test"):
            continue
        if scope.parent is None:
            found.append((scope.qualname, scope.start_line))
        elif scope.depth == 1 and scope.parent.startswith("Test") and "." not in scope.parent:
            found.append((scope.qualname.replace(".", "::"), scope.start_line))
    return found


def profile_tests_sync(nodeids: Sequence[str], options: RunOptions, python: str = "",
                       cwd: Optional[str] = None, on_done: Optional[Callable[[TestRun], None]] = None) -> List[TestRun]:
    return asyncio.run(profile_tests(nodeids, options, python, cwd, on_done))
