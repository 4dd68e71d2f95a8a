"""`heatlens run`: profile a script, a module or a code snippet and print a report.

    heatlens run [--backend B] [--timeout S] [--memory-limit 2GiB] [--python P] [--cwd D]
                 [--project-root D] [--report summary|details|libraries|raw|all] [--output FILE]
                 [--memory off|sampled|full] (-m MODULE | -c CODE | SCRIPT) [ARGS...]

Arguments after SCRIPT (or after `-m MODULE` / `-c CODE`) go to the target, except heatlens's own long
options (`heatlens run prog.py in.csv --report all`); everything after `--` goes to the target untouched
(`heatlens run prog.py -- --report x`), and so does everything after `heatlens run -- SCRIPT` (also the
way to run a script whose name starts with "-"). The target's output streams live; the report follows
on stdout (or goes to `--output`, format from its extension: .txt, .md, .json). Ctrl-C stops the
target's whole process tree and still reports what was recorded.

Exit codes (one per failure class):
    0   ok                  10  nonzero-exit        11  exception           12  syntax-error
    13  import-error        14  signal (crash)      15  timeout             16  out-of-memory
    17  target-not-found    18  backend-missing     19  backend-failed      130 cancelled (Ctrl-C)
    2   bad command line    3   the report could not be rendered or written
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple, TypeVar

from heatlens import options as schema
from heatlens.backends.base import Target
from heatlens.commands.run_args import parse_backend, parse_interval, parse_size_mb, parse_timeout  # noqa: F401  (tests: run_cmd.parse_*)
from heatlens.model import Failure, FailureKind, Profile
from heatlens.options import ProfileOptions

T = TypeVar("T")

EXIT_CODES: Dict[FailureKind, int] = {
    FailureKind.OK: 0,
    FailureKind.NONZERO_EXIT: 10,
    FailureKind.EXCEPTION: 11,
    FailureKind.SYNTAX_ERROR: 12,
    FailureKind.IMPORT_ERROR: 13,
    FailureKind.SIGNAL: 14,
    FailureKind.TIMEOUT: 15,
    FailureKind.OUT_OF_MEMORY: 16,
    FailureKind.TARGET_NOT_FOUND: 17,
    FailureKind.BACKEND_MISSING: 18,
    FailureKind.BACKEND_FAILED: 19,
    FailureKind.CANCELLED: 130,
}
EXIT_USAGE = 2
EXIT_REPORT_FAILED = 3

REPORT_KINDS = ("summary", "details", "libraries", "raw", "all")
FORMATS_BY_EXTENSION = {".txt": "text", ".md": "md", ".markdown": "md", ".json": "json"}

# What to do, in terms of this command's options, added after the classifier's message.
_HINTS: Dict[FailureKind, str] = {
    FailureKind.TIMEOUT: "Use --timeout SECONDS (0 for no limit).",
    FailureKind.OUT_OF_MEMORY: "Use --memory-limit to change the limit (e.g. --memory-limit 4GiB).",
    FailureKind.IMPORT_ERROR: "Use --python to run it with the interpreter that has the module.",
    FailureKind.BACKEND_MISSING: "Use --backend to choose another backend (--backend auto picks one that is available).",
    FailureKind.BACKEND_FAILED: "Use --backend to choose another backend.",
}

def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "run",
        help="profile a script, -m module or -c code and print a report",
        description="Profile a Python program in a subprocess and report where time and memory went.",
        epilog="Arguments after SCRIPT (or -m MODULE / -c CODE) go to the target, except heatlens's own long "
        "options; everything after -- goes to the target untouched.",
    )
    schema.add_arguments(parser, schema.RUN_OPTIONS[:4])
    parser.add_argument("--cwd", default=None, metavar="D", help="working directory of the target")
    schema.add_arguments(parser, ("project_root",))
    parser.add_argument("--report", choices=REPORT_KINDS, default="summary", help="which report (default: summary)")
    parser.add_argument("--output", default=None, metavar="FILE", help="write the report to FILE (.txt, .md or .json)")
    schema.add_arguments(parser, schema.RUN_OPTIONS[5:])
    from heatlens.commands.record import add_run_arguments  # --repeat, --batch, --store, --no-store

    add_run_arguments(parser)
    target = parser.add_mutually_exclusive_group()
    target.add_argument("-m", dest="module", nargs=argparse.REMAINDER, metavar="MODULE", help="run a module, like python -m")
    target.add_argument("-c", dest="code", nargs=argparse.REMAINDER, metavar="CODE", help="run a code snippet, like python -c")
    parser.add_argument("script", nargs=argparse.REMAINDER, metavar="SCRIPT [ARGS...]", help="the script and its arguments")
    parser.set_defaults(func=run_command, run_parser=parser)
    return parser


def split_options(words: List[str], options: Dict[str, argparse.Action]) -> Tuple[List[str], List[str]]:
    """Split what follows the target into heatlens's own long options and the target's arguments.

    `heatlens run prog.py in.csv --report all` gives `--report all` to heatlens and `in.csv` to the
    target; everything after `--` goes to the target untouched (`prog.py -- --report x`).
    """
    ours: List[str] = []
    theirs: List[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            theirs.extend(words[i + 1 :])
            break
        name = word.split("=", 1)[0]
        action = options.get(name) if name.startswith("--") else None
        if action is None or action.dest in _TARGET_DESTS:
            theirs.append(word)
            i += 1
        elif action.nargs != 0 and "=" not in word:
            ours.extend(words[i : i + 2])
            i += 2
        else:
            ours.append(word)
            i += 1
    return ours, theirs


_TARGET_DESTS = ("help", "module", "code", "script")


def apply_trailing_options(args: argparse.Namespace) -> argparse.Namespace:
    """Take heatlens's options out of the target's arguments (see `split_options`); idempotent."""
    parser: Optional[argparse.ArgumentParser] = getattr(args, "run_parser", None)
    if parser is None or getattr(args, "options_applied", False):
        return args
    options = {k: a for k, a in parser._option_string_actions.items() if k.startswith("--")}
    ours: List[str] = []
    for dest in ("module", "code", "script"):
        words = getattr(args, dest)
        if words and words[0] != "--":  # `heatlens run -- prog.py ARGS`: all of ARGS is the target's
            mine, theirs = split_options(list(words[1:]), options)
            ours += mine
            setattr(args, dest, words[:1] + theirs)
    if ours:
        targets = (args.module, args.code, args.script)
        parser.parse_args(ours, namespace=args)  # argparse reports bad values and exits 2 as usual
        args.module, args.code, args.script = targets
        print(trailing_warning(ours, options), file=sys.stderr)
    args.options_applied = True
    return args


def trailing_warning(ours: List[str], options: Dict[str, argparse.Action]) -> str:
    """Say which options after the target heatlens kept: a program with its own `--output` would
    otherwise silently lose it."""
    names = [w.split("=", 1)[0] for w in ours if w.split("=", 1)[0] in options]
    listed = ", ".join(dict.fromkeys(names))
    return (f"heatlens run: warning: {listed} after the program {'was' if len(names) == 1 else 'were'} taken as "
            f"heatlens's own option{'' if len(names) == 1 else 's'}, not passed to the program; to pass "
            f"{'it' if len(names) == 1 else 'them'} to the program, put {'it' if len(names) == 1 else 'them'} after `--` "
            f"(heatlens run SCRIPT -- {ours[0]} ...).")


class UsageError(Exception):
    pass


def target_from_args(args: argparse.Namespace) -> Target:
    """The Target the command line describes."""
    common: Dict[str, Any] = {"cwd": args.cwd, "python": args.python}
    if args.module is not None:
        if not args.module:
            raise UsageError("-m needs a module name")
        return Target("module", args.module[0], list(args.module[1:]), **common)
    if args.code is not None:
        if not args.code:
            raise UsageError("-c needs the code to run")
        return Target("code", args.code[0], list(args.code[1:]), **common)
    words = list(args.script)
    if words and words[0] == "--":
        words = words[1:]
    if not words:
        raise UsageError("nothing to run: give a SCRIPT, -m MODULE or -c CODE")
    return Target("script", words[0], words[1:], **common)


def output_format(path: Optional[str]) -> str:
    if path is None:
        return "text"
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS_BY_EXTENSION:
        raise UsageError(f"cannot tell the report format from {path!r}: use .txt, .md or .json")
    return FORMATS_BY_EXTENSION[ext]


def failure_paragraph(failure: Failure) -> str:
    """The one paragraph the user reads when a run did not end well."""
    text = f"heatlens: {failure.kind.value}: {failure.message}"
    hint = _HINTS.get(failure.kind)
    return f"{text} {hint}" if hint else text


def _echo(name: str, chunk: bytes) -> None:
    stream = sys.stdout if name == "stdout" else sys.stderr
    raw = getattr(stream, "buffer", None)
    if raw is not None:
        raw.write(chunk)
    else:
        stream.write(chunk.decode("utf-8", "replace"))
    stream.flush()


async def with_interrupts(start: Callable[[asyncio.Event], Awaitable[T]]) -> T:
    """`start(cancel)`, with Ctrl-C / SIGTERM setting `cancel` instead of killing heatlens (the target's
    tree is stopped, the profile read)."""
    cancel = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, cancel.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            pass
    try:
        return await start(cancel)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def _render(profile: Profile, kind: str, fmt: str, project_root: Optional[str]) -> str:
    from heatlens.reports import render  # the renderers are only needed once there is a profile

    return render(profile, kind, fmt, project_root)


def attach_findings(profile: Profile) -> None:
    """Hot anti-patterns of the user's own files and memory leaks, as the pipeline computes them for every
    run (`pipeline.analyse` with the default thresholds), for a profile read another way."""
    from heatlens import pipeline

    pipeline.analyse(profile, ProfileOptions())


def saver_for(args: argparse.Namespace) -> Optional[Callable[[Profile], Optional[int]]]:
    """Where the pipeline stores the run (None with --no-store); it says which run id it stored."""
    if getattr(args, "no_store", False):
        return None
    from heatlens.commands.record import store_root
    from heatlens.pipeline import saver

    save = saver(store_root(args), getattr(args, "store", None), getattr(args, "group", None))

    def save_and_say(profile: Profile) -> Optional[int]:
        run_id = save(profile)
        print(f"heatlens: stored as run #{run_id}", file=sys.stderr)
        return run_id

    return save_and_say


def run_command(args: argparse.Namespace) -> int:
    from heatlens.commands import record  # saving runs, --repeat and --batch

    apply_trailing_options(args)
    if record.wants_many(args):
        return record.run_many(args, run_command)
    try:
        target = target_from_args(args)
        fmt = output_format(args.output)
    except UsageError as exc:
        print(f"heatlens run: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from heatlens import pipeline  # the one pipeline of the CLI, the editor and the API

    options = ProfileOptions.from_args(args)
    save = saver_for(args)
    # imported while the program runs: the report, and the store's modules when the run is stored
    later = ("heatlens.reports",) + (("heatlens.store", "msgpack", "cattrs") if save is not None else ())
    outcome = asyncio.run(with_interrupts(lambda cancel: pipeline.profile(
        target, options, cancel=cancel, stream=_echo, save=save, preload=later)))
    for message in outcome.messages:
        print(f"heatlens: {message}", file=sys.stderr)
    result = outcome.result
    if getattr(args, "recorded", None) is not None:  # --repeat / --batch's summary
        args.recorded.append((outcome.run_id, result))
    failure = result.failure
    code = EXIT_CODES[failure.kind]
    if result.profile is not None:
        meta = result.profile.meta
        print(
            f"heatlens: {meta.target} · {meta.backend} backend · {meta.wall_time:.2f} s wall"
            + (f" (the program {meta.program_wall:.2f} s)" if meta.program_wall else "")
            + f" · {meta.cpu_time:.2f} s CPU · {failure.kind.value}",
            file=sys.stderr,
        )
    if not failure.ok:
        print(failure_paragraph(failure), file=sys.stderr)
    if result.profile is None or getattr(args, "skip_report", False):  # --repeat reports its last run only
        return code
    try:
        report = _render(result.profile, args.report, fmt, result.profile.meta.project_root or None)
        if args.output:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(report if report.endswith("\n") else report + "\n")
            print(f"heatlens: {args.report} report written to {args.output}", file=sys.stderr)
        else:
            sys.stdout.write(report if report.endswith("\n") else report + "\n")
            sys.stdout.flush()
    except Exception as exc:  # a report problem must not hide how the run ended
        print(f"heatlens: could not produce the {args.report} report: {type(exc).__name__}: {exc}", file=sys.stderr)
        return code or EXIT_REPORT_FAILED
    return code


def main(argv: Optional[List[str]] = None) -> int:
    """`heatlens run ARGS` on its own (without the other subcommands): `main(["prog.py", "-x"])`."""
    parser = argparse.ArgumentParser(prog="heatlens")
    sub = parser.add_subparsers(dest="command")
    register(sub)
    args = parser.parse_args(["run", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
