"""The run's reaper: a tiny stdlib-only process between heatlens and the target that outlives heatlens.

    python -I -S reaper.py CTL_FD STATUS_FD LIMIT_BYTES CLEANUP_DIR [--inline] -- ARGV...

heatlens cannot clean up after a SIGKILL, and the target's descendants may setsid() or double-fork away
from anything heatlens could find. So the reaper makes itself a child subreaper (Linux): every orphaned
descendant is re-parented to it instead of to init, and "kill every descendant" becomes a walk of its
own subtree. It starts ARGV in a new session (as heatlens did) with RLIMIT_AS = LIMIT_BYTES (0: none),
then waits for commands on CTL_FD, whose write end only heatlens holds:

    "stop GRACE"   SIGTERM every descendant, wait up to GRACE s, SIGKILL the rest, reap them
    end of file    heatlens is gone or done: stop (short grace), remove CLEANUP_DIR ("-": none), exit

and reports on STATUS_FD, one line each: "pid N" | "error ERRNO TEXT" (ARGV could not be started) |
"exit CODE" (the target's, negative for a signal) | "stopped ALIVE CPU_S MAXRSS_BYTES" (how many
descendants were alive when the stop began; CPU and peak RSS of every reaped descendant). A new parent
(heatlens died while the pipe was shared) counts as end of file too. Run with -I -S: nothing from the
target's environment (PYTHONPATH, site) is imported here.

--wait (`reaper.py CTL_FD STATUS_FD --wait`, heatlens/prestart.py): started before heatlens knew the run, the
reaper first reads it from CTL_FD: "config N\n" and N bytes, NUL-separated: LIMIT_BYTES, CLEANUP_DIR, INLINE
(0/1), the working directory, the number of ARGV words, ARGV, then the environment's KEY=VALUE entries. End
of file instead: heatlens did not need it; it exits.

--inline: ARGV is `THIS_PYTHON SCRIPT.py ARGS...`, SCRIPT a stdlib-only module with `main(argv)` (py-spy's
wrapper): the forked child imports and runs it instead of exec'ing a second interpreter (~20 ms of every
run's start: one process fewer in the chain). The child is what the exec'd script would have been: its own
session, limits, PDEATHSIG, Python's default SIGINT and SIGPIPE handling; its exit status is main's.
"""

import os
import resource
import select
import signal
import sys
import time

EXIT_GRACE = 1.0  # seconds between SIGTERM and SIGKILL when heatlens is gone: nobody reads the profile
KILL_ROUNDS_S = 5.0  # how long to keep SIGKILLing a tree that forks while it dies
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


def _prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None


PRCTL = _prctl()


def descendants(root):
    """{pid: state} of every process below `root` (Linux /proc); zombies included, state "Z"."""
    children = {}
    state = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return {}
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                data = f.read()
        except OSError:
            continue
        fields = data[data.rfind(b")") + 2 :].split()  # the command name may hold spaces and parens
        pid = int(name)
        state[pid] = fields[0].decode()
        children.setdefault(int(fields[1]), []).append(pid)
    found = {}
    todo = [root]
    while todo:
        for pid in children.get(todo.pop(), ()):
            if pid not in found:
                found[pid] = state[pid]
                todo.append(pid)
    return found


class Reaper:
    def __init__(self, ctl, status, cleanup_dir, pending=b""):
        self.ctl, self.status, self.cleanup_dir = ctl, status, cleanup_dir
        self.pending = pending  # commands that came with a --wait config
        self.me, self.parent = os.getpid(), os.getppid()
        self.child = None
        self.gone = False
        self.clean = False  # the last stop left no descendant (none can have appeared since)
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w, warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake select() through the wakeup fd
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, *_):
        self.gone = True

    def say(self, line):
        try:
            os.write(self.status, (line + "\n").encode())
        except OSError:  # heatlens is gone; the cleanup goes on without it
            pass

    def start(self, argv, limit, inline=False):
        """Fork and exec the target (by hand: importing subprocess would double the reaper's start-up)."""
        err_r, err_w = os.pipe()  # close-on-exec: end of file means the exec succeeded
        pid = os.fork()
        if pid == 0:
            try:
                self._exec(argv, limit, err_r, err_w if inline else None)
            except BaseException as exc:
                os.write(err_w, ("%d %s" % (getattr(exc, "errno", None) or 0, getattr(exc, "strerror", None) or exc)).encode())
            finally:
                os._exit(127)
        os.close(err_w)
        with os.fdopen(err_r, "rb") as f:
            failure = f.read()
        if failure:
            os.waitpid(pid, 0)
            self.say("error " + failure.decode("utf-8", "replace"))
            return False
        self.child = pid
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)  # the capture pipes must close when the target's tree closes them
        os.dup2(null, 2)
        os.close(null)
        self.say("pid %d" % self.child)
        return True

    def _exec(self, argv, limit, err_r, inline_err=None):
        """In the forked child: the target's own session, default signals, limits; then exec (or, with
        `inline_err`, the error pipe's write end, run the script here: see --inline)."""
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(sig, signal.SIG_DFL)  # SIG_IGN (Python's for SIGPIPE, SIGXFSZ) would survive exec
        for fd in (err_r, self.ctl, self.status, self.wake_r, self.wake_w):
            os.close(fd)
        os.setsid()
        if PRCTL is not None:
            PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)  # a SIGKILLed reaper takes the target along
        if limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        if inline_err is not None:
            os._exit(_run_inline(argv[1:], inline_err))
        os.execvpe(argv[0], argv, os.environ)

    def reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.child:
                self.say("exit %d" % os.waitstatus_to_exitcode(status))

    def wait(self, timeout):
        """Sleep until a child changes state, a command arrives or `timeout` passes; the command bytes."""
        try:
            ready = select.select([self.ctl, self.wake_r], [], [], timeout)[0]
        except InterruptedError:
            return b""
        if self.wake_r in ready:
            try:
                os.read(self.wake_r, 4096)
            except BlockingIOError:
                pass
        if self.ctl in ready:
            data = os.read(self.ctl, 4096)
            if not data:
                self.gone = True
            return data
        return b""

    def live(self):
        if PRCTL is None:  # no /proc walk: the target's process group is what can be found
            return {self.child: "R"} if self.child and _exists(self.child) else {}
        return descendants(self.me)

    def signal_all(self, sig):
        procs = self.live()
        if PRCTL is None and self.child:
            _kill(-self.child, sig)
        for pid, state in procs.items():
            if state != "Z":
                _kill(pid, sig)
        return procs

    def stop(self, grace):
        self.clean = False
        procs = self.signal_all(signal.SIGTERM)
        alive = sum(1 for s in procs.values() if s != "Z")
        deadline = time.monotonic() + grace
        while procs and time.monotonic() < deadline:  # none, not even a zombie: nothing to wait for or kill
            self.reap()
            if not any(s != "Z" for s in self.live().values()):
                break
            self.wait(min(0.05, max(0.0, deadline - time.monotonic())))
        deadline = time.monotonic() + KILL_ROUNDS_S
        self.clean = not procs and PRCTL is not None
        while procs and time.monotonic() < deadline:  # zombies of killed parents are re-parented here, then reaped
            self.reap()
            if not self.signal_all(signal.SIGKILL):
                self.clean = PRCTL is not None  # the whole subtree was seen empty
                break
            time.sleep(0.01)
        self.reap()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
        self.say("stopped %d %.6f %d" % (alive, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * scale))

    def serve(self):
        pending = self.pending
        while not self.gone:
            self.reap()
            pending += self.wait(0.5)
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                words = line.split()
                if words[:1] == [b"stop"]:
                    self.stop(float(words[1]) if len(words) > 1 else EXIT_GRACE)
            if os.getppid() != self.parent:
                self.gone = True
        if not self.clean:  # heatlens's "stop" already emptied the tree: nothing can have started in it since
            self.stop(EXIT_GRACE)
        if self.cleanup_dir != "-" and os.path.lexists(self.cleanup_dir):  # heatlens removes it when it can
            import shutil  # only now: its imports cost as much as the rest of the start-up

            shutil.rmtree(self.cleanup_dir, ignore_errors=True)


def _run_inline(argv, err_w):
    """Run the script ARGV[0] (a module with main(argv)) in this forked child as if a new interpreter had
    started it; its exit status. `err_w` is closed once it is imported: the reaper reads that as a start."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as a new interpreter sets them
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
    code = 1
    try:
        module = __import__(os.path.splitext(os.path.basename(argv[0]))[0])
        os.close(err_w)
        code = module.main(sys.argv)
    except SystemExit as exc:
        code = exc.code
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
    if code is None or isinstance(code, int):
        return (code or 0) & 0xFF
    print(code, file=sys.stderr)
    return 1


def _exists(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def _kill(pid, sig):
    try:
        os.kill(pid, sig)
    except OSError:
        pass


def read_config(ctl):
    """(LIMIT, CLEANUP_DIR, INLINE, CWD, ARGV, ENV, bytes after the config) from a --wait reaper's control
    pipe; None at end of file first."""
    data = b""
    while True:
        head, sep, rest = data.partition(b"\n")
        if sep and len(rest) >= int(head.split()[1]):
            break
        chunk = os.read(ctl, 65536)
        if not chunk:
            return None
        data += chunk
    size = int(head.split()[1])
    fields = [os.fsdecode(f) for f in rest[:size].split(b"\0")]
    count = int(fields[4])
    argv, env = fields[5:5 + count], dict(e.split("=", 1) for e in fields[5 + count:])
    return int(fields[0]), fields[1], fields[2] == "1", fields[3], argv, env, rest[size:]


def main(argv):
    ctl, status = int(argv[1]), int(argv[2])
    pending = b""
    if argv[3:4] == ["--wait"]:
        import json, subprocess, threading  # noqa: F401,E401  py-spy's --inline wrapper needs them (~13 ms): here
        # while heatlens still imports, not after it sent the run
        config = read_config(ctl)
        if config is None:
            return 0  # heatlens did not need this reaper
        limit, cleanup_dir, inline, cwd, target, env, pending = config
        os.environ.clear()
        os.environ.update(env)
        try:
            os.chdir(cwd)
        except OSError as exc:  # as Popen's cwd= would fail
            os.write(status, ("error %d %s: %r\n" % (exc.errno or 0, exc.strerror, cwd)).encode())
            return 127
    else:
        limit, cleanup_dir = int(argv[3]), argv[4]
        dash = argv.index("--")
        target, inline = argv[dash + 1 :], "--inline" in argv[5:dash]
    if PRCTL is not None:
        PRCTL(_PR_SET_CHILD_SUBREAPER, 1)
    reaper = Reaper(ctl, status, cleanup_dir, pending)
    if not reaper.start(target, limit, inline):
        return 127
    reaper.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
