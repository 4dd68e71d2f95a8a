"""The allocation windows' rows read per program line (pyspy_window_rows.py): on the wrapper's clock, without
the helper's own allocations, and without the lines whose memory was temporary (alive at a window's middle and end
alike), a window at a loop's rounds speaking for the lines it saw."""

from __future__ import annotations

from typing import Optional, Tuple

import pytest

from heatlens.backends.pyspy_window_rows import MB, read_windows, window_lines, window_stacks

FILE = "/p/app.py"


def locate(frames: list) -> Optional[Tuple[str, int]]:
    program = [f for f in frames if f[1] == FILE]
    return (FILE, program[-1][2]) if program else None


def test_read_windows_puts_them_on_the_wrappers_clock_and_skips_the_helper_and_a_torn_line() -> None:
    text = (repr((100.5, 100.51, 0.004, [(2 * int(MB), ((FILE, 8),)), (4096, (("<heatlens-memory>", 3),))])) + "\n"
            + "(100.9, 100.91, 0.0")
    found = read_windows(text, 100.0, locate)
    assert found == [(pytest.approx(0.5), pytest.approx(0.51), 0.004, {(FILE, 8): pytest.approx(2.0)})]


def test_a_growing_lists_buffer_moved_before_a_windows_middle_does_not_make_its_line_a_temporary() -> None:
    # a real run's windows (tests/fixtures/exact/objects_between_work.py, 1 run in ~14 beside a busy loop): line 21
    # keeps rows in every window, but in the last one the rows' list had just been moved by realloc before the
    # window's middle, 1.4 of the 2.2 MB alive from the line, and the line was judged a temporary: the steps read
    # on the hashing line 15 stayed there (12 MB of 26 MB kept)
    ends_mids = [(148152, 88552), (197272, 169072), (169072, 84472), (169120, 112672), (1505912, 1421312)]
    text = "".join(repr((0.05 * k, 0.05 * k + 0.006, 0.006, [(end, ((FILE, 21),))], 0.05 * k + 0.003,
                         [(mid, ((FILE, 21),))])) + "\n" for k, (end, mid) in enumerate(ends_mids))
    assert all((FILE, 21) in w[3] for w in read_windows(text, 0.0, locate))
    churn = "".join(repr((0.05 * k, 0.05 * k + 0.006, 0.006, [(200000, ((FILE, 30),))], 0.05 * k + 0.003,
                          [(190000 + 10000 * (k % 3), ((FILE, 30),))])) + "\n" for k in range(6))
    assert not any(w[3] for w in read_windows(churn, 0.0, locate))  # alive at the middle as much: a temporary


def test_a_steady_keeper_whose_windows_ran_little_after_their_middle_is_kept() -> None:
    # beside two busy loops a window's program may run a tenth of its CPU after the window's middle: a line that
    # keeps 2 KB each round then made a tenth of what it kept after the middle, and read as a temporary (the
    # windows' test of a churn loop failed 1 run in 14); each window now says its CPU share after the middle
    def windows(site: int, mid_of_end: float, after: float) -> str:
        return "".join(repr((0.05 * k, 0.05 * k + 0.006, 0.006, [(100000, ((FILE, site),))], 0.05 * k + 0.003,
                             [(int(100000 * mid_of_end), ((FILE, site),))], True, 0, after)) + "\n" for k in range(6))

    assert all((FILE, 8) in w[3] for w in read_windows(windows(8, 0.9, 0.1), 0.0, locate))
    assert not any(w[3] for w in read_windows(windows(6, 0.98, 0.1), 0.0, locate))  # alive at the middle too
    assert not any(w[3] for w in read_windows(windows(8, 0.9, 0.5), 0.0, locate))  # half its CPU after: a temporary


def row(k: int, end: dict, mid: dict, at_rounds: bool, after: float = 0.5) -> str:
    """One window's row as the helper writes it: KB alive per line at its end and at its middle."""
    def sites(kb: dict) -> list:
        return [(int(v * 1024), ((FILE, line),)) for line, v in kb.items()]
    return repr((0.2 * k, 0.2 * k + 0.1, 0.08, sites(end), 0.2 * k + 0.05, sites(mid), True, 0, after, at_rounds)) + "\n"


def test_a_window_at_a_loops_rounds_speaks_for_the_lines_it_saw() -> None:
    # benchmarks' csv_sales_rollup.py (blind): each round sorts a growing dict (line 30: a copy remade each round)
    # and keeps a copy of the dict (line 32). A timed window's middle and end fall anywhere in a round: the sorted
    # copy made between them read as newer than the middle, as if kept, and took the leak's memory. At the loop's
    # rounds, the same point rounds apart: one sorted copy alive at both, the kept copies grown
    timed = row(0, {30: 400, 32: 400}, {30: 40, 32: 200}, False, after=0.7)
    at_rounds = row(1, {30: 1400, 32: 1800}, {30: 1400, 32: 900}, True)
    found = read_windows(timed + at_rounds, 0.0, locate)
    assert [sorted(line for _, line in w[3]) for w in found] == [[32], [32]]
    assert window_lines(timed + at_rounds, locate) == {(FILE, 30), (FILE, 32)}  # both allocate
    # without it the timed window's say stands: the sort's line is kept
    assert (FILE, 30) in read_windows(timed, 0.0, locate)[0][3]


def test_where_each_window_began_is_read_by_its_start_without_the_launchers_frames() -> None:
    began = [("<string>", 101), (FILE, 12), (FILE, 40)]
    text = repr((5.25, 5.3, 0.01, [], None, [], True, 0, None, False, began)) + "\n"
    text += repr((6.0, 6.1, 0.01, [], None, [], True, 0, None, False)) + "\n"  # a helper before session 24: none
    assert window_stacks(text, 5.0) == {0.25: [(FILE, 12), (FILE, 40)]}
    assert [w[0] for w in read_windows(text, 5.0, locate)] == [0.25, 1.0]  # the same starts

