"""What one paused read costs the program: py-spy alone, py-spy with a deeper stack, and heatlens's default mode.

`python -m benchmarks.pause_cost [--reps N] [--workload nbody] [--scale 2]`

Each configuration runs a workload inside a small harness that measures, in the program itself, its wall time and
its CPU time around the workload: the difference is the time it did not run (the pauses, and waits for a core on a
busy machine; a single-threaded program alone on its core waits for nothing else). Divided by the reads made
(rate x CPU seconds) it is the cost of one pause. py-spy reads every frame of the stack while the program is
stopped, so a pause grows with the stack's depth: the `depth 20` row calls the workload 20 frames deeper. heatlens
runs at 250 reads a second throughout here (`--interval 0.004`, memory off), as py-spy does in the rows beside it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Tuple

from benchmarks.common import PYTHON, WORKLOADS, median

RATE = 250
HARNESS = """\
import os, sys, time, runpy
def nest(k):
    if k:
        return nest(k - 1)
    w, c = time.perf_counter(), time.process_time()
    sys.argv = [sys.argv[1], sys.argv[2]]
    runpy.run_path(sys.argv[0], run_name="__main__")
    return time.perf_counter() - w, time.process_time() - c
wall, cpu = nest(int(os.environ.get("PAUSE_DEPTH", "0")))
with open(os.environ["PAUSE_OUT"], "a") as f:
    f.write("%s %.6f %.6f\\n" % (os.environ["PAUSE_TAG"], wall, cpu))
"""


def _pyspy() -> str:
    from heatlens.backends.pyspy import find_pyspy

    binary = find_pyspy()
    if binary is None:
        raise SystemExit("py-spy is not installed")
    return binary


def configurations(harness: str, workload: str, scale: str) -> Dict[str, Callable[[Dict[str, str]], None]]:
    spy, args = _pyspy(), [harness, str(WORKLOADS / f"{workload}.py"), scale]

    def pyspy(depth: int) -> Callable[[Dict[str, str]], None]:
        def run(env: Dict[str, str]) -> None:
            with tempfile.TemporaryDirectory() as tmp:
                subprocess.run([spy, "record", "-r", str(RATE), "-f", "raw", "-o", str(Path(tmp) / "out.txt"), "--",
                                PYTHON, *args], env=dict(env, PAUSE_DEPTH=str(depth)), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, check=True)
        return run

    def heatlens(env: Dict[str, str]) -> None:
        from heatlens.backends.base import BackendOptions, Target
        from heatlens.run import RunOptions, profile_target_sync

        options = BackendOptions(memory="off", sample_interval=1.0 / RATE)
        own = {k: v for k, v in env.items() if k.startswith("PAUSE_")}
        result = profile_target_sync(Target("script", harness, args=args[1:], env=own),
                                     RunOptions(backend="pyspy", timeout=300, backend_options=options))
        assert result.failure.kind.value == "ok", result.failure

    def alone(env: Dict[str, str]) -> None:
        subprocess.run([PYTHON, *args], env=env, check=True)

    return {"alone": alone, "py-spy": pyspy(0), "py-spy, depth 20": pyspy(20), "heatlens": heatlens}


def run(reps: int = 4, workload: str = "nbody", scale: str = "2") -> Dict[str, Dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="hlpause-") as tmp:
        harness, out = Path(tmp) / "harness.py", Path(tmp) / "times.txt"
        harness.write_text(HARNESS)
        configs = configurations(str(harness), workload, scale)
        names = list(configs)
        for rep in range(reps):  # interleaved, rotated: drift hits every configuration alike
            for name in names[rep % len(names):] + names[:rep % len(names)]:
                configs[name](dict(os.environ, PAUSE_OUT=str(out), PAUSE_TAG=name.replace(" ", "_")))
        rows: Dict[str, List[Tuple[float, float]]] = {}
        for line in out.read_text().splitlines():
            tag, wall_text, cpu_text = line.split()
            rows.setdefault(tag.replace("_", " "), []).append((float(wall_text), float(cpu_text)))
    summary = {}
    for name, times in rows.items():
        wall, cpu = median([w for w, _ in times]), median([c for _, c in times])
        stopped = median([w - c for w, c in times])
        reads = 0 if name == "alone" else RATE * cpu
        summary[name] = {"wall_s": wall, "cpu_s": cpu, "not_running_s": stopped, "reads": reads,
                         "ms_per_read": 1000 * stopped / reads if reads else float("nan"), "runs": float(len(times))}
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--workload", default="nbody")
    ap.add_argument("--scale", default="2")
    args = ap.parse_args()
    for name, row in run(args.reps, args.workload, args.scale).items():
        print(f"{name:18s} wall {row['wall_s']:.3f} s  CPU {row['cpu_s']:.3f} s  not running {row['not_running_s']:.3f} s"
              f"  reads ~{row['reads']:.0f}  {row['ms_per_read']:.3f} ms a read")


if __name__ == "__main__":
    main()
