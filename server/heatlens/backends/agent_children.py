"""The agent's output files, one set per process (the target and each Python child it started), read and
merged into one run: combined line and function data sum every process, `Profile.processes` keeps each.

Each process writes its final profile to `<name>.json` and periodic snapshots to `<name>.json.part-<slot>`
(one file per writer, see _agent/heatlens_agent_output). A process killed before its final write still
counts, with the newest of its snapshots. Children write into `children/<pid>.json`
(_agent/heatlens_agent_children); pure functions over the JSON apart from reading the files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from heatlens.model import ProcessInfo

CHILDREN = "children"  # sub-folder of the run's output folder where the children write
_PART = ".part-"


def _load(path: Path) -> Optional[Dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == "heatlens-agent" else None


def read_latest(path: Path) -> Optional[Dict[str, Any]]:
    """The final profile at `path`, else the newest periodic snapshot next to it; None when neither."""
    final = _load(path)
    if final is not None:
        return final
    parts = [d for d in (_load(p) for p in path.parent.glob(path.name + _PART + "*")) if d is not None]
    return max(parts, key=lambda d: float(d.get("meta", {}).get("wall") or 0.0), default=None)


def read_children(folder: Path) -> List[Dict[str, Any]]:
    """Every child's profile in `folder` (final or newest snapshot), in order of pid."""
    try:
        names = {p.name.split(_PART)[0] for p in folder.iterdir() if p.name.split(_PART)[0].endswith(".json")}
    except OSError:
        return []
    found = [(name, read_latest(folder / name)) for name in names]
    return [d for _, d in sorted(found, key=lambda nd: _pid_of(nd[0])) if d is not None]


def _pid_of(name: str) -> int:
    try:
        return int(name.split(".")[0])
    except ValueError:
        return 0


def label(meta: Dict[str, Any]) -> str:
    """How a child's threads are named in the combined data: "pid 1234/MainThread"."""
    return "pid %s" % meta.get("pid", "?")


def merge(main: Dict[str, Any], children: List[Dict[str, Any]]) -> Dict[str, Any]:
    """One agent output whose stacks, memory lines and exceptions are those of every process: lines and
    functions that several processes ran add up. The run's own facts (meta, GC, imports, memory timeline)
    stay the target's."""
    if not children:
        return main
    out = dict(main)
    frames: List[List[Any]] = [list(f) for f in main.get("frames", [])]
    index: Dict[Tuple[str, str], int] = {(f[0], f[1]): i for i, f in enumerate(frames)}
    stacks = list(main.get("stacks", []))
    memory = list(main.get("memory_lines", []))
    exceptions = list(main.get("exceptions", []))
    for child in children:
        remap = []
        for f in child.get("frames", []):
            key = (f[0], f[1])
            if key not in index:
                index[key] = len(frames)
                frames.append([f[0], f[1]])
            remap.append(index[key])
        prefix = label(child.get("meta", {}))
        for s in child.get("stacks", []):
            s = dict(s)
            s["frames"] = [[remap[fid], line] for fid, line in s.get("frames", [])]
            s["thread"] = "%s/%s" % (prefix, s.get("thread", "MainThread"))
            stacks.append(s)
        memory += child.get("memory_lines", [])
        exceptions += child.get("exceptions", [])
    out.update(frames=frames, stacks=stacks, memory_lines=memory, exceptions=exceptions)
    return out


def process_info(data: Dict[str, Any]) -> ProcessInfo:
    m = data.get("meta", {})
    argv = m.get("cmdline") or []
    if m.get("kind") != "child":  # the target (or its fork): its own command line, not the agent's that ran it
        argv = [m.get("executable") or "python", *(m.get("argv") or [])]
    sampled = sum(float(s.get("python", 0.0)) + float(s.get("native", 0.0)) for s in data.get("stacks", []))
    return ProcessInfo(
        pid=int(m.get("pid") or 0), parent_pid=m.get("ppid"), name=str(m.get("name") or ""),
        start=str(m.get("role") or "main"), argv=[str(a) for a in argv],
        cpu_time=float(m.get("cpu") or 0.0), wall_time=float(m.get("wall") or 0.0),
        samples=int(m.get("samples") or 0), sampled_cpu=sampled,
        exit_code=-15 if m.get("exit_code") is None and m.get("signal") == "SIGTERM" else m.get("exit_code"),
        complete=bool(m.get("complete", True)),
    )


def notes(children: List[Dict[str, Any]]) -> List[str]:
    """What the user should know about the children's data."""
    out = []
    if children:
        out.append(f"agent: {len(children)} child process(es) profiled; lines and functions add up all processes")
    late = [str(c.get("meta", {}).get("pid")) for c in children if not c.get("meta", {}).get("complete", True)]
    if late:
        out.append("agent: child process(es) %s ended before their final write; their last periodic snapshot "
                   "is used" % ", ".join(late))
    return out
