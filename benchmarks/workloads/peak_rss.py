"""Runs a program as `python program.py args` would (as __main__, its own argv) and, as the process exits,
writes the process's own peak resident memory (KB) to the file named by HEATLENS_BENCH_PEAK_OUT: the program's own
peak under any tool that runs it in this process, not the tool's other processes. Read from VmHWM, the peak of
this process's own memory since it started this interpreter: ru_maxrss keeps the peak of the process that
spawned it (a 440 MB test runner made a 60 MB program read 440 MB)."""
import atexit
import os
import resource
import runpy
import sys

OUT = os.environ.pop("HEATLENS_BENCH_PEAK_OUT", None)


def _peak_kb() -> int:
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):  # not Linux: the best there is
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _write() -> None:
    if OUT:
        with open(OUT, "w") as f:
            f.write(str(_peak_kb()))


atexit.register(_write)
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))
runpy.run_path(sys.argv[0], run_name="__main__")
