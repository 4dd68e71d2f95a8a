"""What every backend provides: a pure command builder and an adapter from its output files to a Profile.

The runner (heatlens.run) owns the subprocess; a backend only says which argv and environment start the
target under it, and how to read what it wrote into `out_dir`. Adapters are the only code that knows a
backend's format.
"""

from __future__ import annotations

import abc
import json
import os
import subprocess
from pathlib import Path
from typing import Any, ClassVar, Dict, List, Optional

import attrs

from heatlens.defaults import DEFAULT_INTERVAL
from heatlens.model import Profile, RunMeta


@attrs.define
class Target:
    """What to run: a script path, a module (`-m`), or a code snippet (`-c`), with its arguments."""

    kind: str  # "script" | "module" | "code" | "pid" (a running process to attach to)
    value: str  # path, module name, or source code
    args: List[str] = attrs.Factory(list)
    cwd: Optional[str] = None
    env: Dict[str, str] = attrs.Factory(dict)  # variables the user set for the target
    python: str = ""  # interpreter that runs the target; "" means the current one

    def python_argv_tail(self) -> List[str]:
        """The part of `python ...` after the interpreter: `script args`, `-m mod args` or `-c code args`."""
        if self.kind == "script":
            return [self.value, *self.args]
        if self.kind == "module":
            return ["-m", self.value, *self.args]
        if self.kind == "code":
            return ["-c", self.value, *self.args]
        raise ValueError(f"unknown target kind {self.kind!r}")

    @property
    def display(self) -> str:
        if self.kind == "script":
            return self.value
        if self.kind == "module":
            return f"-m {self.value}"
        if self.kind == "pid":
            return f"pid {self.value}"
        return "-c"


@attrs.define
class BackendOptions:
    sample_interval: float = DEFAULT_INTERVAL  # seconds, for samplers
    # "off": CPU only; "sampled": low-overhead memory attribution (the default);
    # "full": exact allocation tracking where the backend has it (tracemalloc, Scalene), at a cost
    memory: str = "sampled"
    log_args: bool = False  # record function arguments / return values where the backend can
    children: bool = True  # profile the target's Python child processes too where the backend can (agent)
    exceptions: bool = False  # count caught exceptions too where that costs (the agent before Python 3.12)
    extra_args: List[str] = attrs.Factory(list)  # passed to the backend itself


class BackendUnavailable(Exception):
    """The backend is not installed where it must run; `install_command` says how to fix it."""

    def __init__(self, message: str, install_command: Optional[str] = None):
        super().__init__(message)
        self.install_command = install_command


class UnsupportedTarget(Exception):
    """The backend cannot run this kind of target (e.g. a `-c` snippet)."""


class BackendOutputError(Exception):
    """The backend wrote nothing usable."""


class SamplerRefused(BackendOutputError):
    """The sampler could not attach, so the program was never started (it waits for the sampler): `auto` may
    run it again under the in-process fallback. `said`: the sampler's own words."""

    def __init__(self, message: str, said: str = ""):
        super().__init__(message)
        self.said = said


class Backend(abc.ABC):
    name: ClassVar[str]
    #: importable module that must exist in the target interpreter ("" if none is needed)
    module: ClassVar[str] = ""
    #: pip requirement that provides it
    requirement: ClassVar[str] = ""
    #: command() is `sys.executable SCRIPT.py ...`, SCRIPT a stdlib-only module with main(argv) that the
    #: run's reaper may run in its own forked child (one interpreter start fewer: run/reaper.py --inline)
    inline_wrapper: ClassVar[bool] = False
    #: one line for `--help` and the editor's backend picker
    summary: ClassVar[str] = ""

    @abc.abstractmethod
    def command(self, target: Target, python: str, out_dir: Path, options: BackendOptions) -> List[str]:
        """argv (no shell) that runs `target` under this backend, writing its output into `out_dir`."""

    def environment(self, target: Target, out_dir: Path, options: BackendOptions) -> Dict[str, str]:
        """Extra environment variables for the child (added to the target's environment)."""
        return {}

    @abc.abstractmethod
    def read(self, out_dir: Path, meta: RunMeta) -> Profile:
        """Convert what the backend wrote into a Profile (meta is filled in by the runner).

        Raises BackendOutputError when nothing usable was written. Must cope with a target that
        failed midway: read whatever is there.
        """

    def check_available(self, python: str) -> None:
        """Raise BackendUnavailable unless this backend can run under `python`."""
        if not self.module:
            return
        probe = f"import importlib.util, sys; sys.exit(0 if importlib.util.find_spec({self.module!r}) else 1)"
        try:
            found = subprocess.run([python, "-c", probe], capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BackendUnavailable(f"cannot start {python}: {exc}") from exc
        if not found:
            raise BackendUnavailable(
                f"the {self.name} backend needs the '{self.module}' package in {python}",
                install_command=f"{python} -m pip install '{self.requirement}'",
            )

    def version(self, python: str) -> str:
        """The backend's version in `python`, or "" when unknown."""
        if not self.requirement:
            return ""
        dist = self.requirement.split("=")[0].split("<")[0].split(">")[0].strip()
        probe = f"import importlib.metadata as m; print(m.version({dist!r}))"
        try:
            out = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return out.stdout.strip() if out.returncode == 0 else ""


def resolve_path(path: str, cwd: Optional[str]) -> str:
    """Absolute, normalized form of a path a backend reported relative to the target's cwd."""
    if not path or path.startswith("<"):
        return path
    return os.path.normpath(os.path.join(cwd or os.getcwd(), path))


def read_json_object(path: Path, what: str) -> Dict[str, Any]:
    """A backend's JSON output file as a dict; BackendOutputError (naming `what`) when it is missing or bad."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise BackendOutputError(f"{what} wrote no output ({exc})") from exc
    except ValueError as exc:
        raise BackendOutputError(f"{what}'s output is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BackendOutputError(f"{what}'s output is not a JSON object")
    return data
