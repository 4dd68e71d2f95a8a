"""The summary report's "Processes" section: the target and the child processes profiled with it
(Profile.processes), each with its share of the run's CPU, as plain data (the JSON form) and as document
blocks. Shown only when there is more than one process."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from heatlens.model import Profile
from heatlens.reports import document as doc

_ARGV_WIDTH = 60


def summarize(profile: Profile) -> Optional[Dict[str, Any]]:
    """None with a single process (or none known). A share is of the CPU all processes used, as each
    measured its own (falling back to its sampled CPU)."""
    procs = profile.processes or []
    if len(procs) < 2:
        return None
    cpu = [p.cpu_time or p.sampled_cpu for p in procs]
    total = sum(cpu)
    return {
        "total_cpu": total,
        "processes": [
            {"pid": p.pid, "parent_pid": p.parent_pid, "name": p.name, "start": p.start, "argv": list(p.argv),
             "cpu_time": c, "share": c / total if total > 0 else 0.0, "sampled_cpu": p.sampled_cpu,
             "wall_time": p.wall_time, "samples": p.samples, "exit_code": p.exit_code, "complete": p.complete}
            for p, c in zip(procs, cpu)
        ],
    }


def _command(argv: List[str]) -> str:
    text = " ".join(argv[1:] if len(argv) > 1 else argv)
    return text if len(text) <= _ARGV_WIDTH else text[: _ARGV_WIDTH - 1] + "…"


def blocks(data: Optional[Dict[str, Any]]) -> List[doc.Block]:
    if not data:
        return []
    rows = [[str(r["pid"]), r["name"] or "-", r["start"] + ("" if r["complete"] else " (killed)"),
             doc.seconds(r["cpu_time"]), doc.percent(r["share"]), doc.seconds(r["wall_time"]), _command(r["argv"])]
            for r in data["processes"]]
    return [
        doc.Heading("Processes", 2),
        doc.Para(f"{len(rows)} processes used {doc.seconds(data['total_cpu'])} of CPU; lines and functions above "
                 "add them all up."),
        doc.Table(["pid", "name", "started by", "CPU", "share", "wall", "command"], rows,
                  ["r", "l", "l", "r", "r", "r", "l"]),
    ]
