"""The embedded SQLite store of runs: `open_store(project_root)` → `Store` (see db.py)."""

from heatlens.store.complexity import ComplexityRow
from heatlens.store.db import Store, StoreError, default_path, git_rev_parse, open_store
from heatlens.store.queries import FunctionPoint, RunRow

__all__ = ["ComplexityRow", "FunctionPoint", "RunRow", "Store", "StoreError", "default_path", "git_rev_parse", "open_store"]
