"""The store's SQLite schema, its version (`PRAGMA user_version`) and the migrations between versions.

A fresh database is built by running every migration from version 0, so the upgrade path that users'
older databases take is the same code every new database runs through.

History:
- v1: `runs` with the profile blob inline, `functions` rows for history queries.
- v2: blobs moved to `profiles` (with a codec, so they can be compressed) so that listing runs never
  reads blobs; runs gain `group_id` (repeated runs), `failure_message`, `target_key`, `saved_at`.
- v3: `complexity`: stored big-O measurements (store/complexity.py); earlier tables unchanged.
"""

from __future__ import annotations

import sqlite3
from typing import Callable, Dict

SCHEMA_VERSION = 3

# Tables a heatlens store has; a database whose user_version is 0 but holds other tables is not ours.
OUR_TABLES = {"runs", "functions", "profiles", "complexity"}

V1_DDL = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target TEXT NOT NULL,
    argv TEXT NOT NULL,
    backend TEXT NOT NULL,
    started_at REAL NOT NULL,
    wall REAL NOT NULL,
    cpu REAL NOT NULL,
    peak_mem_mb REAL,
    git_commit TEXT,
    failure_kind TEXT NOT NULL,
    interpreter TEXT NOT NULL,
    profile BLOB NOT NULL
);
CREATE INDEX runs_target ON runs(target, id);
CREATE TABLE functions (
    run_id INTEGER NOT NULL,
    file TEXT NOT NULL,
    qualname TEXT NOT NULL,
    line INTEGER NOT NULL,
    self_time REAL NOT NULL,
    total_time REAL NOT NULL,
    calls INTEGER,
    mem_alloc_mb REAL NOT NULL,
    mem_peak_mb REAL NOT NULL
);
CREATE INDEX functions_key ON functions(file, qualname, run_id);
CREATE INDEX functions_run ON functions(run_id);
"""

V2_RUNS_DDL = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id TEXT,
    target TEXT NOT NULL,
    target_key TEXT NOT NULL,
    argv TEXT NOT NULL,
    backend TEXT NOT NULL,
    started_at REAL NOT NULL,
    saved_at REAL NOT NULL,
    wall REAL NOT NULL,
    cpu REAL NOT NULL,
    peak_mem_mb REAL,
    git_commit TEXT,
    failure_kind TEXT NOT NULL,
    failure_message TEXT NOT NULL DEFAULT '',
    interpreter TEXT NOT NULL
);
"""

V2_INDEXES = """
CREATE INDEX runs_target ON runs(target_key, id);
CREATE INDEX runs_group ON runs(group_id);
CREATE INDEX runs_commit ON runs(git_commit, id);
CREATE INDEX runs_started ON runs(started_at);
"""


def _to_v1(conn: sqlite3.Connection) -> None:
    for stmt in _statements(V1_DDL):
        conn.execute(stmt)


def _to_v2(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE profiles (run_id INTEGER PRIMARY KEY, "
        "codec TEXT NOT NULL, size INTEGER NOT NULL, blob BLOB NOT NULL)"
    )
    conn.execute("INSERT INTO profiles SELECT id, 'msgpack', length(profile), profile FROM runs")
    # SQLite cannot drop the blob column in place on every supported version: rebuild the table
    # (create new, copy, drop old, rename: the order SQLite's ALTER TABLE docs prescribe).
    conn.execute(V2_RUNS_DDL.replace("CREATE TABLE runs", "CREATE TABLE runs_v2"))
    conn.execute(
        "INSERT INTO runs_v2 (id, group_id, target, target_key, argv, backend, started_at, saved_at, wall, cpu,"
        " peak_mem_mb, git_commit, failure_kind, failure_message, interpreter)"
        " SELECT id, NULL, target, target, argv, backend, started_at, started_at, wall, cpu, peak_mem_mb,"
        " git_commit, failure_kind, '', interpreter FROM runs"
    )
    conn.execute("DROP TABLE runs")  # drops its index runs_target too
    conn.execute("ALTER TABLE runs_v2 RENAME TO runs")
    for stmt in _statements(V2_INDEXES):
        conn.execute(stmt)


def _to_v3(conn: sqlite3.Connection) -> None:
    from heatlens.store import complexity

    complexity.create(conn)


def _statements(script: str) -> list:
    return [s.strip() for s in script.split(";") if s.strip()]


# MIGRATIONS[n] upgrades a database at version n to n + 1. Add one per schema change.
MIGRATIONS: Dict[int, Callable[[sqlite3.Connection], None]] = {0: _to_v1, 1: _to_v2, 2: _to_v3}


def migrate(conn: sqlite3.Connection, current: int) -> int:
    """Run the migrations from `current` to SCHEMA_VERSION inside the caller's transaction."""
    version = current
    while version < SCHEMA_VERSION:
        MIGRATIONS[version](conn)
        version += 1
    conn.execute(f"PRAGMA user_version = {int(version)}")
    return version
