"""pyinstrument 5.x adapter: `python -m pyinstrument -o x.pyisession` → call stacks and function times.

The `.pyisession` file is JSON: `frame_records` is a list of `[[frame ids root→leaf], seconds]`; a frame
id is `name\\0file\\0first_line`, optionally followed by `\\x01c<Class>` and `\\x01l<line>`; the first id
is the thread (`MainThread\\0<thread>\\0ident`). Files are as the target typed them (relative to its cwd).

What this adapter deliberately does not use: the per-frame `\\x01l<line>` is where the next call/return
event fired, not where the time was spent (measured, see BACKENDS.md), so no line stats are produced.
pyinstrument samples only at call/return events and only the main thread.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from heatlens.backends.base import Backend, BackendOptions, BackendOutputError, Target, resolve_path
from heatlens.model import Frame, FunctionStats, Profile, RunMeta, StackSample

OUTPUT = "profile.pyisession"

NOTES = [
    "pyinstrument samples only the main thread: time in other threads is not shown.",
    "pyinstrument reports functions and call stacks, not lines: line heat needs another backend.",
    "pyinstrument takes its samples at function calls and returns: a loop without calls is timed "
    "as a whole, at the next call or return.",
]

_PYINSTRUMENT_MAIN = re.compile(r"pyinstrument[/\\]__main__\.py$")


def functions_from_stacks(frames: Sequence[Frame], stacks: Sequence[StackSample]) -> List[FunctionStats]:
    """Per-function self/total time and caller/callee edges from weighted stacks.

    Self time is the leaf's weight; total time counts a function once per stack (recursion is not double
    counted); an edge is counted once per stack. Shared by every sampling adapter.
    """
    self_t: Dict[int, float] = {}
    total_t: Dict[int, float] = {}
    edges: Dict[Tuple[int, int], float] = {}
    for s in stacks:
        if not s.frames:
            continue
        leaf = s.frames[-1]
        self_t[leaf] = self_t.get(leaf, 0.0) + s.weight
        for i in set(s.frames):
            total_t[i] = total_t.get(i, 0.0) + s.weight
        for pair in set(zip(s.frames, s.frames[1:])):
            if pair[0] != pair[1]:
                edges[pair] = edges.get(pair, 0.0) + s.weight
    stats = {
        i: FunctionStats(
            qualname=frames[i].name,
            file=frames[i].file,
            line=frames[i].line,
            self_time=self_t.get(i, 0.0),
            total_time=t,
        )
        for i, t in total_t.items()
    }
    for (caller, callee), w in edges.items():
        stats[callee].callers[stats[caller].key] = stats[callee].callers.get(stats[caller].key, 0.0) + w
        stats[caller].callees[stats[callee].key] = stats[caller].callees.get(stats[callee].key, 0.0) + w
    return sorted(stats.values(), key=lambda f: -f.total_time)


class FrameTable:
    """Interns frames so that stacks are lists of indices into `frames`."""

    def __init__(self) -> None:
        self.frames: List[Frame] = []
        self._index: Dict[Tuple[str, str, int, bool], int] = {}

    def add(self, frame: Frame) -> int:
        key = (frame.name, frame.file, frame.line, frame.native)
        if key not in self._index:
            self._index[key] = len(self.frames)
            self.frames.append(frame)
        return self._index[key]


def merge_stacks(stacks: Sequence[StackSample]) -> List[StackSample]:
    """Identical (frames, thread, leaf line) stacks summed into one, in first-seen order."""
    merged: Dict[Tuple[Tuple[int, ...], str, int], StackSample] = {}
    for s in stacks:
        key = (tuple(s.frames), s.thread, s.leaf_line)
        if key in merged:
            merged[key].weight += s.weight
        else:
            merged[key] = StackSample(frames=list(s.frames), weight=s.weight, thread=s.thread, leaf_line=s.leaf_line)
    return list(merged.values())


def parse_frame_id(frame_id: str) -> Tuple[str, str, int, Optional[str]]:
    """(function name, file, first line, class name or None) of a pyinstrument frame id."""
    head, *attrs = frame_id.split("\x01")
    parts = head.split("\x00")
    name = parts[0]
    file = parts[1] if len(parts) > 1 else ""
    try:
        line = int(parts[2]) if len(parts) > 2 else 0
    except ValueError:
        line = 0
    cls = next((a[1:] for a in attrs if a.startswith("c")), None)
    return name, file, line, cls


def _is_runner_frame(file: str) -> bool:
    return file == "<frozen runpy>" or file.endswith("runpy.py") or bool(_PYINSTRUMENT_MAIN.search(file))


def strip_launcher(ids: List[str]) -> List[str]:
    """The target's own frames: drop pyinstrument's CLI frames (its __main__, the exec'd `<string>` and
    runpy) that precede the program. Stacks that never reached the program (start-up) come back empty."""
    files = [parse_frame_id(i)[1] for i in ids]
    start = next((k for k, f in enumerate(files) if _PYINSTRUMENT_MAIN.search(f)), None)
    if start is None:
        return ids
    k = start
    while k < len(ids) and _PYINSTRUMENT_MAIN.search(files[k]):
        k += 1
    if k < len(ids) and files[k] == "<string>" and k + 1 < len(ids) and _is_runner_frame(files[k + 1]):
        k += 1  # pyinstrument's own exec of "run_path(...)" / "run_module(...)"
    while k < len(ids) and _is_runner_frame(files[k]):
        k += 1
    return ids[k:]


def parse_session(data: Dict[str, object], cwd: Optional[str]) -> Profile:
    """A Profile (stacks, frames, functions) from a loaded `.pyisession` dict."""
    records = data.get("frame_records")
    if not isinstance(records, list):
        raise BackendOutputError("the pyinstrument session has no frame_records")
    table = FrameTable()
    stacks: List[StackSample] = []
    for record in records:
        ids, seconds = record[0], float(record[1])
        thread = "MainThread"
        if ids and "\x00<thread>\x00" in ids[0]:
            thread = ids[0].split("\x00")[0]
            ids = ids[1:]
        indices = []
        for frame_id in strip_launcher(list(ids)):
            name, file, line, cls = parse_frame_id(frame_id)
            native = file == "<built-in>"
            qualname = f"{cls}.{name}" if cls else name
            frame = Frame(name=qualname, file="" if native else resolve_path(file, cwd), line=line, native=native)
            indices.append(table.add(frame))
        if indices:
            stacks.append(StackSample(frames=indices, weight=seconds, thread=thread))
    stacks = merge_stacks(stacks)
    profile = Profile(frames=table.frames, stacks=stacks, functions=functions_from_stacks(table.frames, stacks))
    profile.extras["pyinstrument"] = {
        "duration": data.get("duration"),
        "cpu_time": data.get("cpu_time"),
        "sample_count": data.get("sample_count"),
    }
    return profile


class PyinstrumentBackend(Backend):
    name = "pyinstrument"
    module = "pyinstrument"
    requirement = "pyinstrument==5.1.3"
    summary = "statistical call-stack profiler (functions and call tree, main thread only)"

    def command(self, target: Target, python: str, out_dir: Path, options: BackendOptions) -> List[str]:
        interval = max(options.sample_interval, 0.0001)
        return [
            python,
            "-m",
            "pyinstrument",
            "-i",
            repr(interval),
            "-r",
            "pyisession",
            "-o",
            str(out_dir / OUTPUT),
            *options.extra_args,
            *target.python_argv_tail(),
        ]

    def read(self, out_dir: Path, meta: RunMeta) -> Profile:
        path = out_dir / OUTPUT
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise BackendOutputError(f"pyinstrument wrote no profile ({exc})") from exc
        if not text.strip():
            raise BackendOutputError(
                "pyinstrument wrote an empty profile: it saves one only when the program ends normally "
                "or by sys.exit, not when it dies of an uncaught exception (see the program's stderr)"
            )
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise BackendOutputError(f"pyinstrument's profile is not valid JSON: {exc}") from exc
        profile = parse_session(data, meta.cwd or None)
        profile.meta = meta
        meta.notes.extend(n for n in NOTES if n not in meta.notes)
        if meta.sample_interval is None:
            interval = data.get("min_interval")
            meta.sample_interval = float(interval) if isinstance(interval, (int, float)) else None
        if not profile.stacks:
            meta.notes.append("pyinstrument took no sample inside the program (it ran too briefly).")
        return profile
