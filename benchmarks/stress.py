"""`python -m benchmarks.stress [--runs N] [--jobs J] [--timeout S]`: the agent's robustness, counted.

Runs every program of tests/fixtures/stress (the same list as tests/backends/test_agent_stress.py) N times
(default 50) through the real agent backend on every CPython 3.9+ found (this one and pyenv's, see
tests/fixtures/pythons.py), J at a time, and prints per Python and program how many runs crashed (died by a
signal or failed), hung (reached the timeout) or changed the program's output (exit status, stdout or
stderr unlike a run without heatlens).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional, Tuple

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import REPO  # noqa: E402
from heatlens.model import FailureKind  # noqa: E402


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


def one_run(stress, name: str, args: Tuple[str, ...], children: bool, python: str, want) -> str:
    """"ok", "crash", "hang" or "output" for one profiled run."""
    r = stress.profiled(name, args, children, python)
    if r.failure.kind is FailureKind.TIMEOUT:
        return "hang"
    if not r.failure.ok:
        return "crash"
    if r.stdout != want.stdout.decode() or r.stderr != want.stderr.decode():
        return "output"
    return "ok"


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50, help="runs per program per Python (default 50)")
    ap.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before a run counts as hung")
    args = ap.parse_args(argv)
    pythons = interpreters()  # also makes heatlens_test_pythons importable for the test module
    stress = _load("heatlens_agent_stress", REPO / "tests" / "backends" / "test_agent_stress.py")
    stress.TIMEOUT = args.timeout
    totals: Dict[str, Counter] = {}
    for python, version in pythons:
        label = "%d.%d" % version
        totals[label] = Counter()
        for name, pargs, children in stress.PROGRAMS:
            want = stress.plain(name, pargs, python)
            if want.returncode != 0:
                print("%s %s: the program fails without heatlens; skipped" % (label, name))
                continue
            with ThreadPoolExecutor(args.jobs) as pool:
                got = Counter(pool.map(lambda _: one_run(stress, name, pargs, children, python, want),
                                       range(args.runs)))
            totals[label].update(got)
            prog = " ".join([name, *pargs]) + ("" if children else " (no children)")
            print("%-6s %-36s runs %3d  crash %3d  hang %3d  output %3d" % (
                label, prog, args.runs, got["crash"], got["hang"], got["output"]), flush=True)
    print("\ntotals per Python (runs / crashes / hangs / changed output):")
    for label, c in totals.items():
        print("  %s: %d / %d / %d / %d" % (label, sum(c.values()), c["crash"], c["hang"], c["output"]))
    return 1 if any(c["crash"] or c["hang"] or c["output"] for c in totals.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
