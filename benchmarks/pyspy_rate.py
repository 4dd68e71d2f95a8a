"""Which sampling rate for the default mode: py-spy's own cost against the exactness it buys.

`python -m benchmarks.pyspy_rate [--rates 1000,500,250] [--split dev] [--limit N] [--out-dir DIR]`

For every program of benchmarks/exactness.py's split, one Austin run (`austin -s -i 1ms`, the independent
exact reference) and one run of heatlens' default mode (py-spy, memory off) per rate, interleaved. Per rate:
line TV vs Austin (median, worst), and the sampler's CPU per second of the run (what py-spy and the wrapper
took beside the program: the runner's tree CPU minus the program's own). Writes PYSPY_RATE.md. No test
asserts these numbers; on a busy machine the CPU column is the steadier one (wall times are not reported).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from benchmarks.common import HERE, median
from benchmarks.exactness import Dist, austin_dist, programs, tv


def pyspy_dist(argv: List[str], folder: Path, rate: int) -> Tuple[Dist, float]:
    """(line cost over the program's files, sampler CPU seconds per wall second) of one default-mode run."""
    from heatlens.backends import pyspy
    from heatlens.backends.base import BackendOptions, Target
    from heatlens.run.runner import RunOptions, profile_target_sync

    target = Target("script", argv[0], args=argv[1:], cwd=str(folder))
    pyspy.DEFAULT_RATE = rate  # the default mode as it would be at this rate (the interval left at its default)
    result = profile_target_sync(target, RunOptions(backend="pyspy", timeout=300, backend_options=BackendOptions(
        memory="off")))
    profile = result.profile
    if profile is None:
        return {}, float("nan")
    lines: Dist = defaultdict(float)
    for f in profile.files:
        if f.path.startswith(str(folder)):
            for s in f.lines:
                lines[(f.path, s.line)] += s.cost
    note = next((n for n in profile.meta.notes if "the sampler beside it" in n), "")
    sampler_cpu = float(note.split("the sampler beside it ")[1].split(" s")[0]) if note else 0.0
    return dict(lines), sampler_cpu / max(profile.meta.wall_time, 1e-9)


def measure(rates: List[int], split: str, limit: Optional[int]) -> List[Dict[str, object]]:
    rows = []
    for k, (name, argv, folder) in enumerate(programs(split, quick=False)[:limit]):
        reference, _ = austin_dist(argv, folder)
        row: Dict[str, object] = {"program": name}
        for rate in rates[k % len(rates):] + rates[:k % len(rates)]:  # rotated: no rate always runs first
            lines, cpu = pyspy_dist(argv, folder, rate)
            row[f"tv_{rate}"], row[f"cpu_{rate}"] = tv(lines, reference), cpu
        rows.append(row)
        print(f"  {name}: " + "; ".join(f"{r} Hz TV {row[f'tv_{r}']:.3f}, sampler {row[f'cpu_{r}']:.1%} of a core"
                                        for r in rates), flush=True)
    return rows


def render(rows: List[Dict[str, object]], rates: List[int], split: str) -> str:
    out = ["# py-spy's sampling rate: exactness vs its own cost", "",
           f"Split: {split}. Line TV vs one Austin run (`austin -s -i 1ms`; includes both samplers' noise); sampler "
           "CPU = py-spy and the wrapper beside the program, per second of the run (memory off). Machine: 2 cores "
           "shared with other work, so CPU numbers are approximate.", "",
           "| program | " + " | ".join(f"{r} Hz TV | {r} Hz sampler CPU" for r in rates) + " |",
           "|---|" + "---|---|" * len(rates)]
    for row in rows:
        out.append(f"| {row['program']} | " + " | ".join(
            f"{row[f'tv_{r}']:.3f} | {row[f'cpu_{r}']:.1%}" for r in rates) + " |")
    out.append("")
    for r in rates:
        tvs = [float(row[f"tv_{r}"]) for row in rows if row[f"tv_{r}"] == row[f"tv_{r}"]]  # type: ignore[comparison-overlap]
        cpus = [float(row[f"cpu_{r}"]) for row in rows if row[f"cpu_{r}"] == row[f"cpu_{r}"]]  # type: ignore[comparison-overlap]
        if tvs:
            out.append(f"- **{r} Hz**: line TV median {median(tvs):.3f}, worst {max(tvs):.3f}; sampler CPU median "
                       f"{median(cpus):.1%} of a core")
    return "\n".join(out) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rates", default="1000,500,250")
    ap.add_argument("--split", default="dev", choices=("dev", "holdout", "all"))
    ap.add_argument("--limit", type=int, default=None, help="only the first N programs")
    ap.add_argument("--out-dir", default=str(HERE))
    args = ap.parse_args(argv)
    rates = [int(r) for r in args.rates.split(",")]
    text = render(measure(rates, args.split, args.limit), rates, args.split)
    Path(args.out_dir, "PYSPY_RATE.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
