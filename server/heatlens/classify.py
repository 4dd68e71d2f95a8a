"""What is "your code": classify a profiled file path as user, library, stdlib, native, heatlens or other.

Pure: every directory it compares against is a parameter. The defaults come from this interpreter, but
the target may have run in another one (`Profile.meta.interpreter`), so callers that know the target's
sysconfig paths pass them in. Paths that contain a `site-packages`/`dist-packages` folder are libraries
and paths shaped like `.../lib/pythonX.Y/...` are the stdlib whatever interpreter wrote them.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sysconfig
from typing import Optional, Sequence, Tuple

USER = "user"
LIBRARY = "library"
STDLIB = "stdlib"
NATIVE = "native"
HEATLENS = "heatlens"
OTHER = "other"
CATEGORIES: Tuple[str, ...] = (USER, LIBRARY, STDLIB, NATIVE, HEATLENS, OTHER)

_LIB_FOLDERS = ("site-packages", "dist-packages")
# cProfile names builtins with file "~"; others use "" or "<built-in>".
_NATIVE_FILES = ("", "~", "<built-in>", "<native>")
# `.../lib/python3.11/json/...` or `.../lib64/python3.9/...`, or Windows `...\Lib\...` of an install.
_STDLIB_SHAPE = re.compile(r"(^|/)lib(64)?/(python|pypy)\d+(\.\d+)?t?/")


def _interpreter_dirs(*names: str) -> Tuple[str, ...]:
    paths = sysconfig.get_paths()
    found = []
    for name in names:
        value = paths.get(name)
        if value and value not in found:
            found.append(os.path.normpath(value))
    return tuple(found)


DEFAULT_STDLIB_DIRS: Tuple[str, ...] = _interpreter_dirs("stdlib", "platstdlib")
DEFAULT_LIBRARY_DIRS: Tuple[str, ...] = _interpreter_dirs("purelib", "platlib")
# The heatlens package itself (the agent, when it runs in-process, shows up in stacks).
HEATLENS_DIRS: Tuple[str, ...] = (os.path.dirname(os.path.abspath(__file__)),)


def _norm(path: str) -> str:
    return os.path.normpath(path).replace("\\", "/")


def _under(path: str, folder: str) -> bool:
    folder = _norm(folder).rstrip("/")
    return bool(folder) and (path == folder or path.startswith(folder + "/"))


def _is_heatlens_file(path: str, heatlens_dirs: Sequence[str]) -> bool:
    if any(_under(path, d) for d in heatlens_dirs):
        return True
    # The stdlib-only agent is copied onto the child's path under a heatlens-prefixed name.
    base = path.rsplit("/", 1)[-1]
    return base.startswith(("_heatlens", "heatlens_agent"))


def classify_path(
    path: str,
    project_root: Optional[str],
    user_globs: Sequence[str] = (),
    stdlib_dirs: Sequence[str] = DEFAULT_STDLIB_DIRS,
    library_dirs: Sequence[str] = DEFAULT_LIBRARY_DIRS,
    heatlens_dirs: Sequence[str] = HEATLENS_DIRS,
) -> str:
    """One of CATEGORIES for a file path as a profiler reported it.

    Order matters: native and pseudo files first, then user globs (an explicit setting wins), heatlens's
    own files, libraries (a venv inside the project is still a library), the stdlib, and finally files
    under the project root. A real file outside the root is "other"; without a root it is "user".
    """
    if path in _NATIVE_FILES or path.startswith("<built-in"):
        return NATIVE
    if path.startswith("<"):  # <string>, <frozen importlib._bootstrap>, <stdin>, <ipython-input-...>
        return OTHER
    norm = _norm(path)
    root = _norm(project_root) if project_root else ""
    if user_globs:
        rel = os.path.relpath(norm, root).replace("\\", "/") if root and _under(norm, root) else norm
        if any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(norm, g) for g in user_globs):
            return USER
    if _is_heatlens_file(norm, heatlens_dirs):
        return HEATLENS
    parts = norm.split("/")
    if any(folder in parts for folder in _LIB_FOLDERS) or any(_under(norm, d) for d in library_dirs):
        return LIBRARY
    if any(_under(norm, d) for d in stdlib_dirs) or _STDLIB_SHAPE.search(norm):
        return STDLIB
    if not root or _under(norm, root):
        return USER
    return OTHER


def library_package(path: str, library_dirs: Sequence[str] = DEFAULT_LIBRARY_DIRS) -> Optional[str]:
    """Top-level package of a library file (`.../site-packages/numpy/core/x.py` -> "numpy"), else None."""
    parts = _norm(path).split("/")
    for i, part in enumerate(parts[:-1]):
        if part in _LIB_FOLDERS:
            return _module_name(parts[i + 1])
    for folder in library_dirs:
        folder_n = _norm(folder).rstrip("/")
        if _under(_norm(path), folder_n):
            rest = _norm(path)[len(folder_n) + 1 :].split("/")
            return _module_name(rest[0]) if rest and rest[0] else None
    return None


def stdlib_module(path: str, stdlib_dirs: Sequence[str] = DEFAULT_STDLIB_DIRS) -> Optional[str]:
    """Top-level stdlib module of a stdlib file (`.../lib/python3.11/json/decoder.py` -> "json")."""
    norm = _norm(path)
    for folder in stdlib_dirs:
        folder_n = _norm(folder).rstrip("/")
        if _under(norm, folder_n):
            rest = norm[len(folder_n) + 1 :].split("/")
            return _module_name(rest[0]) if rest and rest[0] else None
    match = _STDLIB_SHAPE.search(norm)
    if match:
        rest = norm[match.end() :].split("/")
        return _module_name(rest[0]) if rest and rest[0] else None
    return None


def _module_name(entry: str) -> str:
    for suffix in (".py", ".pyc", ".pyd"):
        if entry.endswith(suffix):
            return entry[: -len(suffix)]
    if ".cpython-" in entry or entry.endswith(".so"):  # _foo.cpython-311-x86_64-linux-gnu.so
        return entry.split(".", 1)[0]
    return entry


SNIPPET_FILES = ("<string>",)  # where CPython puts the code of `python -c`


def target_code(target: str, files: Sequence[str]) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(pseudo files, folders) that are the user's code because the user asked to run them, beside what
    lies under the project root: the snippet of `-c` ("<string>"), and for `-m pkg.mod` the folder of its
    top package (or the module file), found among the profiled `files`. A library or stdlib module run
    with -m stays what it is: only files otherwise "other" are counted as the user's (Scope.category)."""
    if target == "-c":
        return SNIPPET_FILES, ()
    if not target.startswith("-m "):
        return (), ()
    parts = target[3:].strip().split(".")
    tails = ["/".join(parts) + ".py", "/".join(parts) + "/__main__.py", "/".join(parts) + "/__init__.py"]
    for path in files:
        norm = _norm(path)
        for tail in tails:
            if norm.endswith("/" + tail):
                base = norm[: -len(tail)]  # the folder on sys.path that holds the top package
                top = base + parts[0] + ("" if len(parts) > 1 or tail != tails[0] else ".py")
                return (), (top,)
    return (), ()
