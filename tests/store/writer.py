"""A store writer for the crash and concurrency tests: saves runs and prints each id once `save` returned.

Usage: python writer.py DB_PATH COUNT TAG [FUNCTIONS]
"""

from __future__ import annotations

import os
import sys

from heatlens.model import FileProfile, FunctionStats, LineStats, Profile, RunMeta
from heatlens.store import open_store


def big_profile(tag: str, i: int, functions: int) -> Profile:
    path = f"/proj/{tag}.py"
    funcs = [FunctionStats(f"mod.f{k}", path, k * 3 + 1, self_time=0.001 * k, total_time=0.002 * k, calls=k)
             for k in range(functions)]
    lines = [LineStats(line=k, cpu_python=0.0005 * k, samples=k, mem_alloc_mb=0.1) for k in range(1, functions * 3)]
    meta = RunMeta(target=f"{tag}.py", argv=[f"{tag}.py", str(i)], backend="agent", wall_time=1.0 + i, cpu_time=1.0)
    return Profile(meta=meta, files=[FileProfile(path, "sha", lines)], functions=funcs)


def main() -> None:
    db, count, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    functions = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    store = open_store(os.path.dirname(db), db)
    print("ready", flush=True)
    for i in range(count):
        run_id = store.save(big_profile(tag, i, functions), group=tag)
        print(run_id, flush=True)
    store.close()


if __name__ == "__main__":
    main()
