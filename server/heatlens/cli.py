"""`heatlens run|report|compare|export|history|serve`: a thin dispatcher over heatlens.commands.*.

Only the subcommand on the command line is imported and given a parser: `heatlens run` does not pay for
the modules of `test`, `export` or `compare` (startup time is part of every run's cost)."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

from heatlens import __version__

SUBCOMMANDS = ["run", "attach", "report", "history", "compare", "export", "serve", "bigo", "callgraph", "test"]


def command_named(argv: List[str]) -> Optional[str]:
    """The subcommand `argv` names (its first word that is not an option), or None: unknown or missing."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word if word in SUBCOMMANDS else None
    return None


def build_parser(only: Optional[str] = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or of `only` (the others are neither imported nor listed)."""
    parser = argparse.ArgumentParser(prog="heatlens", description="Profile Python code and see where time and memory go.")
    parser.add_argument("--version", action="version", version=f"heatlens {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in [only] if only else SUBCOMMANDS:
        importlib.import_module(f"heatlens.commands.{name}").register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(command_named(words)).parse_args(words)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("heatlens: interrupted", file=sys.stderr)
        return 130
