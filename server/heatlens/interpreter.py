"""Which Python a target interpreter is, asked once per (path, modification time): the runner records it, and
the py-spy backend reads stacks differently below 3.11 (backends/pyspy.py `pauses_for_reads`)."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from typing import Tuple


def _interpreter_key(python: str) -> Tuple[str, float]:
    try:
        return python, os.stat(python).st_mtime
    except OSError:
        return python, 0.0


@functools.lru_cache(maxsize=32)
def _version_of(key: Tuple[str, float]) -> str:
    probe = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
    try:
        out = subprocess.run([key[0], "-I", "-c", probe], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def interpreter_version(python: str) -> str:
    """"3.11.7" for `python` ("" when it cannot be asked); cached per (path, mtime)."""
    if os.path.abspath(python) == os.path.abspath(sys.executable):
        return "%d.%d.%d" % sys.version_info[:3]
    return _version_of(_interpreter_key(python))


def version_tuple(version: str) -> Tuple[int, ...]:
    """(3, 11, 7) of "3.11.7"; () for "" or anything else unreadable."""
    try:
        return tuple(int(p) for p in version.split("."))
    except ValueError:
        return ()
