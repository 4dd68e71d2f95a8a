"""py-spy 0.4 adapter: `py-spy record -f raw` samples the target from outside the process.

py-spy is a binary in the daemon's environment (not the target's): it reads the target's memory, so
lines are where the CPU really was, at ~1.0x overhead. Raw output lines are
`frame;frame;... count` (root → leaf) with a frame `qualname (file:line)`, `line` being the line
executing in that frame (not the function's first line); `-t` puts `thread (tid)` first.

py-spy exits 0 whatever the target did, so the target runs under a tiny stdlib-only launcher (`-c`)
that records its pid and exit status in `out_dir` (its own frames are stripped from the stacks), and
py-spy itself runs under a wrapper in the daemon's interpreter that exits with that status, so that the
runner classifies the target's failures as with any other backend.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from heatlens.backends.base import (
    Backend,
    BackendOptions,
    BackendOutputError,
    BackendUnavailable,
    Target,
    resolve_path,
)
from heatlens.backends.agent import anchor_function
from heatlens.backends.pyinstrument import FrameTable, functions_from_stacks, merge_stacks
from heatlens.model import FileProfile, Frame, LineStats, Profile, RunMeta, StackSample

OUTPUT = "pyspy.txt"
STATUS = "pyspy-status.txt"
REQUIREMENT = "py-spy==0.4.3"

NOTES = [
    "py-spy samples from outside the process: each line's time is where the CPU was.",
    "py-spy does not split Python from native time (without --native): line CPU is reported as Python.",
    "py-spy gives the executing line, not a function's first line: functions are re-anchored at their "
    "first (decorator) line by compiling their source; where it cannot be read, at the first line sampled.",
]

# Runs the target as `python script|-m mod|-c code args` would, recording "pid exit_code rate" (code -1
# while it runs, so a killed target leaves -1). Stdlib only; its frames are stripped in `strip_launcher`.
LAUNCHER = """\
import os, runpy, sys
_st, _rate, _kind, _value = sys.argv[1:5]
def _status(code):
    with open(_st, "w") as f:
        f.write("%d %d %s\\n" % (os.getpid(), code, _rate))
_status(-1)
try:
    if _kind == "script":
        sys.argv = [_value] + sys.argv[5:]
        sys.path[0] = os.path.dirname(os.path.abspath(_value))
        runpy.run_path(_value, run_name="__main__")
    elif _kind == "module":
        sys.argv = [_value] + sys.argv[5:]
        sys.path[0] = os.getcwd()
        runpy.run_module(_value, run_name="__main__", alter_sys=True)
    else:
        sys.argv = ["-c"] + sys.argv[5:]
        exec(compile(_value, "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
except SystemExit as e:
    _status(0 if e.code is None else e.code if isinstance(e.code, int) else 1)
    raise
except BaseException:
    _status(1)
    raise
else:
    _status(0)
"""

# Daemon side: run py-spy (argv[2:]), then exit as the target did (argv[1] is the launcher's status). When
# the program never started, or py-spy failed while the program ran fine, exit 0: reading py-spy's
# output then says what went wrong (a backend failure, not the program's).
WRAPPER = """\
import subprocess, sys
subprocess.call(sys.argv[2:])
try:
    with open(sys.argv[1]) as f:
        code = int(f.read().split()[1])
except (OSError, ValueError, IndexError):
    code = 0
if code < 0:
    sys.stderr.write("heatlens: the program ended without exiting normally (a signal or os._exit); "
                     "py-spy does not report how\\n")
    sys.exit(1)
sys.exit(code)
"""

_FRAME = re.compile(r"^(?P<name>.*) \((?P<file>.*):(?P<line>\d+)\)$")
_NATIVE = re.compile(r"^(?P<name>.*) \((?P<file>[^()]*)\)$")
# `thread (tid)`, or `thread (tid): name` once the program has imported threading
_THREAD = re.compile(r"^thread \((?P<tid>0x[0-9a-fA-F]+|\d+)\)(?:: (?P<name>.*))?$")


def find_pyspy() -> Optional[str]:
    """The py-spy binary of the daemon's environment: next to sys.executable, else on PATH."""
    local = Path(sys.executable).parent / ("py-spy.exe" if sys.platform == "win32" else "py-spy")
    if local.is_file():
        return str(local)
    return shutil.which("py-spy")


def parse_raw_line(line: str) -> Optional[Tuple[List[str], int]]:
    """(frames root→leaf, count) of one raw line; None for a blank or malformed line."""
    line = line.strip()
    stack, sep, count = line.rpartition(" ")
    if not sep or not count.isdigit():
        return None
    return stack.split(";"), int(count)


def parse_frame(text: str) -> Tuple[str, str, int, bool]:
    """(qualname, file, current line, native) of one py-spy frame."""
    m = _FRAME.match(text)
    if m:
        return m["name"], m["file"], int(m["line"]), False
    m = _NATIVE.match(text)
    if m:
        return m["name"], m["file"], 0, True
    return text, "", 0, True


# Lines of LAUNCHER that run the program: a sample elsewhere in the launcher is the launcher's own.
_RUN_LINES = {n for n, text in enumerate(LAUNCHER.splitlines(), 1) if "runpy.run_" in text or "exec(compile(" in text}

_SCRIPT_LINE = next(n for n, text in enumerate(LAUNCHER.splitlines(), 1) if "runpy.run_path(" in text)


def strip_launcher(frames: List[Tuple[str, str, int, bool]]) -> List[Tuple[str, str, int, bool]]:
    """Drop the launcher's `<module> (<string>)` frame and the runpy frames under the program; a stack
    that is only the launcher's (start-up, writing the status) becomes empty. With --native, the
    interpreter's own native entry frames above the launcher go too."""
    first = next((i for i, f in enumerate(frames) if not f[3]), None)
    if first is None:
        return []  # native frames only: the interpreter starting or shutting down
    if frames[first][1] == "<frozen site>" or frames[first][1].startswith("<frozen importlib"):
        return []  # interpreter start-up (site, .pth files), before the launcher; threads start elsewhere
    if frames[first][0] != "<module>" or frames[first][1] != "<string>":
        return frames
    frames = frames[first:]
    if frames[0][2] not in _RUN_LINES:
        return []
    k = 1
    while k < len(frames) and (frames[k][1] == "<frozen runpy>" or frames[k][1].endswith("runpy.py")):
        k += 1
    if frames[0][2] == _SCRIPT_LINE and k < len(frames) and frames[k][1].startswith("<frozen importlib"):
        return []  # run_path importing pkgutil for itself, which `python script.py` does not do
    return frames[k:]


def read_status(out_dir: Path) -> Tuple[Optional[int], Optional[int], Optional[int]]:
    """(pid, exit code, sampling rate) that the launcher wrote; exit code None while unknown (killed)."""
    try:
        pid_s, code_s, rate_s = (out_dir / STATUS).read_text().split()
        pid, code, rate = int(pid_s), int(code_s), int(rate_s)
    except (OSError, ValueError):
        return None, None, None
    return pid, (None if code < 0 else code), rate


def parse_raw(text: str, rate: float, cwd: Optional[str], main_tid: Optional[int]) -> Profile:
    """A Profile (line samples, stacks, functions) from py-spy's raw output."""
    weight = 1.0 / rate
    parsed: List[Tuple[str, List[Tuple[str, str, int, bool]], int]] = []
    first_line: Dict[Tuple[str, str], int] = {}
    items = [item for item in map(parse_raw_line, text.splitlines()) if item is not None]
    # py-spy names a thread only in some samples (once it has read threading's table): name them all
    named = {int(m["tid"], 0): m["name"] for m in (_THREAD.match(i[0][0]) for i in items) if m and m["name"]}
    for names, count in items:
        thread = "MainThread"
        tm = _THREAD.match(names[0]) if names else None
        if tm:
            names = names[1:]
            tid = int(tm["tid"], 0)
            thread = named.get(tid) or ("MainThread" if main_tid is None or tid == main_tid else f"thread {tid}")
        frames = strip_launcher([parse_frame(n) for n in names if n])
        frames = [(q, f if native else resolve_path(f, cwd), ln, native) for q, f, ln, native in frames]
        if not frames:
            continue  # interpreter start-up or shutdown, before/after the program
        parsed.append((thread, frames, count))
        for q, f, ln, native in frames:
            if not native:  # a module's code starts at line 1
                first_line[(f, q)] = 1 if q == "<module>" else min(ln, first_line.get((f, q), ln))
    # py-spy names the executing line only: re-anchor each function at its co_firstlineno (first decorator
    # line) and qualname, compiled from the source; the smallest sampled line stays where that fails
    anchored = {key: (key[1], line) if key[1] == "<module>" else anchor_function(key[0], key[1], line)
                for key, line in first_line.items()}
    table = FrameTable()
    stacks: List[StackSample] = []
    lines: Dict[str, Dict[int, LineStats]] = {}
    for thread, frames, count in parsed:
        indices = [
            table.add(Frame(name=q, file="", line=0, native=True) if native
                      else Frame(name=anchored[(f, q)][0], file=f, line=anchored[(f, q)][1]))
            for q, f, ln, native in frames
        ]
        python = [fr for fr in frames if not fr[3]]
        leaf_line = python[-1][2] if python else 0
        stacks.append(StackSample(frames=indices, weight=count * weight, thread=thread, leaf_line=leaf_line))
        if python:
            _, file, line, _ = python[-1]
            stats = lines.setdefault(file, {}).setdefault(line, LineStats(line=line))
            if frames[-1][3]:  # --native: time below the last Python frame is native code it called
                stats.cpu_native += count * weight
            else:
                stats.cpu_python += count * weight
            stats.samples += count
    stacks = merge_stacks(stacks)
    files = [FileProfile(path=p, lines=sorted(ls.values(), key=lambda s: s.line)) for p, ls in sorted(lines.items())]
    return Profile(
        files=files, frames=table.frames, stacks=stacks, functions=functions_from_stacks(table.frames, stacks)
    )


def _rate(options: BackendOptions) -> int:
    return max(1, min(10000, round(1.0 / max(options.sample_interval, 1e-4))))


class PySpyBackend(Backend):
    name = "pyspy"
    module = ""  # a binary in the daemon's environment, not a module in the target's
    requirement = REQUIREMENT
    summary = "out-of-process sampler (exact lines, ~1.0x overhead)"

    def command(self, target: Target, python: str, out_dir: Path, options: BackendOptions) -> List[str]:
        binary = find_pyspy()
        if binary is None:
            raise BackendUnavailable(*_missing())
        return [
            sys.executable,
            "-c",
            WRAPPER,
            str(out_dir / STATUS),
            binary,
            "record",
            "-f",
            "raw",
            "-r",
            str(_rate(options)),
            "--full-filenames",
            "-t",
            "-o",
            str(out_dir / OUTPUT),
            *options.extra_args,
            "--",
            python,
            "-c",
            LAUNCHER,
            str(out_dir / STATUS),
            str(_rate(options)),
            target.kind,
            target.value,
            *target.args,
        ]

    def check_available(self, python: str) -> None:
        if find_pyspy() is None:
            raise BackendUnavailable(*_missing())

    def version(self, python: str) -> str:
        binary = find_pyspy()
        if binary is None:
            return ""
        try:
            out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return out.stdout.split()[-1] if out.returncode == 0 and out.stdout.split() else ""

    def read(self, out_dir: Path, meta: RunMeta) -> Profile:
        pid, exit_code, recorded_rate = read_status(out_dir)
        try:
            text = (out_dir / OUTPUT).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise BackendOutputError(
                "py-spy wrote no profile: it could not attach to the program (it cannot sample programs "
                "that end within ~20 ms, and needs permission to read the target's memory; see its stderr)"
            ) from exc
        rate = float(recorded_rate or (1.0 / meta.sample_interval if meta.sample_interval else 100.0))
        profile = parse_raw(text, rate, meta.cwd or None, pid)
        profile.meta = meta
        meta.sample_interval = 1.0 / rate
        meta.notes.extend(n for n in NOTES if n not in meta.notes)
        if exit_code is not None:
            profile.extras["target_exit_code"] = exit_code
        if not profile.stacks:
            raise BackendOutputError(
                f"py-spy took no sample inside the program: it ran too briefly (py-spy samples every "
                f"{1000 / rate:g} ms and cannot attach to programs that end within ~20 ms)"
            )
        return profile


def _missing() -> Tuple[str, str]:
    return (
        f"the pyspy backend needs the py-spy binary next to {sys.executable} or on PATH",
        f"{sys.executable} -m pip install '{REQUIREMENT}'",
    )
