"""`python -m benchmarks.stress [--runs N] [--backend B] [--record FILE]`: robustness of a backend, counted.

Runs every program of tests/fixtures/stress (the same list as tests/backends/test_agent_stress.py) N times
(default 50) through the real runner with backend B (`agent`, or `auto`: the default, py-spy from outside;
`none`: the program alone, with its process group killed at the timeout: its own rate of hangs, the baseline)
on every CPython 3.9+ found (this one and pyenv's, see tests/fixtures/pythons.py), J at a time, and prints
per Python and program how many runs crashed (died by a signal or failed), hung (reached the timeout) or
changed the program's output (exit status, stdout or stderr unlike a run without heatlens).

With `--record FILE` every run's outcome is appended to FILE (JSON lines, with the git commit it ran on), and
a later call resumes: it runs only what the file lacks. A run still going at 3/4 of the timeout gets
`py-spy dump` of each of its processes recorded (`stacks`): what tells a deadlock from a starved process. Runs go in levels of `--step` per program, all
Pythons and programs reaching one level before the next starts, so a batch cut short stays even.
`--summary FILE` prints the recorded counts as a Markdown table per Python and backend.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import REPO  # noqa: E402
from heatlens.backends.base import BackendOptions, Target  # noqa: E402
from heatlens.model import FailureKind  # noqa: E402
from heatlens.run import RunOptions, RunResult, profile_target_sync  # noqa: E402

OUTCOMES = ("ok", "crash", "hang", "output")


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def interpreters() -> List[Tuple[str, Tuple[int, int]]]:
    pythons = sys.modules.get("heatlens_test_pythons") or _load("heatlens_test_pythons",
                                                                 REPO / "tests" / "fixtures" / "pythons.py")
    return sorted([(sys.executable, tuple(sys.version_info[:2]))] + pythons.other_interpreters(), key=lambda p: p[1])


def program_label(name: str, args: Tuple[str, ...], children: bool) -> str:
    return " ".join([name, *args]) + ("" if children else " (no children)")


def head_commit() -> str:
    """HEAD, with "+dirty" when heatlens's own code has uncommitted changes (others edit the shared tree)."""
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=str(REPO), capture_output=True, text=True).stdout.strip()
    return git("rev-parse", "--short=12", "HEAD") + ("+dirty" if git("status", "--porcelain", "server") else "")


def marked_pids(marker: str) -> List[int]:
    """Processes (any of the run's tree: the environment is inherited) whose environment holds `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def stacks_of(marker: str) -> str:
    """`py-spy dump` of every process of a run, to tell a deadlock from a starved process when one hangs."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = []
    for pid in marked_pids(marker):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:200]
            dump = subprocess.run([spy, "dump", "--pid", str(pid)], capture_output=True, text=True, timeout=20)
            out.append(f"== {pid}: {cmd}\n{dump.stdout[-3000:]}{dump.stderr[-300:]}")
        except (OSError, subprocess.SubprocessError) as exc:
            out.append(f"== {pid}: {exc}")
    return "\n".join(out)


def profiled(stress, name: str, args: Tuple[str, ...], children: bool, python: str, backend: str) -> Tuple[RunResult, str]:
    """The run, and the stacks of its processes if it was still going at 3/4 of the timeout."""
    marker = "HEATLENS_STRESS_RUN=" + secrets.token_hex(8)
    stacks: List[str] = []
    watchdog = threading.Timer(stress.TIMEOUT * 0.75, lambda: stacks.append(stacks_of(marker)))
    watchdog.start()
    try:
        result = profile_target_sync(
            Target(kind="script", value=str(stress.STRESS / name), args=list(args), cwd=str(stress.STRESS),
                   python=python, env={"HEATLENS_STRESS_RUN": marker.split("=", 1)[1]}),
            RunOptions(backend=backend, timeout=stress.TIMEOUT, backend_options=BackendOptions(children=children)))
    finally:
        watchdog.cancel()
    return result, "".join(stacks)


def unprofiled(stress, name: str, args: Tuple[str, ...], python: str, want: subprocess.CompletedProcess) -> Tuple[str, str]:
    """("ok" | "crash" | "hang" | "output", what) of the program run without heatlens (`--backend none`): its own
    rate of hangs and crashes, the baseline the profiled runs' are read against. Its process group is killed at
    the timeout, so that a hung pool's workers do not outlive it."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
    proc = subprocess.Popen([python, str(stress.STRESS / name), *args], cwd=str(stress.STRESS), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=stress.TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "hang", "ran past %g s without heatlens" % stress.TIMEOUT
    if proc.returncode != 0:
        return "crash", "exit status %d | %s" % (proc.returncode, err.decode(errors="replace")[-600:])
    if out != want.stdout or err != want.stderr:
        return "output", "stdout %r / stderr %r" % (out[-300:], err[-300:])
    return "ok", ""


def classify_run(r: RunResult, want: subprocess.CompletedProcess) -> Tuple[str, str]:
    """("ok" | "crash" | "hang" | "output", what went wrong) for one profiled run against the plain one."""
    if r.failure.kind is FailureKind.TIMEOUT:
        return "hang", r.failure.message
    if not r.failure.ok:
        return "crash", "%s: %s | %s" % (r.failure.kind.value, r.failure.message, r.stderr[-600:])
    if r.stdout != want.stdout.decode() or r.stderr != want.stderr.decode():
        return "output", "stdout %r / stderr %r" % (r.stdout[-300:], r.stderr[-300:])
    return "ok", ""


def scrubbed(text: str) -> str:
    """A record's text without this machine's paths: the checkout, the home folder, the temporary folder."""
    for path, name in ((str(REPO), "<repo>"), (str(Path.home()), "~"), (tempfile.gettempdir(), "<tmp>")):
        text = text.replace(path, name)
    return text


def read_records(path: Optional[Path]) -> List[dict]:
    if path is None or not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def levels(runs: int, step: int) -> List[int]:
    """Run counts to reach in turn: step, 2*step, ..., runs."""
    step = max(1, min(step, runs))
    return sorted({min(runs, k) for k in range(step, runs + step, step)})


def summarize(records: Iterable[dict]) -> str:
    """A Markdown table: runs and outcomes per backend and Python, with the commits the runs were made on."""
    counts: Dict[Tuple[str, str], Counter] = {}
    programs: Dict[Tuple[str, str], Counter] = {}
    commits: Dict[Tuple[str, str], set] = {}
    for r in records:
        key = (r["backend"], r["python"])
        counts.setdefault(key, Counter())[r["outcome"]] += 1
        programs.setdefault(key, Counter())[r["program"]] += 1
        commits.setdefault(key, set()).add(r["commit"])
    rows = ["| backend | Python | runs | programs × runs each | crashes | hangs | changed output | commits |",
            "|---|---|---|---|---|---|---|---|"]
    for key in sorted(counts, key=lambda k: (k[0], tuple(int(x) for x in k[1].split(".")))):
        c, per = counts[key], programs[key]
        each = "%d × %d" % (len(per), min(per.values())) + ("" if len(set(per.values())) == 1
                                                            else "–%d" % max(per.values()))
        rows.append("| %s | %s | %d | %s | %d | %d | %d | %s |" % (
            key[0], key[1], sum(c.values()), each, c["crash"], c["hang"], c["output"],
            ", ".join(sorted(commits[key]))))
    return "\n".join(rows)


def plain_output(stress, name, pargs, python):
    """The program's own run without heatlens (the output every profiled run must give), or None when it fails;
    a fork pool on 3.12 can hang by itself (a lock held by a thread at fork): one more try."""
    for _ in range(2):
        try:
            want = stress.plain(name, pargs, python)
        except subprocess.TimeoutExpired:
            continue
        return want if want.returncode == 0 else None
    return None


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50, help="runs per program per Python (default 50)")
    ap.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before a run counts as hung")
    ap.add_argument("--backend", default="agent",
                    help="the runner's backend: agent (default), auto, pyspy; none: the program alone (its own rate)")
    ap.add_argument("--python", action="append", default=[], help="only these versions (e.g. 3.9); repeatable")
    ap.add_argument("--record", type=Path, help="append each run's outcome here (JSON lines) and resume from it")
    ap.add_argument("--program", action="append", default=[], help="only programs whose label holds this; repeatable")
    ap.add_argument("--step", type=int, default=10, help="runs per program before moving to the next one")
    ap.add_argument("--summary", type=Path, help="only print the Markdown table of a record file")
    args = ap.parse_args(argv)
    if args.summary:
        print(summarize(read_records(args.summary)))
        return 0
    pythons = [p for p in interpreters() if not args.python or "%d.%d" % p[1] in args.python]
    stress = _load("heatlens_agent_stress", REPO / "tests" / "backends" / "test_agent_stress.py")
    stress.TIMEOUT = args.timeout
    done = Counter((r["backend"], r["python"], r["program"]) for r in read_records(args.record))
    lock = threading.Lock()
    totals: Dict[str, Counter] = {"%d.%d" % v: Counter() for _, v in pythons}
    wants: Dict[Tuple[str, str], Optional[subprocess.CompletedProcess]] = {}
    loaded = head_commit()  # the runner and backends' daemon side are this call's imports, from now
    for level in levels(args.runs, args.step):
        commit = head_commit()  # per level: the files run in subprocesses (wrapper, launcher, agent) may change
        for python, version in pythons:
            label = "%d.%d" % version
            for name, pargs, children in stress.PROGRAMS:
                prog = program_label(name, pargs, children)
                if args.program and not any(p in prog for p in args.program):
                    continue
                todo = level - done[(args.backend, label, prog)]
                if todo <= 0:
                    continue
                if (python, prog) not in wants:
                    wants[(python, prog)] = plain_output(stress, name, pargs, python)
                want = wants[(python, prog)]
                if want is None:
                    print("%s %s: the program fails or hangs without heatlens; skipped" % (label, prog))
                    continue

                def one(_: int) -> str:
                    t0 = time.monotonic()
                    if args.backend == "none":
                        (outcome, detail), stacks, used = unprofiled(stress, name, pargs, python, want), "", "none"
                    else:
                        r, stacks = profiled(stress, name, pargs, children, python, args.backend)
                        (outcome, detail), used = classify_run(r, want), r.profile.meta.backend if r.profile else ""
                    rec = {"backend": args.backend, "used": used,
                           "python": label, "program": prog, "outcome": outcome, "commit": commit, "loaded": loaded,
                           "seconds": round(time.monotonic() - t0, 2), "detail": detail[-900:]}
                    if stacks:  # a run that was slow or hung: where each of its processes was
                        rec["stacks"] = stacks[-20000:]
                    if args.record:
                        with lock, args.record.open("a") as f:
                            f.write(scrubbed(json.dumps(rec)) + "\n")
                    return outcome

                with ThreadPoolExecutor(args.jobs) as pool:
                    got = Counter(pool.map(one, range(todo)))
                done[(args.backend, label, prog)] += todo
                totals[label].update(got)
                print("%-6s %-36s runs %3d (now %3d)  crash %3d  hang %3d  output %3d  [%s]" % (
                    label, prog, todo, level, got["crash"], got["hang"], got["output"], commit), flush=True)
    print("\ntotals of this call per Python (runs / crashes / hangs / changed output):")
    for label, c in totals.items():
        print("  %s: %d / %d / %d / %d" % (label, sum(c.values()), c["crash"], c["hang"], c["output"]))
    return 1 if any(c["crash"] or c["hang"] or c["output"] for c in totals.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
