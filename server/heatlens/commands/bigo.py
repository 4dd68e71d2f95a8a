"""`heatlens bigo FILE::FUNCTION`: time a function at growing input sizes and fit its complexity."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, List

from heatlens.analysis import complexity as cx
from heatlens.commands.history import add_store_arguments, open_cli_store
from heatlens.defaults import DEFAULT_TIMEOUT
from heatlens.jobs.complexity import measure_sync
from heatlens.reports import document as doc
from heatlens.store import ComplexityRow, StoreError

_DESCRIPTION = (
    "Runs FUNCTION of FILE in a subprocess of PYTHON at growing input sizes, times each size (CPU time, "
    "minimum of --repeat runs) and fits O(1), O(log n), O(n), O(n log n), O(n²), O(n³). Sizes and the input "
    "factory come from comments above the function, e.g.\n"
    "    # heatlens: sizes=100..100k input=make_input\n"
    "where make_input(n) in the same module returns the argument (args=make_args: a tuple of arguments). "
    "Without a factory the function is called with n itself. Options override the comments.\n\n"
    "Each result is saved in the project's store (unless --no-save), keyed by the function's source; "
    "`heatlens bigo --history [FILE[::FUNCTION]]` lists the stored results, newest first."
)


def register(sub: Any) -> None:
    parser = sub.add_parser("bigo", help="fit the empirical complexity of a function",
                            description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", metavar="FILE::FUNCTION", nargs="?", default=None,
                        help="e.g. algo.py::pairs or algo.py::Graph.search (with --history: FILE or FILE::FUNCTION, optional)")
    parser.add_argument("--sizes", help="100,1k,10k or a geometric range 100..100k[:COUNT]")
    factory = parser.add_mutually_exclusive_group()
    factory.add_argument("--input", metavar="NAME", help="factory NAME(n) returning the function's argument")
    factory.add_argument("--args", metavar="NAME", help="factory NAME(n) returning a tuple of arguments")
    parser.add_argument("--repeat", type=int, help="timings per size (default: the hint, else 5)")
    parser.add_argument("--python", default="", help="interpreter that runs the function (default: this one)")
    parser.add_argument("--budget", type=float, default=cx.DEFAULT_BUDGET,
                        help="seconds of timing after which larger sizes are skipped (default %(default)s)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="hard limit in seconds (default %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the runs and every fit as JSON")
    parser.add_argument("--history", action="store_true",
                        help="list the stored results (of FILE or FILE::FUNCTION if given) instead of measuring")
    parser.add_argument("--limit", "-n", type=int, default=20, help="with --history: how many (default 20)")
    parser.add_argument("--no-save", action="store_true", help="do not save the result in the store")
    add_store_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.history:
        return history(args)
    path, sep, qualname = (args.target or "").rpartition("::")
    if not sep or not path or not qualname:
        print("heatlens bigo: give the function as FILE::FUNCTION", file=sys.stderr)
        return 2
    try:
        sizes = cx.parse_sizes(args.sizes) if args.sizes else None
        result = measure_sync(
            path, qualname, python=args.python, sizes=sizes, factory=args.input or args.args,
            unpack=True if args.args else (False if args.input else None), repeat=args.repeat,
            budget=args.budget, timeout=args.timeout,
        )
    except (cx.ComplexityError, ValueError) as exc:
        print(f"heatlens bigo: {exc}", file=sys.stderr)
        return 2
    if not args.no_save:
        _save(args, result)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    print(render_text(result), end="")
    return 0


def render_text(result: cx.ComplexityResult) -> str:
    blocks: List[doc.Block] = [
        doc.Heading(f"{result.function}  {cx.summary_text(result)}"),
        doc.Table(["n", "time per call", "median"],
                  [[cx.format_n(r.n), doc.seconds(r.best), doc.seconds(r.median)] for r in result.runs],
                  ["r", "r", "r"]),
        doc.Table(["model", "relative error", "R²", ""],
                  [[f.label, f"{f.rel_error * 100:.1f}%", f"{f.r2:.3f}", "← chosen" if f is result.best else ""]
                   for f in result.fits], ["l", "r", "r", "l"]),
        doc.Para(f"Fitted on n ≥ {cx.format_n(result.fit_from)}; timing noise ±{result.noise * 100:.1f}%. "
                 "The simplest model within noise of the best fit is chosen."),
    ]
    return doc.to_text(blocks)


def _save(args: argparse.Namespace, result: cx.ComplexityResult) -> None:
    """Store the result; a store that cannot be written costs a warning, never the measurement."""
    from heatlens.analysis.complexity_record import read_text, to_row

    try:
        row = to_row(result, read_text(result.file), "cli")
        with open_cli_store(args) as store:
            store.save_complexity(row)
    except (OSError, StoreError) as exc:
        print(f"heatlens bigo: the result was not saved: {exc}", file=sys.stderr)


def history(args: argparse.Namespace) -> int:
    """`--history [FILE[::FUNCTION]]`: stored results, newest first, marked stale where the source changed."""
    from heatlens.analysis.complexity_record import function_hash, read_text

    path, sep, qualname = (args.target or "").partition("::")
    file = os.path.abspath(path) if path else None
    try:
        with open_cli_store(args) as store:
            rows = store.complexity_results(file, qualname or None, args.limit)
    except StoreError as exc:
        print(f"heatlens bigo: {exc}", file=sys.stderr)
        return 2
    texts: dict = {}
    current: List[bool] = []
    for row in rows:
        if row.file not in texts:
            try:
                texts[row.file] = read_text(row.file)
            except OSError:
                texts[row.file] = None
        text = texts[row.file]
        current.append(text is not None and function_hash(row.file, text, row.qualname) == row.source_hash)
    if args.json:
        print(json.dumps([dict(r.to_dict(), current=c) for r, c in zip(rows, current)], indent=1))
        return 0
    print(render_history(rows, current), end="")
    return 0


def render_history(rows: List[ComplexityRow], current: List[bool]) -> str:
    if not rows:
        return "no complexity results stored yet: `heatlens bigo FILE::FUNCTION` measures one\n"
    body = [[str(r.id), time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.created_at)),
             f"{os.path.relpath(r.file)}::{r.qualname}", r.label, f"{r.r2:.3f}",
             f"{cx.format_n(r.sizes[0])}…{cx.format_n(r.sizes[-1])}" if r.sizes else "-", r.origin,
             "current" if ok else "stale (source changed)"] for r, ok in zip(rows, current)]
    return doc.to_text([doc.Table(["id", "measured", "function", "fit", "R²", "n", "from", "source"], body,
                                  ["r", "l", "l", "l", "r", "l", "l", "l"])])
