"""One sentence that accounts for a run's time: wall = measured + off CPU + not seen + outside the program.

A run has three totals (wall time, the process tree's CPU time, and what the backend attributed to lines
or functions); shown side by side they look contradictory. Here each gets a label and the parts add up to
the wall time, so the user sees how much the profiler could not attribute. Where the backend knows the
program's own span (its first line to its end), the rest of the wall time is told apart: the interpreter
starting, the sampler attaching, the run ending are not the program's waits.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from heatlens.reports import attribution as at
from heatlens.reports import document as doc

# What a basis's total is made of, as the sentence names it.
_MEASURED = {at.LINES_CPU: "CPU measured per line", at.LINES_WALL: "measured per line",
             at.FUNCTIONS: "measured in functions", at.STACKS: "measured in call stacks"}
_SLACK = 0.005  # seconds: rounding between the totals is not a part worth naming


def _positive(seconds: Optional[float]) -> Optional[float]:
    return seconds if seconds and seconds > 0 else None


def account(wall: Optional[float], cpu: Optional[float], measured: float, basis: str,
            program_wall: Optional[float] = None, core_wait: Optional[float] = None,
            paused_reads: Optional[int] = None, memory_stops: Optional[float] = None) -> Dict[str, Any]:
    """The parts of the wall time (seconds, None where unknown). `program_wall`: the program's own span, the
    CPU's too (the rest of `wall` is `outside`); `core_wait`: its main thread's wait for a core in it, and
    `memory_stops`: heatlens stopping it to read memory, both taken out of the off-CPU part; `paused_reads`: the
    sampler's stops, named in that part. `cpu_in_parallel`: the CPU time exceeds the wall time (threads or
    processes ran at once), so the parts add up to the CPU time."""
    wall, cpu = _positive(wall), _positive(cpu)
    span = program_wall if program_wall and wall and program_wall <= wall + _SLACK else None
    outside = None if span is None or wall is None else max(wall - span, 0.0)
    out: Dict[str, Any] = {"wall": wall, "cpu": cpu, "measured": measured, "basis": basis, "program_wall": span,
                           "outside": outside, "core_wait": None, "memory_stops": None,
                           "paused_reads": paused_reads or None, "waiting": None, "not_seen": None,
                           "cpu_in_parallel": False}
    inside = span if span is not None else wall
    if basis == at.LINES_CPU and cpu is not None:
        out["not_seen"] = max(cpu - measured, 0.0)
        if inside is not None and cpu > inside + _SLACK:
            out["cpu_in_parallel"] = True
        elif inside is not None:
            off = max(inside - cpu, 0.0)
            for key, seconds in (("memory_stops", memory_stops), ("core_wait", core_wait)):
                if seconds is not None and span is not None:
                    out[key] = min(max(seconds, 0.0), off)
                    off -= out[key]
            out["waiting"] = off
    elif basis != at.LINES_CPU and inside is not None and measured <= inside + _SLACK:
        out["not_seen"] = max(inside - measured, 0.0)  # these bases count wall time (waits included)
    return out


def _part(seconds: float, label: str) -> str:
    return f"{doc.seconds(seconds)} {label}"


def _waits(acc: Dict[str, Any]) -> str:
    """What the off-CPU part can be made of: a core is named where its wait was not measured apart."""
    causes = "I/O, sleep, locks, child processes" + (", a core" if acc["core_wait"] is None else "")
    stops = acc["paused_reads"]
    return f"blocked or waiting ({causes})" + (f" or stopped for the sampler's {stops:,} reads" if stops else "")


def sentence(acc: Dict[str, Any]) -> str:
    """E.g. `3.41 s wall = 1.59 s CPU measured per line (the shares below) + 1.59 s blocked or waiting
    (I/O, sleep, locks, child processes, a core) + 0.23 s not seen by the profiler (7%: start-up, between
    samples)`; with the program's span known, its first line and end: `... + 0.05 s outside the program (...)`."""
    wall, cpu, measured = acc["wall"], acc["cpu"], acc["measured"]
    span, outside = acc["program_wall"], acc["outside"]
    what = _MEASURED.get(acc["basis"], "measured")
    parts = [_part(measured, f"{what} (the shares below)")]
    if acc["core_wait"] is not None and acc["core_wait"] >= _SLACK:
        parts.append(_part(acc["core_wait"], "waiting for a core"))
    if acc["memory_stops"] is not None and acc["memory_stops"] >= _SLACK:
        parts.append(_part(acc["memory_stops"], "stopped by heatlens to read where memory grew"))
    if acc["waiting"] is not None and acc["waiting"] >= _SLACK:
        parts.append(_part(acc["waiting"], _waits(acc)))
    not_seen = acc["not_seen"]
    if not_seen is not None:
        whole = cpu if acc["basis"] == at.LINES_CPU else (span or wall)
        share = f"{doc.percent(not_seen / whole)}: " if whole else ""
        when = "between samples" if span else "start-up, between samples"
        parts.append(_part(not_seen, f"not seen by the profiler ({share}{when})"))
    beyond = ""
    if outside is not None and outside >= _SLACK:
        beyond = _part(outside, "outside the program (the interpreter starting, the sampler attaching, the run "
                                "ending)")
    if acc["cpu_in_parallel"]:
        head = f"{doc.seconds(cpu)} CPU in {doc.seconds(span or wall)} wall"
        return (f"{head} (threads or processes at once) = " + " + ".join(parts)
                + (f"; and {beyond}" if beyond else "") + ".")
    if not_seen is None or wall is None:
        known = [f"{doc.seconds(wall)} wall" if wall else "", f"{doc.seconds(cpu)} CPU" if cpu else ""]
        head = " and ".join(k for k in known if k)
        return f"{parts[0][0].upper()}{parts[0][1:]}" + (f"; the run took {head}." if head else ".")
    on_cpu = f" ({doc.seconds(cpu)} of it on CPU)" if cpu and acc["basis"] != at.LINES_CPU else ""
    return f"{doc.seconds(wall)} wall{on_cpu} = " + " + ".join(parts + ([beyond] if beyond else [])) + "."
