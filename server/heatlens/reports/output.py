"""Write a report or export exactly where the user pointed.

No path rewriting: the path is used as given (relative to the current directory). An existing directory is
refused, and so is a missing parent directory (a typo should not create a tree of folders); an existing
file is overwritten. Data goes to a temporary file beside the target first and is then renamed over it, so
a crash never leaves a half-written export; a symlink at the path is written through, not replaced. A
special file (a FIFO, /dev/null, a terminal) is written into, never replaced: renaming over it would turn
it into a regular file (as root, /dev/null).
"""

from __future__ import annotations

import os
import stat
import tempfile
from typing import Union


class OutputError(Exception):
    """The output path cannot be written; the message says why in user terms."""


def check_output_path(path: str) -> str:
    """The path to write (symlinks resolved to their target file), or OutputError."""
    if not path:
        raise OutputError("no output path given")
    if os.path.isdir(path):
        raise OutputError(f"{path} is a directory; give a file name")
    real = os.path.realpath(path) if os.path.islink(path) else path
    parent = os.path.dirname(os.path.abspath(real))
    if not os.path.isdir(parent):
        raise OutputError(f"directory {os.path.dirname(path) or parent} does not exist; create it first")
    return real


def is_special(path: str) -> bool:
    """An existing file that is not a regular file (after symlinks): a FIFO, a device, a socket."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _write_into(path: str, target: str, payload: bytes) -> None:
    try:  # no O_TRUNC or O_CREAT: the file stays what it is
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc


def write_output(path: str, data: Union[str, bytes]) -> None:
    target = check_output_path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if is_special(target):
        _write_into(path, target, payload)
        return
    parent = os.path.dirname(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(prefix=".heatlens-", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        if os.path.exists(target):
            mode = os.stat(target).st_mode & 0o777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
