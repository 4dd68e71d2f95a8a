"""Store: the size of a stored run (real profiles of the workloads, default mode) and history queries over
1,000 stored runs, through `heatlens.store.open_store` exactly as the CLI and the daemon use it."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from benchmarks.common import WORKLOADS, median, percentile

WORKLOAD_NAMES = ["call_heavy", "nested_loops", "alloc_heavy", "numpy_native", "io_sleep", "threads", "nbody",
                  "json_tasks"]


def real_profiles(scale: str, log: Callable[[str], None], names: List[str]) -> List[Any]:
    from heatlens.backends.base import Target
    from heatlens.run import RunOptions, profile_target_sync

    out = []
    for name in names:
        with tempfile.TemporaryDirectory(prefix="hlbench-store-") as cwd:
            res = profile_target_sync(Target(kind="script", value=str(WORKLOADS / f"{name}.py"), args=[scale], cwd=cwd),
                                      RunOptions(backend="agent"))
        if res.profile is not None:
            out.append((name, res.profile))
        else:
            log(f"  store: no profile for {name}: {res.failure.kind.value}")
    return out


def _timed(fn: Callable[[], Any], reps: int) -> List[float]:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def run(quick: bool = False, log: Callable[[str], None] = print, workloads: Optional[List[str]] = None,
        runs: Optional[int] = None) -> Dict[str, Any]:
    from heatlens.lsp.profiling import keep_sources
    from heatlens.store import open_store

    log("store: size per run and history over many runs")
    profiles = real_profiles("0.02" if quick else "0.3", log, workloads or WORKLOAD_NAMES)
    n_runs = runs or (50 if quick else 1000)
    result: Dict[str, Any] = {"runs": n_runs, "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="hlbench-db-") as root:
        store = open_store(root)
        try:
            for name, prof in profiles:
                bare = store.blob_size(store.save(prof))
                keep_sources(prof, [str(WORKLOADS)])  # as the daemon stores a run: with the user's sources as run
                with_src = store.blob_size(store.save(prof))
                result["sizes"][name] = {"blob_bytes": bare, "with_sources_bytes": with_src,
                                         "lines": sum(len(f.lines) for f in prof.files), "files": len(prof.files),
                                         "functions": len(prof.functions), "stacks": len(prof.stacks)}
            saves: List[float] = []
            base = time.time()
            for i in range(n_runs - 2 * len(profiles)):
                name, prof = profiles[i % len(profiles)]
                prof.meta.started_at = base + i
                t = time.perf_counter()
                store.save(prof)
                saves.append(time.perf_counter() - t)
            db = Path(store.path)
            result["db_bytes"] = sum(os.path.getsize(p) for p in db.parent.glob(db.name + "*"))
            result["save_ms"] = {"p50": median(saves) * 1000, "p99": percentile(saves, 99) * 1000}
            fn = next(f for f in profiles[0][1].functions if f.qualname == "small_calls") if profiles and \
                any(f.qualname == "small_calls" for f in profiles[0][1].functions) else profiles[0][1].functions[0]
            reps = 5 if quick else 30
            queries = {
                "list newest 50 runs": lambda: store.runs(50),
                f"list all {n_runs} runs": lambda: store.runs(n_runs),
                f"function history over {n_runs} runs": lambda: store.function_history(fn.file, fn.qualname, n_runs),
                "resolve 'previous'": lambda: store.resolve("previous"),
                "load newest run": lambda: store.load(store.runs(1)[0].id),
            }
            result["history_points"] = len(store.function_history(fn.file, fn.qualname, n_runs))
            result["queries_ms"] = {}
            for label, q in queries.items():
                ts = _timed(q, reps)
                result["queries_ms"][label] = {"p50": median(ts) * 1000, "max": max(ts) * 1000}
        finally:
            store.close()
    sizes = [s["with_sources_bytes"] for s in result["sizes"].values() if s["with_sources_bytes"]]
    result["typical_bytes"] = median(sizes) if sizes else None
    result["max_bytes"] = max(sizes) if sizes else None
    log(f"  store: median run {result['typical_bytes']} B, db {result['db_bytes']} B for {n_runs} runs")
    return result
