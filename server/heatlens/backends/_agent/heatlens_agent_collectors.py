"""The heatlens agent's cheap collectors (stdlib only; runs in the target): garbage collections and import
times. Both cost nothing between events: a gc callback per collection, a finder call per new import.

GC: `gc.callbacks` gets "start"/"stop" around every collection; the pause is the wall time between them.
Imports: a meta path finder placed first asks the other finders for the spec (as the import system would)
and wraps that module's own loader instance's `exec_module` once, so the module's execution is timed.
Find time is not counted (exec dominates), and class-level loaders (builtin, frozen modules) are not
wrapped: patching them would touch every later import. Nothing is written to the target's stderr (which
`-X importtime` would do).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Tuple


class GcWatch:
    def __init__(self) -> None:
        self.collections = [0, 0, 0]
        self.pause = [0.0, 0.0, 0.0]
        self.collected = [0, 0, 0]
        self.max_pause = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: Dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
            return
        d = time.perf_counter() - self._start
        g = min(max(int(info.get("generation", 0)), 0), 2)
        self.collections[g] += 1
        self.pause[g] += d
        self.collected[g] += int(info.get("collected", 0))
        if d > self.max_pause:
            self.max_pause = d

    def install(self) -> None:
        gc.callbacks.append(self)

    def remove(self) -> None:
        try:
            gc.callbacks.remove(self)
        except ValueError:
            pass

    def data(self) -> Dict[str, Any]:
        return {"collections": list(self.collections), "pause": list(self.pause),
                "collected": list(self.collected), "max_pause": self.max_pause}


class ImportTimer:
    def __init__(self, skip_dir: str) -> None:
        self.skip = skip_dir + os.sep
        self.records: Dict[str, List[Any]] = {}  # module -> [origin, seconds, self seconds, file, line]
        self._stacks: Dict[int, List[float]] = {}  # thread -> children's time of each import in progress

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        """Called first by the import system: the other finders' answer, in order, as it would have got it."""
        return _find(self, name, path, target, self._wrap)

    def _wrap(self, spec: Any) -> None:
        loader = spec.loader
        if loader is None or isinstance(loader, type) or not hasattr(loader, "exec_module"):
            return
        own = getattr(loader, "__dict__", None)
        if own is None or "exec_module" in own:
            return
        own["exec_module"] = _make_wrapper(own, loader.exec_module, self._stacks, self._done)

    def _done(self, module: Any, seconds: float, children: float) -> None:
        spec = getattr(module, "__spec__", None)
        origin = getattr(spec, "origin", None) or ""
        if not origin.startswith(self.skip):
            where = _importer()
            self.records[module.__name__] = [origin, seconds, max(0.0, seconds - children), where[0], where[1]]

    def install(self) -> None:
        sys.meta_path.insert(0, self)

    def remove(self) -> None:
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass

    def data(self) -> List[List[Any]]:
        return [[name, *rec] for name, rec in list(self.records.items())]


# These run UNDER the target's code (the module's body, other finders): compiled with their own file name
# so that the sampler does not take their frames for the agent's (it drops such stacks as the agent's own
# time); the output leaves these frames out.
WRAPPER_FILE = "<heatlens-import>"
_WRAPPER_SRC = """
def make(own, real, stacks, done):
    def exec_module(module):
        own.pop("exec_module", None)  # once: a reload, or a shared loader's next module, is not timed
        stack = stacks.setdefault(get_ident(), [])
        stack.append(0.0)
        start = clock()
        try:
            real(module)
        finally:
            d = clock() - start
            children = stack.pop()
            if stack:
                stack[-1] += d
            done(module, d, children)
    return exec_module


def find(me, name, path, target, wrap):
    for finder in list(sys.meta_path):
        if finder is me:
            continue
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is None:
            return None  # a legacy finder: the import system handles this import itself
        spec = find_spec(name, path, target)
        if spec is not None:
            wrap(spec)
            return spec
    return None
"""
_ns: Dict[str, Any] = {"get_ident": threading.get_ident, "clock": time.perf_counter, "sys": sys}
exec(compile(_WRAPPER_SRC, WRAPPER_FILE, "exec"), _ns)
_make_wrapper, _find = _ns["make"], _ns["find"]


def _importer() -> Tuple[str, int]:
    """The frame that triggered the import: the first one outside the import system and this module."""
    f: Optional[Any] = sys._getframe(1)
    while f is not None:
        name = f.f_code.co_filename
        if not (name.startswith("<frozen importlib") or name in (__file__, WRAPPER_FILE)
                or "importlib" in name.split(os.sep)):
            return name, f.f_lineno or 0
        f = f.f_back
    return "", 0
