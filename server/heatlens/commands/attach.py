"""`heatlens attach PID [--duration S]`: sample a running Python process from outside, then report and store
it like any run. The process keeps running, never paused; Ctrl-C stops sampling and keeps what was taken.

    heatlens attach --list              the Python processes heatlens could attach to (this folder's first)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from heatlens.commands.run import EXIT_CODES, REPORT_KINDS, _render, attach_findings, failure_paragraph, with_interrupts
from heatlens.commands.run_args import parse_timeout


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
    from heatlens.run.attach import attach, python_processes
    from heatlens.commands import record

    if args.list or args.pid is None:
        for proc in python_processes(os.getcwd()):
            print(f"{proc.pid:>8}  {proc.command[:100]}  ({proc.cwd})")
        return 0 if args.list else 2
    print(f"heatlens: sampling process {args.pid}" + (f" for {args.duration:g} s" if args.duration else
                                                      " until Ctrl-C or its exit"), file=sys.stderr)
    result = asyncio.run(with_interrupts(
        lambda cancel: attach(args.pid, args.duration, cancel, args.rate, args.project_root)))
    if result.profile is None:
        print(failure_paragraph(result.failure), file=sys.stderr)
        return EXIT_CODES[result.failure.kind]
    if args.project_root is None:
        args.project_root = result.profile.meta.project_root  # the store lives with the attached program
    attach_findings(result.profile)
    record.record_run(args, result)
    sys.stdout.write(_render(result.profile, args.report, "text", result.profile.meta.project_root or None) + "\n")
    return 0
