"""Timing driver for `heatlens bigo`, run by the TARGET's interpreter: stdlib only, Python 3.8+.

    python complexity_driver.py SPEC.json OUT.json

SPEC: {"file", "qualname", "factory" (name in the same module or null), "unpack" (bool), "sizes",
"repeat", "budget"}. Imports the file as a module (its `if __name__ == "__main__"` block does not run),
builds each input with the factory outside the timing, and times the function `repeat` times per size
in interleaved rounds over the sizes, with more rounds for a size until its minimum is confirmed
(each timing loops enough calls to last ~5 ms of CPU; process CPU time, so the time other processes
run does not count — though their cache traffic still slows ours — and sleeping or waiting on I/O does not count). Writes {"runs": [{"n", "times": [per-call seconds]}],
"error": ...}: the daemon fits them (heatlens.analysis.complexity).
"""

import importlib.util
import json
import os
import sys
import time
import traceback

MIN_TIMING = 0.005  # seconds per timing: shorter calls are looped
MAX_LOOPS = 1 << 20
SETTLED = 0.03  # a size's minimum is confirmed once its two fastest timings agree this closely
EXTRA_TIME = 3.0  # rounds for unconfirmed sizes: at most this many times the first rounds' time...
MAX_ROUNDS = 8  # ...and at most this many times `repeat` rounds in all


def _load(path):
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)
    spec = importlib.util.spec_from_file_location("__heatlens_bigo__", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _resolve(module, qualname):
    obj = module
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _time_once(fn, args, loops):
    clock = time.process_time  # CPU seconds: other processes on a busy machine do not inflate them
    start = clock()
    for _ in range(loops):
        fn(*args)
    return (clock() - start) / loops


def _args(make, unpack, n):
    value = make(n)
    return tuple(value) if unpack else (value,)


def _settled(times):
    """Whether a size's minimum is confirmed: its two fastest timings agree within SETTLED."""
    fastest = sorted(times)[:2]
    return len(fastest) == 2 and fastest[1] <= fastest[0] * (1.0 + SETTLED)


def measure(fn, make, unpack, sizes, repeat, budget):
    """Rounds over all sizes (size A, B, C, then A, B, C again...): a slow moment of the machine then
    touches every size alike instead of bending the curve at one size. After `repeat` rounds, sizes whose
    minimum is not yet confirmed (a busy machine: repeats 1.5x apart) get more rounds, for at most
    EXTRA_TIME times as long as the first rounds took."""
    deadline = time.monotonic() + budget
    loops = {}
    for n in sizes:  # calibration, which also warms up caches and lazy imports
        first = _time_once(fn, _args(make, unpack, n), 1)
        loops[n] = min(MAX_LOOPS, max(1, int(MIN_TIMING / max(first, 1e-9)))) if first < MIN_TIMING else 1
        if time.monotonic() > deadline or first * repeat > budget:
            break  # the larger sizes would take too long; fit what we have
    times = {n: [] for n in loops}
    started, extra_until = time.monotonic(), None
    for round_no in range(repeat * MAX_ROUNDS):
        if round_no == repeat:
            now = time.monotonic()
            extra_until = min(deadline, now + (now - started) * EXTRA_TIME)
        pending = [n for n in loops if round_no < repeat or not _settled(times[n])]
        if not pending or (extra_until is not None and time.monotonic() > extra_until):
            break
        for n in pending:
            # fresh input each time: a function that sorts or mutates in place sees the same work
            times[n].append(_time_once(fn, _args(make, unpack, n), loops[n]))
    return [{"n": n, "times": times[n], "loops": loops[n]} for n in loops]


def main(spec_path, out_path):
    with open(spec_path) as f:
        spec = json.load(f)
    result = {"runs": [], "error": None}
    try:
        module = _load(spec["file"])
        fn = _resolve(module, spec["qualname"])
        make = _resolve(module, spec["factory"]) if spec.get("factory") else (lambda n: n)
        result["runs"] = measure(fn, make, bool(spec.get("unpack")), spec["sizes"], spec["repeat"], spec["budget"])
    except BaseException as exc:  # report anything, SystemExit included, to the daemon
        result["error"] = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        result["traceback"] = traceback.format_exc()
    with open(out_path, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
