"""Resource monitor: a real run of a program whose RSS steps, threads and open files are known."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from heatlens.analysis.resources import sparkline, summarize
from heatlens.backends.base import Target
from heatlens.model import Profile, dumps, loads
from heatlens.reports import render
from heatlens.run import RunOptions, profile_target_sync

FIXTURES = Path(__file__).parent.parent / "fixtures" / "deeper"


def test_sparkline_and_empty_summary() -> None:
    assert summarize([]) is None
    line = sparkline([0.0, 1.0, 2.0, 3.0], width=4)
    assert line[0] == "▁" and line[-1] == "█" and len(line) == 4


@pytest.fixture(scope="module")
def stepped_run() -> Profile:
    target = Target("script", str(FIXTURES / "resource_steps.py"), cwd=str(FIXTURES), python=sys.executable)
    result = profile_target_sync(target, RunOptions(backend="cprofile", timeout=120))
    assert result.failure.ok, result.failure.message
    assert result.profile is not None
    return result.profile


def test_series_shows_known_steps_threads_and_files(stepped_run: Profile) -> None:
    series = stepped_run.resource_series
    assert len(series) >= 10
    base = min(s.rss_mb for s in series[:3])
    peak = max(s.rss_mb for s in series)
    assert 3 * 40 * 0.85 <= peak - base <= 3 * 40 * 1.3  # three 40 MB steps
    # the RSS climbs through intermediate levels (steps), not all at once
    assert any(base + 30 < s.rss_mb < base + 95 for s in series)
    data = summarize(series)
    assert data is not None
    assert data["threads_peak"] >= 5  # main + 4
    assert min(s.threads for s in series[:2]) <= 2  # threads start after the baseline sleep
    assert data["open_files_peak"] - min(s.open_files for s in series) >= 3
    assert data["processes_peak"] == 1


def test_series_survives_storage_and_reaches_the_report(stepped_run: Profile) -> None:
    again = loads(dumps(stepped_run))
    assert again.resource_series == stepped_run.resource_series
    text = render(stepped_run, "summary", "text")
    assert "Resources" in text and "threads (peak)" in text
