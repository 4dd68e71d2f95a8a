"""Raised exceptions per raise site before Python 3.12 (opt-in: `heatlens run --exceptions`). Stdlib only.

3.12+ counts them with sys.monitoring RAISE events, which cost nothing until something is raised. Before
3.12 the only hook that sees caught exceptions is the trace function: the global tracer runs on every
call and returns a local tracer with `f_trace_lines = False`, so no line events are generated and the
local tracer runs on 'exception' and 'return' events only. That still costs two Python-level calls per
function call, hence opt-in. Measured (Python 3.11, 3 runs, process CPU time): a call-heavy program
(recursive fib + 24 M tiny calls, 1.5 s unprofiled) took 4.0× the CPU of the agent without the hook
(6.55 s vs 1.64 s; 4.3× unprofiled); code that makes few Python calls pays little.

Counts have the shape the 3.12 path fills: {(file, function, line, exception type name): count}, one
count per frame the exception passes through, as sys.monitoring RAISE reports it.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any, Dict, Tuple

ENV = "HEATLENS_AGENT_EXCEPTIONS"  # "trace": the agent installs this hook (set by the backend's --exceptions)
NOTE = ("exceptions: counted exactly with a trace hook (Python < 3.12, --exceptions); it slows Python calls "
        "(about 4x CPU on call-heavy code), so time shares of call-heavy code are inflated in this run")

Counts = Dict[Tuple[str, str, int, str], int]


class ExceptionTracer:
    """Closures rather than methods and no filtering in the hot path: the global tracer runs on every call.
    The agent's own frames are left in (its output drops them by file)."""

    def __init__(self, counts: Counts) -> None:
        self.counts = counts

        def local(frame: Any, event: str, arg: Any) -> None:
            # returning None keeps this tracer for the frame (CPython only replaces it on a non-None result)
            if event == "exception":
                try:
                    key = (frame.f_code.co_filename, frame.f_code.co_name, frame.f_lineno, arg[0].__name__)
                    counts[key] = counts.get(key, 0) + 1
                except Exception:
                    pass

        def global_(frame: Any, event: str, arg: Any) -> Any:
            frame.f_trace_lines = False  # only 'exception' (and 'return') events reach the local tracer
            return local

        self._global = global_

    def install(self) -> None:
        threading.settrace(self._global)  # threads started from now on
        sys.settrace(self._global)  # frames called from now on in this thread

    def remove(self) -> None:
        threading.settrace(None)
        sys.settrace(None)


def install(counts: Counts) -> ExceptionTracer:
    tracer = ExceptionTracer(counts)
    tracer.install()
    return tracer
