"""Runs a program as `python program.py args` would (as __main__, its own argv) and, as the process exits,
writes the process's own peak resident memory (KB, ru_maxrss) to the file named by HEATLENS_BENCH_PEAK_OUT: the
program's own peak under any tool that runs it in this process, not the tool's other processes."""
import atexit
import os
import resource
import runpy
import sys

OUT = os.environ.pop("HEATLENS_BENCH_PEAK_OUT", None)


def _write() -> None:
    if OUT:
        with open(OUT, "w") as f:
            f.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


atexit.register(_write)
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))
runpy.run_path(sys.argv[0], run_name="__main__")
