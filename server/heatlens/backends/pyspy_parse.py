"""Reading py-spy 0.4's raw output: `frame;frame;... count` per distinct stack (root → leaf).

A frame is `qualname (file:line)`, `line` being the line executing in that frame (not the function's first
line); `-t` puts `thread (tid)` first and `--subprocesses` puts `process PID:"command line"` frames before it
(one per generation; the command line may span several lines of the file). The target runs under the
launcher (pyspy_launcher.py, as `-c`), whose own frames are stripped here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Set, Tuple, Union

from heatlens.backends.code_index import anchor_function
from heatlens.backends.base import resolve_path
from heatlens.backends.callsite import make_is_outside, paying_line
from heatlens.backends.pyinstrument import FrameTable, functions_from_stacks, merge_stacks
from heatlens.backends.pyspy_dump import HELPER_FILE  # the memory helper's frames: heatlens's own
from heatlens.model import FileProfile, Frame, LineStats, Profile, StackSample

LAUNCHER = (Path(__file__).parent / "pyspy_launcher.py").read_text(encoding="utf-8")
STDIO_FILE = "<heatlens-stdio>"  # the launcher's whole writes: the program's own write, charged to its line
UNREADABLE = "<unreadable>"  # a frame whose file name py-spy read as garbage (the stress suite, 3.13)

PyFrame = Tuple[str, str, int, bool]  # (qualname, file, current line, native)
PROGRAM, CHILDREN = "program", "children"  # the groups of processes whose CPU the launcher tells apart
Group = Union[str, int]  # PROGRAM, CHILDREN or a thread's system id (`scaled_to_cpu`)
SCALED = "pyspy_scaled_to_cpu"  # extras: the groups whose samples were scaled to their CPU (`scaled_to_cpu`)
SAMPLED = "pyspy_sampled_threads"  # extras: the ids of the program's own threads py-spy read Python frames in
OVERCOUNT = 1.05  # sampled "active" time beyond a group's CPU time by more than this is told (a paused read
# itself makes it ~5 % over at 250 reads a second: seen as active, not on a CPU)

_FRAME = re.compile(r"^(?P<name>.*) \((?P<file>.*):(?P<line>\d+)\)$")
_NATIVE = re.compile(r"^(?P<name>.*) \((?P<file>[^()]*)\)$")
# `thread (tid)`, or `thread (tid): name` once the program has imported threading
_THREAD = re.compile(r"^thread \((?P<tid>0x[0-9a-fA-F]+|\d+)\)(?:: (?P<name>.*))?$")
_PROCESS = re.compile(r'^process (?P<pid>\d+):"(?P<cmd>.*)"$', re.S)
_COUNT = re.compile(r" \d+$")

# Lines of LAUNCHER that run the program: a sample elsewhere in the launcher is the launcher's own.
_RUN_LINES = {n for n, text in enumerate(LAUNCHER.splitlines(), 1)
              if "runpy.run_" in text or "exec(compile(" in text or "exec(_c, _g)" in text}
SCRIPT_LINE = next(n for n, text in enumerate(LAUNCHER.splitlines(), 1) if "exec(_c, _g)" in text)
RUN_PATH_LINE = next(n for n, text in enumerate(LAUNCHER.splitlines(), 1) if "runpy.run_path(" in text)


def parse_raw_line(line: str) -> Optional[Tuple[List[str], int]]:
    """(frames root→leaf, count) of one raw record; None for a blank or malformed one."""
    line = line.strip()
    stack, sep, count = line.rpartition(" ")
    if not sep or not count.isdigit():
        return None
    return _split_frames(stack), int(count)


def _split_frames(stack: str) -> List[str]:
    """Frames of a record; a `process` frame's quoted command line may itself contain ';'."""
    out: List[str] = []
    while stack.startswith("process "):
        end = stack.find('";')
        if end < 0:
            return out + [stack]
        out.append(stack[: end + 1])
        stack = stack[end + 2 :]
    return out + (stack.split(";") if stack else [])


def records(text: str) -> List[str]:
    """The raw file's records: a command line with newlines continues on the next physical lines."""
    out: List[str] = []
    pending = ""
    for line in text.splitlines():
        pending = f"{pending}\n{line}" if pending else line
        if _COUNT.search(pending) or not pending.startswith("process "):
            out.append(pending)
            pending = ""
    return out


def parse_frame(text: str) -> PyFrame:
    """(qualname, file, current line, native) of one py-spy frame. A file name with a NUL byte is memory
    read while a thread was being torn down: it becomes UNREADABLE (no path any os call would choke on)."""
    m = _FRAME.match(text)
    if m:
        return m["name"], UNREADABLE if "\0" in m["file"] else m["file"], int(m["line"]), False
    m = _NATIVE.match(text)
    if m:
        return m["name"], m["file"], 0, True
    return text, "", 0, True


def strip_launcher(frames: List[PyFrame]) -> List[PyFrame]:
    """Drop the launcher's `<module> (<string>)` frame and the runpy frames under the program; a stack
    that is only the launcher's (start-up, writing the status) becomes empty. With --native, the
    interpreter's own native entry frames above the launcher go too."""
    if not _strip_startup(frames):
        return []
    first = next(i for i, f in enumerate(frames) if not f[3])
    if frames[first][0] != "<module>" or frames[first][1] != "<string>":
        return frames
    frames = frames[first:]
    if frames[0][2] not in _RUN_LINES:
        return []
    k = 1
    while k < len(frames) and (frames[k][1] == "<frozen runpy>" or frames[k][1].endswith("runpy.py")):
        k += 1
    if frames[0][2] == RUN_PATH_LINE and k < len(frames) and frames[k][1].startswith("<frozen importlib"):
        return []  # run_path importing pkgutil for itself, which `python script.py` does not do
    return frames[k:]


def _strip_startup(frames: List[PyFrame]) -> List[PyFrame]:
    """Empty for a stack of the interpreter itself: native frames only (starting or shutting down), or its
    start-up (site, .pth files) before any program code; else the stack as it is."""
    first = next((f for f in frames if not f[3]), None)
    if first is None or first[1] in ("<frozen site>", HELPER_FILE) or first[1].startswith("<frozen importlib"):
        return []  # HELPER_FILE: the memory helper's thread (pyspy_alloc_windows.py), heatlens's own
    return frames


def program_line(frames: List[Tuple[str, str, int]], cwd: Optional[str]) -> Optional[Tuple[str, int]]:
    """(file, line) of the innermost Python frame of the program in a stack read by `py-spy dump`."""
    stack = strip_launcher([(q, f, ln, False) for q, f, ln in frames])
    if not stack:
        return None
    _, file, line, _ = stack[-1]
    return resolve_path(file, cwd), line


def parse_raw(text: str, rate: float, cwd: Optional[str], main_tid: Optional[int], launcher: bool = True,
              own_dirs: Tuple[str, ...] = (), later: Tuple[str, float] = ("", 0.0),
              cpu: Optional[Mapping[Group, float]] = None, idle: bool = False) -> Profile:
    """A Profile (line samples, stacks, functions, processes seen) from py-spy's raw output; `launcher`:
    the program ran under heatlens's launcher, whose frames go (not so for a process attached to);
    `own_dirs`: the script's folder, whose files are the program's own wherever it is (callsite.py);
    `later`: the program's records read at another rate afterwards (pyspy_phases.py) and that rate;
    `cpu`: the CPU seconds of the program's threads, the rest of its process, its children (`scaled_to_cpu`); `idle`: py-spy
    kept the threads it saw waiting (`--idle`), else the ones seen running in a wait go (`waiting`)."""
    parsed: List[Tuple[str, List[PyFrame], int, float]] = []
    first_line: Dict[Tuple[str, str], int] = {}
    items = [item for item in map(parse_raw_line, records(text)) if item is not None]
    weights = [1.0 / rate] * len(items)
    if later[0].strip():  # each sample weighs its own interval
        items += [item for item in map(parse_raw_line, records(later[0])) if item is not None]
        weights += [1.0 / later[1]] * (len(items) - len(weights))
    processes: Dict[int, str] = {}
    pids: List[Optional[int]] = []
    for i, (names, count) in enumerate(items):  # `process` frames: keep the innermost pid, drop the frames
        k, pid = 0, None
        while k < len(names) and names[k].startswith("process "):
            m = _PROCESS.match(names[k])
            if m:
                pid = int(m["pid"])
                processes.setdefault(pid, m["cmd"])
            k += 1
        items[i] = (names[k:], count)
        pids.append(pid)
    groups = [_group(names, pid, main_tid, cpu or {}) for (names, _), pid in zip(items, pids)]
    heads = ((_THREAD.match(names[0]) if names else None, pid) for (names, _), pid in zip(items, pids))
    sampled = {int(tm["tid"], 0) for tm, pid in heads if tm and pid in (None, main_tid)}  # not its children's
    leaves = [parse_frame(names[-1]) if names else None for names, _ in items]
    source = {} if idle else source_lines({(f[1], f[2]) for f in leaves if f is not None and not f[3]})
    waits = [not idle and f is not None and waiting(f, source.get((f[1], f[2]), "")) for f in leaves]
    weights, scaled = scaled_to_cpu([0 if w else count for (_, count), w in zip(items, waits)], groups, weights,
                                    cpu or {})
    # py-spy names a thread only in some samples (once it has read threading's table): name them all
    named = {int(m["tid"], 0): m["name"] for m in (_THREAD.match(i[0][0]) for i in items if i[0]) if m and m["name"]}
    for (names, count), pid, weight, wait in zip(items, pids, weights, waits):
        if wait:
            continue
        thread = "MainThread"
        tm = _THREAD.match(names[0]) if names else None
        if tm:
            names = names[1:]
            tid = int(tm["tid"], 0)
            thread = named.get(tid) or ("MainThread" if main_tid is None or tid in (main_tid, pid) else f"thread {tid}")
        frames = [parse_frame(n) for n in names if n]
        child = pid is not None and main_tid is not None and pid != main_tid
        own = child or not launcher  # a child's or an attached process's `-c` is its own code
        frames = _strip_startup(frames) if own else strip_launcher(frames)
        if any(f == HELPER_FILE for _, f, _, _ in frames):
            continue  # the memory helper's call run by the main thread between two bytecodes: heatlens's cost
        frames = [f for f in frames if f[1] != STDIO_FILE]
        frames = [(q, f if native else resolve_path(f, cwd), ln, native) for q, f, ln, native in frames]
        if not frames:
            continue  # interpreter start-up or shutdown, before/after the program
        parsed.append((thread, frames, count, weight))
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
    is_outside = make_is_outside(own_dirs)
    for thread, frames, count, weight in parsed:
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
            payer = paying_line([(f, ln) for _, f, ln, _ in python], is_outside)
            if payer is not None:
                lines.setdefault(payer[0], {}).setdefault(payer[1], LineStats(line=payer[1])).cpu_callees += count * weight
    stacks = merge_stacks(stacks)
    files = [FileProfile(path=p, lines=sorted(ls.values(), key=lambda s: s.line)) for p, ls in sorted(lines.items())]
    profile = Profile(
        files=files, frames=table.frames, stacks=stacks, functions=functions_from_stacks(table.frames, stacks)
    )
    if len(processes) > 1:
        profile.extras["pyspy_processes"] = {str(pid): cmd for pid, cmd in processes.items()}
    if scaled:
        profile.extras[SCALED] = scaled
    if sampled:
        profile.extras[SAMPLED] = sorted(sampled)
    return profile


# (where a file's path ends, a function's name) of the stdlib's waits in C: a stack seen running whose innermost
# frame is one of them is a thread in a wait (py-spy's own test: threading's `wait`, selectors' `select`)
WAITS = (
    ("/threading.py", "wait"), ("/threading.py", "_wait_for_tstate_lock"),  # Condition, Event, Barrier; a join
    ("/selectors.py", "select"), ("/concurrent/futures/thread.py", "_worker"),  # an idle pool thread's get()
    ("/multiprocessing/pool.py", "_handle_tasks"), ("/multiprocessing/connection.py", "_recv"),
    ("/subprocess.py", "_try_wait"), ("/socket.py", "readinto"),
)


# a line that calls one of these waits in C there (a Python callee would be read as a frame of its own)
C_WAIT = re.compile(r"(?:\bsleep|\.recv(?:_into|from|from_into|msg)?|\.accept|\.acquire|\bselect|\.poll"
                    r"|\bos\.wait(?:pid|3|4)?|\bsignal\.(?:pause|sigwait\w*))\s*\(")


def source_lines(wanted: Set[Tuple[str, int]]) -> Dict[Tuple[str, int], str]:
    """The text of each (file, line) wanted, read once per file and not kept (linecache would keep every file
    profiled, in the daemon, for good: a 5 MB module's ~100 MB)."""
    out: Dict[Tuple[str, int], str] = {}
    by_file: Dict[str, Set[int]] = {}
    for file, line in wanted:
        by_file.setdefault(file, set()).add(line)
    for file, lines in by_file.items():
        last = max(lines)
        try:
            with open(file, encoding="utf-8", errors="replace") as f:
                for n, text in enumerate(f, 1):
                    if n in lines:
                        out[(file, n)] = text
                    if n >= last:
                        break
        except (OSError, ValueError):
            continue
    return out


def waiting(leaf: PyFrame, text: str = "") -> bool:
    """Whether a stack seen running is a thread in a wait. A paused read stops a waiting thread in its system
    call, and until it is back in it (later on a busy machine) /proc says it runs: each waiting thread of a 2.4 s
    run was seen running 40-240 ms, a pool's three (tests/fixtures/children/pool_workers.py) a fifth to a third of
    the time the pool ran. py-spy's own test compares bare names, which it reads qualified on 3.11+
    ("Condition.wait"), so there it never matched; a wait in C on a line (`time.sleep`, a socket's `recv`, a
    lock's `acquire`) is the innermost frame's line, which calls it: `text`, that line's source."""
    name, file, _, native = leaf
    name, path = name.rsplit(".", 1)[-1], file.replace("\\", "/")
    return not native and (any(name == n and path.endswith(f) for f, n in WAITS)
                           or (name == "poll" and (path.endswith("asyncore.py")
                                                   or any(k in path for k in ("zmq", "gevent", "tornado"))))
                           or bool(C_WAIT.search(text)))


def _group(names: List[str], pid: Optional[int], main_tid: Optional[int], cpu: Mapping[Group, float]) -> Group:
    """Whose CPU a sample is judged by: a thread whose CPU was read, the rest of the program's own process, or
    its children."""
    if pid is not None and main_tid is not None and pid != main_tid:
        return CHILDREN
    tm = _THREAD.match(names[0]) if names else None
    tid = int(tm["tid"], 0) if tm else None
    return tid if tid is not None and tid in cpu else PROGRAM


def scaled_to_cpu(counts: List[int], groups: List[Group], weights: List[float],
                  cpu: Mapping[Group, float]) -> Tuple[List[float], Dict[str, List[float]]]:
    """Seen from outside, a thread that is runnable but waiting for a core looks active (and a paused read makes
    a waiting thread so: `waiting`), so a thread, or a process that shared the cores (a pool's workers beside
    each other and their samplers), is seen longer than it ran. Each group's samples (a thread whose CPU was read:
    pyspy.py `read_thread_cpu`; the rest of the program's own process; its children) weigh at most the CPU that
    group used: scaled together, a pool's parent lost 40-57 % of the time it ran alone (the pool test's fixture),
    and an executor's idle threads took half of its busy ones' (benchmarks/THREADS.md). (The new weights, and,
    for the program and for its children, where seen over OVERCOUNT times their CPU: [seconds seen, CPU seconds].)"""
    seen: Dict[Group, float] = {}
    for count, group, weight in zip(counts, groups, weights):
        seen[group] = seen.get(group, 0.0) + count * weight
    cpu = dict(cpu)
    if PROGRAM in cpu:  # the process's CPU, less that of its threads sampled as groups of their own
        cpu[PROGRAM] = max(0.0, cpu[PROGRAM] - sum(cpu[g] for g in seen if not isinstance(g, str)))
    scale = {g: cpu[g] / s for g, s in seen.items() if g in cpu and s > cpu[g] + 1e-6}
    told: Dict[str, List[float]] = {}
    for g in (g for g in scale if seen[g] > cpu[g] * OVERCOUNT + 1e-6):
        said = told.setdefault(CHILDREN if g == CHILDREN else PROGRAM, [0.0, 0.0])
        said[0], said[1] = said[0] + seen[g], said[1] + cpu[g]
    return [w * scale.get(g, 1.0) for g, w in zip(groups, weights)], told
