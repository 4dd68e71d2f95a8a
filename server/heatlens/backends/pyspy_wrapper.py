"""Daemon-side supervisor of one py-spy run (stdlib only; started by path, it imports nothing of heatlens).

    python pyspy_wrapper.py OUT_DIR MEMORY PY_SPY record ... -- PYTHON -c LAUNCHER STATUS ...

- py-spy prints its banner and "behind in sampling" warnings on ITS stdout, which the target would inherit:
  py-spy's stdout goes to a log file instead, and the target gets the real stdout back through an inherited
  descriptor that the launcher `dup2`s onto fd 1 before the program starts (HEATLENS_STDOUT_FD).
- Memory on exact lines (MEMORY=1): a thread polls the target's resident memory (/proc/PID/statm) every
  millisecond; when it moved by a step (MiB), `py-spy dump` reads the line executing at that moment, from
  outside, and the step is charged to it. An in-process sampler cannot do this: a large allocation holds the
  GIL until it is done, so whatever it sees afterwards is a later line.
- Exits as the target did (the launcher writes "pid code rate" to STATUS), so that failures are classified
  as with any backend; 0 when the program never started or py-spy failed (reading the output says why).
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

STEP_BYTES = 2 << 20  # a resident-memory change this large gets its line read
MIN_GAP = 0.05  # seconds between two reads of the line: bounds the poller's cost on the spare core
RUN_GAP = 0.003  # growth seen again within this after a read continues the same allocation
MAX_DEFERRED = 3  # reads that found the thread blocked before a step is charged to where it blocks
POLL = 0.001
PAUSE_BUDGET = 0.1  # seconds of stops allowed at any time, plus PAUSE_SHARE of the time elapsed
PAUSE_SHARE = 0.03
SERIES_GAP = 0.05  # seconds between two points of the memory time series
MEMORY_FILE = "pyspy-memory.json"
LOG_FILE = "pyspy-log.txt"


def read_status(path):
    """(pid, code) from the launcher's status file, or (None, None) before it exists."""
    try:
        with open(path) as f:
            pid, code = f.read().split()[:2]
        return int(pid), int(code)
    except (OSError, ValueError):
        return None, None


def leaf_frames(dump, pid):
    """(thread name, frames root->leaf as [name, file, line], active) of the thread most likely allocating:
    the one holding the GIL, else an active one, else the main thread."""
    threads = [t for t in dump if isinstance(t, dict) and t.get("frames")]
    if not threads:
        return None, [], False
    pick = (next((t for t in threads if t.get("owns_gil")), None)
            or next((t for t in threads if t.get("active")), None)
            or next((t for t in threads if t.get("os_thread_id") == pid), threads[0]))
    frames = [[f.get("name", ""), f.get("filename", ""), int(f.get("line") or 0)] for f in reversed(pick["frames"])]
    return pick.get("thread_name") or "", frames, bool(pick.get("active") or pick.get("owns_gil"))


class MemoryPoller(threading.Thread):
    """Resident-memory steps of the target, each with the stack that was running when it was seen."""

    def __init__(self, pyspy, status):
        super().__init__(daemon=True)
        self.pyspy, self.status = pyspy, status
        # [t, bytes changed up to the trigger, thread, frames, bytes changed until the read, seconds since the
        #  previous read, whether the target was stopped for the read]
        self.events = []
        self.series = []  # [t, rss_bytes]
        self.stop = threading.Event()
        self.paused = 0.0  # seconds the target was stopped for reads
        self.error = ""  # why memory polling stopped early, for the run's notes
        self.t0 = time.monotonic()
        self.page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def run(self):
        pid = None
        while pid is None and not self.stop.wait(0.002):
            pid, _ = read_status(self.status)
        if pid is None:
            return
        try:
            fd = os.open("/proc/%d/statm" % pid, os.O_RDONLY)
        except OSError:
            return  # not Linux (or gone): no memory data, said by the adapter
        try:
            self._poll(pid, fd)
        except Exception as exc:  # never a traceback in the program's stderr: the run goes on, CPU only
            self.error = repr(exc)
        finally:
            os.close(fd)

    def _rss(self, fd):
        return int(os.pread(fd, 128, 0).split()[1]) * self.page

    def _poll(self, pid, fd):
        try:
            base = prev = self._rss(fd)
        except (OSError, ValueError, IndexError):
            return
        last_read = last_point = last_rise = -1.0
        deferred = 0
        while not self.stop.wait(POLL):
            try:
                rss = self._rss(fd)
            except (OSError, ValueError, IndexError):
                return  # the target ended
            now = time.monotonic() - self.t0
            if now - last_point >= SERIES_GAP:
                self.series.append([round(now, 4), rss])
                last_point = now
            rising, prev = rss > prev, rss
            if rising and self.events and now - last_rise <= RUN_GAP and now - last_read < MIN_GAP:
                self.events[-1][4] += rss - base  # the growth that was read goes on: same line
                base = rss
            if rising:
                last_rise = now
            if abs(rss - base) < STEP_BYTES or now - last_read < MIN_GAP:
                continue
            if read_status(self.status)[1] not in (None, -1):
                return  # the program is over: interpreter teardown frees are not the program's
            stopped, (thread, frames, active) = self._read_line(pid, now)
            gap = now - last_read  # short: this step continues the previous one
            last_read = time.monotonic() - self.t0
            if not frames or (not active and deferred < MAX_DEFERRED):
                deferred += 1  # read while blocked (sleeping, waiting): try again at an active moment
                continue
            deferred = 0
            try:
                after = prev = self._rss(fd)
            except (OSError, ValueError, IndexError):
                after = rss
            # what changed up to the trigger (a free comes first, whatever it was), and while the line was read
            self.events.append([round(now, 4), rss - base, thread, frames, after - rss, round(gap, 4), stopped])
            base = after

    def _read_line(self, pid, now):
        """(stopped, stack running now). Reading takes ~20 ms (py-spy starts, finds the interpreter): while
        the pause budget lasts, the target is stopped first, so that the line read is the one that grew,
        not one after it. The budget keeps the pauses to a few percent of the run."""
        if self.paused > PAUSE_BUDGET + PAUSE_SHARE * now:
            return False, self._stack(pid)
        start = time.monotonic()
        try:
            os.kill(pid, signal.SIGSTOP)
        except OSError:
            return False, (None, [], False)
        try:
            return True, self._stack(pid)
        finally:
            try:
                os.kill(pid, signal.SIGCONT)
            except OSError:
                pass  # it ended meanwhile
            self.paused += time.monotonic() - start

    def _stack(self, pid):
        try:
            out = subprocess.run([self.pyspy, "dump", "--pid", str(pid), "--nonblocking", "--json"],
                                 capture_output=True, timeout=5)
            return leaf_frames(json.loads(out.stdout or b"[]"), pid)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            return None, [], False


def ptrace_scope():
    try:
        with open("/proc/sys/kernel/yama/ptrace_scope") as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def main(argv):
    out_dir, memory, command = argv[1], argv[2] == "1", argv[3:]
    status = command[command.index("--") + 4]  # PYTHON -c LAUNCHER STATUS ...
    env = dict(os.environ)
    saved = os.dup(1)
    os.set_inheritable(saved, True)
    env["HEATLENS_STDOUT_FD"] = str(saved)
    if memory and ptrace_scope() == 1 and os.geteuid() != 0:
        env["HEATLENS_TRACER_PID"] = str(os.getpid())  # Yama: let our `py-spy dump` read the target
    poller = MemoryPoller(command[0], status) if memory else None
    with open(os.path.join(out_dir, LOG_FILE), "wb") as log:
        proc = subprocess.Popen(command, stdout=log, pass_fds=(saved,), env=env)
    os.close(saved)
    if poller is not None:
        poller.start()

    def finish(*_):
        if poller is not None:
            poller.stop.set()
            poller.join(1.0)
            with open(os.path.join(out_dir, MEMORY_FILE), "w") as f:
                json.dump({"events": poller.events, "series": poller.series, "step": STEP_BYTES,
                           "error": poller.error, "paused": round(poller.paused, 4)}, f)

    def on_term(signum, _frame):
        proc.send_signal(signal.SIGINT)  # py-spy writes what it has on SIGINT
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
        finish()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    proc.wait()
    finish()
    _, code = read_status(status)
    if code is not None and code < 0:
        sys.stderr.write("heatlens: the program ended without exiting normally (a signal or os._exit); "
                         "py-spy does not report how\n")
        return 1
    return code or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
