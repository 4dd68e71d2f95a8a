"""`heatlens run` and the store: save every CLI run, `--repeat N` (one group), `--batch GLOB` (one table).

`commands/run.py` calls three hooks: `add_run_arguments(parser)`, `record_run(args, result)` after each
run, and `run_many(args, run_one)` when `wants_many(args)`; `run_many` calls `run_one` (the single-run
command) once per program and repetition with a copy of the arguments.
"""

from __future__ import annotations

import argparse
import copy
import glob
import os
import sys
from typing import Any, Callable, List, Optional, Tuple

Recorded = Tuple[Optional[int], Any]  # (run id or None when not stored, the runner's RunResult)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run N times and store the runs as one group, so compare can judge noise")
    parser.add_argument("--batch", metavar="GLOB", default=None,
                        help="profile every script matching GLOB (quote it), then print one summary table")
    parser.add_argument("--store", metavar="PATH", default=None,
                        help="SQLite store file (default: <project root>/.heatlens/heatlens.db)")
    parser.add_argument("--no-store", action="store_true", help="do not save the run in the project's store")


def wants_many(args: argparse.Namespace) -> bool:
    return getattr(args, "repeat", 1) != 1 or bool(getattr(args, "batch", None))


def store_root(args: argparse.Namespace) -> str:
    return os.path.abspath(getattr(args, "project_root", None) or os.getcwd())


def record_run(args: argparse.Namespace, result: Any) -> Optional[int]:
    """Save the run's profile in the project's store (unless --no-store); returns its id."""
    run_id: Optional[int] = None
    profile = getattr(result, "profile", None)
    if profile is not None and not getattr(args, "no_store", False):
        from heatlens.store.db import StoreError, open_store  # SQLite: only for a run that is stored

        try:
            with open_store(store_root(args), getattr(args, "store", None)) as store:
                run_id = store.save(profile, getattr(args, "group", None))
            print(f"heatlens: stored as run #{run_id}", file=sys.stderr)
        except StoreError as exc:  # the profile is still reported; only history misses it
            print(f"heatlens: the run was not stored: {exc}", file=sys.stderr)
    recorded = getattr(args, "recorded", None)
    if recorded is not None:
        recorded.append((run_id, result))
    return run_id


def _batch_targets(pattern: str) -> List[str]:
    return sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p) and p.endswith((".py", ".pyw")))


def _report_path(output: Optional[str], program: str) -> Optional[str]:
    """--output report.md in a batch -> report.<program>.md, one report per program."""
    if output is None:
        return None
    stem, ext = os.path.splitext(output)
    return f"{stem}.{os.path.splitext(os.path.basename(program))[0]}{ext}"


def run_many(args: argparse.Namespace, run_one: Callable[[argparse.Namespace], int]) -> int:
    repeat = int(getattr(args, "repeat", 1))
    if repeat < 1:
        print("heatlens run: error: --repeat needs N >= 1", file=sys.stderr)
        return 2
    programs: List[Optional[str]] = [None]
    if args.batch:
        if args.script or args.module is not None or args.code is not None:
            print("heatlens run: error: --batch takes the programs from its pattern: give no SCRIPT, -m or -c",
                  file=sys.stderr)
            return 2
        programs = list(_batch_targets(args.batch))
        if not programs:
            print(f"heatlens run: error: no Python files match {args.batch!r}", file=sys.stderr)
            return 2
    recorded: List[Recorded] = []
    rows: List[Tuple[str, List[Recorded], int]] = []
    worst = 0
    for program in programs:
        group = os.urandom(6).hex() if repeat > 1 else None  # as the run token: no `secrets` import on the start path
        mine: List[Recorded] = []
        code = 0
        for i in range(repeat):
            sub = copy.copy(args)
            sub.repeat, sub.batch, sub.group, sub.recorded = 1, None, group, mine
            sub.skip_report = i < repeat - 1  # one report per program: the last run's
            if program is not None:
                sub.script, sub.module, sub.code = [program], None, None
                sub.output = _report_path(args.output, program)
                print(f"heatlens: [{programs.index(program) + 1}/{len(programs)}] {program}"
                      + (f" run {i + 1}/{repeat}" if repeat > 1 else ""), file=sys.stderr)
            elif repeat > 1:
                print(f"heatlens: run {i + 1}/{repeat}", file=sys.stderr)
            code = run_one(sub)
            worst = worst or code
            if code == 130:  # Ctrl-C: stop everything, still summarize what ran
                break
        recorded += mine
        rows.append((program or _display(mine), mine, code))
        if code == 130:
            break
    print(render_summary(rows, repeat))
    return worst


def _display(mine: List[Recorded]) -> str:
    for _, result in mine:
        if getattr(result, "profile", None) is not None:
            return str(result.profile.meta.target)
    return "target"


def _fmt(value: Optional[float], unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} MB" if unit == "MB" else f"{value:.3f} s"


def _spread(values: List[float]) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.3f} s"
    import statistics  # only for --repeat's summary: not a cost of every run

    sd = statistics.stdev(values)
    return (f"median {statistics.median(values):.3f} s, mean {statistics.fmean(values):.3f} s ± {sd:.3f} "
            f"({sd / statistics.fmean(values):.1%}), range {min(values):.3f}–{max(values):.3f} s")


def _hottest(result: Any) -> str:
    profile = getattr(result, "profile", None)
    if profile is None or not profile.functions:
        return "-"
    f = max(profile.functions, key=lambda f: f.self_time)
    return f"{f.qualname} ({f.self_time:.3f} s self)"


def render_summary(rows: List[Tuple[str, List[Recorded], int]], repeat: int) -> str:
    from heatlens.commands.history import table  # plain aligned columns, shared with `heatlens history`

    header = ["program", "run", "status", "wall", "cpu", "peak mem", "hottest function"]
    body = []
    for program, mine, _code in rows:
        for run_id, result in mine:
            profile = getattr(result, "profile", None)
            meta = profile.meta if profile is not None else None
            body.append([os.path.relpath(program) if os.path.exists(program) else program,
                         f"#{run_id}" if run_id else "-", result.failure.kind.value,
                         _fmt(meta.wall_time if meta else result.wall_time, "s"), _fmt(meta.cpu_time if meta else None, "s"),
                         _fmt(meta.peak_rss_mb if meta else None, "MB"), _hottest(result)])
    title = f"heatlens: {len(body)} runs" + (f" of {len(rows)} programs" if len(rows) > 1 else "")
    out = ["", title, table(header, body)]
    if repeat > 1:
        for program, mine, _code in rows:
            walls = [r.profile.meta.wall_time for _, r in mine if r.profile is not None and r.failure.ok]
            ids = [i for i, _ in mine if i]
            out.append(f"{program}: wall {_spread(walls)}")
            if ids:
                out.append(f"  compare later runs with: heatlens compare #{ids[-1]} latest")
    return "\n".join(out)
