"""VizTracer 1.x adapter: a Chrome trace JSON of every call → functions, call stacks, a timeline, exceptions.

`traceEvents`: `ph:"X"` complete events (`ts`/`dur` in µs, `pid`/`tid`); Python functions are named
`qualname (abs_path:first_line)` (first line = co_firstlineno), native ones `module.func`. With
`--log_func_args`/`--log_func_retval` an event has `args: {func_args: {name: repr}, return_value: repr}`.
`--log_exception` rewrites the main file's `raise` statements to log an instant event
`Exception - <expr> = <repr>`. `ph:"M"` events name threads. `viztracer_metadata.overflow` is set when the
ring buffer (`--tracer_entries`) overflowed, and then the *earliest* events are gone.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from heatlens.backends.base import Backend, BackendOptions, BackendOutputError, Target, read_json_object
from heatlens.backends.pyinstrument import FrameTable, merge_stacks
from heatlens.model import ExceptionRecord, Frame, FunctionStats, Profile, RunMeta, StackSample, TimelineEvent

OUTPUT = "viztracer.json"
# Ring buffer size: ~120 bytes of JSON per entry, so ~25 MB of output at most (the default 1 M gave
# 117-148 MB files and ~0.9 GB of memory on 1-2 s workloads here).
TRACER_ENTRIES = 200_000
TIMELINE_CAP = 20_000  # events kept in the model: the longest ones

NOTES = [
    "VizTracer traces every call: exact call counts, but its per-call overhead makes call-dense code "
    "look slower than it is (by up to ~17 pp of the total here).",
    "VizTracer gives no line-level data; exceptions are recorded only for `raise` statements in the "
    "program's main file, at the first line of the raising function.",
]

_PY = re.compile(r"^(?P<name>.*) \((?P<file>.+):(?P<line>\d+)\)$")
_EXC = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)\((?P<args>.*)\)$", re.S)
_EPS = 1e-3  # µs: ts/dur are rounded to ns, so a child may end a hair after its parent


def parse_name(name: str) -> Frame:
    m = _PY.match(name)
    if m:
        return Frame(name=m["name"], file=m["file"], line=int(m["line"]))
    return Frame(name=name, native=True)


def parse_exception(name: str) -> Optional[Tuple[str, str]]:
    """(type, message) of an `Exception - <expr> = <repr>` instant event; None for a bare re-raise."""
    _, sep, value = name.partition(" = ")
    if not sep:
        return None
    m = _EXC.match(value.strip())
    if not m:
        return value.strip(), ""
    args = m["args"]
    try:
        parsed = ast.literal_eval(args) if args else ""
        message = parsed if isinstance(parsed, str) else str(parsed)
    except (ValueError, SyntaxError):
        message = args
    return m["type"], message


class _Walk:
    """Nesting of one thread's X events (sorted by start) → functions, stacks, depths, and the innermost
    Python function running at each exception instant."""

    def __init__(self, table: FrameTable, functions: Dict[int, FunctionStats]) -> None:
        self.table, self.functions = table, functions
        self.stacks: Dict[Tuple[str, Tuple[int, ...]], float] = {}
        self.raised_in: List[Tuple[Dict[str, Any], Optional[Frame]]] = []

    def run(
        self, events: List[Dict[str, Any]], instants: List[Dict[str, Any]], thread: str
    ) -> List[Tuple[Dict[str, Any], int, int]]:
        """[(event, frame index, depth)]; accumulates into functions / stacks / raised_in."""
        out = []
        open_: List[Tuple[float, int, List[float], Tuple[int, ...]]] = []  # (end, fidx, [child µs, µs], path)
        pending = sorted(instants, key=lambda e: float(e.get("ts", 0.0)))
        for ev in events + [{"ts": float("inf")}]:
            ts, dur = float(ev["ts"]), float(ev.get("dur", 0.0))
            while pending and float(pending[0].get("ts", 0.0)) < ts:
                self._place(pending.pop(0), open_, thread)
            while open_ and open_[-1][0] <= ts + _EPS:
                self._close(open_.pop(), thread)
            if "name" not in ev:
                break
            fidx = self.table.add(parse_name(str(ev["name"])))
            frame = self.table.frames[fidx]
            fn = self.functions.setdefault(
                fidx, FunctionStats(qualname=frame.name, file=frame.file, line=frame.line, calls=0)
            )
            fn.calls = (fn.calls or 0) + 1
            path = (open_[-1][3] if open_ else ()) + (fidx,)
            if fidx not in path[:-1]:  # recursion: the outermost call already counts this time
                fn.total_time += dur / 1e6
            if open_:
                parent = self.functions[open_[-1][1]]
                open_[-1][2][0] += dur
                parent.callees[fn.key] = parent.callees.get(fn.key, 0.0) + dur / 1e6
                fn.callers[parent.key] = fn.callers.get(parent.key, 0.0) + dur / 1e6
            out.append((ev, fidx, len(open_)))
            open_.append((ts + dur, fidx, [0.0, dur], path))
        return out

    def _place(
        self, instant: Dict[str, Any], open_: List[Tuple[float, int, List[float], Tuple[int, ...]]], thread: str
    ) -> None:
        ts = float(instant.get("ts", 0.0))
        while open_ and open_[-1][0] < ts - _EPS:
            self._close(open_.pop(), thread)
        frames = [self.table.frames[item[1]] for item in open_]
        self.raised_in.append((instant, next((f for f in reversed(frames) if not f.native), None)))

    def _close(self, item: Tuple[float, int, List[float], Tuple[int, ...]], thread: str) -> None:
        _, fidx, (children, dur), path = item
        self_s = max(dur - children, 0.0) / 1e6
        self.functions[fidx].self_time += self_s
        self.stacks[(thread, path)] = self.stacks.get((thread, path), 0.0) + self_s


def parse_trace(data: Dict[str, Any], timeline_cap: int = TIMELINE_CAP) -> Profile:
    """A Profile from a loaded VizTracer JSON."""
    events = data.get("traceEvents")
    if not isinstance(events, list):
        raise BackendOutputError("VizTracer's output has no traceEvents")
    threads: Dict[Tuple[Any, Any], str] = {}
    per_thread: Dict[Tuple[Any, Any], List[Dict[str, Any]]] = {}
    instants: Dict[Tuple[Any, Any], List[Dict[str, Any]]] = {}
    for ev in events:
        ph, key = ev.get("ph"), (ev.get("pid"), ev.get("tid"))
        if ph == "M" and ev.get("name") == "thread_name":
            threads[key] = str((ev.get("args") or {}).get("name", ""))
        elif ph == "X" and "ts" in ev and "name" in ev:
            per_thread.setdefault(key, []).append(ev)
        elif ph == "i" and str(ev.get("name", "")).startswith("Exception"):
            instants.setdefault(key, []).append(ev)
    table = FrameTable()
    functions: Dict[int, FunctionStats] = {}
    walk = _Walk(table, functions)
    placed: List[Tuple[Dict[str, Any], int, int, str]] = []
    for key in sorted(set(per_thread) | set(instants), key=str):
        evs = sorted(per_thread.get(key, []), key=lambda e: (float(e["ts"]), -float(e.get("dur", 0.0))))
        if evs and evs[0]["name"] == "builtins.exec":  # VizTracer's own exec of the program: not a call of it
            evs = evs[1:]
        name = threads.get(key) or f"thread {key[1]}"
        placed += [(ev, fidx, depth, name) for ev, fidx, depth in walk.run(evs, instants.get(key, []), name)]
    profile = Profile(frames=table.frames)
    profile.stacks = merge_stacks(
        [StackSample(frames=list(path), weight=w, thread=thread) for (thread, path), w in walk.stacks.items() if w > 0]
    )
    profile.functions = sorted(functions.values(), key=lambda f: -f.total_time)
    t0 = min((float(ev["ts"]) for ev, _, _, _ in placed), default=0.0)
    profile.timeline = timeline(placed, table.frames, t0, timeline_cap)
    profile.exceptions = exceptions(walk.raised_in)
    if len(placed) > timeline_cap:
        profile.meta.notes.append(f"The timeline keeps the {timeline_cap:,} longest of {len(placed):,} recorded calls.")
    meta = data.get("viztracer_metadata") or {}
    if meta.get("overflow"):
        profile.meta.notes.append(
            "VizTracer's trace buffer overflowed and dropped the EARLIEST calls: function totals cover only "
            "the end of the run. Pass a larger --tracer_entries (more memory) or --ignore_c_function."
        )
    profile.extras["viztracer"] = {"overflow": bool(meta.get("overflow")), "events": len(placed)}
    return profile


def timeline(
    placed: List[Tuple[Dict[str, Any], int, int, str]], frames: List[Frame], t0: float, cap: int
) -> List[TimelineEvent]:
    kept = sorted(placed, key=lambda p: -float(p[0].get("dur", 0.0)))[:cap]
    kept.sort(key=lambda p: float(p[0]["ts"]))
    out = []
    for ev, fidx, depth, thread in kept:
        frame, args = frames[fidx], ev.get("args") or {}
        func_args = args.get("func_args")
        retval = args.get("return_value")
        out.append(
            TimelineEvent(
                name=frame.name,
                start=(float(ev["ts"]) - t0) / 1e6,
                duration=float(ev.get("dur", 0.0)) / 1e6,
                file=frame.file,
                line=frame.line,
                thread=thread,
                depth=depth,
                args={str(k): str(v) for k, v in func_args.items()} if isinstance(func_args, dict) else None,
                return_value=None if retval is None or retval == "<NULL>" else str(retval),
            )
        )
    return out


def exceptions(raised_in: List[Tuple[Dict[str, Any], Optional[Frame]]]) -> List[ExceptionRecord]:
    """Exception records grouped by (type, message, function), placed at the raising function's first line."""
    grouped: Dict[Tuple[str, str, str, int], ExceptionRecord] = {}
    for ev, frame in raised_in:
        parsed = parse_exception(str(ev.get("name", "")))
        if parsed is None:
            continue
        file, line = (frame.file, frame.line) if frame else ("", 0)
        key = (parsed[0], parsed[1], file, line)
        if key in grouped:
            grouped[key].count += 1
        else:
            grouped[key] = ExceptionRecord(type=parsed[0], message=parsed[1], file=file, line=line)
    return list(grouped.values())


class VizTracerBackend(Backend):
    name = "viztracer"
    module = "viztracer"
    requirement = "viztracer==1.1.1"
    summary = "tracer: every call with its duration, a timeline, exceptions, arguments on request"

    def command(self, target: Target, python: str, out_dir: Path, options: BackendOptions) -> List[str]:
        argv = [python, "-m", "viztracer", "--quiet", "--tracer_entries", str(TRACER_ENTRIES), "--log_exception"]
        if options.log_args:
            argv += ["--log_func_args", "--log_func_retval"]
        argv += ["-o", str(out_dir / OUTPUT), *options.extra_args]
        if target.kind == "module":
            argv += ["-m", target.value]
        elif target.kind == "code":
            argv += ["-c", target.value]
        # "--" ends VizTracer's own options: the program's args are never read as VizTracer's.
        argv.append("--")
        if target.kind == "script":
            argv.append(target.value)
        return argv + list(target.args)

    def read(self, out_dir: Path, meta: RunMeta) -> Profile:
        data = read_json_object(out_dir / OUTPUT, "VizTracer")
        profile = parse_trace(data)
        notes = profile.meta.notes
        profile.meta = meta
        meta.notes.extend(n for n in NOTES + notes if n not in meta.notes)
        return profile
