"""The loop rounds the allocation windows begin, have their middle and end at (pyspy_alloc_rounds.py), run in each
CPython 3.9+ on this machine as the helper runs it: the outermost loop's header is found from the bytecode, each
round after the first is seen once (not the inner loop's), and nothing is left watching."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from heatlens_test_pythons import other_interpreters

from heatlens.backends import pyspy_alloc_rounds

SOURCE = Path(pyspy_alloc_rounds.__file__).read_text(encoding="utf-8")

PROBE = """
import sys
box = {}
watch, unwatch, outer_loop, _stack = _heatlens_frame_watch(box)
hits = []

def probe():
    f = sys._getframe(1)
    first, line, _running, _last = outer_loop(f)
    print("header", line)
    watch([f], lambda frame, at: hits.append(at) if at == line and frame.f_lasti == first else None)

def work(mode):
    t = 0
    if mode == "before":
        probe()  # before the loops: the next loop's rounds
    while t < 40:  # OUTER
        for j in range(3):
            t += j
            if (t, j) == (3, 2) and mode == "inside":
                probe()  # inside the inner loop: the outer loop's rounds
    if mode != "called":
        unwatch()
    return t

def seen_in_call(frame, at):
    _depth, first, line, _running, _last = box["loops"][id(frame)]
    if at == line and frame.f_lasti == first:
        hits.append(at)

def caller():  # no loop here: the frames called from now on are watched, the loop in work()'s for its rounds
    box["loops"] = {}
    watch([], seen_in_call, calls=True)
    t = work("called")
    unwatch()
    return t

for mode in ("inside", "before", "called"):
    hits.clear()
    work(mode) if mode != "called" else caller()
    monitoring = getattr(sys, "monitoring", None)
    print("rounds", len(hits), sys.gettrace(), monitoring and monitoring.get_tool(4))
"""


def outer_line() -> int:
    return next(n for n, text in enumerate(PROBE.splitlines(), 1) if text.rstrip().endswith("# OUTER"))


@pytest.mark.parametrize("python", [sys.executable] + [p for p, _ in other_interpreters()])
def test_the_outer_loops_rounds_are_seen_once_each_and_nothing_is_left_watching(python: str) -> None:
    # the window's two points are the same point of the program, rounds apart: the inner loop's backward jumps
    # land on a line of their own, and the outer loop's on the `while` (3.9) or its body's first line (3.10+)
    # the helper's source under its own file name, as the launcher runs it (its own frames are never watched)
    prelude = "exec(compile(%r, '<heatlens-memory>', 'exec'))" % SOURCE
    result = subprocess.run([python, "-c", prelude + PROBE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    headers = [int(line.split()[1]) for line in result.stdout.splitlines() if line.startswith("header")]
    rounds = [line.split()[1:] for line in result.stdout.splitlines() if line.startswith("rounds")]
    body = outer_line()  # line numbers of the program as run (the prelude on its first line)
    assert len(headers) == 2 and all(h in (body, body + 1) for h in headers), (headers, body)
    # 14 rounds (t grows by 3 a round): the probe inside the first round sees the 13 others begin, the one before
    # the loops all 14, as does a watch of the calls made from a frame without a loop; where the round starts at
    # the `while` test (3.9), the test that ends the loop is one more
    extra = int(headers[0] == body)
    assert rounds == [[str(n + extra), "None", "None"] for n in (13, 14, 14)], result.stdout


CONTINUES = """
import sys
box = {}
watch, unwatch, outer_loop, _stack = _heatlens_frame_watch(box)
outside = []

def work():
    n = 0
    while True:
        n += 1
        if n == 1:
            f = sys._getframe()
            _at, _line, running, (low, last) = outer_loop(f)
            watch([f], lambda g, at: outside.append(at) if at and n < 9 and not low <= g.f_lasti <= last else None)
        if n % 2:
            continue  # a backward jump to the loop's test (3.11), its end's to its body: one loop
        n += 2
        if n > 8:
            break
    unwatch()
    return running

print("running", work(), "outside", outside)
"""


@pytest.mark.parametrize("python", [sys.executable] + [p for p, _ in other_interpreters()])
def test_a_loop_with_continue_is_one_loop_whose_lines_are_all_inside_it(python: str) -> None:
    # pyperformance's pyflate: each backward jump was a loop of its own, the `continue`'s the outermost, and the
    # lines after it looked out of the loop: a window begun there ended at once, as if its loop were over
    prelude = "exec(compile(%r, '<heatlens-memory>', 'exec'))" % SOURCE
    result = subprocess.run([python, "-c", prelude + CONTINUES], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.split() == ["running", "True", "outside", "[]"], result.stdout
