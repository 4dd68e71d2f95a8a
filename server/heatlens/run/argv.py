"""Pure building of what the target process gets: interpreter, argv, environment, and pre-flight checks.

Nothing here starts a process (`interpreter_version`, from heatlens/interpreter.py, asks the interpreter
once and caches the answer). The target never goes through a shell: argv lists only.

Environment of the child, in order of precedence (later wins):
1. the caller's `os.environ` (the user's own environment, unchanged);
2. `Target.env` (variables the user set for this run);
3. the backend's `environment()` (e.g. `PYTHONPATH` for the stdlib agent). `PYTHONPATH` is never
   replaced: the backend's entries are put in front of the user's;
4. what heatlens itself adds, always:
   - `PYTHONUNBUFFERED=1`: the target's output streams live, and nothing printed is lost in a buffer when
     the target is killed on timeout or cancel;
   - `PYTHONFAULTHANDLER=1`: a target that crashes (SIGSEGV, SIGABRT, ...) prints the Python stack of the
     crash, which the classifier turns into file:line;
   - `HEATLENS_RUN_TOKEN=<random hex>`: inherited by every descendant, so that processes that escape the
     process group (setsid daemons) can still be found and killed when the run ends.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import sys
from typing import Dict, Mapping, Optional, Sequence, Tuple

from heatlens.backends.base import Target
from heatlens.interpreter import interpreter_version  # noqa: F401  (the runner asks it through here)
from heatlens.model import Failure, FailureKind

RUN_TOKEN_VAR = "HEATLENS_RUN_TOKEN"

# Variables heatlens adds to every child (documented above); the token is added per run.
ADDED_ENV: Dict[str, str] = {"PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
# What a program needs to start and find its files, kept whatever the allow-list says.
ESSENTIAL_ENV = ("PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "TMPDIR", "TEMP", "TMP", "LANG", "LC_*",
                 "TZ", "VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH", "PYTHONHOME", "SYSTEMROOT", "COMSPEC", "PATHEXT")


class InterpreterNotFound(Exception):
    """The interpreter asked for does not exist or cannot be executed."""


def resolve_interpreter(python: str, cwd: Optional[str] = None) -> str:
    """Absolute path of the interpreter that runs the target; "" means the current one.

    Symlinks are deliberately not resolved: a venv's `bin/python` is a symlink to the base interpreter,
    and resolving it would silently leave the venv.
    """
    if not python:
        return os.path.abspath(sys.executable)
    if os.sep in python or (os.altsep and os.altsep in python):
        path = os.path.abspath(os.path.join(cwd or os.getcwd(), os.path.expanduser(python)))
    else:
        found = shutil.which(python)
        if not found:
            raise InterpreterNotFound(f"no interpreter named {python!r} on PATH")
        path = os.path.abspath(found)
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise InterpreterNotFound(f"the interpreter {path} does not exist or is not executable")
    return path


def merge_pythonpath(front: str, user: Optional[str]) -> str:
    """`front` entries first, then the user's own PYTHONPATH (kept, never replaced)."""
    parts = [p for p in front.split(os.pathsep) if p]
    if user:
        parts += [p for p in user.split(os.pathsep) if p and p not in parts]
    return os.pathsep.join(parts)


def allowed_env(base: Mapping[str, str], allow: Optional[Sequence[str]]) -> Dict[str, str]:
    """The part of heatlens's own environment the program inherits: everything (the default, like running
    it yourself), or with an allow-list (names or globs) only those and what a program needs to start; so
    the daemon's secrets (tokens, keys) need not reach code that is being profiled."""
    if not allow:
        return dict(base)
    patterns = (*ESSENTIAL_ENV, *allow)
    return {k: v for k, v in base.items() if any(fnmatch.fnmatchcase(k, p) for p in patterns)}


def build_env(
    base: Mapping[str, str], target_env: Mapping[str, str], backend_env: Mapping[str, str], token: str
) -> Dict[str, str]:
    """The child's complete environment (see the module docstring for the order)."""
    env = dict(base)
    env.update(target_env)
    for key, value in backend_env.items():
        if key == "PYTHONPATH":
            env[key] = merge_pythonpath(value, env.get(key))
        else:
            env[key] = value
    env.update(ADDED_ENV)
    env[RUN_TOKEN_VAR] = token
    return env


def target_cwd(target: Target) -> str:
    """Absolute working directory of the target (the caller's cwd when unset)."""
    return os.path.abspath(os.path.expanduser(target.cwd)) if target.cwd else os.getcwd()


def absolute_target(target: Target) -> Target:
    """The target with its cwd made absolute and, for a script, its path resolved against that cwd.

    Backends and tracebacks then report the same absolute path that the model keys files by.
    """
    cwd = target_cwd(target)
    value = target.value
    if target.kind == "script":
        value = os.path.normpath(os.path.join(cwd, os.path.expanduser(value)))
    return Target(kind=target.kind, value=value, args=list(target.args), cwd=cwd, env=dict(target.env), python=target.python)


def check_target(target: Target) -> Optional[Failure]:
    """A TARGET_NOT_FOUND failure when the target cannot possibly run; None when it may.

    Expects `absolute_target(...)`. A module target is only found out by running it.
    """
    def missing(message: str) -> Failure:
        return Failure(kind=FailureKind.TARGET_NOT_FOUND, message=message, file=target.value if target.kind == "script" else None)

    if target.kind not in ("script", "module", "code"):
        return Failure(kind=FailureKind.TARGET_NOT_FOUND, message=f"Unknown target kind {target.kind!r}.")
    if target.cwd and not os.path.isdir(target.cwd):
        return Failure(kind=FailureKind.TARGET_NOT_FOUND, message=f"The working directory {target.cwd} does not exist.")
    if target.kind == "script":
        if os.path.isdir(target.value):
            return missing(
                f"{target.value} is a directory, not a Python file; to run a package use `-m package`."
            )
        if not os.path.exists(target.value):
            return missing(f"{target.value} does not exist.")
        if not os.access(target.value, os.R_OK):
            return missing(f"{target.value} cannot be read (permission denied).")
    if target.kind == "module" and not target.value.strip():
        return Failure(kind=FailureKind.TARGET_NOT_FOUND, message="No module name was given after -m.")
    return None


def default_project_root(target: Target) -> str:
    """What counts as "your code" when the user did not say: the cwd, or the script's folder when the
    script lives outside the cwd. Expects `absolute_target(...)`."""
    cwd = target.cwd or os.getcwd()
    if target.kind == "script":
        folder = os.path.dirname(target.value)
        if os.path.commonpath([cwd, folder]) != cwd:
            return folder
    return cwd
