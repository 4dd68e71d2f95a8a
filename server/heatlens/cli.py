"""`heatlens run|report|compare|export|history|serve`: a thin dispatcher over heatlens.commands.*.

Only the subcommand on the command line is imported and given a parser: `heatlens run` does not pay for
the modules of `test`, `export` or `compare` (startup time is part of every run's cost)."""

from __future__ import annotations

import argparse
import importlib
import os
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
    """Run the command `argv` names; its exit code. As the process's entry (`argv` None), `heatlens run`
    ends the process itself once its output is flushed (see `exit_now`)."""
    words = sys.argv[1:] if argv is None else list(argv)
    command = command_named(words)
    if command == "run" and argv is None:  # the process is this run: its reaper starts while the rest loads
        from heatlens import prestart

        prestart.spawn()
    if command == "run":
        import_asyncio_without_tls()
    args = build_parser(command).parse_args(words)
    try:
        code = int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("heatlens: interrupted", file=sys.stderr)
        code = 130
    if argv is None and command == "run":
        exit_now(code)
    return code


def import_asyncio_without_tls() -> None:
    """Import asyncio without its TLS support: asyncio imports ssl (OpenSSL and its enums: 5-10 ms of every
    `heatlens run`) for TLS connections, which a run never opens. Only asyncio's own modules go without it
    (they take a missing ssl as "no TLS"): a later `import ssl` in this process imports it as usual."""
    if "asyncio" in sys.modules or "ssl" in sys.modules:
        return
    sys.modules["ssl"] = None  # type: ignore[assignment]  # `import ssl` raises ImportError meanwhile
    try:
        import asyncio  # noqa: F401
    finally:
        if sys.modules.get("ssl", 0) is None:
            del sys.modules["ssl"]


def exit_now(code: int) -> None:
    """End the process at once: the interpreter's teardown of every module (asyncio, attrs, psutil, the
    report's) costs `heatlens run` 10-40 ms after its work is done. Its run's processes are gone, its
    store closed, its threads daemons (an analysis preload); what is left to do is flush the output."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: what Python's own exit would have said nothing useful
            pass
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    os._exit(code & 0xFF)
