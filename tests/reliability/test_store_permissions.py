"""The store keeps copies of the profiled sources: its folder is created 0700 and the database with its WAL
and shared-memory files 0600, whatever the umask lets others read."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Iterator

import pytest

from heatlens.store.db import STORE_DIR, open_store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


@pytest.fixture
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_store_is_private(tmp_path: Path, usual_umask: None) -> None:
    store = open_store(str(tmp_path))
    try:
        folder = tmp_path / STORE_DIR
        db = folder / "heatlens.db"
        store.runs(1)  # the database is in WAL mode and has been read: -wal and -shm exist
        files = {p.name: mode(p) for p in folder.iterdir() if p.name.startswith("heatlens.db")}
        assert {"heatlens.db", "heatlens.db-wal", "heatlens.db-shm"} <= set(files), files
        assert set(files.values()) == {0o600}, files
        assert mode(folder) == 0o700 and mode(db) == 0o600
    finally:
        store.close()


def test_a_store_at_a_given_path_is_private_too(tmp_path: Path, usual_umask: None) -> None:
    path = tmp_path / "new" / "runs.db"
    store = open_store(str(tmp_path), str(path))
    try:
        store.runs(1)
        assert mode(path.parent) == 0o700
        assert {p.name: mode(p) for p in path.parent.iterdir()} == {n: 0o600 for n in ("runs.db", "runs.db-wal", "runs.db-shm")}
    finally:
        store.close()
