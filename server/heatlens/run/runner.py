"""The runner: one profiled run of a target, from pre-flight checks to a `RunResult` with its metadata.

Phases reported through `on_phase`: "starting" (checks, backend lookup), "running" (the target runs),
"reading" (the backend's output becomes a Profile). The daemon adds "mapping" after that.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import attrs

from heatlens.backends.base import (
    Backend,
    BackendOptions,
    BackendOutputError,
    BackendUnavailable,
    SamplerRefused,
    Target,
    UnsupportedTarget,
)
from heatlens.defaults import DEFAULT_TIMEOUT
from heatlens.model import Failure, FailureKind, Profile, RunMeta
from heatlens.run import argv as argv_mod
from heatlens.run.classify import Outcome, backend_failed, classify
from heatlens.run.supervise import Supervised, supervise

_PACKAGE_DIR = Path(__file__).parent.parent  # heatlens/: frames in it are the profiler's, not the user's

PhaseCallback = Callable[[str], None]
_HASH_LIMIT = 32 << 20  # don't hash files bigger than this (not source code)


@attrs.define
class RunOptions:
    backend: str = "auto"
    timeout: Optional[float] = DEFAULT_TIMEOUT  # seconds; None (or <= 0) = no limit
    memory_limit_mb: Optional[int] = None  # RLIMIT_AS for the target
    output_cap_bytes: int = 1 << 20  # per stream; beyond it the head and the tail are kept
    project_root: Optional[str] = None  # what counts as "your code"; default: see argv.default_project_root
    backend_options: BackendOptions = attrs.Factory(BackendOptions)
    stream: Optional[Callable[[str, bytes], None]] = None  # ("stdout"|"stderr", chunk): live echo for the CLI
    env_allow: Optional[List[str]] = None  # names/globs of heatlens's environment the program gets (None: all)
    on_started: Optional[Callable[[int], None]] = None  # called with the pid once the target's process started


@attrs.define
class RunResult:
    profile: Optional[Profile]  # whatever the backend wrote, even when the target failed; meta filled
    failure: Failure
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    wall_time: float = 0.0


def target_argv(target: Target) -> List[str]:
    """The target's argv as the user gave it: `script args`, `-m mod args` or `-c code args`."""
    return target.python_argv_tail()


def sha256_of(path: str) -> Optional[str]:
    try:
        if os.path.getsize(path) > _HASH_LIMIT:
            return None
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


def git_commit(cwd: str) -> Optional[str]:
    """HEAD of the repository that contains `cwd`; None when it is not one (or git is missing)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and commit else None


def pick_backend(name: str, python: str, memory: str = "sampled") -> Tuple[Backend, Optional[str]]:
    """The backend called `name` ("auto": the best one available in `python`), checked to be runnable, and
    a note for the report when `auto` had to fall back from the exact sampler.

    Raises BackendUnavailable (with the install command when there is one).
    """
    from heatlens import backends  # the registry; imported late so the runner loads without it

    note = None
    if name in ("", "auto"):
        backend, note = backends.choose_auto_with_reason(python, memory)
    else:
        try:
            backend = backends.get_backend(name)
        except (KeyError, ValueError) as exc:  # the registry's UnknownBackend lists the known names
            raise BackendUnavailable(str(exc).strip("'\"") or f"unknown backend {name!r}") from exc
    backend.check_available(python)
    return backend, note


def backend_markers(backend: Backend) -> Tuple[str, ...]:
    """Path fragments of the backend's own code, so tracebacks through it are not blamed on the user."""
    markers = [str(_PACKAGE_DIR) + os.sep]
    if backend.module:
        markers.append(f"{os.sep}{backend.module.split('.')[0]}{os.sep}")
    return tuple(markers)


def _fill_hashes(profile: Profile, script: Optional[str], script_hash: Optional[str]) -> None:
    for f in profile.files:
        if script and script_hash and f.path == script:
            f.sha256 = script_hash  # the source as it was when the run started
        elif not f.sha256 and f.path and not f.path.startswith("<") and os.path.isfile(f.path):
            f.sha256 = sha256_of(f.path)


async def profile_target(
    target: Target,
    options: RunOptions,
    on_phase: Optional[PhaseCallback] = None,
    cancel: Optional[asyncio.Event] = None,
) -> RunResult:
    """Run `target` under the chosen backend and return the profile and how the run ended.

    Setting `cancel` stops the run (the whole process tree) and returns a CANCELLED result with whatever
    the backend recorded; cancelling the task itself kills the tree at once and re-raises CancelledError.
    """
    phase = on_phase or (lambda _name: None)
    phase("starting")
    t = argv_mod.absolute_target(target)
    meta = RunMeta(argv=target_argv(target), target=target.display, cwd=t.cwd or "")
    meta.project_root = os.path.abspath(options.project_root) if options.project_root else argv_mod.default_project_root(t)

    def early(failure: Failure) -> RunResult:
        return RunResult(profile=None, failure=failure)

    not_found = argv_mod.check_target(t)
    if not_found is not None:
        return early(not_found)
    try:
        python = argv_mod.resolve_interpreter(t.python, t.cwd)
    except argv_mod.InterpreterNotFound as exc:
        return early(Failure(FailureKind.TARGET_NOT_FOUND, f"Cannot run {target.display}: {exc}."))
    meta.interpreter = python
    try:
        backend, auto_note = await asyncio.to_thread(
            pick_backend, options.backend, python, options.backend_options.memory)
    except BackendUnavailable as exc:
        return early(Failure(FailureKind.BACKEND_MISSING, _missing_message(exc), install_command=exc.install_command))
    meta.backend = backend.name
    if auto_note:
        meta.notes.append(auto_note)
    if cancel is not None and cancel.is_set():
        return early(Failure(FailureKind.CANCELLED, f"The run of {target.display} was cancelled before it started."))

    try:
        return await _run_in_temp_dir(t, target, options, backend, python, meta, phase, cancel)
    except SamplerRefused as exc:  # the program never started: `auto` runs it under the in-process fallback
        if options.backend not in ("", "auto"):
            return early(Failure(FailureKind.BACKEND_FAILED, f"The {backend.name} backend could not run "
                                 f"{target.display}: {exc}. Try another backend; the default (auto) falls back "
                                 "to the in-process agent where the exact sampler cannot attach."))
        from heatlens import backends

        fallback = backends.get_backend(backends.FALLBACK_BACKEND)
        meta.backend, meta.notes = fallback.name, [*meta.notes, refused_note(exc.said)]
        return await _run_in_temp_dir(t, target, options, fallback, python, meta, phase, cancel)


def refused_note(said: str) -> str:
    """The report's note (and the editor's caveat) when the exact sampler was refused at run time."""
    return (f"Lines are approximate: the exact sampler could not attach to the program (py-spy said: {said}), so "
            "the in-process agent measured this run; it can move time to the end of loop bodies and into callers")


async def _run_in_temp_dir(t: Target, original: Target, options: RunOptions, backend: Backend, python: str,
                           meta: RunMeta, phase: PhaseCallback, cancel: Optional[asyncio.Event]) -> RunResult:
    out_dir = Path(tempfile.mkdtemp(prefix="heatlens-run-"))
    try:
        return await _run(t, original, options, backend, python, out_dir, meta, phase, cancel)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def _missing_message(exc: BackendUnavailable) -> str:
    text = str(exc).rstrip(".")
    if exc.install_command:
        return f"{text}. Install it with:\n    {exc.install_command}\nor choose another backend."
    return f"{text}."


async def _run(
    t: Target, original: Target, options: RunOptions, backend: Backend, python: str, out_dir: Path,
    meta: RunMeta, phase: PhaseCallback, cancel: Optional[asyncio.Event],
) -> RunResult:
    backend_options = options.backend_options
    try:
        argv = backend.command(t, python, out_dir, backend_options)
        backend_env = backend.environment(t, out_dir, backend_options)
    except UnsupportedTarget as exc:
        return RunResult(None, Failure(FailureKind.BACKEND_MISSING, f"The {backend.name} backend cannot run {original.display}: {exc}. Choose another backend."))
    token = os.urandom(16).hex()  # as secrets.token_hex, without its import (~2 ms of every run's start)
    env = argv_mod.build_env(argv_mod.allowed_env(os.environ, options.env_allow), t.env, backend_env, token)
    script = t.value if t.kind == "script" else None
    script_hash = sha256_of(script) if script else None
    timeout = options.timeout if options.timeout and options.timeout > 0 else None

    phase("running")
    try:  # the run's reaper removes out_dir should heatlens die before sup.release()
        sup = await supervise(
            argv, env=env, cwd=t.cwd or os.getcwd(), token=token, timeout=timeout,
            memory_limit_mb=options.memory_limit_mb, output_cap=options.output_cap_bytes,
            stream=options.stream, cancel=cancel, cleanup_dir=str(out_dir),
            inline=backend.inline_wrapper and argv[:1] == [sys.executable], on_started=options.on_started,
        )
    except OSError as exc:
        return RunResult(None, Failure(FailureKind.TARGET_NOT_FOUND, f"Cannot start {argv[0]}: {exc}."))
    try:
        return await _read(t, original, options, backend, python, out_dir, meta, phase, sup, script, script_hash, timeout)
    finally:  # the reaper would remove out_dir too, but importing shutil there costs the wait for its exit
        shutil.rmtree(out_dir, ignore_errors=True)
        await sup.release()


async def _read(
    t: Target, original: Target, options: RunOptions, backend: Backend, python: str, out_dir: Path,
    meta: RunMeta, phase: PhaseCallback, sup: Supervised, script: Optional[str], script_hash: Optional[str],
    timeout: Optional[float],
) -> RunResult:
    phase("reading")
    stderr = sup.stderr.text()
    failure = classify(Outcome(
        returncode=sup.returncode, stderr=stderr, target=original.display, target_kind=t.kind, target_value=t.value,
        timed_out=sup.timed_out, timeout=timeout, cancelled=sup.cancelled, memory_limit_mb=options.memory_limit_mb,
        oom_killed=sup.oom_killed, project_root=meta.project_root, cwd=t.cwd, backend=backend.name,
        backend_markers=backend_markers(backend),
    ))
    meta.started_at, meta.wall_time, meta.cpu_time = sup.started_at, sup.wall_time, sup.cpu_time
    meta.exit_code, meta.pid, meta.peak_rss_mb = sup.returncode, sup.pid, sup.peak_rss_mb
    if sup.leftovers_killed:
        meta.notes.append(f"{sup.leftovers_killed} process(es) the target left running were stopped when it exited")
    # the backend's output is read while the versions and the commit are asked for (two subprocesses)
    reading = asyncio.ensure_future(asyncio.to_thread(backend.read, out_dir, meta))
    version, python_version, commit = await asyncio.gather(
        asyncio.to_thread(backend.version, python),
        asyncio.to_thread(argv_mod.interpreter_version, python),
        asyncio.to_thread(git_commit, t.cwd or os.getcwd()),
    )
    meta.backend_version, meta.git_commit = version, commit
    meta.python_version = python_version or meta.python_version  # the agent's read may know it too

    profile: Optional[Profile] = None
    try:
        profile = await reading
    except SamplerRefused:
        if failure.ok:  # the program never ran: profile_target decides what follows
            raise
    except BackendOutputError as exc:
        failure = backend_failed(failure, backend.name, str(exc))
    except Exception as exc:  # an adapter bug must not lose the run's outcome
        failure = backend_failed(failure, backend.name, f"{type(exc).__name__}: {exc}")
    meta.failure = failure
    if profile is not None:
        _merge_meta(profile.meta, meta)
        _fill_hashes(profile, script, script_hash)
        profile.resource_series = sup.resources
    return RunResult(
        profile=profile, failure=failure, stdout=sup.stdout.text(), stderr=stderr,
        stdout_truncated=sup.stdout.truncated, stderr_truncated=sup.stderr.truncated, wall_time=sup.wall_time,
    )


_ADAPTER_KNOWS = ("program_wall", "core_wait", "paused_reads", "memory_stops")  # the runner sees only the whole command


def _merge_meta(target: RunMeta, ours: RunMeta) -> None:
    """Put the runner's facts into the profile's meta, keeping what only the adapter knows."""
    keep_interval, keep_notes = target.sample_interval, list(target.notes)
    keep_rss = target.peak_rss_mb
    for field in attrs.fields(RunMeta):
        if field.name not in _ADAPTER_KNOWS or getattr(target, field.name) is None:
            setattr(target, field.name, getattr(ours, field.name))
    target.sample_interval = keep_interval if keep_interval is not None else ours.sample_interval
    target.notes = keep_notes + [n for n in ours.notes if n not in keep_notes]
    if keep_rss is not None:  # both are lower bounds: ours polls the tree, the backend's sees one process
        target.peak_rss_mb = max(keep_rss, ours.peak_rss_mb or 0.0)


def profile_target_sync(target: Target, options: RunOptions, on_phase: Optional[PhaseCallback] = None) -> RunResult:
    """`profile_target` for callers without an event loop (the CLI, scripts)."""
    return asyncio.run(profile_target(target, options, on_phase))
