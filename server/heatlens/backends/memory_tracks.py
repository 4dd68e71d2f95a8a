"""Raw tracemalloc snapshots of the agent's "full" memory mode -> the model's per-line memory series, which
the leak detector (analysis/leaks.py) reads."""

from __future__ import annotations

from typing import Dict, List, Mapping, Sequence, Tuple

from heatlens.model import LineMemoryTrack


def tracks_from_snapshots(snapshots: Sequence[Tuple[float, Mapping[Tuple[str, int], int]]],
                          keep: int = 50) -> Tuple[List[float], List[LineMemoryTrack]]:
    """Model fields from raw tracemalloc snapshots [(t, {(file, line): bytes})]: every line's live MB at
    every time (0 where absent), keeping the `keep` lines with the largest peak (stored runs stay small)."""
    times = [t for t, _ in snapshots]
    peaks: Dict[Tuple[str, int], int] = {}
    for _, sizes in snapshots:
        for site, size in sizes.items():
            if size > peaks.get(site, 0):
                peaks[site] = size
    top = sorted(peaks, key=lambda s: peaks[s], reverse=True)[:keep]
    tracks = [LineMemoryTrack(file, line, [round(sizes.get((file, line), 0) / (1 << 20), 4) for _, sizes in snapshots])
              for file, line in top]
    return times, tracks
