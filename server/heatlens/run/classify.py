"""Failure classification: how a run ended, from its exit status and the tail of its stderr. Pure.

`classify(outcome)` turns what the supervisor saw into a `Failure` with a one-paragraph message that
says what happened, where (file:line of the innermost frame in the user's code) and what to do.
"""

from __future__ import annotations

import os
import re
import signal
from typing import List, Optional, Sequence, Tuple

import attrs

from heatlens.model import Failure, FailureKind

_TB_HEADER = "Traceback (most recent call last):"
_FRAME = re.compile(r'^\s+File "(?P<file>.+)", line (?P<line>\d+)(?:, in (?P<func>.+))?\s*$')
_FATAL_FRAME = re.compile(r'^\s+File "(?P<file>.+)", line (?P<line>\d+) in (?P<func>.+?)\s*$')
_EXC_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::\s?(?P<msg>.*))?$")
_NO_MODULE = re.compile(r"No module named '?(?P<name>[\w.]+)'?")
_CANNOT_IMPORT = re.compile(r"cannot import name '(?P<name>[^']+)' from '(?P<module>[\w.]+)'")
# What the interpreter itself prints when it cannot start the target (no traceback).
_RUNPY_NO_MODULE = re.compile(r"^\S.*: No module named (?P<name>[\w.]+)\s*$")
_CANT_OPEN = re.compile(r"^\S.*: can't (?:open file|find '__main__' module in) .*$")
_NATIVE_OOM = ("Cannot allocate memory", "std::bad_alloc", "out of memory", "MemoryError")
_SYNTAX_TYPES = ("SyntaxError", "IndentationError", "TabError")
_SIGNAL_HINTS = {
    "SIGSEGV": "a crash in native code (a C extension, ctypes, or the interpreter itself)",
    "SIGBUS": "a crash in native code (bad memory access)",
    "SIGABRT": "the process aborted itself, usually a failed assertion in native code",
    "SIGFPE": "an arithmetic fault in native code",
    "SIGILL": "an illegal instruction in native code",
    "SIGKILL": "killed from outside, e.g. by the system's out-of-memory killer",
    "SIGTERM": "terminated from outside",
}


@attrs.define
class Outcome:
    """Everything the classifier looks at; filled by the supervisor."""

    returncode: Optional[int]  # negative: killed by that signal; None: never started
    stderr: str = ""  # the captured tail is enough: tracebacks come last
    target: str = ""  # display name for messages
    target_kind: str = "script"
    target_value: str = ""
    timed_out: bool = False
    timeout: Optional[float] = None
    cancelled: bool = False
    memory_limit_mb: Optional[int] = None
    oom_killed: bool = False  # the kernel's OOM killer fired during the run
    project_root: Optional[str] = None
    cwd: Optional[str] = None  # paths under it are shown relative in messages
    backend: str = ""
    backend_markers: Sequence[str] = ()  # path fragments that mark the backend's own code


@attrs.define
class ParsedTraceback:
    frames: List[Tuple[str, int, str]]  # (file, line, function), outermost first
    exc_type: str
    exc_message: str
    syntax_location: Optional[Tuple[str, int]] = None  # the `File ..., line N` without "in" (SyntaxError)
    at_end: bool = True  # nothing but blank lines follows the exception line


def parse_traceback(stderr: str) -> Optional[ParsedTraceback]:
    """The last traceback printed on stderr (the one that ended the program), or None."""
    lines = stderr.splitlines()
    start = None
    for i in range(len(lines) - 1, -1, -1):
        if _TB_HEADER in lines[i]:  # a prompt without newline may precede it
            start = i + 1
            break
    if start is None:
        # `python bad.py` prints a SyntaxError without the Traceback header.
        for i in range(len(lines) - 1, -1, -1):
            if lines[i].split(":", 1)[0] in _SYNTAX_TYPES:
                for j in range(i - 1, max(-1, i - 8), -1):
                    if _FRAME.match(lines[j]):
                        start = j
                        break
                break
        if start is None:
            return None
    frames: List[Tuple[str, int, str]] = []
    syntax_location = None
    for k in range(start, len(lines)):
        text = lines[k]
        m = _FRAME.match(text)
        if m:
            if m.group("func") is None:
                syntax_location = (m.group("file"), int(m.group("line")))
            else:
                frames.append((m.group("file"), int(m.group("line")), m.group("func")))
            continue
        if not text or text[0].isspace():
            continue  # source lines, carets
        exc = _EXC_LINE.match(text)
        if not exc:
            return None
        rest = [r for r in lines[k + 1 :] if r.strip()]
        return ParsedTraceback(
            frames=frames,
            exc_type=exc.group("type"),
            exc_message=(exc.group("msg") or "").strip(),
            syntax_location=syntax_location,
            at_end=not rest,
        )
    return None


def parse_fatal_stack(stderr: str) -> List[Tuple[str, int, str]]:
    """Frames (innermost first) of the faulthandler dump that a crashing interpreter prints."""
    blocks: List[Tuple[bool, List[Tuple[str, int, str]]]] = []
    lines = stderr.splitlines()
    for i, text in enumerate(lines):
        if "(most recent call first):" in text:
            frames: List[Tuple[str, int, str]] = []
            for follow in lines[i + 1 :]:
                m = _FATAL_FRAME.match(follow)
                if not m:
                    break
                frames.append((m.group("file"), int(m.group("line")), m.group("func")))
            blocks.append((text.startswith("Current thread"), frames))
    # Every thread is dumped; the crash is in the "Current thread" one (else the last one).
    current = [frames for is_current, frames in blocks if is_current]
    return current[-1] if current else (blocks[-1][1] if blocks else [])


def _under(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([os.path.abspath(path), os.path.abspath(root)]) == os.path.abspath(root)
    except ValueError:
        return False


def is_user_file(path: str, project_root: Optional[str], backend_markers: Sequence[str] = ()) -> bool:
    """Whether a frame's file is the user's own code (not a library, the stdlib, or the backend)."""
    if not path or path.startswith("<"):
        return False
    parts = path.replace("\\", "/").split("/")
    if "site-packages" in parts or "dist-packages" in parts:
        return False
    if any(marker and marker in path for marker in backend_markers):
        return False
    if project_root:
        return _under(path, project_root)
    return not re.search(r"/lib/python\d\.\d+/", path.replace("\\", "/"))


def innermost_user_frame(
    frames: Sequence[Tuple[str, int, str]], project_root: Optional[str], markers: Sequence[str] = ()
) -> Optional[Tuple[str, int]]:
    """file:line of the innermost frame in user code (frames outermost first); None if there is none."""
    for file, line, _func in reversed(frames):
        if is_user_file(file, project_root, markers):
            return file, line
    return None


def _where(location: Optional[Tuple[str, int]], cwd: Optional[str] = None) -> str:
    if not location:
        return ""
    path = location[0]
    if cwd and _under(path, cwd):
        path = os.path.relpath(path, cwd)
    return f" at {path}:{location[1]}"


def _last_line(stderr: str) -> str:
    for text in reversed(stderr.splitlines()):
        if text.strip():
            return text.strip()[:300]
    return ""


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _missing_module(message: str) -> Optional[str]:
    m = _CANNOT_IMPORT.search(message)
    if m:
        return m.group("module")
    m = _NO_MODULE.search(message)
    return m.group("name") if m else None


def _is_target_module(outcome: Outcome, name: str) -> bool:
    target = outcome.target_value
    return outcome.target_kind == "module" and (target == name or target.startswith(name + "."))


def _memory_hint(outcome: Outcome) -> str:
    if outcome.memory_limit_mb:
        return f" It was limited to {outcome.memory_limit_mb} MB of address space; raise the memory limit if it needs more."
    return ""


def classify(outcome: Outcome) -> Failure:
    """The failure class, location and message for how a run ended."""
    who = outcome.target or "the target"
    rc = outcome.returncode
    if outcome.cancelled:
        return Failure(FailureKind.CANCELLED, f"The run of {who} was cancelled; its whole process tree was stopped.", exit_code=rc)
    if outcome.timed_out:
        limit = f"{outcome.timeout:g} s" if outcome.timeout else "its time limit"
        return Failure(
            FailureKind.TIMEOUT,
            f"{who} did not finish within {limit} and was stopped; its whole process tree was killed. "
            "What the backend recorded until then is kept. Raise the timeout to profile it to the end.",
            exit_code=rc,
        )
    if rc == 0:
        return Failure(FailureKind.OK, "", exit_code=0)
    markers = outcome.backend_markers
    if rc is not None and rc < 0:
        name = _signal_name(-rc)
        location = None
        for file, line, _func in parse_fatal_stack(outcome.stderr):
            if is_user_file(file, outcome.project_root, markers):
                location = (file, line)
                break
        if name == "SIGKILL" and outcome.oom_killed:
            return Failure(
                FailureKind.OUT_OF_MEMORY,
                f"{who} was killed by the system's out-of-memory killer{_where(location, outcome.cwd)}.{_memory_hint(outcome)}",
                exit_code=rc, signal=name, file=location[0] if location else None, line=location[1] if location else None,
            )
        hint = _SIGNAL_HINTS.get(name, "killed by a signal")
        stack = parse_fatal_stack(outcome.stderr)
        if stack and any(m and m in stack[0][0] for m in markers):  # the crash is in heatlens, not the program
            hint = (f"a crash inside heatlens's {outcome.backend} backend, not in your code (please report it); "
                    "--backend pyspy samples from outside the process and cannot crash it")
        return Failure(
            FailureKind.SIGNAL,
            f"{who} was killed by {name}: {hint}{_where(location, outcome.cwd)}.",
            exit_code=rc, signal=name, file=location[0] if location else None, line=location[1] if location else None,
        )
    tb = parse_traceback(outcome.stderr)
    if tb is not None and (rc == 1 or tb.at_end):
        return _from_traceback(outcome, tb)
    return _without_traceback(outcome)


def _from_traceback(outcome: Outcome, tb: ParsedTraceback) -> Failure:
    who, rc, markers = outcome.target or "the target", outcome.returncode, outcome.backend_markers
    location = innermost_user_frame(tb.frames, outcome.project_root, markers)
    detail = f"{tb.exc_type}: {tb.exc_message}" if tb.exc_message else tb.exc_type

    def failure(kind: FailureKind, message: str, where: Optional[Tuple[str, int]] = location) -> Failure:
        return Failure(
            kind, message, exit_code=rc, exc_type=tb.exc_type, exc_message=tb.exc_message,
            file=where[0] if where else None, line=where[1] if where else None,
        )

    if tb.exc_type in _SYNTAX_TYPES:
        where = tb.syntax_location or location
        return failure(
            FailureKind.SYNTAX_ERROR,
            f"{who} has a syntax error{_where(where, outcome.cwd)}: {detail}. Nothing was profiled; fix the code and run again.",
            where,
        )
    if tb.exc_type.split(".")[-1].endswith("MemoryError"):
        return failure(FailureKind.OUT_OF_MEMORY, f"{who} ran out of memory{_where(location, outcome.cwd)} ({detail}).{_memory_hint(outcome)}")
    if tb.exc_type in ("ModuleNotFoundError", "ImportError"):
        module = _missing_module(tb.exc_message)
        if module and _is_target_module(outcome, module):
            return failure(FailureKind.TARGET_NOT_FOUND, f"The module {module!r} cannot be found ({detail}); check the name, the working directory and the interpreter.")
        named = f" {module!r}" if module else ""
        return failure(
            FailureKind.IMPORT_ERROR,
            f"{who} could not import{named}{_where(location, outcome.cwd)} ({detail}). Install it into the interpreter that "
            "runs the target, or choose the interpreter that has it.",
        )
    if location is None and any(m and m in f for f, _l, _fn in tb.frames for m in markers):
        return failure(
            FailureKind.BACKEND_FAILED,
            f"The {outcome.backend or 'profiling'} backend crashed before running {who}: {detail}. Try another backend.",
        )
    return failure(FailureKind.EXCEPTION, f"{who} raised an uncaught {detail}{_where(location, outcome.cwd)}.")


def _without_traceback(outcome: Outcome) -> Failure:
    who, rc, stderr = outcome.target or "the target", outcome.returncode, outcome.stderr
    for text in stderr.splitlines()[-20:]:
        m = _RUNPY_NO_MODULE.match(text)
        if m and outcome.target_kind == "module":
            return Failure(
                FailureKind.TARGET_NOT_FOUND,
                f"The module {m.group('name')!r} cannot be found; check the name, the working directory and the interpreter.",
                exit_code=rc,
            )
        if _CANT_OPEN.match(text):
            return Failure(FailureKind.TARGET_NOT_FOUND, f"{who} cannot be run: {text.split(': ', 1)[-1].strip()}.", exit_code=rc)
    tail = "\n".join(stderr.splitlines()[-5:])
    if outcome.memory_limit_mb and any(k in tail for k in _NATIVE_OOM):
        return Failure(FailureKind.OUT_OF_MEMORY, f"{who} ran out of memory ({_last_line(stderr)}).{_memory_hint(outcome)}", exit_code=rc)
    last = _last_line(stderr)
    said = f" Its last error output: {last}" if last else ""
    return Failure(FailureKind.NONZERO_EXIT, f"{who} exited with code {rc}.{said}", exit_code=rc)


def backend_failed(failure: Failure, backend: str, error: str) -> Failure:
    """The failure after the backend's output could not be read: BACKEND_FAILED only when the target
    itself ended fine (a failed target explains a missing profile better than the backend does)."""
    if failure.ok:
        return Failure(
            FailureKind.BACKEND_FAILED,
            f"The target ran to the end but the {backend} backend wrote nothing usable: {error}. Try another backend.",
            exit_code=failure.exit_code,
        )
    return failure
