"""Chrome trace event export (the JSON Object Format: {"traceEvents": [...]}), for Perfetto and
chrome://tracing. Complete ("X") events with µs `ts`/`dur`: from the timeline when the backend recorded
one, else synthesized from call stacks laid end to end (a flame chart, not real time order). Every event,
the thread-name metadata ("M") ones included, carries ph, ts, dur, pid, tid and name.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from heatlens.model import Profile
from heatlens.reports.flame import layout, nested_events, stacks_of

_US = 1e6


def to_chrome_trace(profile: Profile) -> Dict[str, Any]:
    pid = profile.meta.pid or 1
    tids: Dict[str, int] = {}
    events: List[Dict[str, Any]] = []

    def tid(thread: str) -> int:
        if thread not in tids:
            tids[thread] = len(tids) + 1
        return tids[thread]

    if profile.timeline:
        source = "timeline"
        for thread, rows in nested_events(profile.timeline).items():
            for ev, start, end, _depth in rows:
                args: Dict[str, Any] = {"file": ev.file, "line": ev.line}
                if ev.args:
                    args["args"] = dict(ev.args)
                if ev.return_value is not None:
                    args["return_value"] = ev.return_value
                events.append({"name": ev.name, "cat": "python", "ph": "X", "ts": start * _US,
                               "dur": (end - start) * _US, "pid": pid, "tid": tid(thread), "args": args})
    else:
        stacks = stacks_of(profile)
        source = stacks.source
        for thread, spans in layout(stacks).items():
            for idx, start, end, depth in spans:
                frame = stacks.frames[idx]
                events.append({"name": frame.name, "cat": "native" if frame.native else "python", "ph": "X",
                               "ts": start * _US, "dur": (end - start) * _US, "pid": pid, "tid": tid(thread),
                               "args": {"file": frame.file, "line": frame.line, "depth": depth}})
    meta = [{"name": "thread_name", "ph": "M", "ts": 0, "dur": 0, "pid": pid, "tid": t,
             "args": {"name": thread}} for thread, t in tids.items()]
    meta.append({"name": "process_name", "ph": "M", "ts": 0, "dur": 0, "pid": pid, "tid": 0,
                 "args": {"name": profile.meta.target or "python"}})
    return {
        "traceEvents": meta + events,
        "displayTimeUnit": "ms",
        "otherData": {"exporter": "heatlens", "source": source, "target": profile.meta.target,
                      "backend": profile.meta.backend},
    }


def to_chrome_json(profile: Profile) -> str:
    return json.dumps(to_chrome_trace(profile), allow_nan=False) + "\n"
