"""`heatlens run|report|compare|export|history|serve`: a thin dispatcher over heatlens.commands.*."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

from heatlens import __version__

SUBCOMMANDS = ["run", "attach", "report", "history", "compare", "export", "serve", "bigo", "callgraph", "test"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="heatlens", description="Profile Python code and see where time and memory go.")
    parser.add_argument("--version", action="version", version=f"heatlens {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in SUBCOMMANDS:
        importlib.import_module(f"heatlens.commands.{name}").register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("heatlens: interrupted", file=sys.stderr)
        return 130
