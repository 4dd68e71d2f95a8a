"""The timing driver's rounds (heatlens/jobs/complexity_driver.py), with scripted timings and a scripted
clock: a size whose repeats disagree (a busy machine slows some by 1.5x) is timed again until its
minimum is confirmed, and no longer than the extra time allows."""

from __future__ import annotations

from typing import Dict, List

import pytest

from heatlens.jobs import complexity_driver as driver


class Script:
    """Per size, the timings to hand out in turn (the last repeats); each timing advances a fake clock."""

    def __init__(self, per_size: Dict[int, List[float]]) -> None:
        self.per_size = {n: list(ts) for n, ts in per_size.items()}
        self.calls: Dict[int, int] = {n: 0 for n in per_size}
        self.clock = 0.0

    def time_once(self, fn, args, loops):  # noqa: ANN001 - the driver's own signature
        n = args[0]
        ts = self.per_size[n]
        value = ts[min(self.calls[n], len(ts) - 1)]
        self.calls[n] += 1
        self.clock += value
        return value

    def monotonic(self) -> float:
        return self.clock


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch):
    def install(per_size: Dict[int, List[float]]) -> Script:
        s = Script(per_size)
        monkeypatch.setattr(driver, "_time_once", s.time_once)
        monkeypatch.setattr(driver.time, "monotonic", s.monotonic)
        return s
    return install


def test_a_size_whose_repeats_disagree_is_timed_until_its_minimum_is_confirmed(script) -> None:
    # calibration, then 5 rounds; size 200 is slowed 1.5x in its first repeats and runs clean from its 8th
    s = script({100: [0.01] * 40, 200: [0.02] + [0.03, 0.021, 0.03, 0.03, 0.03, 0.03, 0.03] + [0.02] * 40})
    runs = {r["n"]: r["times"] for r in driver.measure(None, lambda n: n, False, [100, 200], 5, 60.0)}
    assert len(runs[100]) == 5  # settled from the start: no more rounds
    assert min(runs[200]) == 0.02 and len(runs[200]) > 5  # the clean minimum was waited for
    assert sorted(runs[200])[1] <= 0.02 * (1 + driver.SETTLED)
    assert s.calls[200] == len(runs[200]) + 1  # the calibration call is not among the timings


def test_rounds_for_a_size_that_never_settles_stop_when_the_extra_time_is_spent(script) -> None:
    noisy = [0.02 * (1.0 + 0.05 * (i + 1)) for i in range(400)]  # every timing slower than the one before
    s = script({100: [0.01] * 400, 200: noisy})
    runs = {r["n"]: r["times"] for r in driver.measure(None, lambda n: n, False, [100, 200], 5, 1e9)}
    first_rounds = 0.01 * 5 + sum(noisy[1:6])  # what the first 5 rounds took on the fake clock
    extra = sum(noisy[6:len(runs[200]) + 1])
    assert len(runs[200]) > 5
    assert extra <= first_rounds * driver.EXTRA_TIME + noisy[len(runs[200])]  # stopped within one timing of the limit
    assert len(runs[200]) < 5 * driver.MAX_ROUNDS  # the time limit, not the round limit, stopped it


def test_the_budget_bounds_the_extra_rounds_too(script) -> None:
    timings = [0.01 * (1.0 + 0.05 * i) for i in range(400)]  # never settles
    s = script({100: timings})
    runs = driver.measure(None, lambda n: n, False, [100], 5, 0.07)  # the first rounds end at 0.0675 s
    assert len(runs[0]["times"]) == 6  # one more round started before the budget ran out, none after
    assert s.clock <= 0.07 + max(timings[:7])
