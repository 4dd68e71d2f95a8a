"""The backend registry: every profiler heatlens can drive, by name, and the choice behind `--backend auto`.

Each module in `BACKEND_MODULES` defines one `Backend` subclass (with a `name`); importing this package
imports them all and registers one instance of each in `BACKENDS`. To add a backend, write its module
and add it to the list.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from typing import Dict, List, Optional, Tuple

from heatlens.backends.base import Backend, BackendUnavailable

BACKEND_MODULES: List[str] = [
    "heatlens.backends.pyspy",  # first: the default, exact lines from outside the process
    "heatlens.backends.agent",  # the in-process fallback, stdlib only
    "heatlens.backends.scalene",
    "heatlens.backends.pyinstrument",
    "heatlens.backends.viztracer",
    "heatlens.backends.cprofile",
]

DEFAULT_BACKEND = "pyspy"  # exact lines, read from outside the process
FALLBACK_BACKEND = "agent"  # in-process, stdlib only: where the exact sampler cannot attach
# Where the agent cannot sample CPU either (no setitimer: Windows), in this order of preference.
_FALLBACKS = ["pyinstrument", "cprofile"]

BACKENDS: Dict[str, Backend] = {}


class UnknownBackend(KeyError):
    """No backend has that name; the message lists the known ones."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown backend"


def _register(module_name: str) -> None:
    module = importlib.import_module(module_name)
    for _, cls in inspect.getmembers(module, inspect.isclass):
        if issubclass(cls, Backend) and cls.__module__ == module.__name__ and not inspect.isabstract(cls):
            backend = cls()
            BACKENDS[backend.name] = backend


for _name in BACKEND_MODULES:
    _register(_name)


def get_backend(name: str) -> Backend:
    """The backend called `name` ("auto" is resolved by `choose_auto`, not here)."""
    try:
        return BACKENDS[name]
    except KeyError:
        known = ", ".join(sorted(BACKENDS))
        raise UnknownBackend(f"unknown backend {name!r}; known backends: {known} (or auto)") from None


def available_backends(python: str) -> List[str]:
    """Names of the backends that can run under the interpreter `python`, in registry order."""
    names = []
    for name, backend in BACKENDS.items():
        try:
            backend.check_available(python)
        except BackendUnavailable:
            continue
        names.append(name)
    return names


def exact_sampler_unavailable() -> Optional[str]:
    """Why the out-of-process sampler cannot read a target here, or None when it can (as far as can be told
    without trying: a container's seccomp profile shows only at run time, and then the run says so)."""
    from heatlens.backends.pyspy import find_pyspy

    if find_pyspy() is None:
        return "py-spy is not installed beside heatlens"
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    if sys.platform == "darwin" and not root:
        return "macOS lets a profiler read another process's memory only as root"
    scope = _ptrace_scope()
    if scope == 3:
        return "the kernel forbids reading other processes (kernel.yama.ptrace_scope = 3)"
    if scope == 2 and not root:
        return "kernel.yama.ptrace_scope = 2 allows it only with CAP_SYS_PTRACE"
    return None


def _ptrace_scope() -> int:
    try:
        with open("/proc/sys/kernel/yama/ptrace_scope") as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def choose_auto_with_reason(python: str, memory: str = "sampled") -> Tuple[Backend, Optional[str]]:
    """The backend `auto` means for `python`, and why it is not the exact sampler when it is not.

    The default reads the true current line from outside (py-spy): an in-process signal handler only runs
    at the interpreter's check points, which moved time to loop ends and callers by 20-47 pp on programs
    written elsewhere (docs/architecture.md has the measurements and the alternatives). The in-process
    agent is used where the exact sampler cannot attach, and for `--memory full` (tracemalloc sees each
    allocation's own traceback, which no sampler can), saying so.
    """
    if memory == "full":
        return get_backend(FALLBACK_BACKEND), (
            "--memory full: the in-process agent traces every allocation (tracemalloc); its CPU lines come "
            "from an in-process sampler, which can move time to the end of loop bodies and into callers")
    reason = exact_sampler_unavailable()
    if reason is None:
        return get_backend(DEFAULT_BACKEND), None
    note = (f"Lines are approximate: the exact sampler cannot run here ({reason}), so the in-process agent "
            "measured this run; it can move time to the end of loop bodies and into callers")
    if sys.platform != "win32":
        return get_backend(FALLBACK_BACKEND), note
    for name in _FALLBACKS:
        backend = BACKENDS.get(name)
        if backend is None:
            continue
        try:
            backend.check_available(python)
        except BackendUnavailable:
            continue
        return backend, note
    return get_backend(FALLBACK_BACKEND), note


def choose_auto(python: str, memory: str = "sampled") -> Backend:
    """The best backend for `python` (see choose_auto_with_reason)."""
    return choose_auto_with_reason(python, memory)[0]
