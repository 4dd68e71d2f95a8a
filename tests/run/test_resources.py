"""The resource recorder of the runner's poll loop: CPU % from CPU-time growth, long series thinned."""

from __future__ import annotations

import pytest

from heatlens.run.resources import ResourceRecorder


def test_recorder_cpu_percent_and_thinning() -> None:
    rec = ResourceRecorder(max_samples=10)
    for i in range(25):  # one core busy: 0.1 s of CPU per 0.1 s
        rec.add(i * 0.1, (100 + i) << 20, i * 0.1, 3, 5, 1)
    series = rec.samples()
    assert len(series) <= 10
    assert series[-1].cpu_percent == pytest.approx(100.0, rel=0.01)
    assert series[0].rss_mb == pytest.approx(100.0)
    assert all(a.t < b.t for a, b in zip(series, series[1:]))
