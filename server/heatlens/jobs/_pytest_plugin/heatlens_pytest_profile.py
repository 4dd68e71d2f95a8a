"""pytest plugin that heatlens loads (PYTEST_PLUGINS) into every pytest process, xdist workers included.

Stdlib + pytest only: it runs in the user's interpreter. For each test it runs cProfile around the whole
test protocol (setup, call, teardown) with a CPU-time clock, so a worker sharing the machine with others
still measures its own work, and writes, in the folder $HEATLENS_PYTEST_OUT:

    <worker>-<n>.pstats   the test's cProfile table (marshal, as cProfile.dump_stats writes it)
    <worker>.jsonl        one line per test: nodeid, worker, pid, outcome, cpu, wall, started, pstats

heatlens merges the files of all workers afterwards (heatlens.jobs.pytests_parallel). Files are
written as each test ends, so a worker that crashes still leaves the tests it finished.
"""

import cProfile
import json
import marshal
import os
import time

import pytest

OUT_VAR = "HEATLENS_PYTEST_OUT"
# "0": only time the tests (serial `heatlens test`, where a backend already profiles the process)
CPROFILE_VAR = "HEATLENS_PYTEST_CPROFILE"
_state = {"n": 0, "outcomes": {}, "calls": {}}


def _worker():
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    out = os.environ.get(OUT_VAR)
    if not out:
        yield
        return
    prof = cProfile.Profile(time.process_time) if os.environ.get(CPROFILE_VAR, "1") != "0" else None
    started, wall0, cpu0 = time.time(), time.perf_counter(), time.process_time()
    if prof is not None:
        prof.enable()
    try:
        yield
    finally:
        if prof is not None:
            prof.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        _state["n"] += 1
        worker = _worker()
        name = None
        if prof is not None:
            name = "%s-%d.pstats" % (worker, _state["n"])
            prof.create_stats()
            with open(os.path.join(out, name), "wb") as fh:
                marshal.dump(prof.stats, fh)
        call_wall, call_cpu = _state["calls"].pop(item.nodeid, (None, None))
        record = {"nodeid": item.nodeid, "worker": worker, "pid": os.getpid(), "cpu": cpu, "wall": wall,
                  "call_wall": call_wall, "call_cpu": call_cpu,
                  "started": started, "outcome": _state["outcomes"].pop(item.nodeid, "passed"), "pstats": name}
        with open(os.path.join(out, worker + ".jsonl"), "a") as fh:
            fh.write(json.dumps(record) + "\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    # the test function itself, without fixtures' setup and teardown: "the test's time" in both modes
    wall0, cpu0 = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        _state["calls"][item.nodeid] = (time.perf_counter() - wall0, time.process_time() - cpu0)


def pytest_runtest_logreport(report):
    if report.failed:
        _state["outcomes"][report.nodeid] = "failed"
    elif report.skipped and _state["outcomes"].get(report.nodeid) != "failed":
        _state["outcomes"][report.nodeid] = "skipped"
