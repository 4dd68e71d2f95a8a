"""speedscope export (https://www.speedscope.app/file-format-schema.json).

A time-ordered "evented" profile per thread when the backend recorded a timeline (VizTracer), else a
"sampled" profile per thread from the call stacks (or from flat function times when there are none).
Frames carry `file` and 1-based `line` (the function's first line) so viewers can open the source.
Units are seconds.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Tuple

from heatlens.version import __version__
from heatlens.model import Frame, Profile
from heatlens.reports.flame import nested_events, stacks_of

SCHEMA_URL = "https://www.speedscope.app/file-format-schema.json"


def _frame(frame: Frame) -> Dict[str, Any]:
    out: Dict[str, Any] = {"name": frame.name or "?"}
    if frame.file and not frame.native:
        out["file"] = frame.file
        if frame.line > 0:
            out["line"] = frame.line
    return out


def to_speedscope(profile: Profile) -> Dict[str, Any]:
    name = profile.meta.target or "heatlens profile"
    frames: List[Dict[str, Any]] = []
    profiles: List[Dict[str, Any]] = []
    if profile.timeline and not profile.stacks:
        index: Dict[Tuple[str, str, int], int] = {}
        for thread, rows in nested_events(profile.timeline).items():
            events: List[Dict[str, Any]] = []
            open_: List[Tuple[int, float]] = []
            for ev, start, end, _depth in rows:
                while open_ and open_[-1][1] <= start:
                    idx, at = open_.pop()
                    events.append({"type": "C", "frame": idx, "at": at})
                key = (ev.name, ev.file, ev.line)
                if key not in index:
                    index[key] = len(frames)
                    frames.append(_frame(Frame(name=ev.name, file=ev.file, line=ev.line, native=not ev.file)))
                events.append({"type": "O", "frame": index[key], "at": start})
                open_.append((index[key], end))
            while open_:
                idx, at = open_.pop()
                events.append({"type": "C", "frame": idx, "at": at})
            end_value = max((e["at"] for e in events), default=0.0)
            profiles.append({"type": "evented", "name": f"{name} · {thread}", "unit": "seconds",
                             "startValue": 0.0, "endValue": end_value, "events": events})
    else:
        stacks = stacks_of(profile)
        frames = [_frame(f) for f in stacks.frames]
        by_thread: Dict[str, List[Any]] = {}
        for s in stacks.samples:
            by_thread.setdefault(s.thread, []).append(s)
        for thread, samples in by_thread.items():
            weights = [s.weight for s in samples]
            profiles.append({"type": "sampled", "name": f"{name} · {thread}", "unit": "seconds",
                             "startValue": 0.0, "endValue": sum(weights),
                             "samples": [list(s.frames) for s in samples], "weights": weights})
    if not profiles:  # nothing with a call structure: an empty but valid document
        profiles.append({"type": "sampled", "name": name, "unit": "seconds", "startValue": 0.0,
                         "endValue": 0.0, "samples": [], "weights": []})
    return {
        "$schema": SCHEMA_URL,
        "shared": {"frames": frames},
        "profiles": profiles,
        "name": name,
        "activeProfileIndex": 0,
        "exporter": f"heatlens {__version__}",
    }


def to_speedscope_json(profile: Profile) -> str:
    return json.dumps(to_speedscope(profile), allow_nan=False) + "\n"
