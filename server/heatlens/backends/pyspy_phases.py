"""py-spy's rate steps down in longer runs (stdlib only: the wrapper imports it by path, next to itself).

Each paused read costs the program more than the stop itself (caches and branch predictors are cold after it:
benchmarks/WHOLE_COMMAND.md), while the noise of a line's share falls with the number of samples, not with the
rate. So at the default interval the program's py-spy reads at the default rate for the first FIRST_SECONDS
(~500 reads at 250 Hz, the whole of most short runs), then a second py-spy takes over at LATER_RATE, py-spy's
own default (the record's `--duration` says when: `SpyRelay`). Reading weighs each sample by its py-spy's
interval (pyspy_parse.py `parse_raw`), so shares and seconds are as if read at one rate, and each line keeps
its true number of samples.
"""

import os
import signal
import subprocess
import threading

FIRST_SECONDS = 2
LATER_RATE = 100
LATER_OUTPUT = "pyspy-later.txt"
LATER_LOG = "pyspy-later-log.txt"  # its stdout: its last words (samples, errors), as the first one's log
LATER_ERR = "pyspy-later-stderr.txt"
DURATION = ("-d", "--duration")
RATE = ("-r", "--rate")
OUTPUT = ("-o", "--output")


def stepped(record):
    """Whether this `py-spy record ...` reads for a while only (the first of two)."""
    return any(a in DURATION for a in record)


def _replaced(record, options, value):
    """`record` with the value of `options` replaced (None: the option dropped)."""
    out, skip = [], False
    for a in record:
        if skip:
            skip = False
            if value is not None:
                out.append(value)
        elif a in options:
            skip = True
            if value is not None:
                out.append(a)
        else:
            out.append(a)
    return out


def without_duration(record):
    """The record for processes read from start to end (the program's children)."""
    return _replaced(record, DURATION, None)


def later_record(record, out_dir):
    """The second py-spy: LATER_RATE, to the end, its own output file."""
    later = _replaced(without_duration(record), RATE, str(LATER_RATE))
    return _replaced(later, OUTPUT, os.path.join(out_dir, LATER_OUTPUT))


def running(pid):
    """Whether `pid` exists and has not exited (a zombie waiting for its parent has)."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


def _ignore_term():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # py-spy writes what it has once the program is gone


class SpyRelay:
    """The program's py-spy, and where its record asks for a `--duration` while the program runs, the next one:
    started then, and the first one stopped (SIGINT: it writes what it has) once the next one samples, so that
    no time between the two goes unsampled (they overlap by about one read)."""

    def __init__(self, record, pid, out_dir, stderr):
        self.record, self.pid, self.out_dir = record, pid, out_dir
        self.first = subprocess.Popen([*without_duration(record), "--pid", str(pid)], stdout=subprocess.PIPE,
                                      stderr=stderr, preexec_fn=_ignore_term)
        self.stdout = self.first.stdout
        self.later = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._went = threading.Event()
        self._sampling = False  # the next py-spy reads the program (and the first was told to stop)
        self._watch = None
        if stepped(record):  # started now, not as the program goes: a thread's start then moved the memory
            # poller's first reads against the program's first allocations (benchmarks/MEMORY.md, session 10)
            seconds = record[record.index(next(a for a in record if a in DURATION)) + 1]
            self._watch = threading.Thread(target=self._take_over, args=(float(seconds),), daemon=True)
            self._watch.start()

    def go(self):
        """The program goes: the next py-spy takes over when the first one's time is up."""
        self._went.set()

    def poll(self):
        return self.first.poll()

    def _take_over(self, seconds):
        self._went.wait()
        if self._stopping.wait(seconds):
            return  # the program ended first (or never went)
        with self._lock:
            if self._stopping.is_set() or self.first.poll() is not None or not running(self.pid):
                return
            with open(os.path.join(self.out_dir, LATER_ERR), "wb") as err:
                self.later = subprocess.Popen([*later_record(self.record, self.out_dir), "--pid", str(self.pid)],
                                              stdout=subprocess.PIPE, stderr=err, preexec_fn=_ignore_term)
        with open(os.path.join(self.out_dir, LATER_LOG), "wb") as log:
            for line in iter(self.later.stdout.readline, b""):
                log.write(line)
                with self._lock:  # once stopping, a py-spy still attaching is not waited for (`stop`)
                    if b"Sampling process" in line and not self._stopping.is_set() and self.first.poll() is None:
                        self._sampling = True
                        self.first.send_signal(signal.SIGINT)

    def stop(self):
        """Once the program is gone: each py-spy ends, and none starts after."""
        with self._lock:
            self._stopping.set()
        self._went.set()
        spy_stop(self.first)
        if self.later is not None and not self._sampling:
            # still attaching as the program ended (it takes ~0.4 s to see that): the first read to the end
            self.later.kill()
            self.later.wait()
        elif self.later is not None:
            spy_stop(self.later)
        if self._watch is not None and self._watch.is_alive():
            self._watch.join(5)


def spy_stop(spy):
    """py-spy ends by itself when the program exits; if it does not, SIGINT makes it write what it has."""
    try:
        spy.wait(10)
    except subprocess.TimeoutExpired:
        spy.send_signal(signal.SIGINT)
        try:
            spy.wait(10)
        except subprocess.TimeoutExpired:
            spy.kill()
            spy.wait()
