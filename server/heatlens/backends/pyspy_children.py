"""Child processes of a py-spy run, profiled only when there are any (stdlib only: the wrapper imports it by
path, next to itself).

`py-spy record --subprocesses` looks for new children at every sample: measured on one busy process, 124 vs
89 µs of py-spy CPU per sample at 1 kHz, 190 vs 123 at 250 Hz (+40-55 %), paid by every program, most of
which never start one. Instead the wrapper samples the program without it and watches the program's
threads' `children` lists in /proc; each Python child it sees gets its own `py-spy record --subprocesses`
(its own children included), written next to the program's output as `pyspy-child-PID.txt`. A child is
seen within CHILD_POLL (plus py-spy's ~20-70 ms to attach): what a child does in that time is not sampled.
Where /proc has no `children` lists, py-spy's own --subprocesses is used, as before.
"""

import os
import signal
import subprocess
import threading
import time

CHILD_POLL = 0.02  # seconds between looks for new children during the first second...
CHILD_POLL_LATER = 0.05  # ... and after it (each look reads one small file per thread of the program)
CHILD_OUTPUT = "pyspy-child-%d.txt"
SUBPROCESSES = "--subprocesses"
NONBLOCKING = "--nonblocking"


def children_listed(pid):
    """Whether this kernel lists a process's children in /proc (CONFIG_PROC_CHILDREN)."""
    return os.path.exists("/proc/%d/task/%d/children" % (pid, pid))


def children_of(pid):
    """Pids of the direct children of every thread of `pid` (empty once it is gone)."""
    found = []
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return found
    for tid in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (pid, tid), "rb") as f:
                found.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue  # the thread ended meanwhile
    return found


def is_python(pid, python_exe):
    """A child running the program's interpreter (a fork, multiprocessing, `sys.executable` in a subprocess)
    or any other `python*` binary."""
    try:
        exe = os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return False
    return exe == python_exe or os.path.basename(exe).startswith("python")


def child_record(record, out_dir, pid):
    """The program's `py-spy record ...` for one child: its own output file, its children included, read
    without pausing: a child's unbuffered output has no launcher's whole writes (pyspy_launcher.py), and a
    pause can cut its write to a full pipe short."""
    args, skip = [], False
    for a in record:
        if skip:
            skip = False
        elif a in ("-o", "--output"):
            skip = True
        elif a not in (SUBPROCESSES, NONBLOCKING):
            args.append(a)
    return args + [SUBPROCESSES, NONBLOCKING, "-o", os.path.join(out_dir, CHILD_OUTPUT % pid), "--pid", str(pid)]


class ChildSpies:
    """A py-spy on each Python child of the program, started when the child is first seen."""

    def __init__(self, record, out_dir, log):
        self.record, self.out_dir, self.log = record, out_dir, log
        self.seen = set()
        self.spies = []

    def look(self, pid, python_exe):
        for child in children_of(pid):
            if child in self.seen:
                continue
            self.seen.add(child)
            if is_python(child, python_exe):
                self.spies.append(subprocess.Popen(
                    child_record(self.record, self.out_dir, child), stdout=self.log, stderr=self.log,
                    preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN)))  # as the program's py-spy

    def wait(self, target):
        """The program's exit status, looking for new children while it runs."""
        try:
            python_exe = os.readlink("/proc/%d/exe" % target.pid)
        except OSError:
            python_exe = ""
        # a thread blocks in waitpid, so that the end is seen at once; this one wakes only to look
        ended = threading.Event()
        threading.Thread(target=lambda: (target.wait(), ended.set()), daemon=True).start()
        start = time.monotonic()
        while not ended.wait(CHILD_POLL if time.monotonic() - start < 1.0 else CHILD_POLL_LATER):
            self.look(target.pid, python_exe)
        return target.wait()

    def stop(self, timeout=1.0):
        """Each child's py-spy ends with its child; one still running `timeout` after the program ended (an
        orphan, left to the runner's sweep) writes what it has."""
        deadline = time.monotonic() + timeout
        for spy in self.spies:
            try:
                spy.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                spy.send_signal(signal.SIGINT)
                try:
                    spy.wait(5)
                except subprocess.TimeoutExpired:
                    spy.kill()
                    spy.wait()


def child_outputs(out_dir):
    """The children's raw outputs, by pid."""
    names = [n for n in os.listdir(out_dir) if n.startswith("pyspy-child-") and n.endswith(".txt")]
    return sorted(os.path.join(out_dir, n) for n in names)


def with_children(text, out_dir, pid, command):
    """The program's raw records followed by its children's, as one `py-spy --subprocesses` writes them:
    the program's records under a `process PID:"command"` frame, so that the processes are listed."""
    outputs = child_outputs(out_dir)
    if not outputs:
        return text
    if pid is not None:
        head = 'process %d:"%s";' % (pid, command)
        text = "".join(head + line for line in text.splitlines(True) if line.strip())
    parts = [text if text.endswith("\n") or not text else text + "\n"]
    for path in outputs:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                parts.append(f.read())
        except OSError:
            continue  # its py-spy could not attach (the child had ended): nothing of it
    return "".join(p if p.endswith("\n") or not p else p + "\n" for p in parts)
