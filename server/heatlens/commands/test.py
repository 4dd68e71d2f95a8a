"""`heatlens test [TESTS...]`: profile pytest tests, one stored run per test."""

from __future__ import annotations

import argparse
import os

import attrs
import sys
from typing import Any, Callable, List, Optional

from heatlens import classify
from heatlens.jobs import pytests
from heatlens import options as schema
from heatlens.model import Failure, FailureKind, Profile
from heatlens.reports import document as doc
from heatlens.reports.attribution import make_scope
from heatlens.options import ProfileOptions
from heatlens.run import RunResult

MAX_TESTS = 200


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "test", help="profile pytest tests, one stored run per test",
        description="Collect the tests pytest selects for TESTS (files, folders or node ids such as "
        "tests/test_x.py::test_y; default: the whole suite) in the target's interpreter, then profile each test "
        "in its own run (`python -m pytest NODEID` under the backend). Each run is stored as `pytest::NODEID`, "
        "all of them in one group. With --workers N the tests run in parallel with pytest-xdist (`pytest -n N`): "
        "every worker profiles its tests with cProfile and heatlens merges the workers' records into one stored "
        "run of the whole suite (`pytest -n N`) besides the per-test runs.",
    )
    parser.add_argument("tests", nargs="*", metavar="TESTS", help="what pytest should select")
    parser.add_argument("-k", dest="keyword", metavar="EXPR", help="only tests matching EXPR (as pytest -k)")
    schema.add_arguments(parser, ("backend", "timeout", "python", "memory", "sample_interval"))  # per test run
    parser.add_argument("--cwd", default=None, metavar="D", help="where pytest runs (default: here)")
    parser.add_argument("--project-root", default=None, metavar="D", help="your code, and where the store is")
    parser.add_argument("--store", default=None, metavar="PATH", help="the store's database")
    parser.add_argument("--no-store", action="store_true", help="do not store the runs")
    parser.add_argument("--max-tests", type=int, default=MAX_TESTS, help="refuse to run more (default %(default)s)")
    parser.add_argument("--workers", "-n", type=int, default=0, metavar="N",
                        help="run the tests in N pytest-xdist workers (needs pytest-xdist in the target's "
                             "interpreter; profiles with cProfile in each worker, --backend is not used)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cwd = os.path.abspath(args.cwd or os.getcwd())
    root = os.path.abspath(args.project_root or cwd)
    selection = list(args.tests) + (["-k", args.keyword] if args.keyword else [])
    try:
        nodeids = pytests.collect(selection, args.python, cwd)
    except Exception as exc:  # PytestError, InterpreterNotFound
        print(f"heatlens test: {exc}", file=sys.stderr)
        return 2
    if len(nodeids) > args.max_tests:
        print(f"heatlens test: {len(nodeids)} tests selected, more than --max-tests {args.max_tests}; "
              "select fewer or raise the limit", file=sys.stderr)
        return 2
    print(f"heatlens: profiling {len(nodeids)} test(s)", file=sys.stderr)
    options = attrs.evolve(ProfileOptions.from_args(args), project_root=root).run_options()
    group = pytests.group_id()
    rows: List[List[str]] = []
    failed = 0

    def done(test: pytests.TestRun) -> None:
        nonlocal failed
        run_id = None if args.no_store else _store(test, root, args.store, group)
        prof = test.result.profile
        failed += 0 if test.passed else 1
        took = pytests.test_time(None, None) if prof is None else prof.extras.get(pytests.TIME_KEY) or {}
        startup = took.get("startup")
        rows.append([test.nodeid, "passed" if test.passed else test.result.failure.kind.value,
                     doc.seconds(took.get("wall")), doc.seconds(took.get("cpu")),
                     doc.seconds(startup) if startup is not None else "shared" if args.workers > 0 else "-",
                     _top_function(prof, root), f"#{run_id}" if run_id is not None else "-"])
        print(f"heatlens: {test.nodeid}: {rows[-1][1]}", file=sys.stderr)

    combined = ""
    if args.workers > 0:
        try:
            combined = _parallel(args, nodeids, cwd, root, group, done)
        except pytests.PytestError as exc:
            print(f"heatlens test: {exc}", file=sys.stderr)
            return 2
    else:
        pytests.profile_tests_sync(nodeids, options, args.python, cwd, done)
    sys.stdout.write(doc.to_text([
        doc.Heading("heatlens test" + (f" ({args.workers} workers, whole run {combined})" if combined else "")),
        doc.Table(["test", "result", "test wall", "test CPU", "start-up", "top function of your code", "run"], rows,
                  ["l", "l", "r", "r", "r", "l", "r"]),
        doc.Para("test wall / CPU: the test function's own call (fixtures' setup and teardown apart), the same "
                 "with and without --workers; start-up: the rest of its process (interpreter, pytest, collection)."),
    ]))
    return 1 if failed else 0


def _parallel(args: argparse.Namespace, nodeids: List[str], cwd: str, root: str, group: str,
              done: Callable[[pytests.TestRun], None]) -> str:
    """`--workers N`: one xdist run; per-test runs go to `done`, the merged run is stored too ("#id")."""
    from heatlens.jobs import pytests_parallel

    if args.backend != "auto":
        print("heatlens: --workers profiles with cProfile in each worker; --backend is not used", file=sys.stderr)
    par = pytests_parallel.profile_parallel_sync(nodeids, args.workers, args.python, cwd, args.timeout)
    if not par.tests:
        raise pytests.PytestError(f"no test ran under pytest -n {args.workers} (exit {par.returncode}): "
                                  + " | ".join(par.output.strip().splitlines()[-4:]))
    for test in par.tests:
        if test.result.profile is not None:
            test.result.profile.meta.project_root = root
        done(test)
    ran = {t.nodeid for t in par.tests}
    for nodeid in (n for n in nodeids if n not in ran):  # e.g. a worker that crashed: say which tests have no result
        print(f"heatlens: {nodeid}: no result from the workers (pytest exit {par.returncode})", file=sys.stderr)
        done(pytests.TestRun(nodeid, RunResult(None, Failure(FailureKind.NONZERO_EXIT, "no result from the workers"))))
    if par.combined is None or args.no_store:
        return "not stored"
    par.combined.meta.project_root = root
    run_id = _store(pytests.TestRun(par.combined.meta.target, RunResult(par.combined, Failure())), root, args.store, group)
    return f"#{run_id}" if run_id is not None else "not stored"


def _store(test: pytests.TestRun, root: str, db: Optional[str], group: str) -> Optional[int]:
    from heatlens.store import StoreError, open_store

    if test.result.profile is None:
        return None
    try:
        with open_store(root, db) as store:
            return store.save(test.result.profile, group)
    except StoreError as exc:
        print(f"heatlens: {test.nodeid} was not stored: {exc}", file=sys.stderr)
        return None


def _top_function(profile: Optional[Profile], root: str) -> str:
    if profile is None:
        return "-"
    scope = make_scope(profile, root)
    mine = [f for f in profile.functions if scope.category(f.file) == classify.USER and f.qualname != "<module>"]
    if not mine:
        return "-"
    top = max(mine, key=lambda f: f.self_time)
    return f"{top.qualname} ({doc.seconds(top.self_time)} self)"
