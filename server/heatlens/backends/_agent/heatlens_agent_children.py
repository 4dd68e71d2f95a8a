"""Child processes and stop signals for the heatlens agent (stdlib only; runs inside the target).

Children are profiled when HEATLENS_AGENT_DIR names a folder (the backend sets it unless the user turned
children off); each child writes `<folder>/<pid>.json` (final) and `<pid>.json.part-*` (periodic):
  - fork (os.fork, multiprocessing "fork", the forkserver's workers): `os.register_at_fork` resets the
    sampler in the child (timers and threads do not survive a fork; signal handlers do). Such children
    usually end by os._exit (multiprocessing's popen_fork and forkserver call it right after the
    process's _bootstrap), which the agent already wraps: the final write happens there.
  - exec'd Pythons (multiprocessing "spawn", the forkserver itself, subprocess.run([sys.executable, ...])):
    the agent puts `childsite/` first on the target's PYTHONPATH; its sitecustomize (chained to the
    user's own) calls `start_child` before the child's main module runs.
SIGTERM (the runner's timeout and cancel send it before SIGKILL): unless the target handles SIGTERM itself,
the agent of the main process writes its final profile, then lets the signal end the process as it would
have. Children keep the program's own SIGTERM handling (Pool.terminate sends SIGTERM to its workers; see
_after_fork): one ended by it keeps its last periodic write.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any, Dict

from heatlens_quiet_fork import quiet_fork

CHILD_DIR_VAR = "HEATLENS_AGENT_DIR"  # where children write their profiles; unset: children not profiled
CHILD_OPTS_VAR = "HEATLENS_AGENT_CHILD_OPTIONS"  # "interval,memory" for the children's samplers
SITE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "childsite")


def child_path(directory: str, pid: int) -> str:
    return os.path.join(directory, "%d.json" % pid)


def die_by(signum: int) -> None:
    """End the process by `signum` with its default action, as if the agent had never caught it."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def install(agent: Any, main: bool = True) -> None:
    """SIGTERM -> final write (the main process only), and the fork hooks. Main thread only."""
    if main:
        try:
            if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
                handler = agent.term_handler = lambda signum, frame: _on_term(agent)
                signal.signal(signal.SIGTERM, handler)
        except (ValueError, OSError):  # not the main thread, or no such signal here
            pass
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_parent,
                            after_in_child=lambda: _after_fork(agent))
    if sys.version_info >= (3, 12) and hasattr(os, "fork") and not getattr(os.fork, "heatlens", False):
        os.fork = quiet_fork(os.fork)
    for name in ("execv", "execve"):  # os.execl*, execvp* and spawn* all go through these two
        real = getattr(os, name, None)
        if real is not None and not getattr(real, "heatlens", False):
            setattr(os, name, _timer_off_across(real))


def _timer_off_across(real: Any) -> Any:
    """exec without the CPU timer: it survives exec while the handler does not, and the new program
    would die of its first SIGPROF (a forked child re-arms the timer; os.fork + os.execv is common)."""

    def exec_(*args: Any) -> Any:
        left = signal.setitimer(signal.ITIMER_PROF, 0, 0) if hasattr(signal, "setitimer") else (0.0, 0.0)
        try:
            return real(*args)
        finally:  # only reached when exec failed: this process goes on, sampled
            if left[0] or left[1]:
                signal.setitimer(signal.ITIMER_PROF, left[0] or left[1], left[1])

    exec_.heatlens = True
    return exec_


# SIGTERM is blocked in the forking thread across fork(): a SIGTERM sent to the new child before its hook
# has put the program's own handler back stays pending, and is delivered (default action) once it has.
_MASKS = {}  # type: Dict[int, Any]


def _before_fork() -> None:
    try:
        _MASKS[threading.get_ident()] = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    except (AttributeError, ValueError, OSError):
        pass


def _after_fork_parent() -> None:
    mask = _MASKS.pop(threading.get_ident(), None)
    if mask is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _on_term(agent: Any) -> None:
    if os.getpid() != agent.sampler.pid:  # a forked child not profiled: the default action
        die_by(signal.SIGTERM)
        return
    if agent.done:  # the final write is under way (atexit) or over
        if agent.finished:
            die_by(signal.SIGTERM)
        else:
            agent.signum = signal.SIGTERM  # finish() ends the process by it once written
        return
    agent.signum = signal.SIGTERM
    try:
        agent.finish(None)
    finally:
        die_by(signal.SIGTERM)


def _after_fork(agent: Any) -> None:
    """In a forked child: the program's own signal handlers back (a Python-level SIGTERM handler makes
    multiprocessing's Pool.terminate hang: CPython can lose a signal that lands while a C call such as
    sem_wait loops internally, 5 of 16 runs of a plain pool program); then a fresh profile of its own
    when children are profiled, else the agent steps out of the way."""
    mask = _MASKS.pop(threading.get_ident(), None)
    try:
        term = getattr(agent, "term_handler", None)
        if term is not None and signal.getsignal(signal.SIGTERM) is term:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if agent.children_dir and not agent.done and agent.sampler.enabled:
            _reset(agent, child_path(agent.children_dir, os.getpid()), "fork")
        else:
            agent.leave()
    except Exception:  # never break the target's fork
        pass
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a pending SIGTERM ends the child now


def _reset(agent: Any, out: str, role: str) -> None:
    """A new, empty profile written to `out`, sampled from now on."""
    from heatlens_agent_collectors import GcWatch, ImportTimer
    from heatlens_agent_sampler import AGENT_DIR, Sampler

    old = agent.sampler
    old.release_signals()
    old.close_inherited()
    me = threading.current_thread()
    if hasattr(me, "_set_native_id"):  # Python < 3.12 keeps the parent's thread id after a fork: the wall
        me._set_native_id()  # sampler would read the wrong /proc task and count run-queue waits as blocked
    agent.out, agent.role, agent.ppid = out, role, os.getppid()
    agent.exit_code, agent.exception = None, None
    agent.exceptions.clear()  # in place: the exception callback counts into this very dict
    agent.gc.remove()
    agent.gc = GcWatch()
    agent.imports.remove()
    agent.imports = ImportTimer(AGENT_DIR)
    new = Sampler(out, old.interval, old.memory, agent.write)
    if old.main_ident == threading.get_ident():  # forked by the main thread: the same agent frames below
        new.main_base, new.main_root = old.main_base, old.main_root
    agent.sampler = new
    agent.begin()


def start_child(directory: str) -> None:
    """Profile this interpreter (an exec'd child of the target) from now on; called by sitecustomize."""
    from heatlens_agent import Agent  # late: sitecustomize imports this module first

    interval, memory = 0.001, "sampled"
    opts = os.environ.get(CHILD_OPTS_VAR, "").split(",")
    try:
        interval = float(opts[0])
        memory = opts[1] if opts[1] in ("off", "sampled", "full") else memory
    except (IndexError, ValueError):
        pass
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return
    argv = list(sys.argv)
    agent = Agent(child_path(directory, os.getpid()), interval, memory, ("child", argv[0] if argv else "", argv[1:]))
    agent.role = "exec"
    agent.start_in_place()
