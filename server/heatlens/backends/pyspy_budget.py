"""What the memory poller's unstopped line reads may cost, and which rises it reads with the program stopped (`Rise`)
(stdlib only: the wrapper imports it by path, next to itself).

A line read is a `py-spy dump` (~10-30 ms of CPU) beside the program. On a core the program leaves idle it costs the
program little; where the program keeps every core busy (numpy's BLAS threads) it takes a core from it, and the
threads' next barrier waits for the one that lost its core. So unstopped reads keep to READ_BUDGET at any time
plus READ_SHARE of the *spare* core time: for each moment, the part of one core the program did not use
(a one-thread program on two cores leaves one whole core: 5 % of the time elapsed, as before).
A program that makes and gives back the same memory again and again (numpy's temporaries, a buffer per request)
has its reads of it spaced out once a few in a row were of memory given back (`Temporaries`).
"""

import os
import time

READ_BUDGET, READ_SHARE = 0.3, 0.05
GIVEN_BACK = 0.1  # seconds: a read whose growth is given back within this was of a temporary
REPEATS = 3  # temporaries read in a row before reads of the same are spaced out, doubling each time ...
MOST_SPACED = 16  # ... up to this many times the usual spacing
CHECK_EVERY = 0.1  # seconds between two looks at the program's CPU (/proc/PID/stat counts in 10 ms ticks)
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
FAST_BYTES, FAST_SPAN = 2 << 20, 0.025  # a fast rise: 80 MB/s (Rise)


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


class Temporaries:
    """Reads of memory the program gives back at once, in a row. After REPEATS of them, a rise back to where they
    went (within `slack` bytes above the highest) says little the reads have not: it waits `spacing()` times longer
    for its read, doubling with each more. A rise beyond them, a read whose growth stays, or a fall far below where
    they rose from ends the run of them."""

    def __init__(self, slack):
        self.slack = slack
        self.longest = 0  # the longest run of them (in the wrapper's memory file)
        self._open = None  # (resident before, resident read at, time) of the last read, until given back or not
        self._end()

    def _end(self):
        # temporaries read in a row; the lowest resident size they rose from; the highest they rose to
        self.streak, self.floor, self.top = 0, 0, 0

    def read(self, before, level, t):
        """A line was read at resident size `level`, grown from `before`, at time `t`."""
        self._settle(t)
        if self._open:  # the last read's growth is still there: growth, not a temporary
            self._end()
        self._open = (before, level, t)

    def fell(self, resident, t):
        """Resident memory fell to `resident` at time `t`."""
        self._settle(t)
        if self._open and resident <= self._open[0] + self.slack / 2:
            before, level = self._open[:2]
            self.floor, self.top = (min(self.floor, before), max(self.top, level)) if self.streak else (before, level)
            self.streak, self._open = self.streak + 1, None
            self.longest = max(self.longest, self.streak)
        if self.streak and resident < self.floor - self.slack:  # more was given back than they made: another phase
            self._end()

    def _settle(self, t):
        if self._open and t - self._open[2] > GIVEN_BACK:  # kept: growth, not a temporary
            self._open = None
            self._end()

    def spacing(self, resident, t):
        """How many times the usual spacing a read at resident size `resident` waits now (1: as usual)."""
        self._settle(t)
        if self.streak < REPEATS or resident > self.top + self.slack:
            return 1
        return min(MOST_SPACED, 2 ** (self.streak - REPEATS + 1))


class Rise:
    """Resident memory over the last FAST_SPAN seconds: whether it rose fast, FAST_BYTES within them. Such a rise
    (a buffer being filled, or a comprehension's burst) may be over before an unstopped read, 10-50 ms of py-spy
    starting, which then reads the line after it; the poller reads it with the program stopped. (5 ms, 400 MB/s,
    left a comprehension's burst of small objects, 100-300 MB/s, to the next line: benchmarks/MEMORY.md, session 16.)"""

    def __init__(self):
        self.recent = []  # [(t, rss)]: the last point at least FAST_SPAN old, then the newer ones

    def see(self, now, rss):
        self.recent.append((now, rss))
        while len(self.recent) > 2 and self.recent[1][0] <= now - FAST_SPAN:
            self.recent.pop(0)

    def fast(self):
        (t0, r0), (t1, r1) = self.recent[0], self.recent[-1]
        return (r1 - r0) * FAST_SPAN / max(t1 - t0, FAST_SPAN) >= FAST_BYTES
