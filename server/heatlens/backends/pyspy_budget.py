"""What the memory poller's unstopped line reads may cost (stdlib only: the wrapper imports it by path, next to itself).

A line read is a `py-spy dump` (~10-30 ms of CPU) beside the program. On a core the program leaves idle it costs the
program little; where the program keeps every core busy (numpy's BLAS threads) it takes a core from it, and the
threads' next barrier waits for the one that lost its core. So unstopped reads keep to READ_BUDGET at any time
plus READ_SHARE of the *spare* core time: for each moment, the part of one core the program did not use
(a one-thread program on two cores leaves one whole core: 5 % of the time elapsed, as before).
"""

import os
import time

READ_BUDGET, READ_SHARE = 0.3, 0.05
CHECK_EVERY = 0.1  # seconds between two looks at the program's CPU (/proc/PID/stat counts in 10 ms ticks)
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(stat):
    """utime + stime in seconds from the text of /proc/PID/stat (all of the process's threads)."""
    fields = stat[stat.rindex(b")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class ReadBudget:
    """Seconds of unstopped reads spent, against what the spare core time allows."""

    def __init__(self, cores=None, clock=time.monotonic):
        self.cores = cores or usable_cores()
        self.clock = clock
        self.spent = 0.0  # seconds spent in unstopped reads
        self.spare = 0.0  # spare core seconds seen so far (at most one core at a time: a read uses one)
        self._fd = -1  # the program's /proc/PID/stat, once watched (unknown or not Linux: every moment is spare)
        self._at, self._cpu = clock(), None

    def watch(self, pid):
        """Count from now the core time that the program `pid` leaves idle."""
        try:
            self._fd = os.open("/proc/%d/stat" % pid, os.O_RDONLY)
        except OSError:
            self._fd = -1
        self._at, self._cpu = self.clock(), self._read()

    def _read(self):
        if self._fd < 0:
            return None
        try:
            return process_cpu(os.pread(self._fd, 1024, 0))
        except (OSError, ValueError, IndexError):
            return None

    def see(self):
        """Count the spare core time since the last look (every CHECK_EVERY at most)."""
        now = self.clock()
        span = now - self._at
        if span < CHECK_EVERY:
            return
        cpu = self._read()
        used = (cpu - self._cpu) / span if cpu is not None and self._cpu is not None else 0.0
        self.spare += max(0.0, min(1.0, self.cores - used)) * span
        self._at, self._cpu = now, cpu

    def allows(self):
        return self.spent <= READ_BUDGET + READ_SHARE * self.spare

    def record(self):
        return {"reading": round(self.spent, 4), "spare": round(self.spare, 4)}

    def close(self):
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
