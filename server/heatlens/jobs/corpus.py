"""Run a program of a scored corpus (see analysis/evaluate.py) for real: its profile, and its findings with
the argument probe's evidence where asked (one more run of the program)."""

from __future__ import annotations

import os
from typing import List, Optional, Tuple

from heatlens.analysis.argprobe import watches_for
from heatlens.analysis.findings import Thresholds, apply_probe, findings_for_file
from heatlens.backends.base import BackendOptions, Target
from heatlens.jobs.argprobe import run_probe_sync
from heatlens.mapping.rollup import same_file
from heatlens.model import Finding, Profile
from heatlens.run import RunOptions, profile_target_sync


def profile_file(path: str, timeout: float = 120.0, interval: Optional[float] = None) -> Tuple[Profile, str]:
    """Profile `path` for real (the default backend: py-spy; `interval`: its sampling interval, None for the
    default) and return (profile, stdout)."""
    options = RunOptions(backend="auto", timeout=timeout)
    if interval is not None:
        options = RunOptions(backend="auto", timeout=timeout, backend_options=BackendOptions(sample_interval=interval))
    result = profile_target_sync(Target("script", path, cwd=os.path.dirname(path)), options)
    if result.profile is None or not result.failure.ok:
        raise RuntimeError(f"profiling {path} failed: {result.failure.kind} {result.failure.message}")
    return result.profile, result.stdout


def findings_of(profile: Profile, path: str, source: str, thresholds: Optional[Thresholds] = None,
                probe: bool = False) -> List[Finding]:
    """The findings of `path` in `profile`; with `probe`, the hot repeated-call findings are measured by
    the argument probe (one more run of the program) and carry its evidence (and the cache fix, if safe)."""
    fp = next((f for f in profile.files if same_file(f.path, path)), None)
    if fp is None:
        return []
    found = findings_for_file(fp.path, source, fp.by_line(), profile.total_cpu, profile.functions, thresholds)
    watches = watches_for(found) if probe else []
    if not watches:
        return found
    report = run_probe_sync(Target("script", path, cwd=os.path.dirname(path)), watches)
    if not report.ok:
        raise RuntimeError(f"the argument probe of {path} failed: {report.message}")
    return apply_probe(found, report)
