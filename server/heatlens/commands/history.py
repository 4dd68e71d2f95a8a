"""`heatlens history [TARGET] [--limit N]`: the stored runs, newest first, or one function's history."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import List, Optional

import attrs

from heatlens.reports.document import seconds
from heatlens.store import FunctionPoint, RunRow, Store, StoreError, open_store


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project-root", metavar="DIR", default=None,
                        help="project whose store to use (default: the current directory)")
    parser.add_argument("--store", metavar="PATH", default=None,
                        help="SQLite store file (default: <project root>/.heatlens/heatlens.db)")


def open_cli_store(args: argparse.Namespace) -> Store:
    root = os.path.abspath(args.project_root or os.getcwd())
    return open_store(root, args.store)


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = sub.add_parser("history", help="list stored runs (time, duration, peak memory, commit, failure)",
                            description="List stored runs, newest first. TARGET filters by the script or "
                                        "module that ran; --function shows one function across runs.")
    parser.add_argument("target", nargs="?", default=None, help="script path or '-m module' to filter by")
    parser.add_argument("--limit", "-n", type=int, default=20, help="how many runs to list (default 20)")
    parser.add_argument("--function", metavar="FILE:QUALNAME", default=None,
                        help="history of one function (matched by file and qualified name, so it survives moves)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--keep-last", type=int, metavar="N", default=None,
                        help="first delete all but the newest N runs of each target (retention)")
    parser.add_argument("--max-age-days", type=float, metavar="D", default=None,
                        help="first delete runs older than D days (retention)")
    add_store_arguments(parser)
    parser.set_defaults(func=main)


def fmt_mb(value: Optional[float]) -> str:
    if value is None:
        return "-"
    if abs(value) < 1:
        return f"{value * 1024:.0f} KB"
    return f"{value / 1024:.2f} GB" if value >= 1024 else f"{value:.1f} MB"


def fmt_time(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def table(header: List[str], rows: List[List[str]]) -> str:
    """Plain aligned columns."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    lines = []
    for row in [header, *rows]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


def render_runs(rows: List[RunRow]) -> str:
    if not rows:
        return "no runs stored yet: `heatlens run SCRIPT` records one"
    header = ["id", "started", "target", "backend", "duration", "cpu", "peak mem", "commit", "group", "status"]
    # group names whole: `pytest-20261205T125102` and `…T125112` differ only at the end
    body = [[str(r.id), fmt_time(r.started_at), r.target, r.backend or "-", seconds(r.wall), seconds(r.cpu),
             fmt_mb(r.peak_mem_mb), (r.git_commit or "-")[:8], r.group_id or "-", r.failure_kind]
            for r in rows]
    return table(header, body)


def render_function(file: str, qualname: str, points: List[FunctionPoint]) -> str:
    if not points:
        return f"no stored run measured {qualname} in {file}"
    header = ["run", "started", "line", "self", "total", "calls", "alloc", "commit"]
    body = [[str(p.run_id), fmt_time(p.started_at), str(p.line), seconds(p.self_time), seconds(p.total_time),
             "-" if p.calls is None else str(p.calls), fmt_mb(p.mem_alloc_mb), (p.git_commit or "-")[:8]]
            for p in points]
    return f"{qualname} ({file})\n" + table(header, body)


def _split_function(spec: str, root: str) -> tuple:
    file, sep, qualname = spec.rpartition(":")
    if not sep or not file or not qualname:
        raise StoreError(f"--function wants FILE:QUALNAME, got {spec!r}")
    return os.path.realpath(os.path.join(root, file)), qualname


def main(args: argparse.Namespace) -> int:
    try:
        with open_cli_store(args) as store:
            if args.keep_last is not None or args.max_age_days is not None:
                removed = store.apply_retention(args.keep_last, args.max_age_days)
                print(f"heatlens history: deleted {removed} old run(s)", file=sys.stderr)
            if args.function:
                file, qualname = _split_function(args.function, os.getcwd())
                points = store.function_history(file, qualname, args.limit)
                if not points:  # profiles may name the file as run (unresolved symlinks)
                    points = store.function_history(args.function.rpartition(":")[0], qualname, args.limit)
                out = (json.dumps([attrs.asdict(p) for p in points], indent=1) if args.json
                       else render_function(file, qualname, points))
            else:
                rows = store.runs(args.limit, args.target)
                out = json.dumps([attrs.asdict(r) for r in rows], indent=1) if args.json else render_runs(rows)
    except StoreError as exc:
        print(f"heatlens history: {exc}", file=sys.stderr)
        return 2
    print(out)
    return 0
