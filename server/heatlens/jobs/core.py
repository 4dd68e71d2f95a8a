"""One way to run long work that re-runs the user's code: a `Job` with a cancel event and progress, and
`Jobs`, which runs one job at a time (a second is refused, or waits its turn when asked to queue).

Work is a coroutine function `work(job)`; it watches `job.cancel_event` (the runner, the probe, verify
and big-O all take it as `cancel=`) and reports `job.report(message, fraction)`. Frameworks adapt this:
the language server turns a busy refusal into an LSP error and `$/cancelRequest` into `job.cancel()`
(`lsp/jobs.py`); the CLI turns Ctrl-C into it (`commands/run.py`).
"""

from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable, List, Optional, TypeVar

import attrs

T = TypeVar("T")
ProgressListener = Callable[[str, Optional[float]], None]
Work = Callable[["Job"], Awaitable[T]]


class JobBusy(Exception):
    """Another job is running and this one may not wait."""


@attrs.define(eq=False)
class Job:
    label: str
    cancel_event: asyncio.Event = attrs.Factory(asyncio.Event)
    started: float = attrs.Factory(time.monotonic)
    listeners: List[ProgressListener] = attrs.Factory(list)
    message: str = ""
    fraction: Optional[float] = None  # 0..1 where the work can tell, else None

    @property
    def target(self) -> str:  # the name the language server has used since before jobs/ existed
        return self.label

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def cancel(self) -> None:
        self.cancel_event.set()

    def report(self, message: str, fraction: Optional[float] = None) -> None:
        self.message, self.fraction = message, fraction
        for listener in list(self.listeners):
            listener(message, fraction)


class Jobs:
    """One job at a time. `start` refuses while one runs; `run(..., queue=True)` waits for its turn."""

    busy_error: Callable[[str], Exception] = JobBusy

    def __init__(self) -> None:
        self.current: Optional[Job] = None
        self._idle = asyncio.Event()  # set when no job runs: what queued jobs wait for
        self._idle.set()

    @property
    def busy(self) -> bool:
        return self.current is not None

    def start(self, label: str) -> Job:
        if self.current is not None:
            elapsed = time.monotonic() - self.current.started
            raise self.busy_error(f"a profile is already running: {self.current.label} ({elapsed:.1f} s)")
        self.current = self._make(label)
        self._idle.clear()
        return self.current

    def _make(self, label: str) -> Job:
        return Job(label)

    def finish(self, job: Job) -> None:
        if self.current is job:
            self.current = None
            self._idle.set()

    def cancel(self) -> bool:
        if self.current is None:
            return False
        self.current.cancel()
        return True

    async def run(self, label: str, work: Work[T], queue: bool = False,
                  on_progress: Optional[ProgressListener] = None) -> T:
        """Start a job (waiting while another runs when `queue`), await `work(job)`, always finish it."""
        while queue and self.current is not None:  # woken together: the first to run takes the turn
            await self._idle.wait()
        job = self.start(label)
        if on_progress is not None:
            job.listeners.append(on_progress)
        try:
            return await work(job)
        finally:
            self.finish(job)

