"""One profile at a time; every cancel path kills the target's whole process tree; failures are answered."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, List

import psutil
import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from heatlens.lsp import protocol as hp
from heatlens.lsp.jobs import Job, JobBusy, JobManager, run_cancellable

pytestmark = pytest.mark.slow


def _procs(script: Path) -> List[psutil.Process]:
    """Live processes running `script`, and their children (the fixture starts one)."""
    found = []
    for p in psutil.process_iter(["cmdline", "status"]):
        try:
            if p.info["status"] != psutil.STATUS_ZOMBIE and any(str(script) in a for a in (p.info["cmdline"] or [])):
                found.append(p)
                found.extend(c for c in p.children(recursive=True) if c.status() != psutil.STATUS_ZOMBIE)
        except psutil.Error:
            pass
    return found


async def _wait_running(client: Any, script: Path, timeout: float = 60) -> List[psutil.Process]:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        procs = _procs(script)
        if len(procs) >= 2:  # the target and its child
            return procs
        await asyncio.sleep(0.1)
    raise AssertionError(f"{script.name} did not start")


async def _gone(procs: List[psutil.Process], timeout: float = 30) -> bool:
    _gone_list, alive = await asyncio.to_thread(psutil.wait_procs, procs, timeout)
    return not alive


def test_manager_refuses_a_second_job() -> None:
    async def go() -> None:
        jobs = JobManager()
        job = jobs.start("a.py")
        with pytest.raises(JobBusy, match="a profile is already running: a.py"):
            jobs.start("b.py")
        assert JobBusy("x").code == -32803
        assert jobs.cancel() and job.cancelled
        jobs.finish(job)
        assert not jobs.busy and not jobs.cancel()

    asyncio.run(go())


def test_run_cancellable_turns_a_task_cancel_into_the_job_event() -> None:
    async def go() -> str:
        job = Job("t")

        async def runner() -> str:
            await job.cancel_event.wait()
            return "cancelled cleanly"

        task = asyncio.ensure_future(run_cancellable(job, runner))
        await asyncio.sleep(0.05)
        task.cancel()
        return await task

    assert asyncio.run(go()) == "cancelled cleanly"


async def test_second_profile_refused_and_heatlens_cancel_kills_the_tree(client: Any) -> None:
    script = client.root / "forever.py"
    uri = client.open(script)
    first = asyncio.ensure_future(client.profile(uri=uri))
    procs = await _wait_running(client, script)
    with pytest.raises(JsonRpcException, match="a profile is already running"):
        await client.profile(uri=client.open(client.root / "hot.py"))
    result = await client.protocol.send_request_async(hp.CANCEL, hp.CancelParams())
    assert result.cancelled is True
    summary = await first
    assert summary.failure.kind == "cancelled"
    assert await _gone(procs), "target or its child survived the cancel"
    lenses = await client.lenses(uri)
    assert lenses  # still serving


async def test_cancel_request_kills_the_target(client: Any) -> None:
    script = client.root / "forever.py"
    uri = client.open(script)
    request = asyncio.ensure_future(client.protocol.send_request_async(hp.PROFILE, hp.ProfileParams(uri=uri), msg_id="profile-1"))
    procs = await _wait_running(client, script)
    client.protocol.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id="profile-1"))
    summary = await asyncio.wait_for(request, 60)
    assert summary.failure.kind == "cancelled"
    assert await _gone(procs)


async def test_progress_cancel_kills_the_target(client: Any) -> None:
    script = client.root / "forever.py"
    uri = client.open(script)
    client.progress_reports.setdefault("tok-cancel", [])
    request = asyncio.ensure_future(client.profile(uri=uri, work_done_token="tok-cancel"))
    procs = await _wait_running(client, script)
    client.window_work_done_progress_cancel(lsp.WorkDoneProgressCancelParams(token="tok-cancel"))
    summary = await request
    assert summary.failure.kind == "cancelled"
    assert await _gone(procs)
    assert client.progress_reports["tok-cancel"][-1].kind == "end"


async def test_crashing_target_reports_its_failure_and_the_server_answers(client: Any) -> None:
    uri = client.open(client.root / "crash.py")
    summary = await client.profile(uri=uri)
    assert summary.failure.kind == "exception", summary.failure
    assert "boom from the fixture" in summary.failure.message
    again = await client.profile(uri=client.open(client.root / "helper_mod.py"))
    assert again.failure.kind == "ok"


async def test_bad_params_are_invalid_params(client: Any) -> None:
    with pytest.raises(JsonRpcException, match="exactly one of uri, module, code"):
        await client.profile(uri="file:///x.py", module="x")


async def test_code_and_module_targets_annotate_the_files_they_ran(client: Any) -> None:
    summary = await client.profile(code="import hot; hot.main()")
    assert summary.failure.kind == "ok" and summary.target == "-c"
    assert summary.hotspots and summary.hotspots[0].name == "hot"
    uri = client.open(client.root / "hot.py")
    heat = await client.wait_heat(uri)
    assert client.line_of(client.root / "hot.py", "# HOT LINE") in {h.line for h in heat.lines}
    module = await client.profile(module="helper_mod")
    assert module.failure.kind == "ok" and module.target == "-m helper_mod"


@pytest.mark.parametrize("backend", ["cprofile", "pyinstrument"])
async def test_function_level_backends_get_function_lenses(client: Any, backend: str) -> None:
    # cProfile and pyinstrument report functions but no line data: their files must still be annotated
    uri = client.open(client.root / "hot.py")
    summary = await client.profile(uri=uri, backend=backend)
    assert summary.failure.kind == "ok", summary.failure
    assert summary.backend == backend
    lenses = await client.lenses(uri)
    titles = {l.range.start.line: l.command.title for l in lenses if l.command}
    hot_line = next(i for i, t in enumerate((client.root / "hot.py").read_text().splitlines()) if t.startswith("def hot"))
    cold_line = next(i for i, t in enumerate((client.root / "hot.py").read_text().splitlines()) if t.startswith("def cold"))
    assert hot_line in titles and "%" in titles[hot_line], titles
    share = lambda t: float(t.split("%")[0].split()[-1])  # noqa: E731  "▲ 74.9% CPU ..." -> 74.9
    assert share(titles[hot_line]) > share(titles[cold_line]) > 0
