"""The embedded SQLite store of profiles: one database per project, shared by the CLI, the daemon and the API.

Concurrency and safety: WAL journal (readers never block the writer), a busy timeout so that two writers
(the CLI and the daemon) wait for each other instead of failing, and one `BEGIN IMMEDIATE` transaction per
saved run, so a writer killed at any point leaves either the whole run or none of it. Every SQLite error
becomes a `StoreError` with a message a user can act on; the store never deletes or rewrites a database
it cannot read.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator, List, Optional

from heatlens.model import Profile
from heatlens.store import complexity, queries, schema
from heatlens.store.complexity import ComplexityRow
from heatlens.store.queries import FunctionPoint, RunRow

STORE_DIR = ".heatlens"
STORE_FILE = "heatlens.db"
BUSY_TIMEOUT_MS = 30_000


class StoreError(Exception):
    """The store cannot be used (newer schema, corrupt file, locked too long, unknown run...)."""


def default_path(project_root: str) -> Path:
    return Path(project_root) / STORE_DIR / STORE_FILE


def _ensure_dir(folder: Path) -> None:
    # 0700/0600: the store keeps copies of the profiled sources; an existing folder keeps its mode
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if folder.name == STORE_DIR and not ignore.exists():
        try:
            ignore.write_text("# created by heatlens: profiles stay out of version control\n*\n")
        except OSError:
            pass  # a read-only checkout still gets a working store elsewhere; not worth failing for


def open_store(project_root: str, path: Optional[str] = None) -> "Store":
    """Open (creating or upgrading) the store of `project_root`; `path` overrides `<root>/.heatlens/heatlens.db`."""
    db_path = Path(path) if path else default_path(project_root)
    try:
        _ensure_dir(db_path.parent)
        _create_private(db_path)
    except OSError as exc:
        raise StoreError(f"cannot create the folder of the heatlens store {db_path}: {exc}") from exc
    return Store(str(db_path), project_root)


def _create_private(db_path: Path) -> None:
    """Create a new database file 0600 before SQLite does (its default is 0644); SQLite gives the WAL and
    shared-memory files the database file's mode."""
    try:
        os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


class Store:
    def __init__(self, path: str, project_root: str = "") -> None:
        self.path = path
        self.project_root = project_root or os.getcwd()
        self._lock = threading.RLock()
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly one run.
            self._conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the heatlens store {path}: {exc}") from exc
        try:
            self._setup()
        except BaseException:
            self._conn.close()
            raise

    # -- opening -------------------------------------------------------------------------------------
    def _setup(self) -> None:
        with self._guard("open"):
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            version = self._check_version()  # read-only checks first: never write into a file that isn't ours
            self._switch_to_wal()
            self._conn.execute("PRAGMA synchronous = FULL")  # a saved run survives power loss, not only a kill
            if version < schema.SCHEMA_VERSION:
                with self._transaction():
                    # Re-read under the write lock: another process may have migrated meanwhile.
                    current = self._conn.execute("PRAGMA user_version").fetchone()[0]
                    if current < schema.SCHEMA_VERSION:
                        schema.migrate(self._conn, current)

    def _switch_to_wal(self) -> None:
        # Changing the journal mode can fail at once with "database is locked" while another process creates
        # or migrates the same new file: SQLite's busy handler does not cover it, so wait here.
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _check_version(self) -> int:
        version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                f"the heatlens store {self.path} was written by a newer heatlens (store schema {version}, this "
                f"heatlens reads up to {schema.SCHEMA_VERSION}); upgrade heatlens, or point --store elsewhere"
            )
        if version == 0:
            tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            foreign = tables - schema.OUR_TABLES - {"sqlite_sequence"}
            if foreign:
                raise StoreError(
                    f"{self.path} is an SQLite database of something else (tables: {', '.join(sorted(foreign))}); "
                    "heatlens leaves it alone: point --store elsewhere"
                )
        return version

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Turn SQLite and blob errors into StoreError messages that say what to do."""
        with self._lock:
            try:
                yield
            except StoreError:
                raise
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise StoreError(f"the heatlens store {self.path} stayed locked by another process ({action}): {exc}") from exc
                raise StoreError(f"heatlens store {self.path}: {action} failed: {exc}") from exc
            except sqlite3.DatabaseError as exc:
                raise StoreError(
                    f"the heatlens store {self.path} is damaged or not a database ({exc}); heatlens left it "
                    "untouched: move it aside to start a new store, or point --store elsewhere"
                ) from exc
            except sqlite3.Error as exc:
                raise StoreError(f"heatlens store {self.path}: {action} failed: {exc}") from exc

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._conn.execute("BEGIN IMMEDIATE")  # take the write lock now, waiting up to busy_timeout
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # -- writing ------------------------------------------------------------------------------------
    def save(self, profile: Profile, group: Optional[str] = None) -> int:
        """Store one run atomically; returns its id once it is committed."""
        with self._guard("save"), self._transaction():
            return queries.insert_run(self._conn, profile, group)

    def delete(self, run_ids: List[int]) -> int:
        with self._guard("delete"), self._transaction():
            return queries.delete_runs(self._conn, list(run_ids))

    def apply_retention(self, keep_last: Optional[int] = None, max_age_days: Optional[float] = None) -> int:
        """Delete runs beyond the newest `keep_last` per target and runs older than `max_age_days`; returns the count."""
        if keep_last is None and max_age_days is None:
            return 0
        with self._guard("retention"), self._transaction():
            victims = queries.retention_victims(self._conn, keep_last, max_age_days)
            return queries.delete_runs(self._conn, victims)

    def save_complexity(self, row: ComplexityRow) -> int:
        """Store one big-O measurement (store/complexity.py); returns its id."""
        with self._guard("save complexity"), self._transaction():
            return complexity.insert(self._conn, row)

    # -- reading ------------------------------------------------------------------------------------
    def complexity_results(self, file: Optional[str] = None, qualname: Optional[str] = None,
                           limit: int = 50) -> List[ComplexityRow]:
        """Stored big-O measurements, newest first; `file` is matched by real path."""
        key = os.path.realpath(file) if file else None
        with self._guard("list complexity"):
            return complexity.select(self._conn, key, qualname, limit)

    def latest_complexity(self, file: str) -> "dict[str, ComplexityRow]":
        """The newest measurement of each function of `file` (by real path)."""
        with self._guard("read complexity"):
            return complexity.latest_per_function(self._conn, os.path.realpath(file))

    def load(self, run_id: int) -> Profile:
        with self._guard("load"):
            found = queries.load_blob(self._conn, int(run_id))
        if found is None:
            raise StoreError(f"no run #{run_id} in {self.path}")
        try:
            return queries.decode(*found)
        except Exception as exc:  # model.SchemaError, zlib.error: a damaged or too-new blob
            raise StoreError(f"run #{run_id} in {self.path} cannot be read: {exc}") from exc

    def run(self, run_id: int) -> RunRow:
        with self._guard("read"):
            row = queries.get_run(self._conn, int(run_id))
        if row is None:
            raise StoreError(f"no run #{run_id} in {self.path}")
        return row

    def _keys(self, target: Optional[str]) -> List[str]:
        """What a target the user names may be stored as: the name as run, or the script's real path."""
        if not target:
            return []
        return sorted({target, queries.target_key(target, os.getcwd()), queries.target_key(target, self.project_root)})

    def runs(self, limit: int = 50, target: Optional[str] = None) -> List[RunRow]:
        """Newest first; `target` matches the name as run or, for a script, the same file by real path."""
        keys = self._keys(target)
        with self._guard("list runs"):
            return queries.list_runs(self._conn, limit, keys)

    def blob_size(self, run_id: int) -> Optional[int]:
        with self._guard("read"):
            return queries.blob_size(self._conn, int(run_id))

    def group(self, group_id: str) -> List[int]:
        """Ids of the runs of a repeat group, oldest first."""
        with self._guard("read group"):
            return queries.group_ids(self._conn, group_id)

    def function_history(self, file: str, qualname: str, limit: int = 50) -> List[FunctionPoint]:
        """A function's numbers over runs, newest first, matched by file and qualified name (survives line moves)."""
        with self._guard("function history"):
            return queries.function_history(self._conn, file, qualname, limit)

    def resolve(self, ref: str, target: Optional[str] = None) -> int:
        """A run id from `latest`, `previous`, `#12`/`12`, `group:ID`, or a git ref (its latest run).

        `latest` is the newest run (of `target`, if given); `previous` the newest earlier run of the same
        target as `latest` that is not in its repeat group.
        """
        ref = ref.strip()
        with self._guard("resolve"):
            if ref in ("latest", "previous"):
                ids = queries.latest_ids(self._conn, 1, self._keys(target))
                if not ids:
                    raise StoreError(f"no runs{' of ' + target if target else ''} stored yet in {self.path}")
                if ref == "latest":
                    return ids[0]
                latest = queries.get_run(self._conn, ids[0])
                prev = queries.previous_id(self._conn, latest) if latest else None
                if prev is None:
                    raise StoreError(f"there is no earlier run of {latest.target if latest else target} to compare with")
                return prev
            # `#12` is always a run id; a bare number is one unless no such run exists and it names a
            # commit (an abbreviated hash can be all digits)
            if ref.lstrip("#").isdigit():
                run_id = int(ref.lstrip("#"))
                if queries.get_run(self._conn, run_id) is not None:
                    return run_id
                if ref.startswith("#") or len(ref) < 7 or git_rev_parse(self.project_root, ref) is None:
                    raise StoreError(f"no run #{run_id} in {self.path}")
            if ref.startswith("group:"):
                ids = queries.group_ids(self._conn, ref[len("group:"):])
                if not ids:
                    raise StoreError(f"no run group {ref[6:]!r} in {self.path}")
                return ids[-1]
        commit = git_rev_parse(self.project_root, ref)
        if commit is None:
            raise StoreError(f"{ref!r} is not a run id, 'latest', 'previous', or a git ref of {self.project_root}")
        with self._guard("resolve"):
            at_commit = queries.latest_at_commit(self._conn, commit)
        if at_commit is None:
            raise StoreError(f"no run recorded at {ref} ({commit[:12]})")
        return at_commit

    def integrity_check(self) -> str:
        with self._guard("integrity check"):
            return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def git_rev_parse(cwd: str, ref: str = "HEAD") -> Optional[str]:
    """The commit a git ref names in the repository at `cwd`, or None (not a repo, unknown ref, no git)."""
    if not ref or ref.startswith("-"):
        return None  # never let a ref be read as an option
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
            cwd=cwd or None, capture_output=True, text=True, timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = out.stdout.strip()
    return sha if out.returncode == 0 and sha else None
