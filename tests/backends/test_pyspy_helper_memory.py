"""The allocation windows' own memory (heatlens/backends/pyspy_helper_memory.py): read from the windows' rows, taken off
the growth of the steps that meet a window, and given back first when memory falls right after."""

from __future__ import annotations

import pytest

from heatlens.backends.pyspy_helper_memory import HelperMemory, helper_memory
from heatlens.backends.pyspy_memory import MB, attribute

FILE = "/p/burst.py"


def locate(frames):  # noqa: ANN001, ANN201 - the attribution's Locate
    return (FILE, frames[-1][2]) if frames else None


def at(line: int):  # noqa: ANN201
    return [["f", FILE, line]]


def test_the_rows_eighth_field_is_the_windows_own_memory_on_the_wrappers_clock() -> None:
    rows = (repr((100.5, 100.55, 0.004, [], None, [], True, 6 << 20)) + "\n"
            + repr((101.0, 101.01, 0.004, [], None, [], True, 0)) + "\n"  # left nothing
            + repr((101.5, 101.51, 0.004, [], None, [], None)) + "\n"  # written before the field was
            + "(102.0, 102.01, 0.0")  # torn: the program ended while it was written
    assert helper_memory(rows, 100.0) == [(pytest.approx(0.5), pytest.approx(0.55), 6.0)]


def test_a_window_s_own_memory_is_taken_from_the_steps_that_meet_it_once() -> None:
    own = HelperMemory([(1.0, 1.05, 6.0), (3.0, 3.05, 2.0)])
    assert own.take(0.0, 0.5, 4.0) == 0.0  # before the window
    assert own.take(0.9, 1.02, 4.0) == 4.0  # meets it: all of its growth, up to what the window left
    assert own.take(1.02, 1.08, 5.0) == 2.0  # the rest of it, seen just after the window
    assert own.take(1.08, 1.2, 5.0) == 0.0  # nothing left of it
    assert own.take(3.2, 3.3, 5.0) == 0.0  # a step more than 50 ms after a window does not meet it
    assert own.took == 6.0


def test_a_burst_read_with_a_window_in_it_keeps_only_its_own_memory() -> None:
    # a 3.4 MB burst on line 10, read with the program stopped (a fast rise); a window opened in it and left 6 MB
    # of tracemalloc's tables and trace copies resident: the read saw 9.4 MB. Then the helper's copies were freed
    # (2 MB fell) while the program computed on line 19
    events = [[0.10, int(9.4 * MB), "t", at(10), 0, 1.0, True, 0.10], [0.30, int(-2 * MB), "", []]]
    helper = [(0.06, 0.11, 6.0)]
    without = attribute(events, [[1.0, int(7.4 * MB)]], locate)
    found = attribute(events, [[1.0, int(7.4 * MB)]], locate, (), helper)
    assert without.lines[(FILE, 10)].peak_mb == pytest.approx(9.4)  # before: the window's memory was the burst's
    assert found.lines[(FILE, 10)].peak_mb == pytest.approx(3.4) and found.helper_mb == pytest.approx(6.0)
    assert found.lines[(FILE, 10)].live_mb == pytest.approx(3.4)  # the fall gave back the helper's memory first
