"""Profile named regions of your own program from Python; results land in the project's heatlens store.

    import heatlens

    with heatlens.profile("nightly-report", metadata={"rows": n}):
        build_report()

    @heatlens.profile("parse")
    def parse(path): ...

    p = heatlens.Profiler("warmup")
    p.start(); warm_caches(); profile = p.stop()

When it is on: `heatlens.profile(...)` regions (the `with` block and the decorator) are instrumentation
you can leave in your code: they do nothing unless the environment variable HEATLENS_PROFILE is set to
1/true/yes/on (switch profiling on without code changes), or `enabled=True` is passed. A `Profiler` you
create and start yourself is an explicit request and is on by default; HEATLENS_PROFILE=0 (or
`enabled=False`) turns every region and Profiler off.

How: the zero-install agent's sampler runs inside this process (CPU by SIGPROF + faulthandler stack
dumps, wall/blocked time, RSS-delta memory; see heatlens/backends/_agent/heatlens_agent_sampler.py), and
the agent backend's adapter turns what it saw into a Profile, exactly as for `heatlens run`. The sampler
uses a process-wide signal timer, so it starts only in the main thread, and regions do not nest: while
one runs, an inner region (or a second Profiler) is a no-op. The result is saved in
`<project root>/.heatlens/heatlens.db` (HEATLENS_STORE overrides the file, HEATLENS_PROJECT_ROOT the root;
default root: the nearest folder up from the cwd holding `.heatlens`, else the cwd), where `heatlens
history`/`compare` and the editor find it. Profiling never breaks your program: problems become warnings.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import warnings
from typing import Any, Dict, Optional

ENV_SWITCH = "HEATLENS_PROFILE"
ENV_STORE = "HEATLENS_STORE"
ENV_ROOT = "HEATLENS_PROJECT_ROOT"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_active_lock = threading.Lock()
_active: Optional["Profiler"] = None


def env_switch() -> Optional[bool]:
    """True/False when HEATLENS_PROFILE says so, None when it is unset or unclear."""
    value = os.environ.get(ENV_SWITCH, "").strip().lower()
    return True if value in _TRUE else False if value in _FALSE else None


def find_project_root(start: Optional[str] = None) -> str:
    if os.environ.get(ENV_ROOT):
        return os.path.abspath(os.environ[ENV_ROOT])
    here = os.path.abspath(start or os.getcwd())
    probe = here
    while True:
        if os.path.isdir(os.path.join(probe, ".heatlens")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            return here
        probe = parent


class Profiler:
    """Explicit start/stop profiling of this process; `stop()` returns the Profile (and stores it)."""

    def __init__(self, name: str = "", metadata: Optional[Dict[str, Any]] = None, *, enabled: Optional[bool] = True,
                 interval: float = 0.001, memory: str = "sampled", store: bool = True,
                 project_root: Optional[str] = None, store_path: Optional[str] = None, group: Optional[str] = None) -> None:
        self.name = name or os.path.basename(sys.argv[0] or "python")
        self.metadata = dict(metadata or {})
        switch = env_switch()
        # HEATLENS_PROFILE=0 or enabled=False: off; enabled=True: on; enabled=None (regions): on if the env says so
        self.enabled = switch is not False and (enabled is True or (enabled is None and switch is True))
        self.interval, self.memory = interval, memory
        self.store, self.project_root, self.store_path, self.group = store, project_root, store_path, group
        self.profile: Optional[Any] = None  # heatlens.model.Profile after stop()
        self.run_id: Optional[int] = None
        self._sampler: Any = None
        self._tmp = ""
        self._cpu0 = 0.0
        self._prev_handler: Any = None
        self._own_tracemalloc = False

    @property
    def running(self) -> bool:
        return self._sampler is not None

    def start(self) -> "Profiler":
        global _active
        if not self.enabled or self.running:
            return self
        if threading.current_thread() is not threading.main_thread():
            warnings.warn("heatlens: profiling starts only in the main thread (it uses a signal timer); skipped",
                          RuntimeWarning, stacklevel=2)
            return self
        with _active_lock:
            if _active is not None:
                return self  # nested region: the outer one is already measuring this time
            _active = self
        try:
            self._start_sampler()
        except Exception as exc:
            self._release()
            warnings.warn(f"heatlens: could not start profiling: {exc}", RuntimeWarning, stacklevel=2)
        return self

    def _start_sampler(self) -> None:
        Sampler = _agent_module("heatlens_agent_sampler").Sampler

        import tracemalloc

        self._own_tracemalloc = self.memory == "full" and not tracemalloc.is_tracing()
        self._tmp = tempfile.mkdtemp(prefix="heatlens-api-")
        self._prev_handler = signal.getsignal(signal.SIGPROF)
        sampler = Sampler(os.path.join(self._tmp, "agent.json"), self.interval, self.memory, lambda _s, _final: None)
        sampler.main_base = 0  # no agent frames under the user's code in this process
        self._cpu0 = time.process_time()
        sampler.start()
        self._sampler = sampler

    def stop(self) -> Optional[Any]:
        """Stop sampling; returns the Profile (None if this profiler never ran) and saves it unless store=False."""
        sampler = self._sampler
        if sampler is None:
            return None
        try:
            sampler.stop()
            cpu = time.process_time() - self._cpu0
            self.profile = self._build(sampler, cpu)
        except Exception as exc:
            warnings.warn(f"heatlens: could not read the profile: {exc}", RuntimeWarning, stacklevel=2)
            self.profile = None
        finally:
            self._restore()
            self._release()
        if self.profile is not None:
            self.run_id = self._finish(self.profile)
        return self.profile

    def _restore(self) -> None:
        sampler = self._sampler
        for name in ("_dump_fd", "_statfd", "_clearfd"):  # the sampler keeps these open for a process's life
            fd = getattr(sampler, name, -1)
            if isinstance(fd, int) and fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
                setattr(sampler, name, -1)
        if self._prev_handler is not None:
            signal.signal(signal.SIGPROF, self._prev_handler)
        if self._own_tracemalloc:
            import tracemalloc

            tracemalloc.stop()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def _release(self) -> None:
        global _active
        self._sampler = None
        with _active_lock:
            if _active is self:
                _active = None

    def _build(self, sampler: Any, cpu: float) -> Any:
        output = _agent_module("heatlens_agent_output")
        AGENT_DIR = _agent_module("heatlens_agent_sampler").AGENT_DIR

        samples = sum(v[2] for v in sampler.cpu.values())
        sampled_cpu = sum(v[0] + v[1] for v in sampler.cpu.values())
        meta = {
            "pid": os.getpid(), "python": output.python_version(), "executable": sys.executable,
            "argv": list(sys.argv), "kind": "api", "cwd": os.getcwd(), "started": sampler.started,
            "wall": time.perf_counter() - sampler.t0, "cpu": cpu, "memory": sampler.memory,
            "interval_requested": sampler.interval, "interval": sampled_cpu / samples if samples else None,
            "samples": samples, "discarded": sampler.discarded, "complete": True, "exit_code": None,
            "notes": list(sampler.notes),
        }
        data = output.Builder(os.getcwd(), AGENT_DIR).build(sampler, meta)
        data["exception"], data["exceptions"] = None, []
        return _to_profile(data, self._run_meta(meta))

    def _run_meta(self, agent_meta: Dict[str, Any]) -> Any:
        from heatlens.model import RunMeta

        root = os.path.abspath(self.project_root) if self.project_root else find_project_root()
        return RunMeta(
            argv=list(sys.argv), target=self.name, interpreter=sys.executable, python_version=agent_meta["python"],
            backend="api", cwd=os.getcwd(), project_root=root, started_at=agent_meta["started"],
            wall_time=agent_meta["wall"], cpu_time=agent_meta["cpu"], pid=os.getpid(),
            sample_interval=agent_meta["interval"],
        )

    def _finish(self, profile: Any) -> Optional[int]:
        """The pipeline after the run, as for `heatlens run` and the editor: findings, leaks, and the store
        (unless store=False)."""
        from heatlens import pipeline
        from heatlens.options import MEMORY_MODES, ProfileOptions
        from heatlens.store import git_rev_parse

        root = profile.meta.project_root
        profile.meta.git_commit = profile.meta.git_commit or git_rev_parse(root)
        profile.extras["api"] = {"name": self.name, "metadata": _plain(self.metadata)}
        options = ProfileOptions.normalised(project_root=root, sample_interval=self.interval,
                                            memory=self.memory if self.memory in MEMORY_MODES else "sampled")
        save = pipeline.saver(root, self.store_path or os.environ.get(ENV_STORE) or None, self.group) if self.store else None
        outcome = pipeline.finish(profile, options, save)
        for message in outcome.messages:  # the only one: the store refused the run
            warnings.warn(f"heatlens: the profile of {self.name!r}: {message}", RuntimeWarning, stacklevel=3)
        return outcome.run_id

    def __enter__(self) -> "Profiler":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _plain(value: Any) -> Any:
    """Metadata as msgpack can store it: JSON-able values kept, anything else as its repr."""
    try:
        return json.loads(json.dumps(value, default=repr))
    except (TypeError, ValueError):
        return repr(value)


def _to_profile(data: Dict[str, Any], meta: Any) -> Any:
    """The agent backend's adapter turns the agent's data into a Profile: the same path as `heatlens run`."""
    from heatlens.backends.agent import convert

    profile = convert(data, meta)
    if profile.meta.peak_rss_mb is None:  # no memory series: the process's own high-water mark
        import resource  # Unix only, like the sampler itself

        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        profile.meta.peak_rss_mb = peak_kb / (2**20 if sys.platform == "darwin" else 1024.0)
        profile.meta.notes.append("api: peak memory is the whole process's high-water mark so far")
    return profile


class _Region(contextlib.ContextDecorator):
    """`heatlens.profile(...)`: a context manager and a decorator; each entry is its own Profiler run."""

    def __init__(self, name: str, metadata: Optional[Dict[str, Any]], options: Dict[str, Any]) -> None:
        self.name, self.metadata, self.options = name, metadata, options
        self._stack: list = []
        self.last: Optional[Profiler] = None

    def __enter__(self) -> Optional[Profiler]:
        p = Profiler(self.name, self.metadata, **self.options)
        self._stack.append(p)
        return p.start()

    def __exit__(self, *exc: object) -> None:
        p = self._stack.pop()
        p.stop()
        self.last = p


def profile(name: Any = None, metadata: Optional[Dict[str, Any]] = None, **options: Any) -> Any:
    """A named region: `with heatlens.profile("name"):`, `@heatlens.profile("name")` or `@heatlens.profile`.

    Off unless HEATLENS_PROFILE=1 or enabled=True; options as for `Profiler`.
    """
    options.setdefault("enabled", None)
    if callable(name):  # bare @heatlens.profile
        func = name
        return _Region(getattr(func, "__qualname__", "region"), metadata, options)(func)
    return _Region(name or "region", metadata, options)


__all__ = ["Profiler", "profile", "env_switch", "find_project_root", "ENV_SWITCH"]


def _agent_module(name: str) -> Any:
    """A module of the stdlib-only agent, imported the way it runs in a target: top-level, from its folder
    (its modules import each other by these names)."""
    import importlib

    from heatlens.backends.agent import AGENT_DIR

    if str(AGENT_DIR) not in sys.path:
        sys.path.append(str(AGENT_DIR))
    return importlib.import_module(name)
