"""Frames as text for the heatlens agent (stdlib only; runs inside the target interpreter): the stack format
faulthandler writes, so that sampled and dumped stacks read alike, and per-thread CPU clocks."""

from __future__ import annotations

import time
from typing import Any, Optional


def thread_cpu(tid: int) -> Optional[float]:
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(tid))
    except (AttributeError, OSError, OverflowError):
        return None


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
