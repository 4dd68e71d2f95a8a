"""The program's own peak resident memory under each tool, over its peak alone, side by side with the peers.

`python -m benchmarks.peak_memory [--reps N] [--tools heatlens,memray] [--programs float,nbody] [--out-dir DIR]
[--before SRC]`

A profiler that gives line memory keeps something in the program's process: tracemalloc's tables and copies of
its traces (heatlens's allocation windows), memray's and Scalene's allocator hooks. Each program (pyperformance
workers: written elsewhere) runs through `workloads/peak_rss.py`, which writes the process's own peak (VmHWM)
as it exits, alone and under: `heatlens run` (the default: exact lines from outside + memory steps and windows),
`heatlens run --memory off`, `memray run` and Scalene (CPU + memory), the peers that also give line memory. Ratio =
median peak / the program's median peak alone; overall = geometric mean. `--before SRC`: heatlens's default also
from another checkout's `server/` folder (e.g. `git worktree add /tmp/before COMMIT`), interleaved.
Writes PEAK_MEMORY.md. No test asserts these numbers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from benchmarks.common import HERE, PYTHON, geomean, median, timed_run
from benchmarks.exactness import PYPERF, PYPERF_ARGS, pyperf_dir

Command = Callable[[List[str], Path], List[str]]
WRAPPER = HERE / "workloads" / "peak_rss.py"
Table = Dict[str, Dict[str, List[float]]]  # program -> tool -> peak MB per repetition


def programs() -> List[Tuple[str, List[str]]]:
    """pyperformance's benchmarks as pyperf workers, one value each (~2 s): a peak needs no more."""
    bench = pyperf_dir()
    if bench is None:
        return []
    return [(name, [str(bench / f"bm_{name}" / "run_benchmark.py"), *PYPERF_ARGS.get(name, []), "--worker", "-l",
                    str(loops), "-n", "1", "-w", "0", "-p", "1", "--inherit-environ", "PATH"])
            for name, loops in PYPERF.items()]


def tools(before: Optional[str] = None) -> Dict[str, Command]:
    heatlens = [PYTHON, "-m", "heatlens", "run", "--no-store", "--timeout", "0"]
    found: Dict[str, Command] = {
        "none": lambda a, o: [PYTHON, str(WRAPPER), *a],
        "heatlens (default)": lambda a, o: [*heatlens, "--", str(WRAPPER), *a],
        "heatlens --memory off": lambda a, o: [*heatlens, "--memory", "off", "--", str(WRAPPER), *a],
    }
    if before:
        old = ["env", f"PYTHONPATH={Path(before).resolve() / 'server'}", *heatlens]
        found["heatlens before (default)"] = lambda a, o: [*old, "--", str(WRAPPER), *a]
    memray = Path(PYTHON).parent / "memray"
    if memray.is_file():
        found["memray run"] = lambda a, o: [str(memray), "run", "-q", "-o", str(o / "m.bin"), str(WRAPPER), *a]
    found["scalene (CPU + memory)"] = lambda a, o: [PYTHON, "-m", "scalene", "run", "-o", str(o / "s.json"),
                                                    str(WRAPPER), "---", *a]
    return found


def measure(reps: int, log: Callable[[str], None] = print, only: Optional[List[str]] = None,
            before: Optional[str] = None, only_programs: Optional[List[str]] = None) -> Table:
    """The program's own peak in MB, every (program, tool) pair, tools in a rotated order each repetition."""
    cmds = {k: v for k, v in tools(before).items() if only is None or k == "none" or any(o in k for o in only)}
    names = list(cmds)
    chosen = [(p, a) for p, a in programs() if only_programs is None or any(o in p for o in only_programs)]
    peaks: Table = {p: {t: [] for t in names} for p, _ in chosen}
    for rep in range(reps):
        for k, (prog, argv) in enumerate(chosen):
            order = names[(rep + k) % len(names):] + names[:(rep + k) % len(names)]
            for tool in order:
                out = Path(tempfile.mkdtemp(prefix="hlpeak-"))
                try:
                    env = dict(os.environ, HEATLENS_BENCH_PEAK_OUT=str(out / "peak.txt"))
                    _, rc, _ = timed_run(cmds[tool](argv, out), cwd=str(out), env=env, timeout=300)
                    text = (out / "peak.txt").read_text() if (out / "peak.txt").is_file() else ""
                finally:
                    shutil.rmtree(out, ignore_errors=True)
                if rc == 0 and text.strip().isdigit():
                    peaks[prog][tool].append(int(text) / 1024.0)
                log(f"  rep {rep + 1} {prog} {tool}: {text.strip() or '?'} KB (rc {rc})")
    return peaks


def render(peaks: Table, title: str = "# The program's own peak resident memory over its peak alone (median)") -> str:
    names = list(next(iter(peaks.values())))
    rows = [title, "", "| program | alone (MB) | " + " | ".join(names[1:]) + " |", "|---|---|" + "---|" * (len(names) - 1)]
    ratios: Dict[str, List[float]] = {t: [] for t in names[1:]}
    for prog, by_tool in peaks.items():
        alone = median(by_tool["none"]) if by_tool["none"] else float("nan")
        cells = []
        for t in names[1:]:
            r = median(by_tool[t]) / alone if by_tool[t] and alone == alone else float("nan")
            if r == r:
                ratios[t].append(r)
            cells.append(f"{r:.2f}× (+{median(by_tool[t]) - alone:.1f})" if r == r else "failed")
        rows.append(f"| {prog} | {alone:.1f} | " + " | ".join(cells) + " |")
    rows.append("| **geomean** | | " + " | ".join(f"**{geomean(v):.3f}×**" if v else "—" for v in ratios.values()) + " |")
    worst = {t: max(v) for t, v in ratios.items() if v}
    rows += ["", "Worst program: " + ", ".join(f"{t} {r:.2f}×" for t, r in worst.items()) + "."]
    return "\n".join(rows) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--out-dir", default=str(HERE))
    ap.add_argument("--tools", default=None, help="comma-separated parts of the tools' names to run (default: all)")
    ap.add_argument("--before", default=None, metavar="SRC", help="heatlens's default also from this checkout")
    ap.add_argument("--programs", default=None, help="comma-separated parts of the programs' names (default: all)")
    args = ap.parse_args(argv)
    if not programs():
        print("pyperformance is not installed (the bench extra)", file=sys.stderr)
        return 2
    peaks = measure(args.reps, only=args.tools.split(",") if args.tools else None, before=args.before,
                    only_programs=args.programs.split(",") if args.programs else None)
    text = render(peaks)
    Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    Path(args.out_dir, "PEAK_MEMORY.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
