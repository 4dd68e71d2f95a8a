"""Stored big-O measurements (`heatlens bigo`, the editor's "Measure complexity" lens): SQL rows in and out.

One row per measurement, keyed by the function's file (real path), qualified name and the hash of the
function's source as measured, so that a result is shown again after a daemon restart only while the
function's text is the one that was timed (and shown as stale otherwise). Schema v3 (see schema.py).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Dict, List, Optional

import attrs

DDL = """
CREATE TABLE complexity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file TEXT NOT NULL,
    qualname TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    origin TEXT NOT NULL,
    label TEXT NOT NULL,
    r2 REAL NOT NULL,
    rel_error REAL NOT NULL,
    noise REAL NOT NULL,
    fit_from INTEGER NOT NULL,
    summary TEXT NOT NULL,
    sizes TEXT NOT NULL,
    runs TEXT NOT NULL,
    fits TEXT NOT NULL
);
CREATE INDEX complexity_key ON complexity(file, qualname, id);
"""

COLUMNS = ("id, file, qualname, source_hash, created_at, origin, label, r2, rel_error, noise, fit_from, summary,"
           " sizes, runs, fits")


@attrs.define
class ComplexityRow:
    """One measurement: `runs` are {"n", "best", "median", "times"} per size (seconds per call), `fits` every
    candidate model {"label", "a", "b", "rel_error", "r2"}; `label`/`r2`/`rel_error` are the chosen fit's."""

    file: str
    qualname: str
    source_hash: str
    created_at: float
    origin: str  # "cli" or "editor"
    label: str
    r2: float
    rel_error: float
    noise: float
    fit_from: int
    summary: str
    sizes: List[int] = attrs.Factory(list)
    runs: List[Dict[str, Any]] = attrs.Factory(list)
    fits: List[Dict[str, Any]] = attrs.Factory(list)
    id: Optional[int] = None

    def to_dict(self) -> Dict[str, Any]:
        return attrs.asdict(self)


def create(conn: sqlite3.Connection) -> None:
    """The v2 → v3 migration: a new table, existing tables untouched."""
    for stmt in (s.strip() for s in DDL.split(";")):
        if stmt:
            conn.execute(stmt)


def insert(conn: sqlite3.Connection, row: ComplexityRow) -> int:
    cur = conn.execute(
        f"INSERT INTO complexity ({COLUMNS.split(', ', 1)[1]}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (row.file, row.qualname, row.source_hash, row.created_at, row.origin, row.label, row.r2, row.rel_error,
         row.noise, row.fit_from, row.summary, json.dumps(row.sizes), json.dumps(row.runs), json.dumps(row.fits)),
    )
    return int(cur.lastrowid or 0)


def _row(r: sqlite3.Row) -> ComplexityRow:
    return ComplexityRow(
        id=r[0], file=r[1], qualname=r[2], source_hash=r[3], created_at=r[4], origin=r[5], label=r[6], r2=r[7],
        rel_error=r[8], noise=r[9], fit_from=r[10], summary=r[11], sizes=json.loads(r[12]), runs=json.loads(r[13]),
        fits=json.loads(r[14]),
    )


def select(conn: sqlite3.Connection, file: Optional[str] = None, qualname: Optional[str] = None,
           limit: int = 50) -> List[ComplexityRow]:
    """Newest first, optionally of one file and one function."""
    where: List[str] = []
    params: List[Any] = []
    if file:
        where.append("file = ?")
        params.append(file)
    if qualname:
        where.append("qualname = ?")
        params.append(qualname)
    sql = f"SELECT {COLUMNS} FROM complexity"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(int(limit))
    return [_row(r) for r in conn.execute(sql, params)]


def latest_per_function(conn: sqlite3.Connection, file: str) -> Dict[str, ComplexityRow]:
    """The newest measurement of each function of `file`: what the editor shows after a restart."""
    out: Dict[str, ComplexityRow] = {}
    for row in select(conn, file, None, limit=1000):
        out.setdefault(row.qualname, row)
    return out
