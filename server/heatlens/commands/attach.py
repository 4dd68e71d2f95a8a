"""`heatlens attach PID [--duration S]`: sample a running Python process from outside, then report and store
it like any run. The process keeps running, never paused; Ctrl-C stops sampling and keeps what was taken.

    heatlens attach --list              the Python processes heatlens could attach to (this folder's first)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any, Optional

from heatlens.backends.base import Target
from heatlens.commands.run import EXIT_CODES, REPORT_KINDS, _render, failure_paragraph, with_interrupts
from heatlens.model import Profile
from heatlens.options import ProfileOptions, parse_timeout


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("attach", help="sample a running Python process (by pid) and report it",
                                   description="Sample a running Python process from outside (py-spy), then detach.")
    parser.add_argument("pid", nargs="?", type=int, help="the process to attach to")
    parser.add_argument("--duration", type=parse_timeout, default=None, metavar="S",
                        help="stop after S seconds (default: until Ctrl-C or the process exits)")
    parser.add_argument("--list", action="store_true", help="list the Python processes to attach to, and exit")
    parser.add_argument("--rate", type=int, default=250, metavar="HZ",
                        help="samples per second (default 250: no measured slowdown of a busy server; 1000 cost it 7-14 %%)")
    parser.add_argument("--project-root", default=None, metavar="D",
                        help="what counts as your code (default: the process's working directory)")
    parser.add_argument("--report", choices=REPORT_KINDS, default="summary", help="which report (default: summary)")
    from heatlens.commands.record import add_run_arguments

    add_run_arguments(parser)
    parser.set_defaults(func=attach_command)
    return parser


def attach_command(args: argparse.Namespace) -> int:
    from heatlens import pipeline  # the one pipeline of every run: analyse, leaks, store
    from heatlens.run.attach import python_processes

    if args.list or args.pid is None:
        for proc in python_processes(os.getcwd()):
            print(f"{proc.pid:>8}  {proc.command[:100]}  ({proc.cwd})")
        return 0 if args.list else 2
    print(f"heatlens: sampling process {args.pid}" + (f" for {args.duration:g} s" if args.duration else
                                                      " until Ctrl-C or its exit"), file=sys.stderr)
    options = ProfileOptions(project_root=args.project_root)
    outcome = asyncio.run(with_interrupts(lambda cancel: pipeline.profile(
        Target("pid", str(args.pid)), options, cancel=cancel, attach_seconds=args.duration, attach_rate=args.rate,
        save=None if args.no_store else lambda prof: _save(args, prof))))
    for message in outcome.messages:
        print(f"heatlens: {message}", file=sys.stderr)
    result = outcome.result
    if result.profile is None:
        print(failure_paragraph(result.failure), file=sys.stderr)
        return EXIT_CODES[result.failure.kind]
    sys.stdout.write(_render(result.profile, args.report, "text", result.profile.meta.project_root or None) + "\n")
    return 0


def _save(args: argparse.Namespace, prof: Profile) -> Optional[int]:
    """Into the store of the attached program's project (its working directory) unless --project-root says."""
    from heatlens.pipeline import saver

    args.project_root = args.project_root or prof.meta.project_root
    run_id = saver(args.project_root or os.getcwd(), args.store, getattr(args, "group", None))(prof)
    print(f"heatlens: stored as run #{run_id}", file=sys.stderr)
    return run_id
