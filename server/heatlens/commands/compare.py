"""`heatlens compare A B [--fail-on-regression 10%]`: what changed between two runs (or two repeat groups).

A and B are run ids, `latest`, `previous`, `group:ID` or git refs (the latest run at that commit). A run
that belongs to a `run --repeat` group stands for its whole group, so the verdicts can use the spread.
Exit status: 0, or 1 when --fail-on-regression is given and the overall wall time (or CPU time, with
--metric cpu) regressed beyond it with the data supporting it; 2 on errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional, Tuple

from heatlens.analysis.regression import IMPROVEMENT, REGRESSION, Change, Comparison, compare
from heatlens.commands.history import add_store_arguments, fmt_mb, open_cli_store, table
from heatlens.reports.document import seconds as fmt_seconds
from heatlens.model import Profile
from heatlens.store import Store, StoreError

DEFAULT_THRESHOLD = "5%"


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = sub.add_parser("compare", help="compare two runs: deltas per function and line, noise-aware verdicts",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", metavar="A", help="the baseline: run id, latest, previous, group:ID or a git ref")
    parser.add_argument("b", metavar="B", nargs="?", default="latest", help="the new run (default: latest)")
    parser.add_argument("--fail-on-regression", metavar="PCT", default=None,
                        help="exit 1 if wall time regressed by more than PCT (e.g. 10%%) and the runs support it")
    parser.add_argument("--threshold", metavar="PCT", default=DEFAULT_THRESHOLD,
                        help="smallest change worth a verdict (default 5%%; --fail-on-regression overrides)")
    parser.add_argument("--metric", choices=("wall", "cpu"), default="wall",
                        help="overall time that --fail-on-regression judges (default wall; cpu ignores a busy machine)")
    parser.add_argument("--target", default=None,
                        help="resolve latest/previous among the runs of this script or '-m module' only")
    parser.add_argument("--single", action="store_true", help="compare just the two runs, not their repeat groups")
    parser.add_argument("--top", type=int, default=15, help="functions and lines to show (default 15)")
    add_store_arguments(parser)
    parser.set_defaults(func=main)


def parse_percent(text: str) -> float:
    """'10%', '10' or '12.5 %' -> 0.10 / 0.10 / 0.125: always a percentage."""
    try:
        value = float(text.strip().rstrip("%").strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a percentage must not be negative: {text!r}")
    return value / 100.0


def expand(store: Store, ref: str, single: bool, target: Optional[str] = None) -> Tuple[List[int], str]:
    """Run ids that `ref` stands for (its repeat group unless `single`) and a label for them."""
    run_id = store.resolve(ref, target)
    row = store.run(run_id)
    if row.group_id and not single:
        ids = store.group(row.group_id)
        return ids, f"{ref} = group {row.group_id[:8]} ({len(ids)} runs #{ids[0]}…#{ids[-1]})"
    return [run_id], f"{ref} = run #{run_id}"


def _pct(value: Optional[float]) -> str:
    if value is None:
        return "-"
    if value == float("inf"):
        return "new"
    return f"{value * 100:+.1f}%"


def describe(change: Change, unit: str = "s") -> str:
    """'1.20 s → 1.56 s  +30.0% [95% CI +27.1% … +33.0%], p=0.008  → regression'."""
    fmt = fmt_mb if unit == "MB" else fmt_seconds
    parts = [f"{fmt(change.a_mean)} → {fmt(change.b_mean)}", _pct(change.change)]
    if change.ci_low is not None:
        parts.append(f"[95% CI {_pct(change.ci_low)} … {_pct(change.ci_high)}]")
    if change.p_value is not None:
        parts.append(f"p={change.p_value:.3f}")
    speed = change.speedup
    if unit == "s" and speed and abs(speed - 1) >= 0.005:
        parts.append(f"{speed:.2f}× faster" if speed > 1 else f"{1 / speed:.2f}× slower")
    verdict = change.verdict.upper() if change.verdict in (REGRESSION, IMPROVEMENT) else change.verdict
    return "  ".join(parts) + f"  → {verdict}"


def _where(file: str, line: Optional[int], root: str) -> str:
    rel = os.path.relpath(file, root) if file.startswith(root + os.sep) else file
    return f"{rel}:{line}" if line else rel


def render(cmp: Comparison, label_a: str, label_b: str, root: str, top: int = 15) -> str:
    out = [f"before: {label_a}", f"after:  {label_b}", "", "overall"]
    out.append(f"  wall  {describe(cmp.wall)}")
    out.append(f"  cpu   {describe(cmp.cpu)}")
    if cmp.peak_mem is not None:
        out.append(f"  peak  {describe(cmp.peak_mem, 'MB')}")
    if cmp.functions:
        out += ["", "functions (largest change of total time first)"]
        rows = [[_where(d.file, d.line_b or d.line_a, root) + " " + d.qualname,
                 fmt_seconds(d.total_time.a_mean), fmt_seconds(d.total_time.b_mean), _pct(d.total_time.change),
                 _pct(d.self_time.change), _pct(d.mem.change) if d.mem.a_mean or d.mem.b_mean else "-",
                 d.total_time.verdict]
                for d in cmp.functions[:top]]
        out.append(_indent(table(["function", "total before", "after", "change", "self", "alloc", "verdict"], rows)))
    for title, items in (("new hot spots", cmp.new_hotspots), ("removed hot spots", cmp.removed_hotspots)):
        if items:
            out += ["", title]
            out += [f"  {_where(d.file, d.line_b or d.line_a, root)} {d.qualname}: "
                    f"{max(d.share_a, d.share_b):.0%} of the time" for d in items]
    if cmp.lines:
        out += ["", "lines (largest change of CPU time first)"]
        rows = [[_where(d.file, d.line, root), fmt_seconds(d.cpu.a_mean), fmt_seconds(d.cpu.b_mean), _pct(d.cpu.change),
                 f"{fmt_mb(d.mem.a_mean)} → {fmt_mb(d.mem.b_mean)}" if d.mem.a_mean or d.mem.b_mean else "-",
                 d.cpu.verdict]
                for d in cmp.lines[:top]]
        out.append(_indent(table(["line", "cpu before", "after", "change", "alloc", "verdict"], rows)))
    if cmp.notes:
        out += ["", "notes"] + [f"  - {n}" for n in cmp.notes]
    return "\n".join(out)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def main(args: argparse.Namespace) -> int:
    try:
        fail_at = parse_percent(args.fail_on_regression) if args.fail_on_regression is not None else None
        threshold = fail_at if fail_at is not None else parse_percent(args.threshold)
    except argparse.ArgumentTypeError as exc:
        print(f"heatlens compare: {exc}", file=sys.stderr)
        return 2
    try:
        with open_cli_store(args) as store:
            ids_a, label_a = expand(store, args.a, args.single, args.target)
            ids_b, label_b = expand(store, args.b, args.single, args.target)
            runs_a: List[Profile] = [store.load(i) for i in ids_a]
            runs_b: List[Profile] = [store.load(i) for i in ids_b]
            root = store.project_root
    except StoreError as exc:
        print(f"heatlens compare: {exc}", file=sys.stderr)
        return 2
    result = compare(runs_a, runs_b, threshold=threshold, metric=args.metric)
    print(render(result, label_a, label_b, root, args.top))
    if fail_at is not None and result.regressed:
        change = (result.cpu if args.metric == "cpu" else result.wall).change
        print(f"heatlens compare: {args.metric} time regressed by {change:.1%} (> {fail_at * 100:g}%)", file=sys.stderr)
        return 1
    return 0
