"""The agent's "full" memory mode over time: real runs of the real agent record every allocating line's live
memory at each tracemalloc snapshot, and the leak detector finds the known leak (and nothing in a large but
bounded cache). The detector itself is tested in tests/analysis/test_leaks.py."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from heatlens.analysis import leaks
from heatlens.backends.base import BackendOptions, Target
from heatlens.commands.run import attach_findings
from heatlens.model import Profile, dumps, loads
from heatlens.reports import collectors
from heatlens.reports import document as doc
from heatlens.run import RunOptions, profile_target_sync

DEEPER = Path(__file__).resolve().parent.parent / "fixtures" / "deeper"

pytestmark = pytest.mark.slow


def full(name: str) -> Profile:
    result = profile_target_sync(Target(kind="script", value=str(DEEPER / name)),
                                 RunOptions(backend="agent", timeout=120, backend_options=BackendOptions(memory="full")))
    assert result.profile is not None and result.failure.ok, result.stderr
    return loads(dumps(result.profile))  # the series survive storage


def test_leaking_line_is_found_with_its_rate() -> None:
    p = full("leaky.py")
    times = p.memory_snapshot_times
    assert len(times) >= leaks.MIN_SNAPSHOTS and times == sorted(times)  # ~3 s run, a snapshot every 0.2 s
    assert all(len(t.live_mb) == len(times) for t in p.line_memory_series)
    assert not any("_agent" in Path(t.file).parts for t in p.line_memory_series)  # the agent's own lines
    leak = [t for t in p.line_memory_series if t.file == str(DEEPER / "leaky.py") and t.line == 10]
    assert leak and leak[0].live_mb[-1] > 8.0  # 150 x 64 KiB stay alive
    found = leaks.leak_findings(p)
    assert [(f.file, f.line) for f in found] == [(str(DEEPER / "leaky.py"), 10)]
    assert 0.5 < found[0].data["rate_mb_s"] < 5.0 and found[0].data["confidence"] > 0.8
    attach_findings(p)  # the CLI's pipeline keeps it next to the anti-patterns
    assert [f.line for f in p.findings if f.rule == leaks.RULE] == [10]
    text = doc.to_text(collectors.blocks(collectors.summarize(p)))  # and the summary report shows it
    assert "Memory leaks" in text and "leaky.py:10: Possible memory leak" in text


def test_large_stable_cache_reports_nothing() -> None:
    p = full("stable_cache.py")
    cache = [t for t in p.line_memory_series if t.file == str(DEEPER / "stable_cache.py") and t.line == 13]
    assert cache and max(cache[0].live_mb) > 15  # the cache is large, and it was seen
    assert leaks.leak_findings(p) == []
    attach_findings(p)
    assert not [f for f in p.findings if f.rule == leaks.RULE]


def test_default_memory_mode_records_no_series() -> None:
    result = profile_target_sync(Target(kind="script", value=str(DEEPER / "stable_cache.py")),
                                 RunOptions(backend="agent", timeout=120))
    assert result.profile is not None and result.profile.memory_snapshot_times == []


def test_long_runs_keep_a_bounded_thinned_series(tmp_path: Path) -> None:
    from heatlens.api import _agent_module  # the agent's modules, imported as they run in a target

    memory = _agent_module("heatlens_agent_memory")
    sampler = _agent_module("heatlens_agent_sampler").Sampler(str(tmp_path / "a.json"), 0.01, "full", None)
    tracemalloc.start(1)
    try:
        keep = [bytearray(4096)]  # a traced line of this file
        for _ in range(memory.MAX_SNAPSHOTS):
            sampler._snapshot()
    finally:
        tracemalloc.stop()
        for fd in (sampler._statfd, sampler._clearfd):
            if fd >= 0:
                os.close(fd)
    snaps = sampler.snapshots
    assert len(snaps) == memory.MAX_SNAPSHOTS // 2 and sampler.snap_every == 2 * memory.SNAPSHOT_EVERY
    assert [t for t, _ in snaps] == sorted(t for t, _ in snaps)
    assert any(f == __file__ for f, _ in sampler.snap_last) and keep
