"""Handlers of the custom `heatlens/*` requests (docs/protocol.md): thin, async, typed."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

import attrs

from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path

from heatlens.analysis import leaks
from heatlens.lsp import profiling
from heatlens.lsp.annotations import FileData, files_of, path_key, prepared
from heatlens.lsp.jobs import run_cancellable
from heatlens.lsp.progress import PhaseProgress
from heatlens.lsp import compare as compare_mod
from heatlens.lsp.protocol import (
    EXPORT, EXPORT_FORMATS, ExportFormatsParams, ExportFormatsResult, ExportParams, ExportResult,
)
from heatlens.lsp.protocol import (
    COMPARE, HISTORY, CompareParams, CompareResult, HistoryParams, HistoryResult,
)
from heatlens.lsp.protocol import PROCESSES, ProcessesParams, ProcessesResult, ProcessInfo
from heatlens.lsp.protocol import (
    CANCEL, CLEAR, FLAMEGRAPH, PROFILE, REPORT, RUNS, CancelParams, CancelResult, ClearParams, FlamegraphParams,
    FlamegraphResult, ProfileParams, ProfileSummary, ReportParams, ReportResult, RunInfo, RunsParams, RunsResult,
)
from heatlens.model import Failure, FailureKind, Profile

if TYPE_CHECKING:
    from heatlens.lsp.server import HeatlensServer

log = logging.getLogger(__name__)

REPORT_KINDS = ("summary", "details", "libraries", "raw")


def run_options(ls: HeatlensServer, params: ProfileParams) -> Any:
    from heatlens.backends.base import BackendOptions
    from heatlens.run import RunOptions  # late: a broken backend module must not stop the daemon starting

    s = ls.settings
    timeout = params.timeout if params.timeout is not None else s.timeout
    return RunOptions(
        backend=params.backend or s.backend,
        timeout=timeout if timeout and timeout > 0 else None,
        memory_limit_mb=s.memory_limit_mb or None,
        project_root=ls.project_root, env_allow=list(s.env_allow) or None,
        backend_options=BackendOptions(memory=s.memory, exceptions=s.exceptions, children=s.children),
    )


def ingest(ls: HeatlensServer, profile: Profile) -> Tuple[Optional[int], List[FileData]]:
    """Store the run (with the user's sources as run) and build every file's line-level annotations
    (no LibCST: fast). Blocking: runs in a worker thread."""
    roots = ls.roots()
    profiling.keep_sources(profile, roots)
    if not any(f.rule == leaks.RULE for f in profile.findings):  # stored with the run; diagnostics show them
        profile.findings.extend(leaks.leak_findings(profile))
    run_id: Optional[int] = None
    store = ls.history.store()
    if store is not None:
        try:
            run_id = store.save(profile)
        except Exception as exc:  # the annotations are still worth showing
            log.exception("saving the run failed")
            ls.show(f"heatlens: could not save the run: {exc}")
    return run_id, list(files_of(profile, run_id, profiling.read_source, indexed=False))


async def refine_then_analyse(ls: HeatlensServer, datas: List[FileData], done: Callable[[str], None]) -> None:
    """Publish the function roll-ups at once, then run the slow prepare hooks (anti-pattern analysis:
    seconds for a big file) in a worker thread and publish the documents' diagnostics after them; until
    then the diagnostics hook leaves those files alone rather than analysing on the event loop."""
    keys = {path_key(d.path) for d in datas}
    ls.analysing |= keys
    try:
        ls.refine_files(datas)
        done("function roll-ups")
        hooks = list(ls.prepare_hooks)
        await asyncio.to_thread(prepared, datas, hooks)
    finally:
        ls.analysing -= keys
    ls.run_doc_hooks_for(d.path for d in datas)
    done("diagnostics")


async def profile(ls: HeatlensServer, params: Optional[ProfileParams], label: Optional[str] = None) -> ProfileSummary:
    """Run one profile end to end; the handler of `heatlens/profile` and of `heatlens.profileFile`.
    `label` (e.g. `pytest::NODEID`) names the run instead of the target's command line."""
    params = params or ProfileParams()
    target = profiling.target_from_params(params, ls.settings, ls.project_root)
    job = ls.jobs.start(label or target.display)  # raises JobBusy while another runs
    progress: Optional[PhaseProgress] = None
    started = time.monotonic()
    try:
        ls.notify_state("profiling", target.display)
        name = label or (os.path.basename(target.value) if target.kind == "script" else target.display)
        progress = await PhaseProgress.create(ls, params.work_done_token, f"heatlens: profiling {name}")
        progress.begin()
        job.cancel_on(progress.cancel_future)
        phase = progress.set_phase
        result: Any
        try:
            result = await run_cancellable(job, lambda: start(ls, params, target, phase, job.cancel_event))
        except Exception as exc:  # a runner bug still answers the request
            log.exception("profiling %s failed", target.display)
            result = _failed(f"heatlens failed: {exc}")
        progress.set_phase("mapping")
        mapping_started = time.perf_counter()
        run_id: Optional[int] = None
        datas: List[FileData] = []
        if result.profile is not None:
            if label:
                result.profile.meta.target = label
            run_id, datas = await asyncio.to_thread(ingest, ls, result.profile)
            ls.add_files(datas)
            log.info("run %s: stored and published %d files in %.1f ms", run_id, len(datas),
                     (time.perf_counter() - mapping_started) * 1000)
            # Function spans need the LibCST index (cached per source hash, pre-warmed on didOpen).
            prof = result.profile
            wanted = ls.index_wanted()
            datas = await asyncio.to_thread(lambda: list(files_of(prof, run_id, profiling.read_source, wanted)))
            await refine_then_analyse(ls, datas, lambda what: log.info(
                "run %s: %s published after %.1f ms", run_id, what, (time.perf_counter() - mapping_started) * 1000))
        backend = result.profile.meta.backend if result.profile is not None else (params.backend or ls.settings.backend)
        duration = result.wall_time or (result.profile.meta.wall_time if result.profile else 0.0) or time.monotonic() - started
        summary = profiling.summary(run_id, target, backend, duration, result.failure, profiling.hotspots(datas, ls.roots()))
        if label:
            summary.target = label
        ls.last_summary = summary
        ok = summary.failure.kind == "ok"
        progress.end(f"done in {duration:.1f} s" if ok else f"{summary.failure.kind}: {summary.failure.message[:200]}")
        progress = None
        return summary
    finally:
        if progress is not None:
            progress.end("stopped")
        ls.jobs.finish(job)
        ls.notify_state("idle")


def start(ls: HeatlensServer, params: ProfileParams, target: Any, phase: Callable[[str], None],
          cancel: asyncio.Event) -> Any:
    """The run a request asks for: a program started under the profiler, or a running process attached to
    (stopped by the duration or by cancel, which keeps what was sampled)."""
    if target.kind == "pid":
        from heatlens.run.attach import attach

        phase("running")
        return attach(int(target.value), params.duration, cancel, project_root=ls.project_root)
    from heatlens.run import profile_target

    return profile_target(target, run_options(ls, params), on_phase=phase, cancel=cancel)


async def on_processes(ls: HeatlensServer, params: Optional[ProcessesParams]) -> ProcessesResult:
    from heatlens.run.attach import python_processes

    found = await asyncio.to_thread(python_processes, ls.project_root)
    return ProcessesResult(processes=[ProcessInfo(pid=p.pid, command=p.command, cwd=p.cwd, in_project=p.in_project)
                                      for p in found])


@attrs.define
class _Broken:
    """Stands in for a RunResult when the runner itself broke, so the request is still answered."""

    failure: Failure
    profile: Optional[Profile] = None
    wall_time: float = 0.0


def _failed(message: str) -> _Broken:
    return _Broken(Failure(FailureKind.BACKEND_FAILED, message))


async def on_profile(ls: HeatlensServer, params: Optional[ProfileParams]) -> ProfileSummary:
    return await profile(ls, params)


def on_cancel(ls: HeatlensServer, params: Optional[CancelParams]) -> CancelResult:
    return CancelResult(cancelled=ls.jobs.cancel())


def on_clear(ls: HeatlensServer, params: Optional[ClearParams]) -> None:
    key = None
    if params is not None and params.uri:
        path = to_fs_path(params.uri)
        if not path:
            raise JsonRpcInvalidParams(f"not a file uri: {params.uri}")
        key = path_key(path)
    cleared = ls.annotations.clear(key)
    ls.comparison = None  # lenses and hovers stop showing "vs previous"
    for uri in ls.open_uris(cleared):
        ls.send_heat(uri)  # empty lines: the client clears its heat
    ls.refresh()


async def on_runs(ls: HeatlensServer, params: Optional[RunsParams]) -> RunsResult:
    limit = params.limit if params is not None and params.limit else 50
    rows = await asyncio.to_thread(ls.history.store_or_fail().runs, limit)
    return RunsResult(runs=[
        RunInfo(run_id=r.id, target=r.target, backend=r.backend, started_at=r.started_at, duration=r.wall, failure=r.failure_kind)
        for r in rows
    ])


async def on_report(ls: HeatlensServer, params: Optional[ReportParams]) -> ReportResult:
    from heatlens.reports import render

    params = params or ReportParams()
    kind = params.kind or "summary"
    if kind not in REPORT_KINDS:
        raise JsonRpcInvalidParams(f"unknown report kind {kind!r}; choose one of {', '.join(REPORT_KINDS)}")
    _run_id, prof = await ls.history.load_run(params.run_id)
    text = await asyncio.to_thread(render, prof, kind, "md", ls.project_root, ls.settings.user_code)
    return ReportResult(markdown=text)


async def on_flamegraph(ls: HeatlensServer, params: Optional[FlamegraphParams]) -> FlamegraphResult:
    from heatlens.reports.export_speedscope import to_speedscope

    run_id, prof = await ls.history.load_run((params or FlamegraphParams()).run_id)
    doc: Dict[str, Any] = await asyncio.to_thread(to_speedscope, prof)
    return FlamegraphResult(speedscope=doc, name=f"run {run_id}: {prof.meta.target}")


async def on_compare(ls: HeatlensServer, params: Optional[CompareParams]) -> CompareResult:
    """Compare a run with a baseline; lenses and hovers of the run's files then show the deltas."""
    from heatlens.analysis.regression import compare

    params = params or CompareParams()
    store = ls.history.store_or_fail()

    shown = {d.run_id for d in ls.annotations.files.values()}
    wanted, hooks = ls.index_wanted(), list(ls.prepare_hooks)

    def work() -> Tuple[int, int, Any, List[FileData]]:
        after, before = compare_mod.resolve_pair(store, params.baseline, params.run_id)
        prof = store.load(after)
        # the compared run's annotations carry the deltas: show them if they are not (cleared, older run)
        datas = [] if after in shown else prepared(files_of(prof, after, profiling.read_source, wanted), hooks)
        return after, before, compare([store.load(before)], [prof]), datas

    try:
        after, before, cmp, datas = await asyncio.to_thread(work)
    except Exception as exc:  # StoreError: no earlier run, unknown ref, unreadable run
        raise JsonRpcInvalidParams(str(exc)) from exc
    label = compare_mod.ids_label(params.baseline or "previous", before)
    ls.comparison = compare_mod.CompareState.build(cmp, after, before, label)
    if datas:
        ls.add_files(datas)
    ls.refresh()
    return compare_mod.compare_result(cmp, after, before, label)


async def on_history(ls: HeatlensServer, params: Optional[HistoryParams]) -> HistoryResult:
    params = params or HistoryParams()
    limit = params.limit if params.limit else 50
    rows = await asyncio.to_thread(ls.history.store_or_fail().runs, limit, params.target)
    return HistoryResult(runs=[compare_mod.history_run(r) for r in rows])


def on_export_formats(ls: HeatlensServer, params: Optional[ExportFormatsParams]) -> ExportFormatsResult:
    from heatlens.reports.export import EXPORT_FORMATS as formats

    return ExportFormatsResult(formats=list(formats))


async def on_export(ls: HeatlensServer, params: Optional[ExportParams]) -> ExportResult:
    from heatlens.lsp.export import write_export  # late: pulls in every exporter

    params = params or ExportParams()
    if not params.path:
        raise JsonRpcInvalidParams("no output path given")
    _run_id, prof = await ls.history.load_run(params.run_id)
    try:
        return await asyncio.to_thread(write_export, prof, params.format, params.path, ls.project_root)
    except Exception as exc:  # unknown format, a directory, a missing parent: the message says which
        raise JsonRpcInvalidParams(str(exc)) from exc


HANDLERS: Dict[str, Any] = {
    PROCESSES: on_processes, PROFILE: on_profile, CANCEL: on_cancel, CLEAR: on_clear, RUNS: on_runs, REPORT: on_report,
    FLAMEGRAPH: on_flamegraph,
    COMPARE: on_compare, HISTORY: on_history, EXPORT: on_export, EXPORT_FORMATS: on_export_formats,
}


def register(server: "HeatlensServer") -> None:
    for method, handler in HANDLERS.items():
        server.feature(method)(handler)
