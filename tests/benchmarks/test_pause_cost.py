"""The pause-cost benchmark runs each configuration for real and reads the program's own clocks (no time asserted)."""

from __future__ import annotations

import pytest

from benchmarks import pause_cost
from heatlens.backends.pyspy import find_pyspy


@pytest.mark.skipif(find_pyspy() is None, reason="py-spy binary not installed")
def test_every_configuration_runs_the_workload_and_says_what_a_read_cost() -> None:
    summary = pause_cost.run(reps=1, workload="nbody", scale="0.05")
    assert set(summary) == {"alone", "py-spy", "py-spy, depth 20", "heatlens"}
    for name, row in summary.items():
        assert row["runs"] == 1 and row["cpu_s"] > 0 and row["wall_s"] >= row["cpu_s"] * 0.9, (name, row)
        assert (row["reads"] == 0) if name == "alone" else (row["reads"] == pytest.approx(pause_cost.RATE * row["cpu_s"]))
