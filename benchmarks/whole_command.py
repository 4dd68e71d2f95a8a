"""What the user waits for: the whole command's wall time over the program alone, side by side with the peers.

`python -m benchmarks.whole_command [--reps N] [--tools heatlens,py-spy] [--programs nbody,empty] [--out-dir DIR]
[--before SRC]`

Programs written elsewhere (pyperformance workers and the blind corpus), each run alone and under: `heatlens run`
(the default: exact lines from outside + memory steps, report included), `heatlens run --memory off`, `heatlens
run --backend agent` (the in-process fallback), `py-spy record` (its defaults), pyinstrument and Scalene (CPU +
memory: the peer that also gives line memory). Interleaved: every repetition runs every (program, tool) pair,
the tool order rotated. Ratio = median wall / the program's median wall alone; overall = geometric mean.
A second table gives the same for the CPU time of the whole process tree (steadier on a busy machine).
The `empty` row is a program with no code: what a run costs around any program, in seconds (not a ratio, and
not in the geomean). `--before SRC`: also the heatlens modes run from another checkout's `server/` folder (e.g.
`git worktree add /tmp/before COMMIT`), interleaved with the current ones.
Writes WHOLE_COMMAND.md. No test asserts these numbers.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from benchmarks.common import HERE, PYTHON, geomean, median, timed_run
from benchmarks.exactness import CORPUS, pyperf_dir

Command = Callable[[List[str], Path], List[str]]


EMPTY = HERE / "workloads" / "empty_program.py"  # no code: the fixed cost of a run, around any program


def programs() -> List[Tuple[str, List[str]]]:
    out: List[Tuple[str, List[str]]] = [("empty", [str(EMPTY)])]
    bench = pyperf_dir()
    for name, loops in (("nbody", "12"), ("richards", "40"), ("json_loads", "2000")) if bench else ():
        out.append((f"pyperf:{name}", [str(bench / f"bm_{name}" / "run_benchmark.py"), "--worker", "-l", loops,
                                       "-n", "3", "-w", "0", "-p", "1", "--inherit-environ", "PATH"]))
    for name in ("dedup_emails", "csv_sales_rollup", "report_class_concat"):
        path = CORPUS / "attribution" / f"{name}.py"
        if path.is_file():
            out.append((name, [str(path)]))
    return out


def tools(before: Optional[str] = None) -> Dict[str, Command]:
    bin_dir = Path(PYTHON).parent
    heatlens = [PYTHON, "-m", "heatlens", "run", "--no-store", "--timeout", "0"]
    found: Dict[str, Command] = {
        "none": lambda a, o: [PYTHON, *a],
        "heatlens (default)": lambda a, o: [*heatlens, "--", *a],
        "heatlens --memory off": lambda a, o: [*heatlens, "--memory", "off", "--", *a],
        "heatlens --backend agent": lambda a, o: [*heatlens, "--backend", "agent", "--", *a],
    }
    if before:  # the same modes from another checkout (its server/ first on the path)
        old = ["env", f"PYTHONPATH={Path(before).resolve() / 'server'}", *heatlens]
        found["heatlens before (default)"] = lambda a, o: [*old, "--", *a]
        found["heatlens before --memory off"] = lambda a, o: [*old, "--memory", "off", "--", *a]
    spy = shutil.which("py-spy") or str(bin_dir / "py-spy")
    if Path(spy).is_file():
        found["py-spy record (100 Hz)"] = lambda a, o: [spy, "record", "-f", "raw", "-o", str(o / "y.txt"), "--", PYTHON, *a]
    found["pyinstrument"] = lambda a, o: [PYTHON, "-m", "pyinstrument", "-o", str(o / "p.txt"), *a]
    found["scalene (CPU + memory)"] = lambda a, o: [PYTHON, "-m", "scalene", "run", "-o", str(o / "s.json"), a[0], "---", *a[1:]]
    return found


Table = Dict[str, Dict[str, List[float]]]  # program -> tool -> one number per repetition


def measure(reps: int, log: Callable[[str], None] = print, only: Optional[List[str]] = None,
            before: Optional[str] = None, only_programs: Optional[List[str]] = None) -> Tuple[Table, Table]:
    """(wall seconds, CPU seconds of the whole process tree) of every (program, tool) pair. On a busy machine
    the CPU is the steadier measure of what a tool adds (its wall depends on who else wants the cores)."""
    cmds = {k: v for k, v in tools(before).items() if only is None or k == "none" or any(o in k for o in only)}
    names = list(cmds)
    chosen = [(p, a) for p, a in programs() if only_programs is None or any(o in p for o in only_programs)]
    walls: Table = {p: {t: [] for t in names} for p, _ in chosen}
    cpus: Table = {p: {t: [] for t in names} for p, _ in chosen}
    for rep in range(reps):
        for k, (prog, argv) in enumerate(chosen):
            order = names[(rep + k) % len(names):] + names[:(rep + k) % len(names)]
            for tool in order:
                out = Path(tempfile.mkdtemp(prefix="hlwhole-"))
                try:
                    wall, rc, cpu = timed_run(cmds[tool](argv, out), cwd=str(out), timeout=300)
                finally:
                    shutil.rmtree(out, ignore_errors=True)
                if rc == 0 and wall == wall:
                    walls[prog][tool].append(wall)
                    cpus[prog][tool].append(cpu)
                log(f"  rep {rep + 1} {prog} {tool}: {wall:.2f} s wall, {cpu:.2f} s CPU (rc {rc})")
    return walls, cpus


def render(walls: Table, title: str = "# Whole command over the program alone (wall, median; interleaved)") -> str:
    names = [t for t in next(iter(walls.values()))]
    rows = [title, "",
            "| program | alone (s) | " + " | ".join(names[1:]) + " |", "|---|---|" + "---|" * (len(names) - 1)]
    ratios: Dict[str, List[float]] = {t: [] for t in names[1:]}
    for prog, by_tool in walls.items():
        alone = median(by_tool["none"])
        if prog == "empty":  # seconds, not a ratio over ~0.01 s: the fixed cost itself
            cells = [f"{median(by_tool[t]):.3f} s" if by_tool[t] else "failed" for t in names[1:]]
            rows.append(f"| {prog} (s) | {alone:.3f} | " + " | ".join(cells) + " |")
            continue
        cells = []
        for t in names[1:]:
            r = median(by_tool[t]) / alone if by_tool[t] and alone == alone else float("nan")
            ratios[t].append(r)
            cells.append(f"{r:.2f}×" if r == r else "failed")
        rows.append(f"| {prog} | {alone:.2f} | " + " | ".join(cells) + " |")
    rows.append("| **geomean** | | " + " | ".join(f"**{geomean(v):.2f}×**" for v in ratios.values()) + " |")
    return "\n".join(rows) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out-dir", default=str(HERE))
    ap.add_argument("--tools", default=None, help="comma-separated parts of the tools' names to run (default: all)")
    ap.add_argument("--before", default=None, metavar="SRC",
                    help="also run the heatlens modes from this checkout's server/ folder, interleaved")
    ap.add_argument("--programs", default=None, help="comma-separated parts of the programs' names (default: all)")
    args = ap.parse_args(argv)
    walls, cpus = measure(args.reps, only=args.tools.split(",") if args.tools else None, before=args.before,
                          only_programs=args.programs.split(",") if args.programs else None)
    text = render(walls) + "\n" + render(cpus, "## CPU of the whole process tree over the program's own (median)")
    Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    Path(args.out_dir, "WHOLE_COMMAND.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
