"""A real but minimal backend for runner tests: runs the target in-process through runpy (like the
in-process profilers do, so tracebacks carry wrapper frames) and records only that it started and, at
exit, that it finished. Lets the runner's supervision and classification be tested independently of
any profiler. `PlainBackend(write=False)` writes nothing at all (a broken backend).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple

from heatlens.backends.base import Backend, BackendOptions, BackendOutputError, Target
from heatlens.model import FileProfile, Profile, RunMeta

WRAPPER = """
import atexit, json, os, runpy, sys
out, kind, value, write = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
def mark(name):
    if write:
        with open(os.path.join(out, name), "w") as f:
            json.dump({"pid": os.getpid(), "value": value}, f)
mark("started.json")
atexit.register(mark, "finished.json")
sys.argv = [value if kind != "code" else "-c", *sys.argv[5:]]
if kind == "script":
    sys.path.insert(0, os.path.dirname(value))
    runpy.run_path(value, run_name="__main__")
elif kind == "module":
    sys.path.insert(0, os.getcwd())
    runpy.run_module(value, run_name="__main__", alter_sys=True)
else:
    exec(compile(value, "<string>", "exec"), {"__name__": "__main__"})
"""


class PlainBackend(Backend):
    name = "plain"
    summary = "runs the target without profiling (tests only)"

    def __init__(self, write: bool = True):
        self.write = write

    def command(self, target: Target, python: str, out_dir: Path, options: BackendOptions) -> List[str]:
        flag = "1" if self.write else "0"
        return [python, "-c", WRAPPER, str(out_dir), target.kind, target.value, flag, *target.args]

    def read(self, out_dir: Path, meta: RunMeta) -> Profile:
        started = out_dir / "started.json"
        if not started.exists():
            raise BackendOutputError("no started.json")
        info = json.loads(started.read_text())
        finished = (out_dir / "finished.json").exists()
        profile = Profile(meta=meta)
        if meta.target and not meta.target.startswith("-"):
            profile.files.append(FileProfile(path=info["value"]))
        profile.extras["finished"] = finished
        profile.extras["child_pid"] = info["pid"]
        return profile


class MissingBackend(PlainBackend):
    """Needs a package that exists nowhere: the real availability check must refuse it."""

    name = "missing"
    module = "heatlens_no_such_profiler"
    requirement = "heatlens-no-such-profiler==1.0"


def pick(name: str, python: str, real: Callable[..., Tuple[Backend, Optional[str]]],
         memory: str = "sampled") -> Tuple[Backend, Optional[str]]:
    if name == "plain":
        return PlainBackend(), None
    if name == "plain-silent":
        return PlainBackend(write=False), None
    if name == "missing":
        backend = MissingBackend()
        backend.check_available(python)
        return backend, None
    return real(name, python, memory)


def install(monkeypatch: Any) -> None:
    """Make the runner find the test backends by name (the real registry for every other name)."""
    from heatlens.run import runner

    real = runner.pick_backend
    monkeypatch.setattr(runner, "pick_backend", lambda name, python, memory="sampled": pick(name, python, real, memory))

