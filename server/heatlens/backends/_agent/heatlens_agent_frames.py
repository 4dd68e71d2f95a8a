"""Frames as text for the heatlens agent (stdlib only; runs inside the target interpreter): the stack format
faulthandler writes, so that sampled and dumped stacks read alike, and per-thread CPU clocks."""

from __future__ import annotations

import os
import threading
from typing import Any, Dict, Optional, Tuple

AGENT_DIR = os.path.dirname(os.path.abspath(__file__))
# Agent code that runs UNDER the target's code, on its behalf: the gc callback (inside a collection that a
# C call such as ast.parse triggered) and the import and exception hooks. The SIGPROF handler often runs
# in them (they are Python, so check points); their window is the target's, given to the frame below.
_CALLBACK_FILES = frozenset(os.path.join(AGENT_DIR, n) for n in (
    "heatlens_agent_collectors.py", "heatlens_agent_exceptions.py"))


class ThreadClocks:
    """CPU time (and run-queue wait) of other threads by native id, from /proc/self/task/<id>/schedstat.

    Never pthread_getcpuclockid: given the pthread id of a thread that has ended (threads end at any moment
    while sampled), glibc reads freed memory and the target dies by SIGSEGV. A /proc file of an ended task
    just fails to open or read. Descriptors are cached (one read per sample, not an open); each user (the
    signal handler, the wall thread) has its own instance, and close() must run after a fork (they name
    the parent's tasks)."""

    def __init__(self) -> None:
        self._fds: Dict[int, int] = {}

    def read(self, native_id: Optional[int]) -> Optional[Tuple[float, float]]:
        """(CPU seconds, seconds runnable but waiting for a CPU); None when unknown or the thread is gone."""
        if not native_id:
            return None
        fd = self._fds.get(native_id)
        try:
            if fd is None:
                fd = os.open("/proc/self/task/%d/schedstat" % native_id, os.O_RDONLY)
                self._fds[native_id] = fd
            f = os.pread(fd, 128, 0).split()
            return int(f[0]) / 1e9, int(f[1]) / 1e9
        except (OSError, IndexError, ValueError):
            self.forget(native_id)
            return None

    def cpu(self, native_id: Optional[int]) -> Optional[float]:
        got = self.read(native_id)
        return got[0] if got is not None else None

    def forget(self, native_id: int) -> None:
        fd = self._fds.pop(native_id, None)
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass

    def keep_only(self, native_ids: Any) -> None:
        for nid in [n for n in self._fds if n not in native_ids]:
            self.forget(nid)

    def close(self) -> None:
        for nid in list(self._fds):
            self.forget(nid)


def native_id(ident: Optional[int]) -> Optional[int]:
    """The kernel's id of the live Python thread `ident` (threading knows it); None if unknown."""
    th = threading._active.get(ident)
    return getattr(th, "native_id", None) if th is not None else None


def _near_line(frame: Any) -> int:
    """The line of the nearest instruction before f_lasti that has one: artificial instructions (loop
    cleanup, implicit returns) have none, and the Python-only sampler often stops on them (3.11+)."""
    code, line = frame.f_code, 0
    try:
        for start, _, ln in code.co_lines():
            if start > frame.f_lasti:
                break
            line = ln or line
    except AttributeError:  # no co_lines before 3.10
        pass
    return line or code.co_firstlineno


def frame_text(frame: Any) -> str:
    """A stack in faulthandler's own format (leaf first), for threads that no dump caught."""
    out = []
    while frame is not None:
        code = frame.f_code
        out.append('  File "%s", line %d in %s\n' % (code.co_filename, frame.f_lineno or _near_line(frame), code.co_name))
        frame = frame.f_back
    return "".join(out)


class StackMixin:
    """Whose stack is whose, for the Sampler (main_ident, main_base, main_root, _agent_mark)."""

    main_ident: int
    main_base: int
    main_root: str
    _agent_mark: str

    def _owner(self, body: str, current: Dict[int, Any], gone: Dict[int, str]) -> Optional[int]:
        """Which thread a dump (it names none) came from: the main thread by the agent frames under the
        target; others by the longest run of root frames shared with the thread's current stack.
        None: the agent's own code was running."""
        n = body.count(self._agent_mark)
        if n:
            ok = self.main_root and n == self.main_base and body.endswith(self.main_root)
            return self.main_ident if ok else None
        candidates = [t for t in current if t != self.main_ident or self.main_base < 0] + list(gone)
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        lines = body.splitlines()
        best, best_len = None, -1
        for tid in candidates:
            fr = current.get(tid)
            text = gone[tid] if tid in gone else frame_text(fr) if fr is not None else ""
            other = text.splitlines()
            n = 0
            while n < min(len(lines), len(other)) and lines[-1 - n] == other[-1 - n]:
                n += 1
            if n > best_len:
                best, best_len = tid, n
        return best

    @staticmethod
    def _below_callbacks(fr: Any) -> Any:
        while fr is not None and fr.f_code.co_filename in _CALLBACK_FILES:
            fr = fr.f_back
        return fr

    def target_stack(self, tid: int, fr: Any) -> Optional[str]:
        """The target's stack in frame `fr` of thread `tid` (the agent's callbacks on top left out); None
        when the agent itself is running there."""
        fr = self._below_callbacks(fr)
        if fr is None:
            return None
        text = frame_text(fr)
        return text if self._ours(tid, text) else None

    def _strip_callbacks(self, body: str) -> str:
        """A dumped stack without the agent's callbacks on top (see _CALLBACK_FILES)."""
        while body.startswith('  File "') and body[8:body.find('"', 8)] in _CALLBACK_FILES:
            cut = body.find("\n")
            body = body[cut + 1:] if cut >= 0 else ""
        return body

    def _ours(self, tid: int, body: str) -> bool:
        """Whether a stack is the target's: no agent frames (threads, atexit code), or in the main thread
        exactly the agent frames that run the target underneath it (more: the agent itself is running)."""
        n = body.count(self._agent_mark)
        return n == 0 or (tid == self.main_ident and n == self.main_base)
