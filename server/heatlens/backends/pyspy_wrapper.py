"""Daemon-side supervisor of one py-spy run (stdlib only; started by path, it imports nothing of heatlens).

    python pyspy_wrapper.py OUT_DIR MEMORY PY_SPY record ... -- PYTHON -c LAUNCHER STATUS ...

- The wrapper starts the program (under the launcher, which waits on a pipe, HEATLENS_GO_FD) and then `py-spy record
  --pid` on it; once py-spy says it is sampling, the program goes. So the program's own stdout/stderr are untouched
  (py-spy's banner, warnings and errors go to log files), and the wrapper, its parent, sees how it ended: an exit
  code, os._exit, or a signal (which the wrapper then dies of).
- Memory on exact lines (MEMORY=1): a thread polls the target's memory (/proc/PID/statm) every millisecond; when
  resident memory rose by a step (MiB), `py-spy dump` reads the line executing then, from outside, and the step is
  charged to it (frees, unread, go back to the newest allocations; the target is stopped for a read in a fast rise
  or a new large block, within a budget). An in-process sampler cannot do this: a large allocation holds the GIL
  until it is done, so whatever it sees afterwards is a later line.
- Which line allocated (MEMORY=1): while resident memory rises, the poller asks the program's helper thread
  (pyspy_alloc_windows.py, run by the launcher) to trace allocations for a few milliseconds; its windows say which
  lines allocated what stayed alive (pyspy_memory.py weighs the steps with them).
- Exits as the target did, so that failures are classified as with any backend; 0 when py-spy could not attach
  (the program is not run; reading the output says why).
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
NEW_BLOCK = 4 << 20  # mapped this much more than made resident within one poll: a new large block (BlockFill)
FILL_MIN = 512 << 10  # made resident in a poll without new mappings: a block filling (malloc's top pad: 128 KiB)
MAX_DEFERRED = 3  # reads that found the thread blocked before a step is charged to where it blocks
POLL = 0.001  # seconds between two looks at the resident memory while it changes
CALM_POLL = 0.004  # ... once it has not changed for CALM: fewer wake-ups, which can land on the program's core
CALM = 0.02
PAUSE_BUDGET = 0.06  # seconds of stops allowed at any time, plus PAUSE_SHARE of the time elapsed
PAUSE_SHARE = 0.015
MIN_FRESH = 0.1  # a fast rise (pyspy_budget.Rise) stops the target for a read at most this often (slow: windows)
SERIES_GAP = 0.05  # seconds between two points of the memory time series
MEMORY_FILE = "pyspy-memory.json"
WINDOWS_FILE = "pyspy-windows.txt"  # the helper's allocation windows
WINDOW_RISE = 1 << 20  # resident growth since the last request that asks for an allocation window (none where
# it barely grows: a window lasts until the main thread's next bytecode, so a long C call would look slower)
HELPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pyspy_alloc_windows.py")
WHOLE_WRITES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "whole_writes.py")
LOG_FILE = "pyspy-log.txt"  # py-spy's stdout: pyspy.py reads its last words (`read_counts`)
ERR_FILE = "pyspy-stderr.txt"  # py-spy's own stderr: shown only when it could not attach


def read_status(path):
    """(pid, code, resident bytes as it ended or None) from the launcher's status file; (None, None, None) before it."""
    try:
        with open(path) as f:
            fields = f.read().split()
        return int(fields[0]), int(fields[1]), (int(fields[4]) if len(fields) > 4 and fields[4] != "-" else None)
    except (OSError, ValueError, IndexError):
        return None, None, None


class BlockFill:
    """The newest large block being made resident, seen as memory mapped ahead of resident memory: malloc maps a
    large allocation by itself, one C call on one line fills it (b"x" * n); two back to back grow without a pause."""

    def __init__(self):
        self.left, self.changed = 0, False  # bytes of it not yet resident; mapped or full since the last read

    def see(self, mapped, resident):
        """One poll's change of mapped and resident bytes; whether it filled a lot of memory mapped before (Python's
        own growth maps about as much as it makes resident, but for malloc's top pad)."""
        in_place = resident - max(mapped, 0)
        if mapped - resident >= NEW_BLOCK:
            self.left, self.changed = mapped - resident, True
        elif self.left and in_place > 0:
            self.left = max(0, self.left - in_place)
            if self.left <= STEP_BYTES // 2:
                self.left, self.changed = 0, True
        return in_place >= max(resident / 2, FILL_MIN)


class MemoryPoller(threading.Thread):
    """Resident-memory steps of the target, each with the stack that was running when it was seen."""

    def __init__(self, pid, lines, status, windows_fd, reads, temporaries, rise):
        super().__init__(daemon=True)
        self.pid, self.based = pid, threading.Event()  # set once memory before the program's start is read
        self.lines = lines  # a pyspy_dump.LineReader: reads the line running, watching memory meanwhile
        self.status, self.windows_fd = status, windows_fd
        # [t, bytes changed up to the trigger, thread, frames, bytes changed until the read, seconds since the
        #  previous read, whether the target was stopped for the read, t when that growth was last seen, whether a
        #  large block was mapped or filled in that growth]
        self.events = []
        self.series = []  # [t, rss_bytes]
        self.stop = threading.Event()
        self.paused = 0.0  # seconds the target was stopped for reads
        self.reads = reads  # a pyspy_budget.ReadBudget: unstopped reads keep to the core time the target leaves idle
        self.temporaries = temporaries  # a pyspy_budget.Temporaries: the same memory given back again and again
        self.rise = rise  # a pyspy_budget.Rise: whether memory rises fast, lately
        self.error = ""  # why memory polling stopped early, for the run's notes
        self.t0 = time.monotonic()
        self.page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def run(self):
        pid = self.pid
        try:
            fd = os.open("/proc/%d/statm" % pid, os.O_RDONLY)
        except OSError:
            self.based.set()
            return  # not Linux (or gone): no memory data, said by the adapter
        self.reads.watch(pid)
        try:  # then what changed unread after its last step, up to its end (the launcher's last size), was its own
            base, end = self._poll(pid, fd), read_status(self.status)[2]
            if base is not None and end is not None and abs(end - base) >= STEP_BYTES:
                self.events.append([round(time.monotonic() - self.t0, 4), end - base, "", []])
        except Exception as exc:  # never a traceback in the program's stderr: the run goes on, CPU only
            self.error = repr(exc)
        finally:
            os.close(fd)
            self.reads.close()

    def _sizes(self, fd, quiet=False):
        """(virtual, resident) bytes of the target (`quiet`: None once it is gone)."""
        try:
            fields = os.pread(fd, 128, 0).split()
            return int(fields[0]) * self.page, int(fields[1]) * self.page
        except (OSError, ValueError, IndexError):
            if quiet:
                return None
            raise

    def _poll(self, pid, fd):
        try:
            vms, base = self._sizes(fd)
        except (OSError, ValueError, IndexError):
            return None
        finally:
            self.based.set()
        self.rise.see(time.monotonic() - self.t0, base)  # a burst in the program's first lines rises from here
        prev = base
        fill = BlockFill()
        read_in_fill = False  # the last read was made while a large block was being filled
        blocks = False  # a large block was mapped or filled since the last read (the step may be one C call's)
        last_read = last_point = last_rise = last_stop = -1.0
        deferred = 0
        asked = base  # resident memory when an allocation window was last asked for
        now = last_change = 0.0
        seen = base
        while not self.stop.wait(POLL if now - last_change < CALM else CALM_POLL):
            try:
                prev_vms, (vms, rss) = vms, self._sizes(fd)
            except (OSError, ValueError, IndexError):
                return base  # the target ended
            now = time.monotonic() - self.t0
            self.reads.see()
            if rss != seen:
                seen, last_change = rss, now
            self.rise.see(now, rss)
            if now - last_point >= SERIES_GAP:
                self.series.append([round(now, 4), rss])
                last_point = now
            filling = fill.see(vms - prev_vms, rss - prev)
            blocks = blocks or filling or fill.changed
            rising, prev = rss > prev, rss
            asked = min(asked, rss)
            if rss - asked >= WINDOW_RISE and self.windows_fd is not None:
                self._ask_window()
                asked = rss
            # the growth that was read goes on: the same allocation, so the same line (a block that was being
            # filled when read: while growth fills it, until it is full, however long the program waits for a
            # core in between; other growth: while it rises without a pause, for MIN_GAP)
            if (rising and not fill.changed and self.events and self.events[-1][3]
                    and ((read_in_fill and filling) or (now - last_rise <= RUN_GAP and now - last_read < MIN_GAP))):
                self.events[-1][4] += rss - base
                self.events[-1][7] = round(now, 4)  # ... until now
                self.events[-1][8] = self.events[-1][8] or filling
                base = rss
            if rising:
                last_rise = now
            if abs(rss - base) < STEP_BYTES:
                continue
            # read at once, stopped (within the pause budget): a fast rise, which may be over before MIN_GAP, and
            # always the start of a new block (its line maps it); other reads: MIN_GAP apart, within the ReadBudget
            fast = ((self.rise.fast() and now - last_stop >= MIN_FRESH) or (fill.changed and fill.left > 0)
                    ) and self.paused <= PAUSE_BUDGET + PAUSE_SHARE * now
            freed = rss < base  # given back to the newest allocations whatever runs: no read, so none waited for
            spacing = self.temporaries.spacing(rss, now)  # > 1: the same temporaries again, read often already
            spaced_out = spacing > 1 and now - last_read < MIN_GAP * spacing
            if not freed and (spaced_out or not fast and (now - last_read < MIN_GAP or not self.reads.allows())):
                continue
            if read_status(self.status)[1] not in (None, -1):
                return base  # the program is over: interpreter teardown frees are not the program's
            if freed:
                self.events.append([round(now, 4), rss - base, "", []])
                base = rss
                self.temporaries.fell(rss, now)
                continue
            stopped, (thread, frames, active), sizes, seen = self._read_line(pid, fd, fast)
            last_stop = now if stopped else last_stop
            gap = now - last_read  # short: this step continues the previous one
            last_read = time.monotonic() - self.t0
            # read while blocked (sleeping, waiting): try again at an active moment; a thread stopped in a fast
            # rise was the one filling memory, whatever state py-spy sees a stopped thread in
            if not frames or (not active and not stopped and deferred < MAX_DEFERRED):
                deferred += 1
                continue
            deferred, fill.changed, read_in_fill = 0, False, fill.left > 0
            vms, after = sizes or (vms, rss)
            prev, done = after, round(time.monotonic() - self.t0, 4)
            # what grew up to the trigger, and while the line was read
            grew, *more = self.lines.swings(rss, seen + [after])
            self.events.append([round(now, 4), rss - base, thread, frames, grew, round(gap, 4), stopped, done, blocks])
            self.temporaries.read(base, rss, done)
            self.temporaries.fell(after, done)  # given back while read
            for mb in filter(None, more):  # freed while read: a free, not less growth; grown again: the line read
                grown_again = [done, 0, thread, frames, mb, round(gap, 4), stopped, done, blocks]
                self.events.append(grown_again if mb > 0 else [done, mb, "", []])
            base, blocks = after, False

    def _ask_window(self):
        """One byte to the helper: memory is rising, trace a window (it keeps to its own cost budget)."""
        try:
            os.write(self.windows_fd, b"w")
        except BlockingIOError:
            pass  # requests pending already
        except OSError:
            self.windows_fd = None  # the program closed its end

    def _read_line(self, pid, fd, stop):
        """(stopped, stack running now, (mapped, resident) bytes once read, while still stopped: None when gone, the
        resident bytes seen while reading). A read takes ~20 ms (py-spy starts): at a fast rise the target is
        stopped first (`stop`), so that the line read grew."""
        start = time.monotonic()
        if stop:
            try:
                os.kill(pid, signal.SIGSTOP)
            except OSError:
                return False, (None, [], False), None, []
        try:
            stack, seen = self.lines.read(pid, lambda: (self._sizes(fd, quiet=True) or (0, None))[1])
            return stop, stack, self._sizes(fd, quiet=True), seen
        finally:
            if stop:
                try:
                    os.kill(pid, signal.SIGCONT)
                except OSError:
                    pass  # it ended meanwhile
                self.paused += time.monotonic() - start
            else:
                self.reads.spent += time.monotonic() - start


def main(argv):
    out_dir, memory, command = argv[1], argv[2] == "1", argv[3:]
    dash = command.index("--")
    record, target_argv = command[:dash], command[dash + 1:]  # PY_SPY record ... | PYTHON -c LAUNCHER STATUS ...
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import pyspy_budget  # what unstopped line reads may cost: a share of the spare core time
    import pyspy_dump  # a line read, watching memory while it lasts
    import pyspy_phases  # its rate steps down after a while: the program's py-spy is a relay of two
    import pyspy_threads  # each thread's CPU, which weighs its samples

    children = _child_spies(pyspy_phases.without_duration(record), out_dir)
    if children is not None:  # py-spy's own --subprocesses costs every sample: children get a py-spy when seen
        record = [a for a in record if a != "--subprocesses"]
    (go_read, go_write), (waiting_read, waiting_write) = os.pipe(), os.pipe()
    env = dict(os.environ, HEATLENS_GO_FD=str(go_read), HEATLENS_WAITING_FD=str(waiting_write))
    if _source("/proc/sys/kernel/yama/ptrace_scope").strip() == "1" and os.geteuid() != 0:
        env["HEATLENS_TRACER_PID"] = str(os.getpid())  # Yama: py-spy is our child, not the target's ancestor
    windows_read, windows_write = helper_env(env, out_dir) if memory else (None, None)
    env["HEATLENS_STDIO"] = _source(WHOLE_WRITES)  # whole writes of unbuffered output: py-spy pauses the program
    target = subprocess.Popen(target_argv, pass_fds=tuple(fd for fd in (go_read, waiting_write, windows_read)
                                                          if fd is not None), env=env)
    for fd in filter(lambda fd: fd is not None, (go_read, waiting_write, windows_read)):
        os.close(fd)
    # py-spy ignores SIGTERM (kept across exec): stopped, it writes what it has once the program is gone; its
    # stderr is not the program's either (a panic of its threads, a fork pool: benchmarks/RELIABILITY.md)
    spy_err = open(os.path.join(out_dir, ERR_FILE), "w+b")
    spy = pyspy_phases.SpyRelay(record, target.pid, out_dir, spy_err)
    clocks = pyspy_threads.ThreadClocks(target.pid, out_dir)
    log = open(os.path.join(out_dir, LOG_FILE), "wb")
    ready = threading.Event()
    reader = threading.Thread(target=_read_banner, args=(spy.stdout, log, ready), daemon=True)
    reader.start()
    lines = pyspy_dump.LineReader(record[0], STEP_BYTES)
    poller = MemoryPoller(target.pid, lines, target_argv[3], windows_write, pyspy_budget.ReadBudget(),
                          pyspy_budget.Temporaries(STEP_BYTES), pyspy_budget.Rise()) if memory else None

    def finish():
        spy.stop()
        clocks.stop()
        if children is not None:
            children.stop()
        reader.join(1.0)
        log.close()
        spy_err.close()
        if poller is not None:
            poller.stop.set()
            if poller.is_alive():  # not started when py-spy could not attach
                poller.join(1.0)
            with open(os.path.join(out_dir, MEMORY_FILE), "w") as f:
                json.dump({"events": poller.events, "series": poller.series, "step": STEP_BYTES, "t0": poller.t0,
                           "error": poller.error, "paused": round(poller.paused, 4), **poller.reads.record(),
                           "temporaries": poller.temporaries.longest}, f)
        if windows_write is not None:
            os.close(windows_write)

    def on_term(signum, _frame):
        try:
            target.send_signal(signum)
            target.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            target.kill()
        finish()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    # the program starts once py-spy samples it (its first lines count too), or not at all
    while not ready.wait(0.05) and spy.poll() is None:
        pass
    if not ready.is_set():
        target.kill()  # py-spy could not attach: its stderr (ERR_FILE) says why; the program did not run
        target.wait()
        finish()
        return 0
    os.read(waiting_read, 1)  # the launcher has done its own imports (or is gone: b"")
    os.close(waiting_read)
    if poller is not None:  # the program starts once memory before it is read: a burst in its first lines is its own
        poller.start()
        poller.based.wait(1.0)
    spy.go()
    clocks.start()
    os.write(go_write, b"g")
    os.close(go_write)
    code = target.wait() if children is None else children.wait(target)
    finish()
    if code < 0:  # end as the program did, so that the runner classifies the signal (no core file of ours)
        sys.stdout.flush()
        sys.stderr.flush()
        import resource
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    return code


def _source(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def helper_source():  # the allocation-window helper as the launcher runs it, after the parts it uses
    here = os.path.dirname(HELPER)
    parts = [_source(os.path.join(here, "_agent", "heatlens_quiet_fork.py")),
             _source(os.path.join(here, "pyspy_alloc_rounds.py")), _source(HELPER)]
    return "\n".join(parts) if all(parts) else ""


def helper_env(env, out_dir):
    """The allocation-window helper for the launcher: its source, its request pipe and its output file, in
    `env`; (read end for the program, write end for the poller), or (None, None) without the helper."""
    source = helper_source()
    if not source:
        return None, None
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return None, None
    os.set_blocking(write_fd, False)  # the poller never waits on the program
    env.update(HEATLENS_MEMORY_HELPER=source, HEATLENS_MEMORY_FD=str(read_fd),
               HEATLENS_MEMORY_OUT=os.path.join(out_dir, WINDOWS_FILE))
    return read_fd, write_fd


def _child_spies(record, out_dir):
    """With --subprocesses, where /proc lists children: a ChildSpies (pyspy_children.py, next to this file)."""
    if "--subprocesses" not in record:
        return None
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import pyspy_children

    if not pyspy_children.children_listed(os.getpid()):
        return None
    return pyspy_children.ChildSpies(record, out_dir, open(os.path.join(out_dir, "pyspy-children-log.txt"), "wb"))


def _read_banner(stream, log, ready):
    """py-spy's stdout into the log; `ready` once it says it is sampling."""
    for line in iter(stream.readline, b""):
        log.write(line)
        if b"Sampling process" in line:
            ready.set()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
