"""One profile at a time, and every way to cancel it: `heatlens.jobs` adapted to the language server.

A second `heatlens/profile` while one runs is refused (never two targets fighting silently). Cancel comes
from `$/cancelRequest` (pygls cancels the handler's task), `window/workDoneProgress/cancel` (pygls cancels
the token's future), or `heatlens/cancel`; all three end in the same `asyncio.Event` that the runner
watches, and the runner kills the target's whole process group and returns a `cancelled` result.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from typing import Any, Awaitable, Callable, Optional, TypeVar

from lsprotocol.types import LSPErrorCodes
from pygls.exceptions import JsonRpcException

from heatlens.jobs import core as jobs

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long the runner may take to stop a cancelled target before its task is cancelled outright.
CANCEL_GRACE_S = 20.0


class JobBusy(JsonRpcException, jobs.JobBusy):
    """A profile is already running: answered as LSP's RequestFailed (-32803)."""

    CODE = int(LSPErrorCodes.RequestFailed)


class Job(jobs.Job):
    def cancel_on(self, future: "Optional[Future[Any]]") -> None:
        """Cancel this job when `future` (e.g. a work-done token's) is cancelled."""
        if future is None:
            return
        loop = asyncio.get_running_loop()

        def done(fut: "Future[Any]") -> None:
            if fut.cancelled():
                log.info("work-done progress cancelled: cancelling %s", self.label)
                loop.call_soon_threadsafe(self.cancel_event.set)

        future.add_done_callback(done)


class JobManager(jobs.Jobs):
    """`heatlens.jobs.Jobs` (one job at a time) whose refusal is an LSP error and whose jobs follow
    work-done progress cancels."""

    busy_error = JobBusy

    def _make(self, label: str) -> Job:
        return Job(label)

    def start(self, label: str) -> Job:
        job = super().start(label)
        assert isinstance(job, Job)
        return job


async def run_cancellable(job: Job, start: Callable[[], Awaitable[T]]) -> T:
    """Await `start()` in its own task; a cancel of the caller becomes a cancel of the job.

    The runner task is shielded so that `$/cancelRequest` does not tear it down mid-kill: instead the
    job's event is set and the runner gets the chance to kill the process group and return its
    `cancelled` result, which the caller then returns like any other result.
    """
    task: "asyncio.Future[T]" = asyncio.ensure_future(start())
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and hasattr(current, "uncancel"):
            current.uncancel()  # we handle this cancel ourselves and still answer the request
        log.info("request cancelled: cancelling %s", job.target)
        job.cancel()
        try:
            return await asyncio.wait_for(asyncio.shield(task), CANCEL_GRACE_S)
        except asyncio.TimeoutError:
            task.cancel()
            raise
