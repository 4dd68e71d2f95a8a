"""py-spy 0.4 adapter, the default backend: `py-spy record -f raw` samples the target from outside.

py-spy is a binary in the daemon's environment (not the target's): it reads the target's memory, so each
line's time is where the CPU really was (an in-process signal handler only runs at the interpreter's check
points, which moves time to the ends of loop bodies and into callers: docs/architecture.md). On CPython 3.11+
py-spy pauses the target for each read, so that the stack it reads is one moment's (see DEFAULT_RATE).

The target runs under a tiny stdlib-only launcher (pyspy_launcher.py, `-c`) that records its pid, exit
status and own CPU time in `out_dir` (its frames are stripped from the stacks); py-spy runs under a
daemon-side wrapper (pyspy_wrapper.py) that keeps py-spy's chatter out of the program's stdout, reads memory
steps on exact lines, and exits with the target's status, so that failures are classified as with any
backend. Parsing the raw format: pyspy_parse.py; memory per line: pyspy_memory.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

from heatlens.backends.callsite import program_dirs
from heatlens.backends.base import Backend, BackendOptions, BackendOutputError, BackendUnavailable, SamplerRefused, Target
from heatlens.backends.pyspy_budget import REPEATS
from heatlens.backends.pyspy_children import with_children
from heatlens.backends.pyspy_helper_memory import helper_memory
from heatlens.backends.pyspy_memory import attribute
from heatlens.backends.pyspy_window_rows import read_windows, window_lines, window_stacks
from heatlens.backends.pyspy_native import add_native_threads, native_threads
from heatlens.backends.pyspy_phases import FIRST_SECONDS, LATER_ERR, LATER_LOG, LATER_OUTPUT, LATER_RATE
from heatlens.backends.pyspy_threads import OUTPUT as THREADS
from heatlens.backends.pyspy_parse import (  # noqa: F401  (parse_frame, parse_raw_line: the format's API)
    CHILDREN,
    LAUNCHER,
    Group,
    PROGRAM,
    SAMPLED,
    SCALED,
    parse_frame,
    parse_raw,
    parse_raw_line,
    program_line,
    strip_launcher,
)
# what the wrapper writes: py-spy's stderr and stdout (its last words), memory steps, the helper's windows
from heatlens.backends.pyspy_wrapper import ERR_FILE, LOG_FILE
from heatlens.backends.pyspy_wrapper import MEMORY_FILE as MEMORY
from heatlens.backends.pyspy_wrapper import WINDOWS_FILE as WINDOWS
from heatlens.defaults import DEFAULT_INTERVAL
from heatlens.interpreter import interpreter_version, version_tuple
from heatlens.model import FileProfile, LineStats, Profile, RunMeta

OUTPUT = "pyspy.txt"
STATUS = "pyspy-status.txt"
IDLE_MARK = "pyspy-idle"  # in the run's folder: py-spy was asked for --idle
FAILED_READS_NOTED = 0.01  # share of reads py-spy could not make above which a run says so
REQUIREMENT = "py-spy==0.4.3"
# Daemon side: py-spy's own output away from the program's stdout, memory steps read on exact lines, and the
# target's exit status as its own.
WRAPPER = str(Path(__file__).parent / "pyspy_wrapper.py")

NOTES = [
    "Exact lines: py-spy samples from outside the process, so each line's time is where the CPU was.",
    "py-spy does not split Python from native time (without --native): line CPU is reported as Python.",
]
TORN_NOTE = (
    "Python 3.9/3.10: py-spy reads the stacks while the program runs (pausing it for each read made every thread "
    "start and exit ~10x slower there), so the stack of a call that lasts microseconds can be torn or dropped: "
    "part of its time may show on its caller's line. Python 3.11+ is read paused."
)
PAUSED_NOTE = (
    "Read paused (Python 3.11+): py-spy stops the program for each read, so each stack is one moment's. A stop "
    "lands where a system call ends if one ends first: a line that makes one every few microseconds (an unbuffered "
    "print or a CPU-clock read in a tight loop) can show part of the time of the lines run just before it."
)
MEMORY_NOTE = (
    "Memory per line: resident-memory steps (2 MiB) read from outside, each charged to the line running when "
    "it was seen, or, where short allocation samples (tracemalloc for a few ms while memory grows, from a loop's "
    "round to a later one where the program runs a loop, in its main thread, none while it runs other threads) saw "
    "other lines keep memory, to those lines; frees "
    "go back to the most recent allocations. Untouched zero pages are not resident, and an allocation over "
    "before its line could be read lands on a later line: --memory full traces each one."
)


def find_pyspy() -> Optional[str]:
    """The py-spy binary of the daemon's environment: next to sys.executable, else on PATH."""
    local = Path(sys.executable).parent / ("py-spy.exe" if sys.platform == "win32" else "py-spy")
    if local.is_file():
        return str(local)
    return shutil.which("py-spy")


# Samples per second at the shared default interval (1 ms, the in-process samplers'). py-spy pauses the program
# for each read (no --nonblocking): read while it runs, a stack of calls that last microseconds is torn (a
# callee read before its caller moved on to another line, a caller read after its callee returned) or fails
# and is dropped (a quarter of the reads on pyperformance's chaos), which put whole functions on their callers'
# call lines: line TV 0.28-0.59 on chaos, deltablue, hexiom, nqueens and pyflate against the same reads made in
# a pause (benchmarks/EXACTNESS-dev.md). Each pause costs the program ~0.1-0.4 ms, so 250 Hz: TV within
# sampling noise of 500 Hz, half its cost. Any other --interval is used as given.
DEFAULT_RATE = 250


def pauses_for_reads(python: str) -> bool:
    """Pause the program for each read, except on Python 3.9/3.10: there a paused read made thread start and
    exit ~10x slower (a ThreadPool made 300 times: 2.2 s alone, 25 s paused, 2.3 s unpaused; 3.11-3.13 as
    alone, benchmarks/RELIABILITY.md). An interpreter that cannot be asked is read paused."""
    version = version_tuple(interpreter_version(python))
    return not version or version[:2] >= (3, 11)


def _rate(options: BackendOptions) -> int:
    if options.sample_interval == DEFAULT_INTERVAL:
        return DEFAULT_RATE
    return max(1, min(10000, round(1.0 / max(options.sample_interval, 1e-4))))


class PySpyBackend(Backend):
    name = "pyspy"
    module = ""  # a binary in the daemon's environment, not a module in the target's
    requirement = REQUIREMENT
    summary = "out-of-process sampler (exact lines; paused for each read on 3.11+, ~1.1-1.2x)"
    inline_wrapper = True  # the reaper runs WRAPPER itself (stdlib only, main(argv)): no interpreter start

    def command(self, target: Target, python: str, out_dir: Path, options: BackendOptions) -> List[str]:
        binary = find_pyspy()
        if binary is None:
            raise BackendUnavailable(*_missing())
        rate = str(_rate(options))
        record = [binary, "record", "-f", "raw", "-r", rate, "--full-filenames", "-t"]  # paused reads: DEFAULT_RATE
        if options.sample_interval == DEFAULT_INTERVAL:  # then LATER_RATE (pyspy_phases.py)
            record += ["-d", str(FIRST_SECONDS)]
        if not pauses_for_reads(python):
            record.append("--nonblocking")
        if options.children:
            record.append("--subprocesses")
        if "--idle" in options.extra_args:  # the threads it sees waiting are asked for: `read` keeps them all
            (out_dir / IDLE_MARK).touch()
        return [
            sys.executable, WRAPPER, str(out_dir), "0" if options.memory == "off" else "1",
            *record, "-o", str(out_dir / OUTPUT), *options.extra_args,
            "--", python, "-c", LAUNCHER, str(out_dir / STATUS), rate, target.kind, target.value, *target.args,
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
        pid, exit_code, recorded_rate, whole_cpu, children_cpu = read_status(out_dir)
        startup, meta.program_wall, meta.core_wait = read_span(out_dir)
        own_cpu = None if whole_cpu is None else max(whole_cpu - startup, 0.0)  # the program's, from its first line
        try:
            text = (out_dir / OUTPUT).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            said = spy_errors(out_dir)
            if pid is None and said:  # the launcher never let the program start: py-spy could not read it
                raise SamplerRefused(f"py-spy could not attach to the program, which was not started; py-spy said: {said}",
                                     said.split(" Stack backtrace")[0].strip()) from exc
            raise BackendOutputError(
                "py-spy wrote no profile: it could not attach to the program (it cannot sample programs "
                "that end within ~20 ms, and needs permission to read the target's memory; see its stderr)"
                + (f"; py-spy said: {said}" if said else "")
            ) from exc
        text = with_children(text, str(out_dir), pid, " ".join(meta.argv) or meta.target)  # pyspy_children.py
        rate = float(recorded_rate or (1.0 / meta.sample_interval if meta.sample_interval else 100.0))
        later = _text(out_dir / LATER_OUTPUT)
        threads = read_thread_cpu(out_dir)
        cpu = {} if own_cpu is None or children_cpu is None else cpu_groups(own_cpu, children_cpu, threads)
        profile = parse_raw(text, rate, meta.cwd or None, pid, own_dirs=program_dirs(meta), later=(later, LATER_RATE),
                            cpu=cpu, idle=(out_dir / IDLE_MARK).exists())
        sampled = set(profile.extras.pop(SAMPLED, ()))
        if later.strip():
            meta.notes.append(f"py-spy read the program {rate:g} times a second for its first {FIRST_SECONDS} s, "
                              f"then {LATER_RATE} times (each read weighs its own interval): a long run pays fewer pauses.")
        profile.meta = meta
        meta.sample_interval = 1.0 / rate
        meta.notes.extend(n for n in NOTES if n not in meta.notes)
        if meta.interpreter:
            note = PAUSED_NOTE if pauses_for_reads(meta.interpreter) else TORN_NOTE
            meta.notes.extend([note] if note not in meta.notes else [])
        read, failed = read_counts(out_dir)
        if meta.interpreter and pauses_for_reads(meta.interpreter):  # then py-spy names threads by system id
            meta.paused_reads = read + failed
            add_native_threads(profile, native_threads(threads, sampled, pid, heatlens_threads(out_dir)), rate)
        if failed > FAILED_READS_NOTED * (read + failed):
            meta.notes.append(
                f"py-spy could not read {failed:,} of {read + failed:,} stacks ({failed / (read + failed):.0%}): a "
                "stack that changed while it was read is left out, so deep or short-lived calls may count less.")
        if exit_code is not None:
            profile.extras["target_exit_code"] = exit_code
        if not profile.stacks and exit_code is None:
            raise BackendOutputError(
                f"py-spy took no sample inside the program: it ran too briefly (py-spy samples every "
                f"{1000 / rate:g} ms and cannot attach to programs that end within ~20 ms)"
            )
        if not profile.stacks:  # it ran to its end before a sample: a run, with nothing to show
            meta.notes.append(f"The program ended before it could be sampled (it used {own_cpu or 0:.3f} s of CPU; "
                              f"py-spy samples every {1000 / rate:g} ms and needs ~20 ms to attach): nothing to show.")
        said = spy_errors(out_dir)
        if said:  # kept out of the program's stderr by the wrapper; the samples taken are still good
            meta.notes.append(f"py-spy reported an error while sampling (some samples may be missing): {said}")
        note_scaled(profile)
        _add_memory(profile, out_dir / MEMORY, meta.cwd or None)
        if own_cpu is not None and whole_cpu is not None and meta.cpu_time > own_cpu:
            # the runner measured the whole tree, py-spy and the start-up included: report the program's own CPU
            if meta.cpu_time > whole_cpu:
                meta.notes.append(f"The program used {own_cpu:.2f} s of CPU; the sampler beside it "
                                  f"{meta.cpu_time - whole_cpu:.2f} s (on another core where there is one).")
            meta.cpu_time = own_cpu
        return profile


def spy_errors(out_dir: Path) -> str:
    """The start of what py-spy wrote to its stderr (the wrapper keeps it in ERR_FILE), one line; the second
    py-spy's (pyspy_phases.py) only where it read the program (else the program had just ended)."""
    text = _text(out_dir / ERR_FILE)
    if (out_dir / LATER_OUTPUT).exists():
        text += " " + _text(out_dir / LATER_ERR)
    return " ".join(text.split())[:300]


def read_counts(out_dir: Path) -> Tuple[int, int]:
    """(stacks read, stacks py-spy could not read) from the last words of each py-spy ("Samples: N Errors:
    M"); (0, 0) when they said none."""
    found = [re.search(r"Samples: (\d+) Errors: (\d+)", _text(out_dir / name)) for name in (LOG_FILE, LATER_LOG)]
    return sum(int(f.group(1)) for f in found if f), sum(int(f.group(2)) for f in found if f)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def read_status(out_dir: Path) -> Tuple[Optional[int], Optional[int], Optional[int], Optional[float], Optional[float]]:
    """(pid, exit code, sampling rate, the program's CPU seconds with its children's, its children's) that the
    launcher wrote; exit code None while unknown (killed); CPU None when the launcher did not get to write it."""
    try:
        fields = (out_dir / STATUS).read_text().split()
        pid, code, rate = int(fields[0]), int(fields[1]), int(fields[2])
        cpu = float(fields[3]) if len(fields) > 3 and code >= 0 else None
        children = float(fields[5]) if len(fields) > 5 and code >= 0 else None
    except (OSError, ValueError, IndexError):
        return None, None, None, None, None
    return pid, (None if code < 0 else code), rate, cpu, children


def read_span(out_dir: Path) -> Tuple[float, Optional[float], Optional[float]]:
    """(CPU seconds before the program's first line: the interpreter's and heatlens's start-up; seconds from that
    line to the program's end; its main thread's wait for a core in them) as the launcher wrote them; (0, None,
    None) where it did not (killed), and no wall where threads the interpreter waits for ran on past the end."""
    fields = (_text(out_dir / STATUS).split() + ["-"] * 10)[7:10]
    try:
        startup, wall, wait = (None if f == "-" else float(f) for f in fields)
    except ValueError:
        return 0.0, None, None
    return startup or 0.0, wall, wait if wall is not None else None


def heatlens_threads(out_dir: Path) -> Set[int]:
    """The program's process's threads that were there before its first line: heatlens's own (the memory helper)."""
    fields = _text(out_dir / STATUS).split()
    return {int(t) for t in fields[10].split(",") if t.isdigit()} if len(fields) > 10 else set()


def read_thread_cpu(out_dir: Path) -> Dict[int, float]:
    """The CPU seconds of each thread, by system id: as the launcher read it where the thread was alive as the
    program ended, else as the wrapper last read it (pyspy_threads.py)."""
    found: Dict[int, float] = {}
    try:
        found.update({int(tid): float(cpu) for tid, cpu in json.loads(_text(out_dir / THREADS) or "{}").items()})
    except (ValueError, AttributeError):
        pass
    try:
        field = (out_dir / STATUS).read_text().split()[6]
        found.update({int(tid): float(cpu) for tid, cpu in (pair.split(":") for pair in field.split(",") if pair)})
    except (OSError, IndexError, ValueError):
        pass
    return found


def cpu_groups(own_cpu: float, children_cpu: float, threads: Dict[int, float]) -> Dict[Group, float]:
    """The CPU each group of samples weighs at most (pyspy_parse.py `scaled_to_cpu`): each thread whose CPU was
    read, the program's own process (its other threads: the ones sampled under an id read are taken out), its
    children."""
    groups: Dict[Group, float] = {tid: cpu for tid, cpu in threads.items()}
    groups.update({PROGRAM: own_cpu - children_cpu, CHILDREN: children_cpu})
    return groups


def note_scaled(profile: Profile) -> None:
    """Tell where samples were scaled to the CPU time seen (pyspy_parse.py `scaled_to_cpu`)."""
    whose = {PROGRAM: "the program", CHILDREN: "its child processes"}
    for group, (seen, cpu) in sorted(profile.extras.pop(SCALED, {}).items(), key=lambda kv: kv[0] != PROGRAM):
        profile.meta.notes.append(
            f"py-spy saw {seen:.2f} s of activity in {whose.get(group, group)} for {cpu:.2f} s of CPU used (a thread "
            f"waiting for a core, or woken in its wait by a read, looks active from outside): their line times were "
            f"scaled to the CPU time, thread by thread where known.")


def _add_memory(profile: Profile, path: Path, cwd: Optional[str]) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # memory off, not Linux, or the wrapper was killed: CPU only
    def locate(frames: List[Tuple[str, str, int]]) -> Optional[Tuple[str, int]]:
        return program_line(frames, cwd)

    try:  # the allocation windows of the program's helper thread (pyspy_alloc_windows.py), if it wrote any
        rows = (path.parent / WINDOWS).read_text(encoding="utf-8")
    except OSError:
        rows = ""
    t0 = float(data.get("t0", 0))
    windows = read_windows(rows, t0, locate)
    found = attribute(data.get("events", []), data.get("series", []), locate, windows, helper_memory(rows, t0),
                      window_lines(rows, locate), window_stacks(rows, t0))
    if found.helper_mb >= 0.5:
        profile.meta.notes.append(f"{found.helper_mb:.1f} MB of the program's resident memory was heatlens's own "
                                  "(its allocation samples' tables): it is on no line.")
    files = {f.path: f for f in profile.files}
    for (path_, line), mem in found.lines.items():
        fp = files.get(path_)
        if fp is None:  # a file py-spy never sampled CPU in: add it so its memory shows
            fp = files[path_] = FileProfile(path=path_)
            profile.files.append(fp)
        by_line = fp.by_line()
        stats = by_line.get(line)
        if stats is None:
            stats = LineStats(line=line)
            fp.lines.append(stats)
            fp.lines.sort(key=lambda s: s.line)
        stats.mem_alloc_mb, stats.mem_peak_mb, stats.mem_net_mb = mem.alloc_mb, mem.peak_mb, mem.live_mb
    profile.memory_series = found.series
    profile.memory_snapshot_times = found.snapshot_times
    profile.meta.memory_stops = float(data.get("paused") or 0.0)
    profile.line_memory_series = found.tracks
    if MEMORY_NOTE not in profile.meta.notes:
        profile.meta.notes.append(MEMORY_NOTE)
    if windows:
        traced = sum(max(0.0, w[2]) for w in windows)
        profile.meta.notes.append(f"Memory: {len(windows)} allocation samples traced {traced * 1000:.0f} ms of the "
                                  "program's CPU (tracemalloc) to find the lines that keep memory.")
    if data.get("paused"):
        profile.meta.notes.append(f"Memory: the program was paused {data['paused'] * 1000:.0f} ms in all to read "
                                  "the lines of its largest allocations.")
    if data.get("temporaries", 0) >= REPEATS:
        profile.meta.notes.append(f"Memory: the program made and gave back the same memory again and again "
                                  f"({data['temporaries']} reads of it in a row): after the first {REPEATS}, its rises "
                                  "were read less often (each a py-spy start), so those lines' peaks come from fewer reads.")
    if data.get("error"):
        profile.meta.notes.append(f"Memory polling stopped early ({data['error']}): memory is partial.")


def _missing() -> Tuple[str, str]:
    return (
        f"the pyspy backend needs the py-spy binary next to {sys.executable} or on PATH",
        f"{sys.executable} -m pip install '{REQUIREMENT}'",
    )
