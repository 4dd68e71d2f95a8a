"""Stored big-O results: round trip through the store, and the v2 → v3 migration of an existing store file
(its runs kept, the new table added)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import attrs

from heatlens.model import FunctionStats, Profile, RunMeta
from heatlens.store import ComplexityRow, open_store, queries, schema


def _row(qualname: str, created: float, label: str = "O(n²)", file: str = "/p/algo.py") -> ComplexityRow:
    return ComplexityRow(
        file=file, qualname=qualname, source_hash="h-" + qualname, created_at=created, origin="cli", label=label,
        r2=0.99, rel_error=0.05, noise=0.01, fit_from=100, summary=f"≈ {label} (R² 0.99, n=100…800)",
        sizes=[100, 200, 400, 800],
        runs=[{"n": n, "best": n * n * 1e-9, "median": n * n * 1.1e-9, "times": [n * n * 1e-9]} for n in (100, 200, 400, 800)],
        fits=[{"label": "O(n)", "a": 0.0, "b": 1e-6, "rel_error": 0.4, "r2": 0.5},
              {"label": label, "a": 0.0, "b": 1e-9, "rel_error": 0.05, "r2": 0.99}],
    )


def test_round_trip_newest_first_and_latest_per_function(tmp_path: Path) -> None:
    src = tmp_path / "algo.py"
    src.write_text("def f(n):\n    return n\n")
    with open_store(str(tmp_path)) as store:
        first = store.save_complexity(_row("f", 10.0, "O(n)", str(src)))
        second = store.save_complexity(_row("f", 20.0, "O(n²)", str(src)))
        store.save_complexity(_row("g", 15.0, "O(1)", str(src)))
        store.save_complexity(_row("f", 30.0, "O(n³)", "/elsewhere/other.py"))
    with open_store(str(tmp_path)) as store:  # reopened: it really is on disk
        rows = store.complexity_results(str(src), "f")
        assert [r.id for r in rows] == [second, first]
        back = rows[0]
        assert back == attrs.evolve(_row("f", 20.0, "O(n²)", str(src)), id=second)  # every field survives
        assert back.runs[-1]["n"] == 800 and [f["label"] for f in back.fits] == ["O(n)", "O(n²)"]
        latest = store.latest_complexity(str(src))
        assert {q: r.label for q, r in latest.items()} == {"f": "O(n²)", "g": "O(1)"}
        assert len(store.complexity_results()) == 4 and len(store.complexity_results(limit=2)) == 2


def test_v2_store_file_migrates_keeping_its_runs(tmp_path: Path) -> None:
    db = tmp_path / "v2.db"
    conn = sqlite3.connect(db, isolation_level=None)
    schema.MIGRATIONS[0](conn)  # build the store exactly as version 2 left it
    schema.MIGRATIONS[1](conn)
    conn.execute("PRAGMA user_version = 2")
    prof = Profile(meta=RunMeta(target="old.py", argv=["old.py"], backend="cprofile", started_at=1000.0,
                                wall_time=2.0, cpu_time=1.5),
                   functions=[FunctionStats("main", "/p/old.py", 3, self_time=0.5, total_time=1.0, calls=1)])
    run_id = queries.insert_run(conn, prof, None)
    conn.close()

    with open_store(str(tmp_path), str(db)) as store:
        assert store.load(run_id) == prof
        assert store.complexity_results() == []
        new = store.save_complexity(_row("f", 1.0))
        assert [r.id for r in store.complexity_results("/p/algo.py", "f")] == [new]
        assert store.integrity_check() == "ok"
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION == 3
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"runs", "functions", "profiles", "complexity"} <= tables
    conn.close()
