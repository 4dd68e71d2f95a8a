"""The one pipeline under `heatlens run`, the language server's `heatlens/profile` and `heatlens.api`:

    run (heatlens.run) -> read (the backend's adapter) -> map + analyse (analysis.findings.analyse_file on
    every user file, with the profile's own line and function records) -> leaks -> store

`profile()` runs a target and finishes its profile; `finish()` is the part after the run, for a profile
collected another way (the in-process API, an attached process). Every entry point grades the findings by
the options' thresholds, so the CLI and the editor store and show the same (line, rule) set.

The analysis (LibCST matchers and codemods) is imported only when a user file is there to analyse: a run
with nothing to analyse costs what the run costs.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence

import attrs

from heatlens.backends.base import Target
from heatlens.model import Finding, Profile
from heatlens.options import ProfileOptions

log = logging.getLogger(__name__)

Progress = Callable[[str], None]  # phase names: starting, running, reading, analysing, storing
Saver = Callable[[Profile], Optional[int]]  # stores a profile, returns its run id (None: not stored)


@attrs.define
class Outcome:
    """A run through the pipeline: the runner's result (profile, failure, output), its stored id, and the
    anti-pattern findings per analysed file before grading (the editor re-grades them on a settings change)."""

    result: Any  # heatlens.run.RunResult (or a stand-in with .profile, .failure, .wall_time)
    run_id: Optional[int] = None
    analysed: Dict[str, List[Finding]] = attrs.Factory(dict)
    messages: List[str] = attrs.Factory(list)  # what the user should read (probe evidence, problems)

    @property
    def profile(self) -> Optional[Profile]:
        return getattr(self.result, "profile", None)


async def profile(target: Target, options: ProfileOptions, *, progress: Optional[Progress] = None,
                  cancel: Optional[asyncio.Event] = None, stream: Optional[Callable[[str, bytes], None]] = None,
                  save: Optional[Saver] = None, before_save: Optional[Callable[[Profile], None]] = None,
                  attach_seconds: Optional[float] = None, attach_rate: Optional[int] = None,
                  on_read: Optional[Callable[[Profile], Awaitable[None]]] = None,
                  preload: Sequence[str] = ()) -> Outcome:
    """Run `target` under `options` and finish its profile (see `finish`). `cancel` stops the target's
    process tree and keeps what was recorded; `stream` echoes its output live (the CLI); a `pid` target is
    attached to for `attach_seconds` (None: until cancelled) at `attach_rate` Hz (None: attach's default, which
    a busy server does not feel). `on_read(profile)` runs while the analysis does (in a worker thread): the
    editor paints the measured lines at once instead of after seconds of analysing a big file. `preload`:
    modules the caller needs after the run (the CLI's reports), imported while the program runs."""
    phase = progress or (lambda _p: None)
    if target.kind == "pid":
        from heatlens.run.attach import attach

        phase("running")
        rate: Dict[str, Any] = {"rate": attach_rate} if attach_rate else {}  # else attach's own default
        result = await attach(int(target.value), attach_seconds, cancel or asyncio.Event(),
                              project_root=options.project_root, **rate)
    else:
        from heatlens.analysis.preload import AFTER_RUN, preload_analysis, preload_modules
        from heatlens.run import profile_target

        analysis = preload_analysis(target, options.project_root)  # the user's own program: LibCST loads meanwhile
        imports: List[threading.Thread] = []
        run_options = options.run_options(stream)
        run_options.on_started = lambda _pid: imports.append(preload_modules((*AFTER_RUN, *preload)))
        try:
            result = await profile_target(target, run_options, on_phase=phase, cancel=cancel)
        finally:
            if analysis is not None:
                analysis.cancel()
        for thread in imports:  # done by now unless the program was very short
            if thread.is_alive():
                await asyncio.to_thread(thread.join)
    outcome = Outcome(result)
    prof = outcome.profile
    if prof is None:
        return outcome
    analysing = asyncio.to_thread(analyse, prof, options, phase)
    if on_read is None:
        outcome.analysed = await analysing
    else:
        outcome.analysed, _ = await asyncio.gather(analysing, on_read(prof))
    if options.probe_args and result.failure.ok:
        phase("probing")
        await probe(prof, target, options, outcome.messages)
    phase("storing")
    outcome.run_id = await asyncio.to_thread(store, prof, save, before_save, outcome.messages)
    return outcome


def finish(prof: Profile, options: ProfileOptions, save: Optional[Saver] = None,
           before_save: Optional[Callable[[Profile], None]] = None) -> Outcome:
    """The pipeline after the run, for a profile already read: analyse, leaks, store (blocking)."""
    outcome = Outcome(_Collected(prof))
    outcome.analysed = analyse(prof, options)
    outcome.run_id = store(prof, save, before_save, outcome.messages)
    return outcome


@attrs.define
class _Collected:
    """A RunResult's shape for a profile that no runner produced (the API)."""

    profile: Profile
    failure: Any = None
    wall_time: float = 0.0


def analyse(prof: Profile, options: ProfileOptions, progress: Optional[Progress] = None) -> Dict[str, List[Finding]]:
    """Put the run's graded anti-pattern findings and its memory leaks in `prof.findings`; return the
    ungraded findings per analysed file."""
    from heatlens.analysis import leaks

    sources = user_sources(prof)
    ungraded: Dict[str, List[Finding]] = {}
    found: List[Finding] = []
    if sources:
        if progress is not None:
            progress("analysing")
        from heatlens.analysis.findings import FLOOR, Thresholds, findings_for_profile, graded  # LibCST: only now

        try:
            every = findings_for_profile(prof, sources.get, FLOOR)
        except Exception:  # an analysis bug must not cost the user the profile
            log.exception("anti-pattern analysis failed")
            every = []
        for path in sources:
            ungraded[path] = [f for f in every if f.file == path]
        found = graded(every, Thresholds(warning=options.warning_share, information=options.info_share))
    prof.findings = found + leaks.leak_findings(prof)  # leaks need the "full" memory mode's series
    return ungraded


def user_sources(prof: Profile) -> Dict[str, str]:
    """The text of every profiled file that is the user's own code (not a library, not the standard
    library) and small enough for the full analysis (mapping/source_index.py's limits)."""
    from heatlens.classify import classify_path
    from heatlens.mapping.source_index import CST_MAX_CHARS, CST_MAX_LINES, count_lines, decode_source

    root = prof.meta.project_root or prof.meta.cwd or None
    out: Dict[str, str] = {}
    for fp in prof.files:
        if not fp.lines or fp.path.startswith("<") or classify_path(fp.path, root) != "user":
            continue
        try:
            with open(fp.path, "rb") as f:
                data = f.read(CST_MAX_CHARS * 4 + 1)
        except OSError:
            continue
        text = decode_source(data)
        if len(text) <= CST_MAX_CHARS and count_lines(text) <= CST_MAX_LINES:
            out[fp.path] = text
    return out


async def probe(prof: Profile, target: Target, options: ProfileOptions, messages: List[str]) -> None:
    """`probe_args`: measure the arguments of the hot repeated-call findings' functions in another run
    (jobs/argprobe.py) and put the evidence (and the cache fix, where it is safe) in the findings."""
    from heatlens.analysis.argprobe import judge, watches_for
    from heatlens.jobs.argprobe import run_probe
    from heatlens.analysis.findings import apply_probe

    watches = watches_for(prof.findings)
    if not watches:
        messages.append("--probe-args: no hot repeated-call finding to probe")
        return
    report = await run_probe(target, watches, options.timeout)
    if not report.ok:
        messages.append(f"--probe-args: {report.message}")
        return
    prof.findings = apply_probe(prof.findings, report)
    for s in report.functions:
        v = judge(s)
        messages.append(f"argument probe: {s.qualname}: {v.evidence}; "
                        + ("lru_cache offered" if v.ok else f"no cache: {v.reason}"))


def store(prof: Profile, save: Optional[Saver], before_save: Optional[Callable[[Profile], None]],
          messages: List[str]) -> Optional[int]:
    """Save the run with `save` (None: not stored); a failure to save is a message, not an error."""
    if before_save is not None:
        before_save(prof)
    if save is None:
        return None
    try:
        return save(prof)
    except Exception as exc:  # the profile is still reported; only history misses it
        log.exception("saving the run failed")
        messages.append(f"the run was not stored: {exc}")
        return None


def saver(project_root: str, store_path: Optional[str] = None, group: Optional[str] = None) -> Saver:
    """A Saver into the project's store (`<project_root>/.heatlens/heatlens.db`, or `store_path`)."""

    def save(prof: Profile) -> Optional[int]:
        from heatlens.store import open_store

        with open_store(project_root, store_path or None) as db:
            return int(db.save(prof, group))

    return save
