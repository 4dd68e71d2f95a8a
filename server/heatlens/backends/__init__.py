"""The backend registry: every profiler heatlens can drive, by name, and the choice behind `--backend auto`.

Each module in `BACKEND_MODULES` defines one `Backend` subclass (with a `name`); importing this package
imports them all and registers one instance of each in `BACKENDS`. To add a backend, write its module
and add it to the list.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from typing import Dict, List

from heatlens.backends.base import Backend, BackendUnavailable

BACKEND_MODULES: List[str] = [
    "heatlens.backends.agent",  # first: the zero-install default
    "heatlens.backends.scalene",
    "heatlens.backends.pyinstrument",
    "heatlens.backends.viztracer",
    "heatlens.backends.cprofile",
    "heatlens.backends.pyspy",
]

DEFAULT_BACKEND = "agent"
# Where the agent cannot sample CPU (no setitimer: Windows), in this order of preference.
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


def choose_auto(python: str) -> Backend:
    """The best backend for `python`: the built-in agent.

    Why the agent and not "the fanciest profiler installed": measured here it is both the cheapest and the
    most accurate option that also gives memory. It needs only the target's stdlib (nothing to install,
    so it is always available), costs about 1.0-1.1x wall time with sampled memory (Scalene 2.4-3x,
    pyinstrument and cProfile up to 5.7x on call-heavy code, VizTracer up to 13x), attributes CPU to
    lines within about 1 pp of ground truth with a python/native split, and covers every thread.
    py-spy is as cheap but has no memory data and needs ptrace rights; Scalene's memory-on line
    attribution was off by ~10 pp. Only where the agent cannot sample CPU (no `setitimer`: Windows) does
    auto fall back to pyinstrument, then cProfile (stdlib).
    """
    if sys.platform != "win32" or DEFAULT_BACKEND not in BACKENDS:
        return get_backend(DEFAULT_BACKEND)
    for name in _FALLBACKS:
        backend = BACKENDS.get(name)
        if backend is None:
            continue
        try:
            backend.check_available(python)
        except BackendUnavailable:
            continue
        return backend
    return get_backend(DEFAULT_BACKEND)
