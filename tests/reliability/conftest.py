"""Shared pieces of the reliability suite: markers, the process-table walk, the CLI, the store, the daemon."""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import psutil
import pytest

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
TARGETS = TESTS / "fixtures" / "targets"  # the runner's misbehaving programs (reused)
MISBEHAVING = TESTS / "fixtures" / "misbehaving"  # this suite's own
MARKER_VAR = "HEATLENS_RELIABILITY_MARKER"


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


wire = _load("heatlens_reliability_wire", HERE / "wire.py")
lsp_conftest = _load("heatlens_reliability_lsp_conftest", TESTS / "lsp" / "conftest.py")


def new_marker() -> str:
    return "hlrel-" + uuid.uuid4().hex[:12]


def marked_processes(marker: str) -> List[psutil.Process]:
    """Every live process (not a zombie) with `marker` in its argv or in its environment."""
    found = []
    me = os.getpid()
    for p in psutil.process_iter(["cmdline", "status"]):
        if p.pid == me or p.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        try:
            if marker in " ".join(p.info["cmdline"] or []) or p.environ().get(MARKER_VAR) == marker:
                found.append(p)
        except (psutil.Error, OSError):
            continue
    return found


def group_members(pgid: int) -> List[int]:
    out = []
    for p in psutil.process_iter(["status"]):
        try:
            if p.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(p.pid) == pgid:
                out.append(p.pid)
        except (psutil.Error, OSError):
            continue
    return out


def assert_nothing_left(marker: str, timeout: float = 10.0) -> None:
    """No process of the run survives it (a short wait: a killed process may need a moment to vanish)."""
    deadline = time.monotonic() + timeout
    left = marked_processes(marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = marked_processes(marker)
    if left:
        desc = [(p.pid, p.info.get("cmdline")) for p in left]
        for p in left:  # leave the machine clean even when the test fails
            try:
                p.kill()
            except psutil.Error:
                pass
        raise AssertionError(f"processes left after the run: {desc}")


def clean_env(marker: str, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env[MARKER_VAR] = marker
    env.setdefault("LANG", "C.UTF-8")
    env.update(extra or {})
    return env


def cli(args: Sequence[str], marker: str, cwd: Path, timeout: float = 180, env: Optional[Dict[str, str]] = None,
        stdout: Any = subprocess.PIPE) -> subprocess.CompletedProcess:
    """`heatlens ARGS` as a user types it; the marker rides in the environment (inherited by the target)."""
    return subprocess.run([sys.executable, "-m", "heatlens", *args], cwd=str(cwd), env=env or clean_env(marker),
                          stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE, timeout=timeout)


RunRow = Tuple[Any, ...]


def store_rows(db: Path) -> Dict[int, RunRow]:
    """Every run in the store by id (all columns), read with plain sqlite3."""
    if not db.exists():
        return {}
    conn = sqlite3.connect(str(db), timeout=30)
    try:
        try:
            cur = conn.execute("SELECT * FROM runs ORDER BY id")
        except sqlite3.OperationalError as exc:  # the daemon is still creating its store
            if "no such table" in str(exc):
                return {}
            raise
        return {row[0]: tuple(row) for row in cur.fetchall()}
    finally:
        conn.close()


def failure_kind_of(db: Path, run_id: int) -> str:
    conn = sqlite3.connect(str(db), timeout=30)
    try:
        return str(conn.execute("SELECT failure_kind FROM runs WHERE id = ?", (run_id,)).fetchone()[0])
    finally:
        conn.close()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(str(db), timeout=30)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def assert_store_grew_by_at_most_one(before: Dict[int, RunRow], after: Dict[int, RunRow]) -> List[int]:
    """The older runs are untouched; at most one new run; returns the new ids."""
    assert {k: after.get(k) for k in before} == before, "a stored run changed"
    new = sorted(set(after) - set(before))
    assert len(new) <= 1, f"more than one run recorded: {new}"
    return new


@pytest.fixture
def marker() -> str:
    return new_marker()


# Test modules import these helpers as `heatlens_reliability` (pytest's importlib mode puts no test folder
# on sys.path, and this conftest is always loaded before them).
sys.modules["heatlens_reliability"] = sys.modules[__name__]
