"""One sentence that accounts for a run's time: wall = measured + blocked or waiting + not seen.

A run has three totals (wall time, the process tree's CPU time, and what the backend attributed to lines
or functions); shown side by side they look contradictory. Here each gets a label and the parts add up to
the wall time, so the user sees how much the profiler could not attribute.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from heatlens.reports import attribution as at
from heatlens.reports import document as doc

# What a basis's total is made of, as the sentence names it.
_MEASURED = {at.LINES_CPU: "CPU measured per line", at.LINES_WALL: "measured per line",
             at.FUNCTIONS: "measured in functions", at.STACKS: "measured in call stacks"}
_SLACK = 0.005  # seconds: rounding between the totals is not a part worth naming


def account(wall: Optional[float], cpu: Optional[float], measured: float, basis: str) -> Dict[str, Any]:
    """The parts of the wall time (seconds, None where unknown). `cpu_in_parallel`: the CPU time exceeds the
    wall time (threads or processes ran at once), so the parts add up to the CPU time instead."""
    wall = wall if wall and wall > 0 else None
    cpu = cpu if cpu and cpu > 0 else None
    out: Dict[str, Any] = {"wall": wall, "cpu": cpu, "measured": measured, "basis": basis,
                           "waiting": None, "not_seen": None, "cpu_in_parallel": False}
    if basis == at.LINES_CPU and cpu is not None:
        out["not_seen"] = max(cpu - measured, 0.0)
        if wall is not None and cpu > wall + _SLACK:
            out["cpu_in_parallel"] = True
        elif wall is not None:
            out["waiting"] = max(wall - cpu, 0.0)
    elif basis != at.LINES_CPU and wall is not None and measured <= wall + _SLACK:
        out["not_seen"] = max(wall - measured, 0.0)  # these bases count wall time (waits included)
    return out


def _part(seconds: float, label: str) -> str:
    return f"{doc.seconds(seconds)} {label}"


def sentence(acc: Dict[str, Any]) -> str:
    """E.g. `3.41 s wall = 1.59 s CPU measured per line (the shares below) + 1.59 s blocked or waiting
    (I/O, sleep, locks) + 0.23 s not seen by the profiler (7%: start-up, between samples)`."""
    wall, cpu, measured = acc["wall"], acc["cpu"], acc["measured"]
    what = _MEASURED.get(acc["basis"], "measured")
    parts = [_part(measured, f"{what} (the shares below)")]
    if acc["waiting"] is not None and acc["waiting"] >= _SLACK:
        parts.append(_part(acc["waiting"], "blocked or waiting (I/O, sleep, locks, child processes)"))
    not_seen = acc["not_seen"]
    if not_seen is not None:
        whole = cpu if acc["basis"] == at.LINES_CPU else wall
        share = f"{doc.percent(not_seen / whole)}: " if whole else ""
        parts.append(_part(not_seen, f"not seen by the profiler ({share}start-up, between samples)"))
    if acc["cpu_in_parallel"]:
        return (f"{doc.seconds(cpu)} CPU in {doc.seconds(wall)} wall (threads or processes at once) = "
                + " + ".join(parts) + ".")
    if not_seen is None or wall is None:
        known = [f"{doc.seconds(wall)} wall" if wall else "", f"{doc.seconds(cpu)} CPU" if cpu else ""]
        head = " and ".join(k for k in known if k)
        return f"{parts[0][0].upper()}{parts[0][1:]}" + (f"; the run took {head}." if head else ".")
    on_cpu = f" ({doc.seconds(cpu)} of it on CPU)" if cpu and acc["basis"] != at.LINES_CPU else ""
    return f"{doc.seconds(wall)} wall{on_cpu} = " + " + ".join(parts) + "."
