"""`heatlens report [RUN] [--kind K] [--format F] [--output FILE]`: render a stored run (or a profile file)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from heatlens.reports import FORMATS, KINDS, format_for_path, render
from heatlens.reports.loading import LoadError, load_profile_file, load_stored_run
from heatlens.reports.output import OutputError, write_output


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", metavar="FILE", help="read this msgpack profile file instead of the store")
    parser.add_argument("--project-root", metavar="DIR",
                        help="what counts as your code, and where the store is (default: current directory)")
    parser.add_argument("--store", "--db", dest="db", metavar="PATH",
                        help="the store's database (default: ROOT/.heatlens/heatlens.db)")


def register(sub: Any) -> None:
    parser = sub.add_parser("report", help="show a report of a stored run",
                            description="Render a report of a stored run (or of a --profile file).")
    parser.add_argument("run", nargs="?", default="latest", metavar="RUN",
                        help="run id, 'latest' (default), 'previous', or a git ref")
    parser.add_argument("--kind", choices=KINDS, default="summary", help="report type (default: summary)")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="text, md or json (default: from the --output extension, else text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of the terminal")
    parser.add_argument("--user-code", action="append", default=[], metavar="GLOB",
                        help="also count files matching GLOB as your code (repeatable)")
    add_source_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = os.path.abspath(args.project_root or os.getcwd())
    try:
        profile = load_profile_file(args.profile) if args.profile else load_stored_run(args.run, root, args.db)
    except LoadError as exc:
        print(f"heatlens report: {exc}", file=sys.stderr)
        return 2
    fmt = args.format or (format_for_path(args.output) if args.output else "text")
    text = render(profile, args.kind, fmt, args.project_root, args.user_code)
    if not args.output:
        try:
            sys.stdout.write(text)
        except UnicodeEncodeError:  # a terminal that cannot show "µs" or "—": degrade, never crash
            encoding = sys.stdout.encoding or "ascii"
            sys.stdout.write(text.encode(encoding, errors="replace").decode(encoding))
        return 0
    try:
        write_output(args.output, text)
    except OutputError as exc:
        print(f"heatlens report: {exc}", file=sys.stderr)
        return 2
    print(f"heatlens: wrote {args.kind} report ({fmt}) to {args.output}", file=sys.stderr)
    return 0
