"""Memory per line from resident-memory steps (pyspy_memory.attribute): frees back to the newest allocations,
growth that ended before its line was read, the plateau's flat tail, and what goes unattributed."""

from __future__ import annotations

from typing import List, Optional, Tuple

import pytest
from heatlens.analysis import leaks
from heatlens.backends.pyspy_memory import MB, SNAPSHOT_GAP, attribute

FILE = "/p/app.py"


def at(line: int) -> List[List[object]]:
    return [["<module>", "<string>", 25], ["work", FILE, line]]  # the launcher's frame, then the program's


def locate(frames: List[Tuple[str, str, int]]) -> Optional[Tuple[str, int]]:
    program = [f for f in frames if f[1] == FILE]
    return (FILE, program[-1][2]) if program else None


def mb(n: float) -> int:
    return int(n * MB)


def test_a_free_goes_back_to_the_newest_allocation_and_nothing_is_kept_below_zero() -> None:
    events = [
        [0.10, mb(200), "MainThread", at(12)],  # kept
        [0.40, mb(100), "MainThread", at(15)],  # transient ...
        [0.45, -mb(100), "MainThread", at(8)],  # ... freed while another line runs
        [0.80, mb(50), "MainThread", at(18)],
        [0.90, -mb(400), "MainThread", at(8)],  # more than was ever seen: memory from before the program
    ]
    found = attribute(events, [[1.0, mb(300)]], locate)
    lines = {k[1]: (round(v.alloc_mb), round(v.peak_mb), round(v.live_mb)) for k, v in found.lines.items()}
    assert lines == {12: (200, 200, 0), 15: (100, 100, 0), 18: (50, 50, 0)}
    assert all(v.live_mb >= 0 for v in found.lines.values())


def test_lifo_keeps_a_kept_buffer_when_a_later_transient_is_freed() -> None:
    events = [[0.1, mb(200), "t", at(12)], [0.4, mb(100), "t", at(15)], [0.5, -mb(100), "t", at(8)]]
    found = attribute(events, [[0.6, mb(200)]], locate)
    assert found.lines[(FILE, 12)].live_mb == pytest.approx(200)
    assert found.lines[(FILE, 15)].peak_mb == pytest.approx(100) and found.lines[(FILE, 15)].live_mb == 0


def test_growth_that_stopped_before_the_read_belongs_to_the_streaks_line() -> None:
    # [t, changed up to the trigger, thread, frames, changed until the read, seconds since the previous read, stopped]
    events = [
        [0.10, mb(20), "t", at(12), mb(40), 0.5, False],  # read while line 12 was still growing
        [0.15, mb(30), "t", at(8), 0, 0.05, False],  # growth had ended when line 8 was read: it is line 12's
        [2.00, 0, "t", at(8), mb(10), 1.8, False],  # a new, lone step: line 8's own
        [2.04, mb(5), "t", at(8), 0, 0.04, True],  # stopped for the read: line 8 was running, whatever the gap
    ]
    found = attribute(events, [[2.1, mb(100)]], locate)
    assert found.lines[(FILE, 12)].alloc_mb == pytest.approx(90)
    assert found.lines[(FILE, 8)].alloc_mb == pytest.approx(15)


def test_a_free_then_new_growth_in_one_event_frees_first_then_grows_the_line_read() -> None:
    events = [
        [0.1, mb(200), "t", at(27), 0, 0.5, True],
        [0.5, -mb(200), "t", at(27), mb(50), 0.4, True],  # the buffer dropped, the next one already growing
        [0.6, mb(150), "t", at(27), 0, 0.1, True],
        [0.9, -mb(200), "t", at(40), 0, 0.3, True],
    ]
    found = attribute(events, [[1.0, mb(10)]], locate)
    line = found.lines[(FILE, 27)]
    assert (line.peak_mb, line.live_mb) == (pytest.approx(200), pytest.approx(0))


def test_steps_outside_the_program_are_counted_apart() -> None:
    events = [[0.1, mb(8), "t", [["<module>", "<frozen site>", 3]]], [0.2, mb(4), "t", at(3)]]
    found = attribute(events, [], locate)
    assert found.unattributed_mb == pytest.approx(8) and list(found.lines) == [(FILE, 3)]


def test_the_live_series_runs_to_the_end_so_a_plateau_is_no_leak_and_steady_growth_is() -> None:
    plateau = [[0.05 * i, mb(5), "t", at(9)] for i in range(1, 10)]  # fills in 0.5 s, then 2.5 s flat
    steady = [[0.1 * i, mb(5), "t", at(8)] for i in range(1, 30)]  # keeps growing to the end
    for events, leaking in ((plateau, False), (steady, True)):
        found = attribute(events, [[3.0, mb(200)]], locate)
        assert found.snapshot_times[-1] == pytest.approx(3.0, abs=SNAPSHOT_GAP)
        assert all(len(t.live_mb) == len(found.snapshot_times) for t in found.tracks)
        assert bool(leaks.detect(found.snapshot_times, found.tracks)) is leaking


def test_a_single_late_allocation_is_no_leak() -> None:
    events = [[2.0, mb(50), "t", at(18)]]
    found = attribute(events, [[3.0, mb(50)]], locate)
    assert leaks.detect(found.snapshot_times, found.tracks) == []
