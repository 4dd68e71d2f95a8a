"""Schema versions and migrations: databases written by older store versions open and keep their runs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from heatlens.model import FunctionStats, Profile, RunMeta, dumps
from heatlens.store import open_store, schema

# The store as version 1 wrote it (written out here, not imported, so that the fixture stays what v1 was).
V1_SQL = """
CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, target TEXT NOT NULL, argv TEXT NOT NULL,
    backend TEXT NOT NULL, started_at REAL NOT NULL, wall REAL NOT NULL, cpu REAL NOT NULL, peak_mem_mb REAL,
    git_commit TEXT, failure_kind TEXT NOT NULL, interpreter TEXT NOT NULL, profile BLOB NOT NULL);
CREATE INDEX runs_target ON runs(target, id);
CREATE TABLE functions (run_id INTEGER NOT NULL, file TEXT NOT NULL, qualname TEXT NOT NULL,
    line INTEGER NOT NULL, self_time REAL NOT NULL, total_time REAL NOT NULL, calls INTEGER,
    mem_alloc_mb REAL NOT NULL, mem_peak_mb REAL NOT NULL);
CREATE INDEX functions_key ON functions(file, qualname, run_id);
CREATE INDEX functions_run ON functions(run_id);
PRAGMA user_version = 1;
"""


def _v1_profile(k: int) -> Profile:
    return Profile(meta=RunMeta(target="old.py", argv=["old.py"], backend="cprofile", started_at=1000.0 + k,
                                wall_time=2.0 + k, cpu_time=1.5),
                   functions=[FunctionStats("main", "/p/old.py", 3, self_time=0.5, total_time=1.0 + k, calls=1)])


def test_fresh_database_runs_every_migration(tmp_path: Path) -> None:
    with open_store(str(tmp_path)) as store:
        store.save(_v1_profile(0))
        db = store.path
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert schema.OUR_TABLES <= tables
    conn.close()


def test_v0_empty_sqlite_file_is_initialized(tmp_path: Path) -> None:
    db = tmp_path / "v0.db"
    sqlite3.connect(db).close()  # an existing, empty database: user_version 0, no tables
    with open_store(str(tmp_path), str(db)) as store:
        run_id = store.save(_v1_profile(0))
        assert store.load(run_id).meta.target == "old.py"


def test_v1_database_migrates_with_its_runs(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    conn = sqlite3.connect(db)
    conn.executescript(V1_SQL)
    for k in range(3):
        prof = _v1_profile(k)
        cur = conn.execute(
            "INSERT INTO runs (target, argv, backend, started_at, wall, cpu, peak_mem_mb, git_commit, failure_kind,"
            " interpreter, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ("old.py", json.dumps(["old.py"]), "cprofile", 1000.0 + k, 2.0 + k, 1.5, None, "abc123", "ok",
             "/usr/bin/python3", dumps(prof)),
        )
        conn.execute("INSERT INTO functions VALUES (?, 'file', 'main', 3, 0.5, ?, 1, 0, 0)", (cur.lastrowid, 1.0 + k))
    conn.commit()
    conn.close()

    with open_store(str(tmp_path), str(db)) as store:
        rows = store.runs()
        assert [r.id for r in rows] == [3, 2, 1]
        assert [r.wall for r in rows] == [4.0, 3.0, 2.0]
        assert rows[0].git_commit == "abc123" and rows[0].group_id is None and rows[0].argv == ["old.py"]
        assert store.load(2) == _v1_profile(1)
        assert [p.total_time for p in store.function_history("file", "main")] == [3.0, 2.0, 1.0]
        assert store.runs(target="old.py")[0].id == 3
        new_id = store.save(_v1_profile(5), group="g")
        assert new_id == 4  # AUTOINCREMENT carried over: ids are never reused
        assert store.integrity_check() == "ok"
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    cols = [r[1] for r in conn.execute("PRAGMA table_info(runs)")]
    assert "profile" not in cols and "group_id" in cols
    conn.close()


def test_reopening_a_current_database_changes_nothing(tmp_path: Path) -> None:
    with open_store(str(tmp_path)) as store:
        run_id = store.save(_v1_profile(0))
    with open_store(str(tmp_path)) as store:
        assert [r.id for r in store.runs()] == [run_id]
