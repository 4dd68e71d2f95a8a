"""Raw tracemalloc snapshots -> per-line memory series: every line at every time, the largest lines kept."""

from __future__ import annotations

from heatlens.backends.memory_tracks import tracks_from_snapshots
from heatlens.model import LineMemoryTrack


def test_tracks_keep_the_largest_lines() -> None:
    snaps = [(0.0, {("a.py", 1): 10, ("b.py", 2): 5 << 20}), (1.0, {("a.py", 1): 20})]
    times, tracks = tracks_from_snapshots(snaps, keep=1)
    assert times == [0.0, 1.0]
    assert tracks == [LineMemoryTrack("b.py", 2, [5.0, 0.0])]
