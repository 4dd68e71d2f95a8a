"""SQL of the store: rows in, rows out. `Store` (db.py) wraps these in its lock and error handling."""

from __future__ import annotations

import json
import os
import sqlite3
import time
import zlib
from typing import Any, Iterable, List, Optional, Sequence, Set, Tuple

import attrs

from heatlens import model
from heatlens.model import Profile

# zlib only when it saves at least this fraction: msgpack of numbers often barely compresses.
_MIN_SAVING = 0.1

RUN_COLUMNS = (
    "id, group_id, target, target_key, argv, backend, started_at, saved_at, wall, cpu, peak_mem_mb,"
    " git_commit, failure_kind, failure_message, interpreter"
)


@attrs.define
class RunRow:
    """One stored run, without its profile (listing never reads blobs)."""

    id: int
    group_id: Optional[str]
    target: str
    target_key: str
    argv: List[str]
    backend: str
    started_at: float
    saved_at: float
    wall: float
    cpu: float
    peak_mem_mb: Optional[float]
    git_commit: Optional[str]
    failure_kind: str
    failure_message: str
    interpreter: str

    @property
    def ok(self) -> bool:
        return self.failure_kind == model.FailureKind.OK.value


@attrs.define
class FunctionPoint:
    """A function's numbers in one run: one point of its history."""

    run_id: int
    started_at: float
    git_commit: Optional[str]
    line: int
    self_time: float
    total_time: float
    calls: Optional[int]
    mem_alloc_mb: float
    mem_peak_mb: float
    run_wall: float


def _run_row(row: Sequence[Any]) -> RunRow:
    values = list(row)
    try:
        argv = json.loads(values[4])
    except ValueError:
        argv = []
    values[4] = argv if isinstance(argv, list) else []
    return RunRow(*values)


def target_key(target: str, base: str) -> str:
    """A target's identity for history: the real path of a script that exists, else the name as given."""
    if not target or target.startswith(("-m ", "-c")):
        return target
    path = target if os.path.isabs(target) else os.path.join(base or os.getcwd(), target)
    return os.path.realpath(path) if os.path.isfile(path) else target


def peak_memory(profile: Profile) -> Optional[float]:
    if profile.meta.peak_rss_mb is not None:
        return profile.meta.peak_rss_mb
    peaks = [max(s.peak_mb, s.current_mb, s.rss_mb or 0.0) for s in profile.memory_series]
    return max(peaks) if peaks else None


def encode(profile: Profile) -> Tuple[str, bytes]:
    raw = model.dumps(profile)
    packed = zlib.compress(raw, 6)
    if len(packed) <= len(raw) * (1 - _MIN_SAVING):
        return "msgpack+zlib", packed
    return "msgpack", raw


def decode(codec: str, blob: bytes) -> Profile:
    if codec == "msgpack+zlib":
        blob = zlib.decompress(blob)
    elif codec != "msgpack":
        raise model.SchemaError(f"unknown profile codec {codec!r}")
    return model.loads(blob)


def insert_run(conn: sqlite3.Connection, profile: Profile, group: Optional[str]) -> int:
    """Insert a run, its blob and its function rows; the caller holds the transaction."""
    meta = profile.meta
    base = meta.cwd or meta.project_root
    cur = conn.execute(
        "INSERT INTO runs (group_id, target, target_key, argv, backend, started_at, saved_at, wall, cpu,"
        " peak_mem_mb, git_commit, failure_kind, failure_message, interpreter)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            group,
            meta.target,
            target_key(meta.target, base),
            json.dumps(list(meta.argv)),
            meta.backend,
            float(meta.started_at or time.time()),
            time.time(),
            float(meta.wall_time),
            float(meta.cpu_time),
            peak_memory(profile),
            meta.git_commit,
            meta.failure.kind.value,
            meta.failure.message or "",
            meta.interpreter,
        ),
    )
    run_id = int(cur.lastrowid or 0)
    codec, blob = encode(profile)
    conn.execute("INSERT INTO profiles (run_id, codec, size, blob) VALUES (?, ?, ?, ?)", (run_id, codec, len(blob), blob))
    conn.executemany(
        "INSERT INTO functions (run_id, file, qualname, line, self_time, total_time, calls, mem_alloc_mb,"
        " mem_peak_mb) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (run_id, f.file, f.qualname, f.line, f.self_time, f.total_time, f.calls, f.mem_alloc_mb, f.mem_peak_mb)
            for f in profile.functions
        ],
    )
    return run_id


def load_blob(conn: sqlite3.Connection, run_id: int) -> Optional[Tuple[str, bytes]]:
    row = conn.execute("SELECT codec, blob FROM profiles WHERE run_id = ?", (run_id,)).fetchone()
    return (row[0], bytes(row[1])) if row else None


def blob_size(conn: sqlite3.Connection, run_id: int) -> Optional[int]:
    row = conn.execute("SELECT size FROM profiles WHERE run_id = ?", (run_id,)).fetchone()
    return int(row[0]) if row else None


def list_runs(conn: sqlite3.Connection, limit: int, keys: Iterable[str] = ()) -> List[RunRow]:
    where, params = _target_filter(list(keys))
    rows = conn.execute(
        f"SELECT {RUN_COLUMNS} FROM runs{where} ORDER BY id DESC LIMIT ?", (*params, max(0, int(limit)))
    ).fetchall()
    return [_run_row(r) for r in rows]


def get_run(conn: sqlite3.Connection, run_id: int) -> Optional[RunRow]:
    row = conn.execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
    return _run_row(row) if row else None


def latest_ids(conn: sqlite3.Connection, count: int, keys: Sequence[str] = ()) -> List[int]:
    where, params = _target_filter(keys)
    rows = conn.execute(f"SELECT id FROM runs{where} ORDER BY id DESC LIMIT ?", (*params, count))
    return [int(r[0]) for r in rows]


def _target_filter(keys: Sequence[str]) -> Tuple[str, Tuple[str, ...]]:
    if not keys:
        return "", ()
    marks = ", ".join("?" * len(keys))
    return f" WHERE (target_key IN ({marks}) OR target IN ({marks}))", (*keys, *keys)


def previous_id(conn: sqlite3.Connection, latest: RunRow) -> Optional[int]:
    """The newest run of the same target before `latest`, outside its group (a repeat group counts as one run)."""
    row = conn.execute(
        "SELECT id FROM runs WHERE id < ? AND target_key = ? AND (group_id IS NULL OR group_id IS NOT ?)"
        " ORDER BY id DESC LIMIT 1",
        (latest.id, latest.target_key, latest.group_id),
    ).fetchone()
    return int(row[0]) if row else None


def latest_at_commit(conn: sqlite3.Connection, commit: str) -> Optional[int]:
    row = conn.execute(
        "SELECT id FROM runs WHERE git_commit = ? OR git_commit LIKE ? ORDER BY id DESC LIMIT 1",
        (commit, commit + "%"),
    ).fetchone()
    return int(row[0]) if row else None


def group_ids(conn: sqlite3.Connection, group_id: str) -> List[int]:
    return [int(r[0]) for r in conn.execute("SELECT id FROM runs WHERE group_id = ? ORDER BY id", (group_id,))]


def function_history(conn: sqlite3.Connection, file: str, qualname: str, limit: int) -> List[FunctionPoint]:
    rows = conn.execute(
        "SELECT f.run_id, r.started_at, r.git_commit, f.line, f.self_time, f.total_time, f.calls,"
        " f.mem_alloc_mb, f.mem_peak_mb, r.wall FROM functions f JOIN runs r ON r.id = f.run_id"
        " WHERE f.file = ? AND f.qualname = ? ORDER BY f.run_id DESC LIMIT ?",
        (file, qualname, max(0, int(limit))),
    ).fetchall()
    return [FunctionPoint(*r) for r in rows]


def delete_runs(conn: sqlite3.Connection, ids: Sequence[int]) -> int:
    for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        chunk = list(ids[start : start + 500])
        marks = ", ".join("?" * len(chunk))
        for table, column in (("functions", "run_id"), ("profiles", "run_id"), ("runs", "id")):
            conn.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)
    return len(ids)


def retention_victims(conn: sqlite3.Connection, keep_last: Optional[int], max_age_days: Optional[float]) -> List[int]:
    """Ids of runs beyond the newest `keep_last` of their target, or older than `max_age_days`."""
    victims: Set[int] = set()
    if keep_last is not None:
        rows = conn.execute(
            "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY target_key ORDER BY id DESC) AS n FROM runs)"
            " WHERE n > ?",
            (max(0, int(keep_last)),),
        )
        victims.update(int(r[0]) for r in rows)
    if max_age_days is not None:
        cutoff = time.time() - float(max_age_days) * 86400.0
        victims.update(int(r[0]) for r in conn.execute("SELECT id FROM runs WHERE started_at < ?", (cutoff,)))
    return sorted(victims)
