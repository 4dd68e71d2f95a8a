"""Are the default mode's function times right where threads and processes wait? Blind programs, their own truth.

`python -m benchmarks.thread_attribution [--runs N] [--glob 'bq_*.py'] [--before SRC] [--out FILE]`

Each program of `corpus/threads/` (README there: written blind, with a held-out set) prints the CPU seconds spent
in each of its named functions, measured inside them. One run through heatlens's default mode gives each function's
self time; per program and run: the total-variation distance between the two distributions over the named
functions (shares: where the time went) and each function's relative error (seconds: the totals the report
shows). `--before SRC`: the same runs with another checkout's `server/` folder, interleaved. No test asserts these
numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from benchmarks.common import HERE, PYTHON, median

CORPUS = HERE / "corpus" / "threads"


def truth_of(stdout: str) -> Dict[str, float]:
    line = [ln for ln in stdout.splitlines() if ln.startswith("GROUND_TRUTH ")][-1]
    return {k: float(v) for k, v in json.loads(line.split(" ", 1)[1]).items()}


def score(truth: Dict[str, float], got: Dict[str, float]) -> Dict[str, Any]:
    """TV between the shares of the named functions, and each one's relative error in seconds."""
    ts, gs = sum(truth.values()), sum(got.get(n, 0.0) for n in truth)
    tv = 0.5 * sum(abs(got.get(n, 0.0) / gs - truth[n] / ts) for n in truth) if gs > 0 else 1.0
    return {"tv": tv, "rel": {n: got.get(n, 0.0) / truth[n] - 1 for n in truth}}


def one_run(program: Path) -> Dict[str, Any]:
    """The program through heatlens's default mode (this interpreter's heatlens: PYTHONPATH picks the checkout)."""
    from heatlens.run import RunOptions, profile_target_sync
    from heatlens.backends.base import Target

    res = profile_target_sync(Target("script", str(program), cwd=str(program.parent)), RunOptions(timeout=120))
    if res.profile is None or res.failure.kind.value != "ok":
        return {"failed": str(res.failure)}
    truth = truth_of(res.stdout)
    got = {n: sum(f.self_time for f in res.profile.functions if f.qualname == n) for n in truth}
    return {**score(truth, got), "truth": truth, "got": got}


def run_in(server: Optional[str], program: Path) -> Dict[str, Any]:
    """One run in a fresh interpreter whose `heatlens` is `server`'s (None: this checkout's)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([server or str(HERE.parent / "server"), str(HERE.parent)]))
    code = "import json, sys; from benchmarks.thread_attribution import one_run; print(json.dumps(one_run(__import__('pathlib').Path(sys.argv[1]))))"
    proc = subprocess.run([PYTHON, "-c", code, str(program)], env=env, capture_output=True, text=True, timeout=300)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"failed": proc.stderr[-300:]}


def summary(rows: List[Dict[str, Any]]) -> Dict[str, float]:
    tvs = [float(r["tv"]) for r in rows if "tv" in r]
    errs = [abs(e) for r in rows if "rel" in r for e in r["rel"].values()]
    return {"runs": len(rows), "failed": sum(1 for r in rows if "failed" in r),
            "median_tv": median(tvs), "max_tv": max(tvs, default=float("nan")),
            "median_rel_err": median(errs), "max_rel_err": max(errs, default=float("nan"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--glob", default="*.py")
    parser.add_argument("--before", default=None, help="another checkout's server/ folder, run interleaved")
    parser.add_argument("--out", default=str(HERE / "thread_attribution.json"))
    args = parser.parse_args()
    sides = {"heatlens": None, **({"before": args.before} if args.before else {})}
    rows: Dict[str, Dict[str, List[Dict[str, Any]]]] = {side: {} for side in sides}
    for _ in range(args.runs):
        for program in sorted(CORPUS.glob(args.glob)):
            for side, server in sides.items():
                rows[side].setdefault(program.name, []).append(run_in(server, program))
                print(side, program.name, json.dumps(rows[side][program.name][-1].get("tv")), file=sys.stderr, flush=True)
    result = {side: {"summary": summary([r for rs in per.values() for r in rs]), "programs": per}
              for side, per in rows.items()}
    Path(args.out).write_text(json.dumps(result, indent=1))
    for side, data in result.items():
        print(side, json.dumps({k: round(v, 3) for k, v in data["summary"].items()}))


if __name__ == "__main__":
    main()
