"""Shared pieces of the benchmarks: paths, statistics, timed subprocesses, machine and tool facts."""

from __future__ import annotations

import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORKLOADS = HERE / "workloads"
GROUNDTRUTH = HERE / "groundtruth"
FIXTURE_GT = REPO / "tests" / "fixtures" / "groundtruth"
PYTHON = sys.executable


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def quartiles(values: Sequence[float]) -> tuple:
    """(q1, q3); with fewer than 4 values, (min, max)."""
    vals = sorted(values)
    if len(vals) < 4:
        return (vals[0], vals[-1]) if vals else (float("nan"), float("nan"))
    q = statistics.quantiles(vals, n=4)
    return q[0], q[2]


def geomean(values: Sequence[float]) -> float:
    vals = [v for v in values if v > 0 and math.isfinite(v)]
    return math.exp(sum(math.log(v) for v in vals) / len(vals)) if vals else float("nan")


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100): the value at or above p % of the samples."""
    vals = sorted(values)
    if not vals:
        return float("nan")
    rank = max(1, math.ceil(p / 100.0 * len(vals)))
    return vals[min(rank, len(vals)) - 1]


def children_cpu() -> float:
    """User + system CPU seconds of all waited-for child processes (and theirs) so far."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed_run(argv: List[str], cwd: Optional[str] = None, env: Optional[Dict[str, str]] = None,
              timeout: float = 600.0) -> tuple:
    """Run argv (no shell), output discarded; (wall seconds, return code, CPU seconds of the process tree).
    A timeout returns (nan, -9, nan)."""
    c0, t0 = children_cpu(), time.perf_counter()
    try:
        rc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        return float("nan"), -9, float("nan")
    return time.perf_counter() - t0, rc, children_cpu() - c0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def total_ram_gib() -> float:
    try:
        import psutil

        return psutil.virtual_memory().total / (1 << 30)
    except ImportError:
        return float("nan")


def dist_version(name: str) -> str:
    try:
        import importlib.metadata as md

        return md.version(name)
    except Exception:
        return "not installed"


def machine_facts() -> Dict[str, str]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {
        "date (UTC)": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "CPU": cpu_model(),
        "cores (nproc)": str(os.cpu_count()),
        "RAM": f"{total_ram_gib():.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "load average at start (1/5/15 min)": " / ".join(f"{x:.2f}" for x in load),
    }


TOOL_DISTS = ["heatlens", "scalene", "pyinstrument", "viztracer", "memray", "py-spy", "numpy", "pygls", "lsprotocol",
              "psutil", "matplotlib"]


def tool_versions() -> Dict[str, str]:
    return {name: dist_version(name) for name in TOOL_DISTS}


def fmt(x: float, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.{digits}f}"
