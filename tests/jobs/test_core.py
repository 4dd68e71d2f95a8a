"""The job API: one job at a time, a queued job waits its turn, cancel reaches the running job's event,
progress reaches its listeners, and a job is finished however its work ends."""

from __future__ import annotations

import asyncio
from typing import List, Optional, Tuple

import pytest

from heatlens.jobs.core import Job, JobBusy, Jobs


async def test_a_second_job_is_refused_while_one_runs() -> None:
    jobs = Jobs()
    job = jobs.start("first")
    with pytest.raises(JobBusy, match="first"):
        jobs.start("second")
    jobs.finish(job)
    assert not jobs.busy and jobs.start("second").label == "second"


async def test_a_queued_job_runs_after_the_current_one() -> None:
    jobs = Jobs()
    order: List[str] = []
    release = asyncio.Event()

    async def first(job: Job) -> str:
        order.append("first started")
        await release.wait()
        order.append("first done")
        return "one"

    async def second(job: Job) -> str:
        order.append("second started")
        return "two"

    running = asyncio.ensure_future(jobs.run("first", first))
    await asyncio.sleep(0)
    queued = asyncio.ensure_future(jobs.run("second", second, queue=True))
    await asyncio.sleep(0.05)
    assert order == ["first started"] and not queued.done()
    with pytest.raises(JobBusy):
        await jobs.run("third", second)  # not queued: refused at once
    release.set()
    assert await running == "one" and await queued == "two"
    assert order == ["first started", "first done", "second started"] and not jobs.busy


async def test_cancel_sets_the_running_jobs_event_and_progress_reaches_listeners() -> None:
    jobs = Jobs()
    seen: List[Tuple[str, Optional[float]]] = []

    async def work(job: Job) -> str:
        job.report("step 1/2", 0.0)
        await job.cancel_event.wait()
        job.report("stopping", None)
        return "stopped"

    task = asyncio.ensure_future(jobs.run("long", work, on_progress=lambda m, f: seen.append((m, f))))
    await asyncio.sleep(0.01)
    assert jobs.current is not None and jobs.current.message == "step 1/2"
    assert jobs.cancel()
    assert await asyncio.wait_for(task, 1) == "stopped"
    assert seen == [("step 1/2", 0.0), ("stopping", None)]
    assert not jobs.cancel()  # nothing left to cancel


async def test_a_failing_job_is_finished_too() -> None:
    jobs = Jobs()

    async def boom(job: Job) -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        await jobs.run("x", boom)
    assert not jobs.busy
