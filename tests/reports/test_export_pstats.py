"""pstats export: pstats.Stats reads the file and the call counts are right."""

from __future__ import annotations

import cProfile
import marshal
import pstats

from heatlens.model import Profile
from heatlens.reports.export import export


def test_synthesized_stats_load_with_call_counts(profile, paths, tmp_path):
    out = tmp_path / "run.pstats"
    export(profile, "pstats", str(out))
    stats = pstats.Stats(str(out))
    entry = stats.stats[(paths["app"], 4, "join_orders")]  # type: ignore[attr-defined]
    cc, nc, tt, ct, callers = entry
    assert (cc, nc, tt, ct) == (3, 3, 7.0, 7.5)
    assert callers == {(paths["app"], 17, "main"): (0, 0, 0.0, 7.5)}
    assert stats.stats[("~", 0, "<built-in method builtins.len>")][1] == 1000  # type: ignore[attr-defined]
    assert stats.total_calls == 3 + 2 + 1 + 2 + 5 + 1000  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(3)  # the consumer's own printing works on it


def _busy(n: int) -> int:
    return sum(i * i for i in range(n))


def test_raw_cprofile_bytes_are_written_unchanged(tmp_path):
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(7):
        _busy(1000)
    prof.disable()
    prof.create_stats()
    raw = marshal.dumps(prof.stats)  # what `python -m cProfile -o` writes
    out = tmp_path / "raw.prof"
    export(Profile(extras={"pstats": raw}), "pstats", str(out))
    assert out.read_bytes() == raw
    stats = pstats.Stats(str(out))
    busy = [v for k, v in stats.stats.items() if k[2] == "_busy"]  # type: ignore[attr-defined]
    assert busy and busy[0][1] == 7
