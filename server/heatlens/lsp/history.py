"""The store, and the latest stored runs shown at startup so that annotations survive a daemon restart."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

from pygls.exceptions import JsonRpcInvalidParams

from heatlens.lsp.annotations import FileData, files_of, path_key, prepared
from heatlens.lsp.profiling import read_source

if TYPE_CHECKING:
    from heatlens.lsp.server import HeatlensServer
    from heatlens.model import Profile

log = logging.getLogger(__name__)

STARTUP_RUNS = 5  # newest runs whose files get annotations at startup (older data is shadowed anyway)


def latest_files(store: Any, wanted: Callable[[str], bool], limit: int = STARTUP_RUNS) -> List[FileData]:
    """Per file, its data from the newest of the last `limit` runs that touched it (function spans for
    the `wanted` files only). Blocking."""
    seen: Dict[str, FileData] = {}
    for row in store.runs(limit):
        try:
            profile = store.load(row.id)
        except Exception:
            log.warning("skipping stored run %s that cannot be loaded", row.id, exc_info=True)
            continue
        for data in files_of(profile, row.id, read_source, wanted):
            seen.setdefault(path_key(data.path), data)
    return list(seen.values())


class History:
    def __init__(self, ls: "HeatlensServer") -> None:
        self.ls = ls
        self._store: Any = None
        self._failed = False
        self.task: "Optional[asyncio.Task[None]]" = None

    def store(self) -> Any:
        """The project's store, opened on first use; None (and one message) if it cannot be opened."""
        if self._store is None and not self._failed:
            from heatlens.store import open_store

            try:
                self._store = open_store(self.ls.project_root, self.ls.settings.store_path or None)
            except Exception as exc:
                self._failed = True
                log.exception("cannot open the store")
                self.ls.show(f"heatlens: runs will not be kept: {exc}")
        return self._store

    def store_or_fail(self) -> Any:
        """The store for a request that needs it: a JSON-RPC error when there is none."""
        store = self.store()
        if store is None:
            raise JsonRpcInvalidParams("the heatlens store is not available")
        return store

    async def load_run(self, run_id: Optional[int]) -> "Tuple[int, Profile]":
        """A stored run for a request (None: the newest), off the event loop; JSON-RPC errors otherwise."""
        store = self.store_or_fail()
        if run_id is None:
            rows = await asyncio.to_thread(store.runs, 1)
            if not rows:
                raise JsonRpcInvalidParams("no runs yet: profile something first")
            run_id = rows[0].id
        try:
            return run_id, await asyncio.to_thread(store.load, run_id)
        except Exception as exc:
            raise JsonRpcInvalidParams(f"cannot load run {run_id}: {exc}") from exc

    def start(self) -> None:
        self.task = asyncio.ensure_future(self._load())

    async def _load(self) -> None:
        try:
            store = await asyncio.to_thread(self.store)
            if store is None:
                return
            hooks = list(self.ls.prepare_hooks)
            datas = await asyncio.to_thread(lambda: prepared(latest_files(store, self.ls.index_wanted()), hooks))
        except Exception:
            log.exception("loading stored runs failed")
            return
        # A run that finished meanwhile has newer data: never overwrite it.
        fresh = [d for d in datas if path_key(d.path) not in self.ls.annotations.files]
        if fresh:
            log.info("showing stored runs for %d files", len(fresh))
            self.ls.add_files(fresh)
