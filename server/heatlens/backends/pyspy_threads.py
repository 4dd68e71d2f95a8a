"""Each thread's CPU time while the program runs (stdlib only: the wrapper imports it by path, next to itself).

py-spy sees a thread run whenever /proc says it is runnable: waiting for a core, or woken in its wait by a paused
read, counts as running (`pyspy_parse.py` `scaled_to_cpu`). Its samples are weighed by the CPU the thread used:
the launcher reads the clocks of the threads alive as the program ends; these reads, every INTERVAL from outside,
tell the CPU of the threads that ended before it (a pool's, an executor's). /proc's counts are in clock ticks
(10 ms here); the last interval of a thread that ended is taken at the rate of the one before. (A thread that
lived less than an interval is not read: its samples are weighed with the others of its kind.)
"""

import json
import os
import threading

INTERVAL = 0.05
PER_THREAD = 0.001  # ... and longer with many threads: a read of each is ~20 us, kept under ~2 % of a core
OUTPUT = "pyspy-threads.json"  # {tid: CPU seconds}
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def thread_cpu(pid, tid):
    """CPU seconds of one thread of `pid` so far; None once it is gone."""
    try:
        with open("/proc/%d/task/%s/stat" % (pid, tid), "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14 and 15 of stat)
    except (OSError, IndexError, ValueError):
        return None


class ThreadClocks:
    """Reads the CPU of each of a process's threads every INTERVAL from `start()` until `stop()`, which
    writes what it read to OUTPUT in `out_dir`."""

    def __init__(self, pid, out_dir):
        self.pid, self.out_dir = pid, out_dir
        self.seen = {}  # tid -> (CPU at the last read, CPU at the read before)
        self.live = 0  # threads at the last read
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()

    def read(self):
        try:
            tids = os.listdir("/proc/%d/task" % self.pid)
        except OSError:
            return
        self.live = len(tids)
        for tid in tids:
            cpu = thread_cpu(self.pid, tid)
            if cpu is not None:
                self.seen[int(tid)] = (cpu, self.seen.get(int(tid), (0.0, 0.0))[0])

    def _run(self):
        while not self._stop.wait(max(INTERVAL, PER_THREAD * self.live)):
            self.read()

    def cpu(self):
        """{tid: CPU seconds}, each thread's last read and one more interval at the rate it last ran."""
        return {tid: last + max(0.0, last - before) for tid, (last, before) in self.seen.items()}

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(1.0)
        try:
            with open(os.path.join(self.out_dir, OUTPUT), "w") as f:
                json.dump(self.cpu(), f)
        except OSError:
            pass
