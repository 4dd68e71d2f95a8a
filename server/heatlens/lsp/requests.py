"""Handlers of the custom `heatlens/*` requests (docs/protocol.md): thin, async, typed."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List, Optional, Tuple

import attrs

from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path

from heatlens import pipeline
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
from heatlens.options import ProfileOptions

if TYPE_CHECKING:
    from heatlens.lsp.server import HeatlensServer

log = logging.getLogger(__name__)

REPORT_KINDS = ("summary", "details", "libraries", "raw")


def profile_options(ls: HeatlensServer, params: ProfileParams) -> ProfileOptions:
    """The one options object (heatlens/options.py) from the settings and the request's overrides."""
    return ProfileOptions.from_settings(ls.settings, backend=params.backend, timeout=params.timeout,
                                        project_root=ls.project_root)


def run_options(ls: HeatlensServer, params: ProfileParams) -> Any:
    return profile_options(ls, params).run_options()  # late import inside: a broken backend must not stop the daemon


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


async def line_data(prof: Profile, run_id: Optional[int]) -> List[FileData]:
    """Every file's measured lines and the backend's function records (no LibCST: fast), in a worker thread."""
    return await asyncio.to_thread(lambda: list(files_of(prof, run_id, profiling.read_source, indexed=False)))


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
        early: List[FileData] = []
        mapping_started = time.perf_counter()
        published_ms = 0.0

        async def publish_lines(prof: Profile) -> None:
            """The measured lines at once (no LibCST) while the pipeline analyses and stores the run."""
            nonlocal mapping_started, published_ms
            mapping_started = time.perf_counter()
            early.extend(await line_data(prof, None))
            ls.add_files(early)
            published_ms = (time.perf_counter() - mapping_started) * 1000

        outcome = await run_pipeline(ls, params, target, phase, job, label, publish_lines)
        result, run_id = outcome.result, outcome.run_id
        progress.set_phase("mapping")
        datas: List[FileData] = []
        if result.profile is not None:
            analysed = {path_key(path): found for path, found in outcome.analysed.items()}
            for data in early:
                data.run_id = run_id  # stored now: the indexed data below refines these
                data.analysed = analysed.get(path_key(data.path))
            if early:  # the benchmarks read this line (benchmarks/editor.py internal_timers)
                log.info("run %s: stored and published %d files in %.1f ms", run_id, len(early), published_ms)
            if not early:  # the pipeline broke after the read: publish what was measured
                early.extend(await line_data(result.profile, run_id))
                ls.add_files(early)
            # Function spans need the LibCST index (cached per source hash, pre-warmed on didOpen).
            prof = result.profile
            wanted = ls.index_wanted()
            datas = await asyncio.to_thread(lambda: list(files_of(prof, run_id, profiling.read_source, wanted)))
            for data in datas:  # the diagnostics only re-grade what the pipeline found (as the CLI reports it)
                data.analysed = analysed.get(path_key(data.path))
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


async def run_pipeline(ls: HeatlensServer, params: ProfileParams, target: Any, phase: Callable[[str], None], job: Any,
                       label: Optional[str],
                       on_read: Optional[Callable[[Profile], Awaitable[None]]] = None) -> pipeline.Outcome:
    """The run a request asks for, through the one pipeline (as `heatlens run` and the API): a program
    started under the profiler, or a running process attached to (stopped by the duration or by cancel,
    which keeps what was sampled); stored with the user's sources as run."""
    roots, store = ls.roots(), ls.history.store()

    def before_save(prof: Profile) -> None:
        if label:
            prof.meta.target = label
        profiling.keep_sources(prof, roots)  # line-diff recovery after edits, from the stored run

    try:
        outcome = await run_cancellable(job, lambda: pipeline.profile(
            target, profile_options(ls, params), progress=phase, cancel=job.cancel_event,
            save=store.save if store is not None else None, before_save=before_save, attach_seconds=params.duration,
            on_read=on_read))
    except Exception as exc:  # a runner bug still answers the request
        log.exception("profiling %s failed", target.display)
        return pipeline.Outcome(_failed(f"heatlens failed: {exc}"))
    for message in outcome.messages:
        ls.show(f"heatlens: {message}")
    return outcome


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
