"""How long the anti-pattern analysis takes on a big file (issue #14: findings for a 5,000-line file <= 1 s).

    python -m benchmarks.analysis_speed [--lines 5000] [--repeats 5] [--profile]

The file is real code: standard-library modules (argparse, difflib, configparser, textwrap, ...) joined
until it has about `--lines` lines (`from __future__` lines dropped so it stays one valid module). The
profile spreads hot lines over many functions, as a real run of such code would: every line inside a
function or loop body gets samples with a fixed seed (a few hot, most lukewarm), so the gate lets many
candidates through and every detector's cost path runs. Timed: `analysis.findings.analyse_file`, the one
entry point of the CLI, the editor and the API (best and median CPU and wall time of `--repeats`, each cold:
no source index cached; `--profile` prints cProfile's top functions instead).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sysconfig
import time
from pathlib import Path
from typing import Dict, List, Tuple

from heatlens.model import LineStats

MODULES = ("argparse.py", "difflib.py", "textwrap.py", "configparser.py", "shlex.py", "fractions.py", "csv.py",
           "string.py", "email/_header_value_parser.py", "tarfile.py")


def big_source(lines: int) -> str:
    """Whole standard-library modules joined until the text has at least `lines` lines."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    parts: List[str] = []
    count = 0
    for name in MODULES:
        text = "\n".join(ln for ln in (stdlib / name).read_text().splitlines() if not ln.startswith("from __future__"))
        parts.append(text)
        count += text.count("\n") + 1
        if count >= lines:
            break
    return "\n".join(parts) + "\n"


def spread_profile(source: str, seed: int = 14) -> Tuple[Dict[int, LineStats], float]:
    """Samples on every indented line (function and loop bodies): 5 % hot (20-200 samples), the rest 0-3,
    at 4 ms a sample (py-spy's default rate of 250 Hz)."""
    rng = random.Random(seed)
    out: Dict[int, LineStats] = {}
    for n, text in enumerate(source.splitlines(), 1):
        if not text.startswith((" ", "\t")) or not text.strip() or text.strip().startswith("#"):
            continue
        samples = rng.randint(20, 200) if rng.random() < 0.05 else rng.randint(0, 3)
        if samples:
            out[n] = LineStats(line=n, cpu_python=samples * 0.004, samples=samples)
    return out, sum(s.cpu for s in out.values())


def time_once(source: str, lines: Dict[int, LineStats], total: float) -> Tuple[float, float, int]:
    """(wall, CPU seconds, findings) of one cold analysis: the per-version analysis cache and the source
    index cache are emptied first, so nothing a previous repeat (or the editor's heat annotations) built is
    reused."""
    import importlib

    from heatlens.analysis.findings import analyse_file
    from heatlens.mapping import source_index

    source_index._cache.clear()
    for where in ("heatlens.analysis.detect", "heatlens.analysis.candidates"):  # (absent before the cache)
        try:
            getattr(importlib.import_module(where), "_analyses", {}).clear()
        except ImportError:  # an older tree, measured as the baseline
            pass
    t0, c0 = time.perf_counter(), time.process_time()
    found = analyse_file("big.py", source, lines, total)
    return time.perf_counter() - t0, time.process_time() - c0, len(found)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    source = big_source(a.lines)
    lines, total = spread_profile(source)
    from heatlens.analysis.findings import analyse_file

    analyse_file("warm.py", "x = 1\n", {}, 1.0)  # imports and registers the rules outside the timing
    if a.profile:
        prof = cProfile.Profile()
        prof.enable()
        time_once(source, lines, total)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
        return
    walls, cpus, found = [], [], 0
    for _ in range(a.repeats):
        wall, cpu, found = time_once(source, lines, total)
        walls.append(wall)
        cpus.append(cpu)
    print(f"{source.count(chr(10))} lines, {len(lines)} lines with samples, {found} findings (ungraded): "
          f"CPU best {min(cpus):.2f} s, median {statistics.median(cpus):.2f} s; wall best {min(walls):.2f} s, "
          f"median {statistics.median(walls):.2f} s over {a.repeats} runs (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
