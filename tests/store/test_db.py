"""The SQLite store: round trips, resolution of run references, damaged files, concurrency and crash safety."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest

from heatlens.model import (
    ExceptionRecord, Failure, FailureKind, FileProfile, Frame, FunctionStats, LineStats, MemorySample, Profile,
    RunMeta, StackSample,
)
from heatlens.store import StoreError, default_path, open_store

WRITER = Path(__file__).parent / "writer.py"


def rich_profile(target: str = "app.py", wall: float = 1.5, commit: str = "", funcs: int = 3) -> Profile:
    meta = RunMeta(argv=[target, "--n", "3"], target=target, interpreter=sys.executable, python_version="3.11",
                   backend="agent", started_at=time.time(), wall_time=wall, cpu_time=wall * 0.9,
                   git_commit=commit or None, peak_rss_mb=123.5)
    functions = [FunctionStats(f"Work.f{k}", "/proj/app.py", 10 + 5 * k, self_time=0.1 * k, total_time=0.2 * k,
                               calls=k or None, mem_alloc_mb=1.5 * k, callers={"/proj/app.py:1:main": 0.1})
                 for k in range(funcs)]
    return Profile(
        meta=meta,
        files=[FileProfile("/proj/app.py", "ab" * 32, [LineStats(11, cpu_python=0.4, cpu_native=0.1, samples=40,
                                                                 mem_alloc_mb=2.0, hits=7)])],
        functions=functions,
        frames=[Frame("main", "/proj/app.py", 1), Frame("Work.f1", "/proj/app.py", 15)],
        stacks=[StackSample([0, 1], 0.25, leaf_line=16)],
        exceptions=[ExceptionRecord("KeyError", "k", "/proj/app.py", 17, count=3)],
        memory_series=[MemorySample(0.1, 10.0, 12.0, 50.0)],
        extras={"pstats": b"\x00\x01binary"},
    )


def test_round_trip_and_listing(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    assert Path(store.path) == default_path(str(tmp_path))
    assert (tmp_path / ".heatlens" / ".gitignore").read_text().splitlines()[-1] == "*"
    prof = rich_profile(funcs=40)
    run_id = store.save(prof)
    assert store.load(run_id) == prof
    (row,) = store.runs()
    assert (row.id, row.target, row.backend, row.wall, row.peak_mem_mb, row.failure_kind, row.argv) == (
        run_id, "app.py", "agent", 1.5, 123.5, "ok", ["app.py", "--n", "3"])
    assert row.ok and row.interpreter == sys.executable
    with pytest.raises(StoreError, match="no run #999"):
        store.load(999)
    store.close()


def test_failure_kind_and_message_are_listed(tmp_path: Path) -> None:
    with open_store(str(tmp_path)) as store:
        prof = rich_profile()
        prof.meta.failure = Failure(kind=FailureKind.TIMEOUT, message="killed after 5 s")
        store.save(prof)
        (row,) = store.runs()
        assert (row.failure_kind, row.failure_message, row.ok) == ("timeout", "killed after 5 s", False)


def test_runs_filter_by_target_real_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.py").write_text("pass\n")
    with open_store(str(tmp_path)) as store:
        a = rich_profile("a.py")
        a.meta.cwd = str(tmp_path)
        store.save(a)
        store.save(rich_profile("-m tool"))
        monkeypatch.chdir(tmp_path)
        assert [r.target for r in store.runs(target="a.py")] == ["a.py"]
        assert [r.target for r in store.runs(target=str(tmp_path / "a.py"))] == ["a.py"]
        assert [r.target for r in store.runs(target="-m tool")] == ["-m tool"]
        assert len(store.runs(limit=1)) == 1


def test_resolve_latest_previous_groups_ids(tmp_path: Path) -> None:
    with open_store(str(tmp_path)) as store:
        with pytest.raises(StoreError, match="no runs"):
            store.resolve("latest")
        single = store.save(rich_profile())
        g = [store.save(rich_profile(), group="grp1") for _ in range(3)]
        assert store.resolve("latest") == g[-1]
        assert store.resolve("previous") == single  # a repeat group counts as one run
        assert store.resolve(str(single)) == single and store.resolve(f"#{g[0]}") == g[0]
        assert store.group("grp1") == g
        assert store.resolve("group:grp1") == g[-1]
        other = store.save(rich_profile("other.py"))
        assert store.resolve("latest") == other
        with pytest.raises(StoreError, match="no earlier run of other.py"):
            store.resolve("previous")  # previous means the same program's earlier run
        assert store.resolve("latest", target="app.py") == g[-1]
        assert store.resolve("previous", target="app.py") == single
        with pytest.raises(StoreError):
            store.resolve("12345")
        with pytest.raises(StoreError, match="not a run id"):
            store.resolve("no-such-ref")


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def test_resolve_git_ref(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / "f.txt").write_text("1")
    _git(tmp_path, "add", "f.txt")
    _git(tmp_path, "commit", "-q", "-m", "one")
    first = _git(tmp_path, "rev-parse", "HEAD")
    _git(tmp_path, "tag", "v1")
    with open_store(str(tmp_path)) as store:
        old = store.save(rich_profile(commit=first))
        newer_same_commit = store.save(rich_profile(commit=first))
        store.save(rich_profile(commit="f" * 40))
        assert store.resolve("v1") == newer_same_commit != old
        assert store.resolve(first[:8]) == newer_same_commit
        (tmp_path / "f.txt").write_text("2")
        _git(tmp_path, "commit", "-q", "-am", "two")
        with pytest.raises(StoreError, match="no run recorded at HEAD"):
            store.resolve("HEAD")
        with pytest.raises(StoreError):
            store.resolve("--help")


def test_function_history_survives_line_moves(tmp_path: Path) -> None:
    with open_store(str(tmp_path)) as store:
        ids = []
        for k, line in enumerate([10, 10, 42]):
            prof = rich_profile(wall=1.0 + k)
            prof.functions = [FunctionStats("Work.run", "/proj/app.py", line, self_time=0.5 + k, total_time=1.0 + k)]
            ids.append(store.save(prof))
        hist = store.function_history("/proj/app.py", "Work.run", limit=10)
        assert [p.run_id for p in hist] == ids[::-1]
        assert [p.line for p in hist] == [42, 10, 10]
        assert [p.self_time for p in hist] == [2.5, 1.5, 0.5]
        assert hist[0].run_wall == 3.0
        assert len(store.function_history("/proj/app.py", "Work.run", limit=2)) == 2
        assert store.function_history("/proj/app.py", "nope") == []


def test_retention_keep_last_per_target_and_age(tmp_path: Path) -> None:
    with open_store(str(tmp_path)) as store:
        a = [store.save(rich_profile("a.py")) for _ in range(5)]
        b = [store.save(rich_profile("b.py")) for _ in range(2)]
        assert store.apply_retention(keep_last=3) == 2
        assert sorted(r.id for r in store.runs()) == sorted(a[2:] + b)
        with pytest.raises(StoreError):
            store.load(a[0])
        assert store.function_history("/proj/app.py", "Work.f1", 100) and all(
            p.run_id not in a[:2] for p in store.function_history("/proj/app.py", "Work.f1", 100))
        old = rich_profile("c.py")
        old.meta.started_at = time.time() - 10 * 86400
        old_id = store.save(old)
        assert store.apply_retention(max_age_days=5) == 1
        assert old_id not in [r.id for r in store.runs()]
        assert store.apply_retention() == 0
        assert store.integrity_check() == "ok"


def test_compression_is_used_when_it_helps(tmp_path: Path) -> None:
    with open_store(str(tmp_path)) as store:
        big = rich_profile(funcs=500)
        run_id = store.save(big)
        size = store.blob_size(run_id)
        from heatlens.model import dumps
        assert size is not None and size < len(dumps(big)) * 0.5
        assert store.load(run_id) == big


def test_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE runs (id INTEGER)")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="newer heatlens"):
        open_store(str(tmp_path), str(db))
    assert db.read_bytes() == before


def test_garbage_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    junk = random.Random(1).randbytes(20000)
    db.write_bytes(junk)
    with pytest.raises(StoreError, match="damaged or not a database"):
        open_store(str(tmp_path), str(db))
    assert db.read_bytes() == junk


def test_damaged_pages_give_store_errors_not_crashes(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with open_store(str(tmp_path), str(db)) as store:
        for _ in range(30):
            store.save(rich_profile(funcs=60))
    data = bytearray(db.read_bytes())
    page = 4096
    data[page:] = random.Random(2).randbytes(len(data) - page)  # keep the header page, wreck every table
    db.write_bytes(bytes(data))
    before = db.read_bytes()
    with pytest.raises(StoreError, match="damaged"):
        store = open_store(str(tmp_path), str(db))
        store.runs()
        store.load(1)
        store.function_history("/proj/app.py", "Work.f1")
    assert db.read_bytes() == before


def test_someone_elses_database_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="something else"):
        open_store(str(tmp_path), str(db))
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # not switched to WAL
    conn.close()


def _writer(db: Path, count: int, tag: str, functions: int = 50) -> "subprocess.Popen[str]":
    return subprocess.Popen([sys.executable, str(WRITER), str(db), str(count), tag, str(functions)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_writing_at_once_both_succeed(tmp_path: Path) -> None:
    db = tmp_path / ".heatlens" / "heatlens.db"  # both create and migrate the fresh store concurrently
    procs = [_writer(db, 25, tag, 300) for tag in ("cli", "daemon")]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    ids = [[int(x) for x in out.split()[1:]] for out, _ in outs]
    assert all(len(i) == 25 for i in ids) and not set(ids[0]) & set(ids[1])
    with open_store(str(tmp_path)) as store:
        assert store.group("cli") == ids[0] and store.group("daemon") == ids[1]
        assert store.integrity_check() == "ok"
        assert store.load(ids[1][-1]).meta.target == "daemon.py"


def test_killed_writers_never_corrupt_or_lose_committed_runs(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    rng = random.Random(42)
    committed: List[int] = []
    for attempt in range(30):
        proc = subprocess.Popen([sys.executable, str(WRITER), str(db), "100000", f"w{attempt}", "1500"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready", proc.stderr.read() if proc.stderr else b""
        time.sleep(rng.uniform(0.0, 0.25))  # saves take ~10-40 ms each: the kill lands mid-save most times
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        # only whole lines: a printed id means its save() had returned, i.e. the transaction committed
        committed += [int(x) for x in out.decode().split("\n")[:-1] if x.strip()]
    assert len(committed) >= 30
    with open_store(str(tmp_path), str(db)) as store:
        assert store.integrity_check() == "ok"
        for run_id in committed:
            assert len(store.load(run_id).functions) == 1500
        # no torn runs either: every listed run has its blob and all its function rows
        for row in store.runs(limit=100000):
            assert len(store.load(row.id).functions) == 1500
            assert len(store.function_history("/proj/" + row.group_id + ".py", "mod.f7", 5)) >= 1  # type: ignore[operator]


def test_unwritable_location_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot create"):
        open_store(str(tmp_path), str(blocker / "sub" / "h.db"))  # a file where the folder should be
