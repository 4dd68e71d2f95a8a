"""Apply a fix and verify it: run the program before and after through the real runner and compare.

    await verify_fix_async(target, path, fixed_text, options, cancel=event, progress=job.report) -> Verdict
    verify_fix(target, path, fixed_text, options) -> Verdict   # the same, blocking (CLI, benchmarks)

Both versions run from temporary copies of the project folder (the user's files are never touched),
with the same args, env and inputs; the fix is kept only when the exit status and stdout are equal and,
where given, a check command passes for the fixed copy. The speedup is the best-of-N CPU time (user +
system of the target's process tree) before divided by the best-of-N after: on a busy machine CPU time
is far steadier than wall time (both are reported). Setting `cancel` stops the run in progress (its whole
process tree, through the runner) and no further run starts: the verdict then says "cancelled".
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from typing import Callable, List, Optional, Sequence, Tuple

import attrs

from heatlens.backends.base import Target
from heatlens.run import RunOptions, RunResult, profile_target

Progress = Callable[[str, Optional[float]], None]

_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".pytest_cache", ".heatlens"}
MAX_COPY_FILES = 5000


@attrs.define
class Verdict:
    ok: bool  # behaviour kept (the fix may be applied)
    reason: str  # one line for the user
    before_wall: float = 0.0
    after_wall: float = 0.0
    speedup: float = 0.0  # CPU before / CPU after (> 1: faster); wall ratio when CPU is unknown
    before_cpu: float = 0.0
    after_cpu: float = 0.0
    before_exit: Optional[int] = None
    after_exit: Optional[int] = None


def _copy_tree(root: str, dest: str) -> None:
    count = 0

    def ignore(folder: str, names: List[str]) -> List[str]:
        nonlocal count
        count += len(names)
        if count > MAX_COPY_FILES:
            raise OSError(f"{root} has more than {MAX_COPY_FILES} files; too big to copy for verification")
        return [n for n in names if n in _SKIP_DIRS]

    shutil.copytree(root, dest, ignore=ignore, symlinks=True)


def _moved(target: Target, root: str, copy: str) -> Target:
    def move(p: Optional[str]) -> Optional[str]:
        if p is None:
            return None
        ap = os.path.abspath(p)
        rel = os.path.relpath(ap, root)
        return ap if rel.startswith("..") else os.path.join(copy, rel)

    value = move(target.value) if target.kind == "script" else target.value
    return attrs.evolve(target, value=value or target.value, cwd=move(target.cwd) or copy)


class Cancelled(Exception):
    """The verification was cancelled between or during its runs."""


async def _best(target: Target, options: RunOptions, repeats: int, cancel: asyncio.Event,
                step: Callable[[], None]) -> Tuple[RunResult, float, float]:
    """The first run's result and the best wall and CPU seconds over `repeats` runs."""
    best: Optional[RunResult] = None
    wall = cpu = float("inf")
    for _ in range(max(1, repeats)):
        step()
        result = await profile_target(target, options, cancel=cancel)
        if cancel.is_set():
            raise Cancelled()
        w = result.wall_time or (result.profile.meta.wall_time if result.profile else 0.0)
        c = result.profile.meta.cpu_time if result.profile else 0.0
        if best is None:
            best = result
        elif result.stdout != best.stdout or result.failure.exit_code != best.failure.exit_code:
            return result, w, c  # not even deterministic run to run: let the caller refuse
        wall, cpu = min(wall, w), min(cpu, c)
    assert best is not None
    return best, wall, cpu


def _check(argv: Sequence[str], cwd: str, timeout: Optional[float]) -> bool:
    try:
        return subprocess.run(list(argv), cwd=cwd, capture_output=True, timeout=timeout).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _exit(result: RunResult) -> Optional[int]:
    code = result.failure.exit_code
    if code is None and result.profile is not None:
        code = result.profile.meta.exit_code
    return code if code is not None else (0 if result.failure.ok else None)


def verify_fix(target: Target, path: str, fixed_text: str, options: Optional[RunOptions] = None,
               root: Optional[str] = None, check: Optional[Sequence[str]] = None, repeats: int = 3) -> Verdict:
    """`verify_fix_async`, blocking, without a cancel."""
    return asyncio.run(verify_fix_async(target, path, fixed_text, options, root, check, repeats))


async def verify_fix_async(target: Target, path: str, fixed_text: str, options: Optional[RunOptions] = None,
                           root: Optional[str] = None, check: Optional[Sequence[str]] = None, repeats: int = 3,
                           cancel: Optional[asyncio.Event] = None, progress: Optional[Progress] = None) -> Verdict:
    """Run `target` with `path` as it is and with `fixed_text` in its place; compare. `root` (default:
    the folder of `path`) is what gets copied; `check` is an argv run in each copy after the program."""
    options = options or RunOptions(backend="agent", timeout=120.0)
    cancel = cancel or asyncio.Event()
    root = os.path.abspath(root or os.path.dirname(os.path.abspath(path)))
    rel = os.path.relpath(os.path.abspath(path), root)
    if rel.startswith(".."):
        return Verdict(False, f"{path} is not inside {root}")
    runs = 2 * max(1, repeats)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(f"run {done}/{runs} ({'before' if done <= runs // 2 else 'after'} the fix)", (done - 1) / runs)

    with tempfile.TemporaryDirectory(prefix="heatlens-verify-") as tmp:
        before_dir, after_dir = os.path.join(tmp, "before"), os.path.join(tmp, "after")
        try:
            await asyncio.to_thread(_copy_tree, root, before_dir)
            await asyncio.to_thread(_copy_tree, root, after_dir)
        except OSError as exc:
            return Verdict(False, f"could not copy the project: {exc}")
        with open(os.path.join(after_dir, rel), "w", encoding="utf-8") as f:
            f.write(fixed_text)
        try:
            before, t_before, c_before = await _best(_moved(target, root, before_dir), options, repeats, cancel, step)
            after, t_after, c_after = await _best(_moved(target, root, after_dir), options, repeats, cancel, step)
        except Cancelled:
            return Verdict(False, "cancelled: the fix was not applied")
        timeout = options.timeout  # the check gets the runs' limit (None: none, as the user set)
        if c_before > 0 and c_after > 0:
            speedup = c_before / c_after
        else:
            speedup = t_before / t_after if t_after > 0 else 0.0
        v = Verdict(False, "", before_wall=t_before, after_wall=t_after, speedup=speedup, before_exit=_exit(before),
                    after_exit=_exit(after), before_cpu=c_before, after_cpu=c_after)
        if v.before_exit != v.after_exit:
            v.reason = f"behaviour changed: exit status {v.before_exit} before, {v.after_exit} after"
        elif before.stdout != after.stdout:
            v.reason = "behaviour changed: the program's output differs"
        elif check and not await asyncio.to_thread(_check, check, before_dir, timeout):
            v.reason = "the check command fails on the original program; cannot verify"
        elif check and not await asyncio.to_thread(_check, check, after_dir, timeout):
            v.reason = "behaviour changed: the check command fails after the fix"
        else:
            v.ok = True
            v.reason = (f"same exit status and output; {v.speedup:.2f}x faster "
                        f"(CPU {c_before:.2f} s -> {c_after:.2f} s, wall {t_before:.2f} s -> {t_after:.2f} s)")
        return v
