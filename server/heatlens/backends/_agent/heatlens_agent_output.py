"""Turns the agent's sampler state into its JSON output file (stdlib only; runs in the target).

JSON, not msgpack: the target's environment may not have msgpack, and the agent must need nothing but
the stdlib. Written atomically (temporary file + os.replace) so the daemon never reads half a file.
Frames are (file, co_name) with the line executing; the daemon's adapter resolves qualified names and
first lines from the source, so the target never spends time (or memory, which would be measured)
compiling files.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from typing import Any, Dict, List, Tuple

from heatlens_agent_collectors import WRAPPER_FILE

FORMAT = "heatlens-agent"
VERSION = 1
SERIES_LINES = 50  # "traced_series": live memory over time of the lines with the largest peaks
_LINE = re.compile(r'^  File "(.*)", line (\d+) in (.*)$')
_ESC = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})")


def _unescape(text: str) -> str:
    """faulthandler writes non-ASCII characters as \\xNN, \\uNNNN or \\UNNNNNNNN."""
    return _ESC.sub(lambda m: chr(int(m.group(1)[1:], 16)), text) if "\\" in text else text


def parse_stack(body: str, cwd: str, skip_dirs: Tuple[str, ...]) -> List[Tuple[str, int, str]]:
    """faulthandler text (leaf first) -> [(file, line, name)] root first, without the agent's own
    frames (and runpy's) under the target."""
    frames = []
    for raw in body.splitlines():
        m = _LINE.match(raw)
        if m is None:
            continue
        path = _unescape(m.group(1))
        if path and not path.startswith("<") and not os.path.isabs(path):
            path = os.path.normpath(os.path.join(cwd, path))
        frames.append((path, int(m.group(2)), m.group(3)))
    frames.reverse()
    i = 0
    while i < len(frames) and (frames[i][0].startswith(skip_dirs) or _is_runpy(frames[i][0])):
        i += 1
    return [f for f in frames[i:] if f[0] != WRAPPER_FILE]


def _is_runpy(path: str) -> bool:
    return path == "<frozen runpy>" or path.endswith(os.sep + "runpy.py")


class Builder:
    """Keeps the resolver and parsed stacks between the periodic writes."""

    def __init__(self, cwd: str, skip_dir: str) -> None:
        self.cwd = cwd
        self.skip = (skip_dir + os.sep,)
        self._parsed: Dict[str, List[Tuple[str, int, str]]] = {}

    def _stack(self, body: str) -> List[Tuple[str, int, str]]:
        got = self._parsed.get(body)
        if got is None:
            got = self._parsed[body] = parse_stack(body, self.cwd, self.skip)
        return got

    def build(self, s: Any, meta: Dict[str, Any]) -> Dict[str, Any]:
        frames: List[List[Any]] = []
        frame_ids: Dict[Tuple[str, str], int] = {}
        stacks: Dict[Tuple[str, Tuple[Tuple[int, int], ...]], List[float]] = {}
        names = dict(s.names)
        names[s.main_ident] = "MainThread"

        def add(tid: int, body: str, py: float, nat: float, blocked: float, n: float) -> None:
            path = []
            for file, line, name in self._stack(body):
                fid = frame_ids.get((file, name))
                if fid is None:
                    fid = frame_ids[(file, name)] = len(frames)
                    frames.append([file, name])
                path.append((fid, line))
            if not path:
                return
            key = (names.get(tid, "Thread-%x" % tid), tuple(path))
            acc = stacks.setdefault(key, [0.0, 0.0, 0.0, 0])
            acc[0] += py
            acc[1] += nat
            acc[2] += blocked
            acc[3] += n

        for (tid, body), (py, nat, n) in list(dict(s.cpu).items()):
            add(tid, body, py, nat, 0.0, n)
        for (tid, body), blocked in list(dict(s.blocked).items()):
            add(tid, body, 0.0, 0.0, blocked, 0)
        mem = []
        for leaf, (alloc, freed, _live, peak) in list(dict(s.mem).items()):
            parsed = parse_stack(leaf, self.cwd, ())
            if parsed:
                file, line, _ = parsed[-1]
                mem.append([file, line, alloc, freed, peak])
        out = {
            "format": FORMAT,
            "version": VERSION,
            "meta": meta,
            "frames": frames,
            "stacks": [
                {"thread": th, "frames": [list(p) for p in path], "python": v[0], "native": v[1],
                 "blocked": v[2], "samples": v[3]}
                for (th, path), v in stacks.items()
            ],
            "memory_lines": mem,
            "memory_series": list(s.series),
        }
        if s.snap_last is not None:
            final = s.snap_last
            peaks = [(pk, site) for site, pk in list(s.snap_peaks.items()) if pk > 0 and not site[0].startswith(self.skip)]
            out["traced_lines"] = [[f, ln, final.get((f, ln), 0), pk] for pk, (f, ln) in peaks]
            snaps = list(s.snapshots)
            top = [site for _, site in sorted(peaks, reverse=True)[:SERIES_LINES]]
            out["traced_series"] = {
                "times": [t for t, _ in snaps],
                "lines": [[f, ln, [rows.get((f, ln), 0) for _, rows in snaps]] for f, ln in top],
            }
        return out


def write_atomic(path: str, data: Dict[str, Any]) -> None:
    # One C-level encode, one write: json.dump's chunk-by-chunk writes each wait for the GIL, which a
    # CPU-bound target holds for a whole switch interval (5 ms), so a write could take seconds.
    # The temporary file is the writer's own (process and thread): concurrent writers never share one, so
    # none waits for another (a writer starved of the GIL cannot hold the others back).
    text = json.dumps(data, separators=(",", ":"))
    tmp = "%s.%d.%d.tmp" % (path, os.getpid(), threading.get_ident())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def part_path(path: str, slot: str) -> str:
    """Where the periodic writer `slot` ("main": the signal handler, "wall": the wall thread) puts its
    snapshots; the final write goes to `path` itself, so no late periodic write can replace it."""
    return "%s.part-%s" % (path, slot)


def python_version() -> str:
    return "%d.%d.%d" % sys.version_info[:3]
