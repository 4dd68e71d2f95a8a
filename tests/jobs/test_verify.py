"""Verification is the runtime evidence behind a fix whose safety static analysis cannot prove: the join on a
list key (the measured unsafe case) and a set of dict rows are refused by it; the same rewrite on string keys
is applied; a cancel stops the run in progress within a second. Real runs of real programs."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import psutil

from heatlens.analysis.fixes import fix_source
from heatlens.backends.base import Target
from heatlens.jobs.verify import verify_fix, verify_fix_async
from heatlens.run import RunOptions

JOIN = """def pairs(A, B):
    n = 0
    for a in A:
        for s in B:
            if a["refs"] == s["refs"]:
                n += 1
    return n


A = [{{"refs": {key}}} for i in range(300)]
B = [{{"refs": {key}}} for i in range(300)]
print(pairs(A, B))
"""


def _verdict(tmp_path: Path, key: str):
    prog = tmp_path / f"join_{len(key)}.py"
    prog.write_text(JOIN.format(key=key))
    fixed = fix_source(prog.read_text(), "nested-loop-join", 4)
    assert fixed.ok and fixed.verify_only  # the key's type is unknown to static analysis
    return verify_fix(Target("script", str(prog), cwd=str(tmp_path)), str(prog), fixed.text, repeats=1)


def test_the_join_on_a_list_key_is_refused_by_its_verification(tmp_path: Path) -> None:
    verdict = _verdict(tmp_path, "[i % 7, 1]")  # a list: an index on it raises TypeError
    assert not verdict.ok and verdict.after_exit != 0


def test_the_same_join_on_string_keys_is_applied(tmp_path: Path) -> None:
    verdict = _verdict(tmp_path, "str(i % 7)")
    assert verdict.ok, verdict.reason


SLOW = """import os, sys, time
open(sys.argv[1], "a").write(f"{os.getpid()}\\n")
deadline = time.time() + 60
while time.time() < deadline:  # busy, not sleeping: the runner must stop a process that never yields
    sum(i * i for i in range(10000))
print("done")
"""


async def test_a_cancel_stops_the_run_in_progress_within_a_second(tmp_path: Path) -> None:
    prog, pids = tmp_path / "slow.py", tmp_path / "pids.txt"
    prog.write_text(SLOW)
    cancel = asyncio.Event()
    steps = []
    target = Target("script", str(prog), args=[str(pids)], cwd=str(tmp_path))
    task = asyncio.ensure_future(verify_fix_async(
        target, str(prog), SLOW.replace("done", "fixed"), RunOptions(backend="agent", timeout=120.0),
        cancel=cancel, progress=lambda message, fraction: steps.append(message)))
    deadline = time.monotonic() + 60
    while not (pids.exists() and pids.read_text().strip()):  # the first run's program is running
        assert time.monotonic() < deadline and not task.done()
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    cancelled_at = time.monotonic()
    cancel.set()
    verdict = await asyncio.wait_for(task, 10)
    took = time.monotonic() - cancelled_at
    assert not verdict.ok and "cancelled" in verdict.reason
    assert took < 1.0, f"the cancel took {took:.2f} s"
    assert steps == ["run 1/6 (before the fix)"]  # no further run started
    pid = int(pids.read_text().split()[0])
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert len(pids.read_text().split()) == 1

