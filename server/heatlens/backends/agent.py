"""The built-in agent (zero install, the default): command, environment, and its JSON output -> Profile.

The agent itself (`_agent/heatlens_agent*.py`, stdlib only) runs inside the target interpreter; this
adapter runs in the daemon. The agent writes frames as (file, co_name) plus the line executing; here
each (file, co_name, line) is resolved to the function's qualified name and `co_firstlineno` (its first
decorator line) by compiling the source once (cached per file and mtime).

Model mapping: `cpu_python`/`cpu_native` are CPU seconds (kernel time included: the per-thread clocks
count it); `cpu_system` stays 0. Time a thread was blocked on a line (I/O, sleep, locks, waiting for the
GIL: wall - CPU - time runnable but not running) is only in that line's `wall` (= CPU + blocked). Stack
weights and function times are CPU only: blocked time added to them made a main thread that waits on
`f.result()` rank among the hottest functions, and "CPU" totals exceed the process's CPU time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from heatlens.backends import agent_children
from heatlens.backends.base import Backend, BackendOptions, BackendOutputError, Target
from heatlens.backends.callsite import make_is_outside, paying_line, program_dirs
from heatlens.backends.code_index import Index, code_index, containing, file_index, resolve
from heatlens.backends.memory_tracks import tracks_from_snapshots
from heatlens.model import (
    ExceptionRecord, FileProfile, Frame, FunctionStats, GcStats, ImportRecord, LineStats, MemorySample, Profile,
    RunMeta, StackSample,
)

AGENT_DIR = str(Path(__file__).parent / "_agent")
OUTPUT = "agent.json"
ORIG_PYTHONPATH_VAR = "HEATLENS_AGENT_PYTHONPATH"
CHILD_DIR_VAR = "HEATLENS_AGENT_DIR"  # as in _agent/heatlens_agent_children.py
CHILD_OPTS_VAR = "HEATLENS_AGENT_CHILD_OPTIONS"
_MB = float(1 << 20)

NOTES = [
    "agent: CPU sampled at the kernel's timer tick (often 4 ms) with exact per-thread CPU weights; a "
    "line's native time is a heuristic (long C calls, or a C call on the sampled line)",
    "agent: time blocked on a line (I/O, sleep, locks, waiting for the GIL) is in its wall time only, "
    "never in CPU, functions or call stacks",
]
UNATTRIBUTED_SHARE = 0.1  # of the processes' CPU: more than this not given to any line is worth a note

class AgentBackend(Backend):
    name = "agent"
    module = ""  # stdlib only: shipped with heatlens and put on the child's PYTHONPATH
    requirement = ""
    summary = "built-in sampling agent: lines, python/native, threads, blocked time, memory; no install"

    def command(self, target: Target, python: str, out_dir: Path, options: BackendOptions) -> List[str]:
        argv = [python, "-m", "heatlens_agent", "--out", str(Path(out_dir) / OUTPUT),
                "--interval", repr(float(options.sample_interval)), "--memory", options.memory]
        if target.kind == "script":
            return argv + ["--", target.value, *target.args]
        return argv + target.python_argv_tail()

    def environment(self, target: Target, out_dir: Path, options: BackendOptions) -> Dict[str, str]:
        # The runner puts these PYTHONPATH entries before the user's; the agent restores the user's own
        # value for the target (and its children) from ORIG_PYTHONPATH_VAR.
        orig = target.env.get("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
        env = {"PYTHONPATH": AGENT_DIR, ORIG_PYTHONPATH_VAR: orig}
        if options.exceptions:  # read by the agent's watch_exceptions (heatlens_agent_exceptions.ENV)
            env["HEATLENS_AGENT_EXCEPTIONS"] = "trace"
        if options.children:  # see _agent/heatlens_agent_children.py
            folder = Path(out_dir) / agent_children.CHILDREN
            folder.mkdir(parents=True, exist_ok=True)
            env[CHILD_DIR_VAR] = str(folder)
            env[CHILD_OPTS_VAR] = "%r,%s" % (float(options.sample_interval), options.memory)
        return env

    def read(self, out_dir: Path, meta: RunMeta) -> Profile:
        path = Path(out_dir) / OUTPUT
        data = agent_children.read_latest(path)
        if data is None:
            if path.exists():
                raise BackendOutputError("unreadable agent output (not a heatlens agent profile)")
            raise BackendOutputError("the agent wrote no profile (the target ended before its first write)")
        children = agent_children.read_children(Path(out_dir) / agent_children.CHILDREN)
        profile = convert(agent_children.merge(data, children), meta)
        profile.processes = [agent_children.process_info(d) for d in [data, *children]]
        meta.notes += [n for n in agent_children.notes(children) if n not in meta.notes]
        note = unattributed_note([data, *children])
        if note:
            meta.notes.append(note)
        return profile


def unattributed_note(outputs: List[Dict[str, Any]]) -> str:
    """A note when much of the processes' CPU (as they measured it, less the agent's own) went to no line:
    the profile's shares are then of the part that was seen. "" when nearly all of it was attributed."""
    cpu = own = seen = 0.0
    for data in outputs:
        m = data.get("meta", {})
        cpu += float(m.get("cpu") or 0.0)
        own += float(m.get("agent_cpu") or 0.0)
        seen += sum(float(s.get("python", 0.0)) + float(s.get("native", 0.0)) for s in data.get("stacks", []))
    target = cpu - own
    missing = target - seen
    if target <= 0 or missing <= max(0.05, UNATTRIBUTED_SHARE * target):
        return ""
    return ("agent: %.2f s of the %.2f s of CPU the program used (%.0f%%) is not attributed to any line "
            "(start-up before sampling, threads the agent cannot read); shares are of the %.2f s attributed"
            % (missing, target, 100.0 * missing / target, seen))


def _index_for(path: str, sources: Dict[str, str]) -> Optional[Index]:
    if path in sources:
        return code_index(sources[path], path)
    try:
        return file_index(path, os.stat(path).st_mtime)
    except OSError:
        return None


def convert(data: Dict[str, Any], meta: RunMeta) -> Profile:
    """The agent's JSON -> Profile (pure, apart from reading the profiled source files to name functions)."""
    am = data.get("meta", {})
    sources = {"<string>": am["argv"][0]} if am.get("kind") == "code" and am.get("argv") else {}
    indexes: Dict[str, Optional[Index]] = {}

    def index(path: str) -> Optional[Index]:
        if path not in indexes:
            indexes[path] = _index_for(path, sources)
        return indexes[path]

    raw_frames = data.get("frames", [])
    frames: List[Frame] = []
    frame_ids: Dict[Tuple[str, str, int], int] = {}

    def frame_id(fid: int, line: int) -> int:
        file, name = raw_frames[fid][0], raw_frames[fid][1]
        qual, first = resolve(index(file), name, line)
        key = (file, qual, first)
        if key not in frame_ids:
            frame_ids[key] = len(frames)
            frames.append(Frame(name=qual, file=file, line=first))
        return frame_ids[key]

    lines: Dict[Tuple[str, int], LineStats] = {}

    def line_stats(file: str, line: int) -> LineStats:
        st = lines.get((file, line))
        if st is None:
            st = lines[(file, line)] = LineStats(line=line)
        return st

    stacks: List[StackSample] = []
    functions: Dict[int, FunctionStats] = {}
    is_outside = make_is_outside(program_dirs(meta))
    for s in data.get("stacks", []):
        path = [(frame_id(fid, line), line) for fid, line in s["frames"]]
        if not path:
            continue
        py, nat, blocked = float(s["python"]), float(s["native"]), float(s["blocked"])
        weight = py + nat  # CPU only: see the module's docstring
        leaf, leaf_line = path[-1]
        st = line_stats(frames[leaf].file, leaf_line)
        st.cpu_python += py
        st.cpu_native += nat
        st.wall += weight + blocked
        st.samples += int(s.get("samples", 0))
        if weight <= 0:
            continue
        payer = paying_line([(frames[f].file, ln) for f, ln in path if not frames[f].native], is_outside)
        if payer is not None:
            line_stats(*payer).cpu_callees += weight
        stacks.append(StackSample(frames=[f for f, _ in path], weight=weight, thread=s.get("thread", "MainThread"),
                                  leaf_line=leaf_line))
        _add_functions(functions, frames, [f for f, _ in path], weight)

    for file, line, alloc, freed, peak in data.get("memory_lines", []):
        st = line_stats(file, int(line))
        st.mem_alloc_mb += alloc / _MB
        st.mem_net_mb += (alloc - freed) / _MB
        st.mem_peak_mb = max(st.mem_peak_mb, peak / _MB)
    traced = data.get("traced_lines")
    if traced is not None:  # "full": tracemalloc's live memory at the end is exact; it wins over RSS deltas
        cwd = am.get("cwd", "")
        for st in lines.values():
            st.mem_net_mb = 0.0
        for file, line, final, peak in traced:
            file = file if os.path.isabs(file) or file.startswith("<") else os.path.normpath(os.path.join(cwd, file))
            st = line_stats(file, int(line))
            st.mem_net_mb = final / _MB
            st.mem_peak_mb = max(st.mem_peak_mb, peak / _MB)
            st.mem_alloc_mb = max(st.mem_alloc_mb, peak / _MB)
    for (file, line), st in lines.items():
        if st.mem_alloc_mb or st.mem_peak_mb:
            owner = containing(index(file), line)
            if owner is not None:
                fs = _function(functions, frames, frame_ids, file, owner)
                fs.mem_alloc_mb += st.mem_alloc_mb
                fs.mem_peak_mb += st.mem_peak_mb

    files: Dict[str, FileProfile] = {}
    for (file, _), st in sorted(lines.items(), key=lambda kv: kv[0]):
        files.setdefault(file, FileProfile(path=file)).lines.append(st)
    profile = Profile(meta=meta, files=list(files.values()), functions=list(functions.values()), frames=frames,
                      stacks=stacks)
    profile.memory_series = [MemorySample(t=r[0], current_mb=r[1], peak_mb=r[2], rss_mb=r[3] or None)
                             for r in data.get("memory_series", [])]
    profile.exceptions = _exceptions(data)
    _traced_series(profile, data.get("traced_series"), am.get("cwd", ""))
    _collectors(profile, data, am.get("cwd", ""))
    _fill_meta(meta, am, profile)
    return profile


def _add_functions(functions: Dict[int, FunctionStats], frames: List[Frame], path: List[int], weight: float) -> None:
    for fid in set(path):
        fs = functions.get(fid)
        if fs is None:
            fr = frames[fid]
            fs = functions[fid] = FunctionStats(qualname=fr.name, file=fr.file, line=fr.line)
        fs.total_time += weight
    functions[path[-1]].self_time += weight
    for caller, callee in set(zip(path, path[1:])):
        a, b = functions[caller], functions[callee]
        a.callees[b.key] = a.callees.get(b.key, 0.0) + weight
        b.callers[a.key] = b.callers.get(a.key, 0.0) + weight


def _function(functions: Dict[int, FunctionStats], frames: List[Frame], frame_ids: Dict[Tuple[str, str, int], int],
              file: str, owner: Tuple[str, int]) -> FunctionStats:
    key = (file, owner[0], owner[1])
    if key not in frame_ids:
        frame_ids[key] = len(frames)
        frames.append(Frame(name=owner[0], file=file, line=owner[1]))
    fid = frame_ids[key]
    if fid not in functions:
        functions[fid] = FunctionStats(qualname=owner[0], file=file, line=owner[1])
    return functions[fid]


def _traced_series(profile: Profile, series: Any, cwd: str) -> None:
    """"full" mode: the lines' live memory at each tracemalloc snapshot (what the leak detector reads)."""
    if not isinstance(series, dict) or not series.get("times"):
        return
    times = [float(t) for t in series["times"]]
    snaps: List[Tuple[float, Dict[Tuple[str, int], int]]] = [(t, {}) for t in times]
    for file, line, sizes in series.get("lines", []):
        file = file if os.path.isabs(file) or file.startswith("<") else os.path.normpath(os.path.join(cwd, file))
        for (_, rows), size in zip(snaps, sizes):
            if size:
                rows[(file, int(line))] = int(size)
    profile.memory_snapshot_times, profile.line_memory_series = tracks_from_snapshots(snaps)


def _collectors(profile: Profile, data: Dict[str, Any], cwd: str) -> None:
    """GC pauses (gc.callbacks) and per-module import times (see _agent/heatlens_agent_collectors.py)."""
    g = data.get("gc")
    if isinstance(g, dict):
        profile.gc = GcStats(collections=[int(x) for x in g.get("collections", [0, 0, 0])],
                             pause_seconds=[float(x) for x in g.get("pause", [0.0, 0.0, 0.0])],
                             collected=[int(x) for x in g.get("collected", [0, 0, 0])],
                             max_pause=float(g.get("max_pause", 0.0)))

    def absolute(path: str) -> str:
        return path if not path or os.path.isabs(path) or path.startswith("<") else os.path.normpath(os.path.join(cwd, path))

    profile.imports = sorted(
        (ImportRecord(module=name, file=absolute(origin), seconds=float(secs), self_seconds=float(own),
                      importer_file=absolute(file), importer_line=int(line))
         for name, origin, secs, own, file, line in data.get("imports", [])),
        key=lambda r: r.seconds, reverse=True)


def _exceptions(data: Dict[str, Any]) -> List[ExceptionRecord]:
    out = [ExceptionRecord(type=typ, file=f, line=int(ln), count=int(c)) for f, ln, _name, typ, c in data.get("exceptions", [])]
    exc = data.get("exception")
    if exc:
        out.append(ExceptionRecord(type=exc.get("type", ""), message=exc.get("message", ""), file=exc.get("file", ""),
                                   line=int(exc.get("line") or 0), caught=False))
    return out


def _fill_meta(meta: RunMeta, am: Dict[str, Any], profile: Profile) -> None:
    meta.backend = meta.backend or "agent"
    meta.sample_interval = am.get("interval") or am.get("interval_requested")
    meta.python_version = meta.python_version or am.get("python", "")
    meta.interpreter = meta.interpreter or am.get("executable", "")
    meta.cwd = meta.cwd or am.get("cwd", "")
    meta.pid = meta.pid or am.get("pid")
    meta.started_at = meta.started_at or am.get("started", 0.0)
    meta.wall_time = meta.wall_time or am.get("wall", 0.0)
    meta.cpu_time = meta.cpu_time or am.get("cpu", 0.0)
    if meta.exit_code is None:
        meta.exit_code = am.get("exit_code")
    # "sampled" tracks RSS with its transient peaks (VmHWM); in "full" the series' peak is tracemalloc's
    peaks = [(m.peak_mb if am.get("memory") == "sampled" else m.rss_mb) or 0.0 for m in profile.memory_series]
    if any(peaks):
        meta.peak_rss_mb = max(peaks)
    notes = list(NOTES) + list(am.get("notes", []))
    if not am.get("complete", True):
        notes.append("agent: the target ended before the agent's final write; this is its last periodic snapshot")
    elif am.get("signal"):
        notes.append(f"agent: the target was stopped by {am['signal']}; the profile was written at that moment")
    meta.notes = meta.notes + [n for n in notes if n not in meta.notes]
