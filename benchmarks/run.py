"""One command for every benchmark: `.venv/bin/python benchmarks/run.py [--quick] [--only overhead,accuracy,editor,store]`.

Writes `RESULTS.md`, `results.json` and `results.png` into --out-dir (default: benchmarks/ for a full run;
a --quick run writes nothing unless --out-dir is given, so it never overwrites the real results).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import report  # noqa: E402
from benchmarks.common import HERE, machine_facts, tool_versions  # noqa: E402

PARTS = ["overhead", "accuracy", "editor", "store"]


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes and one repetition: proves the harness, measures nothing")
    p.add_argument("--only", default="", help="comma-separated parts: " + ",".join(PARTS))
    p.add_argument("--reps", type=int, default=None, help="overhead repetitions (default 3, quick 1)")
    p.add_argument("--out-dir", default=None, help="where RESULTS.md, results.json and results.png go")
    p.add_argument("--report-only", action="store_true", help="re-render RESULTS.md and the plot from results.json")
    p.add_argument("--note", default="", help="a line put at the top of RESULTS.md (e.g. 'measured on a busy machine')")
    return p.parse_args(argv)


def run_parts(parts: List[str], quick: bool, reps: Optional[int], log: Callable[[str], None],
              checkpoint: Optional[Callable[[Dict[str, Any]], None]] = None) -> Dict[str, Any]:
    """Each part in turn; a part that breaks is recorded as an error and the others still run. `checkpoint`
    gets the results so far after every part (a late failure loses nothing)."""
    import traceback

    from benchmarks import accuracy, editor, overhead, store_bench

    runners: Dict[str, Callable[[], Dict[str, Any]]] = {
        "overhead": lambda: overhead.run(quick=quick, reps=reps, log=log),
        "accuracy": lambda: accuracy.run(quick=quick, log=log),
        "editor": lambda: editor.run(quick=quick, log=log),
        "store": lambda: store_bench.run(quick=quick, log=log),
    }
    res: Dict[str, Any] = {}
    for part in parts:
        try:
            res[part] = runners[part]()
        except Exception:
            log(f"{part} failed:\n{traceback.format_exc()}")
            res.setdefault("errors", {})[part] = traceback.format_exc()
        if checkpoint is not None:
            checkpoint(res)
    return res


def scrub(text: str) -> str:
    """No path of this machine in the written results: the repository becomes `.`, home `~`."""
    repo = str(HERE.parent)
    return text.replace(repo + os.sep, "").replace(repo, ".").replace(str(Path.home()), "~")


def write(res: Dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    res = json.loads(scrub(json.dumps(res, default=str)))
    (out_dir / "results.json").write_text(json.dumps(res, indent=1, default=str) + "\n")
    plotted = report.plot(res, out_dir / "results.png")
    md = out_dir / "RESULTS.md"
    md.write_text(report.render(res, "results.png" if plotted else None))
    return md


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()] or PARTS
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        print(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}", file=sys.stderr)
        return 2
    out_dir = Path(args.out_dir) if args.out_dir else (None if args.quick else HERE)
    if args.report_only:
        if out_dir is None:
            print("--report-only needs --out-dir with --quick", file=sys.stderr)
            return 2
        res = json.loads((out_dir / "results.json").read_text())
        if args.note:
            res["busy_note"] = args.note
        res["misses"] = report.miss_notes(res)
        print(write(res, out_dir))
        return 0

    def log(msg: str) -> None:
        print(msg, flush=True)

    t0 = time.perf_counter()
    res: Dict[str, Any] = {"machine": machine_facts(), "versions": tool_versions(), "quick": args.quick}
    if args.note:
        res["busy_note"] = args.note
    def checkpoint(partial: Dict[str, Any]) -> None:
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / "results.partial.json").write_text(json.dumps({**res, **partial}, indent=1, default=str))

    res.update(run_parts(parts, args.quick, args.reps, log, checkpoint))
    res["elapsed_s"] = time.perf_counter() - t0
    res["load_after"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    res["machine"]["load average at end (1/5/15 min)"] = res["load_after"]
    res["misses"] = report.miss_notes(res)
    for goal, bar, measured, verdict in report.evaluate(res):
        print(f"{verdict:8s} {goal}: {measured} (goal {bar})")
    if out_dir is not None:
        print(f"wrote {write(res, out_dir)}")
        (out_dir / "results.partial.json").unlink(missing_ok=True)
    return 1 if res.get("errors") else 0


if __name__ == "__main__":
    raise SystemExit(main())
