"""The memory poller's read budget counts the core time the program leaves idle (pure: a fake clock and CPU)."""

from __future__ import annotations

import os
from typing import List

from heatlens.backends import pyspy_budget
from heatlens.backends.pyspy_budget import READ_BUDGET, READ_SHARE, ReadBudget, process_cpu


def _budget(cores: int, cpu_per_second: float, seconds: float) -> ReadBudget:
    """A ReadBudget over `seconds` of a program using `cpu_per_second` cores, looked at every 1/8 s."""
    now: List[float] = [0.0]
    b = ReadBudget(cores=cores, clock=lambda: now[0])
    used = [0.0]
    b._read = lambda: used[0]  # type: ignore[method-assign]
    b._cpu = 0.0
    while now[0] < seconds - 1e-9:
        now[0] += 0.125
        used[0] += 0.125 * cpu_per_second
        b.see()
    return b


def test_a_one_thread_program_on_two_cores_leaves_one_core_spare() -> None:
    b = _budget(cores=2, cpu_per_second=1.0, seconds=10)
    assert abs(b.spare - 10.0) < 1e-6
    b.spent = READ_BUDGET + READ_SHARE * 10 - 0.01
    assert b.allows()
    b.spent += 0.02
    assert not b.allows()


def test_a_program_on_every_core_leaves_nothing_past_the_first_budget() -> None:
    b = _budget(cores=2, cpu_per_second=2.0, seconds=10)
    assert b.spare < 1e-6
    b.spent = READ_BUDGET + 0.01
    assert not b.allows()


def test_an_idle_program_counts_at_most_one_core_a_moment() -> None:
    assert abs(_budget(cores=8, cpu_per_second=0.0, seconds=4).spare - 4.0) < 1e-6  # a read uses one core


def test_looks_closer_than_check_every_wait() -> None:
    now = [0.0]
    b = ReadBudget(cores=2, clock=lambda: now[0])
    now[0] = pyspy_budget.CHECK_EVERY / 2
    b.see()
    assert b.spare == 0.0
    now[0] = pyspy_budget.CHECK_EVERY * 2
    b.see()
    assert b.spare > 0


def test_the_cpu_of_a_real_process_is_read_from_proc() -> None:
    with open(f"/proc/{os.getpid()}/stat", "rb") as f:
        stat = f.read()
    times = os.times()
    assert abs(process_cpu(stat) - (times.user + times.system)) < 0.1
    # a command name with spaces and parentheses does not move the fields
    fake = b"42 (a (b) c) S " + b" ".join(b"0" for _ in range(10)) + b" 250 150 0 0"
    assert process_cpu(fake) == (250 + 150) / pyspy_budget.TICK


MB = 1 << 20


def _temporaries_read(t: pyspy_budget.Temporaries, n: int, at: float = 0.0) -> float:
    """`n` reads of 4 MB made at 100 MB and given back 20 ms after each read; the time after the last."""
    for _ in range(n):
        t.read(100 * MB, 104 * MB, at)
        t.fell(100 * MB, at + 0.02)
        at += 0.1
    return at


def test_reads_of_the_same_temporaries_are_spaced_out_after_a_few_doubling_up_to_a_limit() -> None:
    t = pyspy_budget.Temporaries(slack=2 * MB)
    at = _temporaries_read(t, pyspy_budget.REPEATS - 1)
    assert t.spacing(104 * MB, at) == 1  # a few: as usual
    at = _temporaries_read(t, 1, at)
    assert t.spacing(104 * MB, at) == 2
    at = _temporaries_read(t, 1, at)
    assert t.spacing(104 * MB, at) == 4
    _temporaries_read(t, 20, at)
    assert t.spacing(104 * MB, at) == pyspy_budget.MOST_SPACED


def test_growth_beyond_the_temporaries_or_growth_that_stays_is_read_as_usual() -> None:
    t = pyspy_budget.Temporaries(slack=2 * MB)
    at = _temporaries_read(t, 6)
    assert t.spacing(105 * MB, at) > 1  # back to where they went (within the slack)
    assert t.spacing(107 * MB, at) == 1  # beyond them: new growth
    t.read(100 * MB, 104 * MB, at)  # read, and not given back within GIVEN_BACK: kept, not a temporary
    assert t.spacing(104 * MB, at + pyspy_budget.GIVEN_BACK + 0.01) == 1
    at = _temporaries_read(t, 6, at + 1)
    t.read(100 * MB, 104 * MB, at)
    t.read(104 * MB, 108 * MB, at + 0.05)  # a second read before the first's growth went: growing
    assert t.spacing(104 * MB, at + 0.06) == 1


def test_memory_given_back_only_in_part_or_late_is_no_temporary() -> None:
    t = pyspy_budget.Temporaries(slack=2 * MB)
    at = 0.0
    for _ in range(6):
        t.read(100 * MB, 104 * MB, at)
        t.fell(103 * MB, at + 0.02)  # 3 of 4 MB stay
        at += 0.1
    assert t.spacing(104 * MB, at) == 1
    for _ in range(6):
        t.read(100 * MB, 104 * MB, at)
        t.fell(100 * MB, at + pyspy_budget.GIVEN_BACK + 0.05)  # given back, but long after
        at += 0.3
    assert t.spacing(104 * MB, at) == 1


def test_a_fall_far_below_where_the_temporaries_rose_from_ends_them() -> None:
    t = pyspy_budget.Temporaries(slack=2 * MB)
    at = _temporaries_read(t, 6)
    assert t.spacing(103 * MB, at) > 1
    t.fell(60 * MB, at)  # 40 MB more given back: the program moved on, what grows next is new
    assert t.spacing(63 * MB, at) == 1


def _first_fast(mb_per_ms: float, ms: int, poll_ms: float = 1.0) -> float:
    """Seconds into a rise of `mb_per_ms` lasting `ms` (polled every `poll_ms`) at which Rise calls it fast; -1: never."""
    rise, t = pyspy_budget.Rise(), 0.0
    rise.see(0.0, 100 << 20)
    while t < ms / 1000 - 1e-9:
        t += poll_ms / 1000
        rise.see(t, (100 << 20) + int(mb_per_ms * (t * 1000) * (1 << 20)))
        if rise.fast():
            return t
    return -1.0


def test_a_comprehensions_burst_is_a_fast_rise_and_slow_growth_is_not() -> None:
    # 3.4 MB of ints made by a comprehension in ~15 ms (230 MB/s): over before an unstopped read starts py-spy
    # (10-50 ms), so it is read stopped, early in it; before, only 400 MB/s and more was (a memset)
    at = _first_fast(0.23, 15)
    assert 0 < at <= 0.01, at
    assert 0 < _first_fast(0.23, 15, poll_ms=4.0) <= 0.012  # polled every 4 ms once memory was calm
    assert _first_fast(0.05, 200) == -1.0  # a leak at 50 MB/s: windows tell its line, no stops
