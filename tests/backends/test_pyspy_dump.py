"""pyspy_dump: one line read with `py-spy dump`, the program's memory watched while it lasts (a fake py-spy here;
the real one drives it in test_pyspy_wrapper.py), and the rises and falls seen meanwhile."""

import sys
from pathlib import Path

import pytest

from heatlens.backends.pyspy_dump import HELPER_FILE, LineReader, leaf_frames, swings

MB = 1 << 20


@pytest.mark.parametrize("start, sizes, pieces", [
    (0, [], [0]),
    (0, [1, 3, 2.5, 6], [6]),  # a dip under a step is part of the rise
    (0, [48, 0, 48], [48, -48, 48]),  # made, freed, made again
    (0, [48, 10, 11], [48, -37]),  # ends falling: the last rise under a step is part of the fall
    (10, [5], [0, -5]),  # falls first
    (0, [30, 20, 40, 0], [30, -10, 20, -40]),
])
def test_swings_add_up_to_the_change_and_count_only_moves_of_a_step(start, sizes, pieces) -> None:
    got = swings(start * MB, [s * MB for s in sizes], 2 * MB)
    assert got == [p * MB for p in pieces]
    assert sum(got) == ((sizes[-1] if sizes else start) - start) * MB


def _thread(name, line, gil=False, active=False, file="prog.py", tid=1):
    """One thread of a `py-spy dump --json`: its frames leaf first."""
    frames = [{"name": "leaf", "filename": file, "line": line}, {"name": "<module>", "filename": file, "line": 1}]
    return {"thread_name": name, "owns_gil": gil, "active": active, "os_thread_id": tid, "frames": frames}


def test_the_line_read_is_the_gil_holders_else_an_active_threads_else_the_main_threads_never_the_helpers() -> None:
    main, worker = _thread("MainThread", 5, tid=7), _thread("w", 9, active=True, tid=8)
    helper = _thread("h", 3, gil=True, file=HELPER_FILE)
    assert leaf_frames([main, worker, helper], 7) == ("w", [["<module>", "prog.py", 1], ["leaf", "prog.py", 9]], True)
    assert leaf_frames([main, dict(worker, active=False)], 7)[:2] == ("MainThread", [["<module>", "prog.py", 1],
                                                                                    ["leaf", "prog.py", 5]])
    assert leaf_frames([main, dict(worker, owns_gil=True)], 7)[1][-1][2] == 9
    assert leaf_frames([helper], 7) == (None, [], False)


SLOW_FAKE = """#!{python}
import json, sys, time
time.sleep(0.2)
print(json.dumps({dump}))
"""


def _fake(tmp_path: Path, text: str) -> str:
    fake = tmp_path / "py-spy"
    fake.write_text(text)
    fake.chmod(0o755)
    return str(fake)


def test_memory_is_watched_while_py_spy_reads_the_line(tmp_path: Path) -> None:
    dump = [_thread("MainThread", 5, gil=True)]
    reader = LineReader(_fake(tmp_path, SLOW_FAKE.format(python=sys.executable, dump=repr(dump))), 2 * MB)
    sizes = iter(range(1000))
    stack, seen = reader.read(1, lambda: next(sizes) * MB)
    assert stack[1][-1] == ["leaf", "prog.py", 5]
    assert len(seen) > 10 and seen == sorted(seen)  # looked at every WATCH (5 ms) or so for 0.2 s, in order
    assert reader.swings(0, [4 * MB, 0]) == [4 * MB, -4 * MB]


def test_a_read_that_fails_reads_nothing_and_what_it_saw_is_kept(tmp_path: Path) -> None:
    broken = LineReader(_fake(tmp_path, f"#!{sys.executable}\nimport time; time.sleep(0.05); print('not json')\n"),
                        2 * MB)
    stack, seen = broken.read(1, lambda: 5 * MB)
    assert stack == (None, [], False) and seen and set(seen) == {5 * MB}
    assert LineReader(str(tmp_path / "missing"), 2 * MB).read(1, lambda: 0) == ((None, [], False), [])
