"""`heatlens export RUN --format F -o FILE`: write a stored run (or a profile file) for another tool."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from heatlens.commands.report import add_source_arguments
from heatlens.reports.export import EXPORT_FORMATS, export, format_for_export_path
from heatlens.reports.loading import LoadError, load_profile_file, load_stored_run
from heatlens.reports.output import OutputError

_HELP = {
    "json": "the heatlens model", "csv": "functions, lines and memory in one CSV with a `kind` column",
    "md": "summary + details report", "html": "self-contained report with flame graph and source heat",
    "speedscope": "opens in speedscope", "chrome": "Chrome trace, opens in Perfetto",
    "pstats": "opens in pstats/snakeviz",
}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "export", help="export a stored run to a file for another tool",
        description="Export a run. Formats: " + "; ".join(f"{k}: {v}" for k, v in _HELP.items()) + ". "
        "The file is written exactly at FILE; its directory must exist; an existing file is replaced.",
    )
    parser.add_argument("run", nargs="?", default="latest", metavar="RUN",
                        help="run id, 'latest' (default), 'previous', or a git ref")
    parser.add_argument("--format", "-f", choices=EXPORT_FORMATS, default=None,
                        help="output format (default: from FILE's extension where it is unambiguous)")
    parser.add_argument("--output", "-o", metavar="FILE", required=True, help="file to write")
    add_source_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    fmt = args.format or format_for_export_path(args.output)
    if fmt is None:
        print(f"heatlens export: cannot tell the format from {args.output!r}; pass --format "
              f"({', '.join(EXPORT_FORMATS)})", file=sys.stderr)
        return 2
    root = os.path.abspath(args.project_root or os.getcwd())
    try:
        profile = load_profile_file(args.profile) if args.profile else load_stored_run(args.run, root, args.db)
        export(profile, fmt, args.output, args.project_root)
    except (LoadError, OutputError) as exc:
        print(f"heatlens export: {exc}", file=sys.stderr)
        return 2
    print(f"heatlens: exported {fmt} to {args.output}", file=sys.stderr)
    return 0
