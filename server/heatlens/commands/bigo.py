"""`heatlens bigo FILE::FUNCTION`: time a function at growing input sizes and fit its complexity."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from heatlens.analysis import complexity as cx
from heatlens.reports import document as doc

_DESCRIPTION = (
    "Runs FUNCTION of FILE in a subprocess of PYTHON at growing input sizes, times each size (CPU time, "
    "minimum of --repeat runs) and fits O(1), O(log n), O(n), O(n log n), O(n²), O(n³). Sizes and the input "
    "factory come from comments above the function, e.g.\n"
    "    # heatlens: sizes=100..100k input=make_input\n"
    "where make_input(n) in the same module returns the argument (args=make_args: a tuple of arguments). "
    "Without a factory the function is called with n itself. Options override the comments."
)


def register(sub: Any) -> None:
    parser = sub.add_parser("bigo", help="fit the empirical complexity of a function",
                            description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", metavar="FILE::FUNCTION", help="e.g. algo.py::pairs or algo.py::Graph.search")
    parser.add_argument("--sizes", help="100,1k,10k or a geometric range 100..100k[:COUNT]")
    factory = parser.add_mutually_exclusive_group()
    factory.add_argument("--input", metavar="NAME", help="factory NAME(n) returning the function's argument")
    factory.add_argument("--args", metavar="NAME", help="factory NAME(n) returning a tuple of arguments")
    parser.add_argument("--repeat", type=int, help="timings per size (default: the hint, else 5)")
    parser.add_argument("--python", default="", help="interpreter that runs the function (default: this one)")
    parser.add_argument("--budget", type=float, default=cx.DEFAULT_BUDGET,
                        help="seconds of timing after which larger sizes are skipped (default %(default)s)")
    parser.add_argument("--timeout", type=float, default=300.0, help="hard limit in seconds (default %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the runs and every fit as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path, sep, qualname = args.target.rpartition("::")
    if not sep or not path or not qualname:
        print("heatlens bigo: give the function as FILE::FUNCTION", file=sys.stderr)
        return 2
    try:
        sizes = cx.parse_sizes(args.sizes) if args.sizes else None
        result = cx.measure_sync(
            path, qualname, python=args.python, sizes=sizes, factory=args.input or args.args,
            unpack=True if args.args else (False if args.input else None), repeat=args.repeat,
            budget=args.budget, timeout=args.timeout,
        )
    except (cx.ComplexityError, ValueError) as exc:
        print(f"heatlens bigo: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    print(render_text(result), end="")
    return 0


def render_text(result: cx.ComplexityResult) -> str:
    blocks = [
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
