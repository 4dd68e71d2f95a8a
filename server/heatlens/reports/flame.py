"""Call-stack shapes shared by the flame-graph exports: stacks (from samples, or derived from a timeline
or from flat function times), a merged call tree, and a time layout of stacks for trace viewers."""

from __future__ import annotations

from typing import Dict, List, Tuple

import attrs

from heatlens.model import Frame, Profile, StackSample, TimelineEvent

FrameKey = Tuple[str, str, int]


@attrs.define
class Stacks:
    """Stacks over their own frame table (root -> leaf indices), with weights in seconds."""

    frames: List[Frame]
    samples: List[StackSample]
    source: str  # "stacks" | "timeline" | "functions" | "none"


def stacks_of(profile: Profile) -> Stacks:
    if profile.stacks:
        return Stacks(list(profile.frames), list(profile.stacks), "stacks")
    if profile.timeline:
        return _from_timeline(profile.timeline)
    frames: List[Frame] = []
    samples: List[StackSample] = []
    for fn in profile.functions:  # flat: each function alone, weighted by its self time
        if fn.self_time > 0:
            frames.append(Frame(name=fn.qualname, file=fn.file, line=fn.line, native=fn.file in ("", "~")))
            samples.append(StackSample(frames=[len(frames) - 1], weight=fn.self_time))
    return Stacks(frames, samples, "functions" if samples else "none")


def nested_events(events: List[TimelineEvent]) -> Dict[str, List[Tuple[TimelineEvent, float, float, int]]]:
    """Per thread, events as (event, start, end, depth) properly nested: sorted by start (longest first),
    each child clamped to its parent's end, so that open/close pairs never cross."""
    out: Dict[str, List[Tuple[TimelineEvent, float, float, int]]] = {}
    by_thread: Dict[str, List[TimelineEvent]] = {}
    for ev in events:
        by_thread.setdefault(ev.thread, []).append(ev)
    for thread, evs in by_thread.items():
        evs.sort(key=lambda e: (e.start, -e.duration, e.depth))
        open_ends: List[float] = []
        rows = []
        for ev in evs:
            start = max(ev.start, 0.0)
            while open_ends and open_ends[-1] <= start:
                open_ends.pop()
            end = start + max(ev.duration, 0.0)
            if open_ends:
                end = min(end, open_ends[-1])
            rows.append((ev, start, end, len(open_ends)))
            open_ends.append(end)
        out[thread] = rows
    return out


def _from_timeline(events: List[TimelineEvent]) -> Stacks:
    """Stacks from nested timeline events: each event's self time (its duration minus its children's)."""
    frames: List[Frame] = []
    index: Dict[FrameKey, int] = {}
    samples: List[StackSample] = []
    for thread, rows in nested_events(events).items():
        path: List[List[float]] = []  # [frame, end, self time left] per open event
        selfs: Dict[Tuple[int, ...], float] = {}
        for ev, start, end, _depth in rows:
            while path and path[-1][1] <= start:
                _pop(path, selfs)
            key3 = (ev.name, ev.file, ev.line)
            if key3 not in index:
                index[key3] = len(frames)
                frames.append(Frame(name=ev.name, file=ev.file, line=ev.line, native=not ev.file))
            if path:
                path[-1][2] -= end - start
            path.append([float(index[key3]), end, end - start])
        while path:
            _pop(path, selfs)
        samples.extend(
            StackSample(frames=list(k), weight=w, thread=thread) for k, w in selfs.items() if w > 1e-12
        )
    return Stacks(frames, samples, "timeline" if samples else "none")


def _pop(path: List[List[float]], selfs: Dict[Tuple[int, ...], float]) -> None:
    idx, _end, self_time = path.pop()
    key = tuple(int(p[0]) for p in path) + (int(idx),)
    selfs[key] = selfs.get(key, 0.0) + self_time


@attrs.define
class Node:
    frame: int  # index into Stacks.frames; -1 for the root
    value: float = 0.0
    children: Dict[int, "Node"] = attrs.Factory(dict)


def merged_tree(stacks: Stacks) -> Node:
    root = Node(-1)
    for sample in stacks.samples:
        node = root
        root.value += sample.weight
        for idx in sample.frames:
            node = node.children.setdefault(idx, Node(idx))
            node.value += sample.weight
    return root


def layout(stacks: Stacks) -> Dict[str, List[Tuple[int, float, float, int]]]:
    """Per thread, (frame, start, end, depth) intervals that lay the stacks out end to end, merged where
    consecutive stacks share a prefix (stacks sorted by their frame names, as flame graphs do)."""
    out: Dict[str, List[Tuple[int, float, float, int]]] = {}
    by_thread: Dict[str, List[StackSample]] = {}
    for s in stacks.samples:
        by_thread.setdefault(s.thread, []).append(s)
    for thread, samples in by_thread.items():
        samples.sort(key=lambda s: [(stacks.frames[i].name, stacks.frames[i].file) for i in s.frames])
        t = 0.0
        open_: List[Tuple[int, float]] = []  # (frame, start)
        rows: List[Tuple[int, float, float, int]] = []
        for s in samples:
            common = 0
            while common < min(len(open_), len(s.frames)) and open_[common][0] == s.frames[common]:
                common += 1
            while len(open_) > common:
                idx, start = open_.pop()
                rows.append((idx, start, t, len(open_)))
            for idx in s.frames[common:]:
                open_.append((idx, t))
            t += s.weight
        while open_:
            idx, start = open_.pop()
            rows.append((idx, start, t, len(open_)))
        rows.sort(key=lambda r: (r[1], r[3]))
        out[thread] = rows
    return out
