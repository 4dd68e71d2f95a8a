"""Overhead: wall time of each workload unprofiled, under heatlens' modes and under the anchors, interleaved.

Every repetition runs every (workload, tool) pair once, with the tool order rotated per repetition, so that
machine drift (other processes, thermal state) hits all tools alike. The anchors run through their own
CLIs (the honest baseline: what a user would type); heatlens runs through its runner
(`heatlens.run.profile_target_sync`), and its ratio uses the target process's wall time as the runner
measured it (spawn to exit, the agent's start-up and final write included). The time the runner then
spends reading the output into a Profile is reported separately ("runner total").
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from benchmarks.common import PYTHON, WORKLOADS, children_cpu, geomean, median, quartiles, timed_run

WORKLOAD_NAMES = ["call_heavy", "nested_loops", "alloc_heavy", "numpy_native", "io_sleep", "threads", "nbody",
                  "json_tasks"]
# Scale 3 makes the CPU-bound workloads 3-4.5 s unprofiled, so start-up (measured apart) does not dominate;
# numpy runs its BLAS on both cores (scale 3: 1 s of wall) and io_sleep is mostly blocked (4.3 s at 1.5).
FULL_SCALE, QUICK_SCALE = 3.0, 0.02
SCALE_FACTOR = {"io_sleep": 0.5, "numpy_native": 3.7, "call_heavy": 1.15}
# A profiled run is stopped at CAP x the workload's unprofiled time (at least MIN_CAP_S): its ratio is then
# reported as ">= CAP". Without a cap, tracemalloc or VizTracer on one workload would take the whole budget.
CAP, MIN_CAP_S = 4.0, 15.0


def _pyspy() -> Optional[str]:
    exe = Path(PYTHON).parent / "py-spy"
    return str(exe) if exe.exists() else shutil.which("py-spy")


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


# Anchor command lines: name -> (description, argv builder(script, args, out_dir)). Default settings of each.
def anchor_commands() -> Dict[str, Tuple[str, Callable[[str, List[str], Path], List[str]]]]:
    py = PYTHON
    cmds: Dict[str, Tuple[str, Callable[[str, List[str], Path], List[str]]]] = {}
    if _has_module("scalene"):
        cmds["scalene"] = ("python -m scalene run -o OUT.json prog.py --- args",
                           lambda s, a, o: [py, "-m", "scalene", "run", "-o", str(o / "s.json"), s, "---", *a])
        cmds["scalene-cpu"] = ("python -m scalene run --cpu-only -o OUT.json prog.py --- args",
                               lambda s, a, o: [py, "-m", "scalene", "run", "--cpu-only", "-o", str(o / "s.json"), s, "---", *a])
    if _has_module("pyinstrument"):
        cmds["pyinstrument"] = ("python -m pyinstrument -o OUT.pyisession prog.py args",
                                lambda s, a, o: [py, "-m", "pyinstrument", "-o", str(o / "p.pyisession"), s, *a])
    cmds["cprofile"] = ("python -m cProfile -o OUT.prof prog.py args",
                        lambda s, a, o: [py, "-m", "cProfile", "-o", str(o / "c.prof"), s, *a])
    if _has_module("viztracer"):
        cmds["viztracer"] = ("python -m viztracer --quiet -o OUT.json prog.py args",
                             lambda s, a, o: [py, "-m", "viztracer", "--quiet", "-o", str(o / "v.json"), s, *a])
    if _has_module("memray"):
        cmds["memray"] = ("python -m memray run -q -f -o OUT.bin prog.py args",
                          lambda s, a, o: [py, "-m", "memray", "run", "-q", "-f", "-o", str(o / "m.bin"), s, *a])
    spy = _pyspy()
    if spy:
        cmds["py-spy"] = ("py-spy record -f raw -o OUT.txt -- python prog.py args (100 Hz, default)",
                          lambda s, a, o: [spy, "record", "-f", "raw", "-o", str(o / "y.txt"), "--", py, s, *a])
    return cmds


# tool -> (backend, memory mode): the default (`auto`: py-spy from outside), and the in-process agent beside it
HEATLENS_MODES = {"heatlens": ("auto", "sampled"), "heatlens-cpu": ("auto", "off"), "heatlens-full": ("auto", "full"),
                  "heatlens-agent": ("agent", "sampled")}
TOOL_LABELS = {
    "none": "unprofiled", "heatlens": "heatlens (default: exact CPU lines + memory steps)", "heatlens-cpu": "heatlens CPU only",
    "heatlens-full": "heatlens full memory (agent + tracemalloc)", "heatlens-agent": "heatlens in-process agent (fallback)", "scalene": "Scalene (CPU + memory)",
    "scalene-cpu": "Scalene --cpu-only", "pyinstrument": "pyinstrument", "cprofile": "cProfile",
    "viztracer": "VizTracer", "memray": "memray", "py-spy": "py-spy record",
}


def run_heatlens(mode: Tuple[str, str], script: str, args: List[str], cwd: str, timeout: float) -> Tuple[float, float, str, float]:
    """(target wall, runner total, failure kind, CPU of all child processes) of one profiled run."""
    from heatlens.backends.base import BackendOptions, Target
    from heatlens.run import RunOptions, profile_target_sync

    backend, memory = mode
    opts = RunOptions(backend=backend, timeout=timeout, backend_options=BackendOptions(memory=memory))
    c0, t0 = children_cpu(), time.perf_counter()
    res = profile_target_sync(Target(kind="script", value=script, args=args, cwd=cwd), opts)
    total = time.perf_counter() - t0
    kind = res.failure.kind.value
    if kind != "ok":  # keep why: a crash of the agent is a finding, not noise
        kind = f"{kind}: {res.failure.message[:160]}".replace("\n", " ")
    return (res.wall_time if kind == "ok" else float("nan")), total, kind, children_cpu() - c0


def measure_once(tool: str, script: str, args: List[str], anchors: Dict[str, Any], timeout: float) -> Dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix="hlbench-"))
    try:
        if tool == "none":
            wall, rc, cpu = timed_run([PYTHON, script, *args], cwd=str(out), timeout=timeout)
            return {"wall": wall, "ok": rc == 0, "cpu": cpu}
        if tool in HEATLENS_MODES:
            wall, total, kind, cpu = run_heatlens(HEATLENS_MODES[tool], script, args, str(out), timeout)
            if kind.startswith("timeout"):
                return {"wall": timeout, "ok": True, "censored": True, "cpu": float("nan")}
            return {"wall": wall, "total": total, "ok": kind == "ok", "failure": kind, "cpu": cpu}
        wall, rc, cpu = timed_run(anchors[tool][1](script, args, out), cwd=str(out), timeout=timeout)
        if rc == -9 and wall != wall:
            return {"wall": timeout, "ok": True, "censored": True, "cpu": float("nan")}
        return {"wall": wall, "ok": rc == 0, "failure": "" if rc == 0 else f"exit {rc}", "cpu": cpu}
    finally:
        shutil.rmtree(out, ignore_errors=True)


def tools_available() -> List[str]:
    return ["none", *HEATLENS_MODES, *anchor_commands()]


def _interleaved(programs: List[Tuple[str, str, List[str]]], tools: List[str], reps: int, timeout: float,
                 log: Callable[[str], None]) -> Dict[str, Dict[str, List[Dict[str, Any]]]]:
    anchors = anchor_commands()
    runs: Dict[str, Dict[str, List[Dict[str, Any]]]] = {name: {t: [] for t in tools} for name, _, _ in programs}
    caps: Dict[str, float] = {}
    for name, script, args in programs:  # one unprofiled warm-up run (not counted) sets each workload's cap
        warm = measure_once("none", script, args, anchors, timeout)["wall"]
        caps[name] = min(timeout, max(MIN_CAP_S, CAP * warm)) if warm == warm else timeout
    for rep in range(reps):
        for wi, (name, script, args) in enumerate(programs):
            k = (rep + wi) % len(tools)
            for tool in tools[k:] + tools[:k]:  # rotated: no tool always runs first or right after another
                r = measure_once(tool, script, args, anchors, caps[name] if tool != "none" else timeout)
                runs[name][tool].append(r)
                note = " (stopped at the cap)" if r.get("censored") else ("" if r["ok"] else " FAILED " + str(r.get("failure")))
                log(f"  rep {rep + 1}/{reps} {name:13s} {tool:13s} {r['wall']:.2f} s{note}")
    return runs


def summarize(runs: Dict[str, Dict[str, List[Dict[str, Any]]]], tools: List[str]) -> Dict[str, Any]:
    """Per workload and tool: median/min/max/quartiles of wall ratio to the same repetition's... median baseline."""
    ratios: Dict[str, Dict[str, Dict[str, float]]] = {}
    baseline: Dict[str, float] = {}
    baseline_cpu: Dict[str, float] = {}
    failures: List[str] = []
    for name, per_tool in runs.items():
        base = median([r["wall"] for r in per_tool["none"] if r["ok"]])
        baseline[name] = base
        base_cpu = median([r["cpu"] for r in per_tool["none"] if r["ok"] and r.get("cpu") == r.get("cpu")])
        baseline_cpu[name] = base_cpu
        for tool in tools:
            if tool == "none":
                continue
            rs = per_tool[tool]
            vals = [r["wall"] / base for r in rs if r["ok"] and r["wall"] == r["wall"]]
            censored = sum(1 for r in rs if r.get("censored"))
            failures += [f"{tool} on {name}: {r.get('failure')}" for r in rs if not r["ok"]]
            q1, q3 = quartiles(vals) if vals else (float("nan"), float("nan"))
            entry = {"median": median(vals), "min": min(vals, default=float("nan")),
                     "max": max(vals, default=float("nan")), "q1": q1, "q3": q3, "n": len(vals), "censored": censored}
            cpus = [r["cpu"] / base_cpu for r in rs if r["ok"] and r.get("cpu") == r.get("cpu") and base_cpu > 0]
            entry["cpu_median"] = median(cpus) if cpus else float("nan")
            totals = [r["total"] / base for r in rs if r.get("ok") and "total" in r]
            if totals:
                entry["runner_total_median"] = median(totals)
            ratios.setdefault(tool, {})[name] = entry
    overall = {tool: geomean([e["median"] for e in per.values()]) for tool, per in ratios.items()}
    overall_cpu = {tool: geomean([e["cpu_median"] for e in per.values()]) for tool, per in ratios.items()}
    worst = {tool: max((e["median"] for e in per.values() if e["median"] == e["median"]), default=float("nan"))
             for tool, per in ratios.items()}
    return {"baseline_s": baseline, "baseline_cpu_s": baseline_cpu, "ratios": ratios, "overall_geomean": overall,
            "overall_cpu_geomean": overall_cpu, "worst_median": worst,
            "failures": failures}


def startup(tools: List[str], reps: int, timeout: float, log: Callable[[str], None]) -> Dict[str, Any]:
    """Wall seconds of a trivial `pass` program under each tool (median), and the added cost over plain python."""
    with tempfile.TemporaryDirectory(prefix="hlbench-pass-") as tmp:
        script = str(Path(tmp) / "trivial.py")
        Path(script).write_text("pass\n")
        runs = _interleaved([("trivial", script, [])], tools, reps, timeout, lambda _m: None)
    walls = {t: median([r["wall"] for r in runs["trivial"][t] if r["ok"]]) for t in tools}
    totals = {t: median([r["total"] for r in runs["trivial"][t] if r.get("ok") and "total" in r])
              for t in tools if t in HEATLENS_MODES}
    failed = {t: [r.get("failure") for r in runs["trivial"][t] if not r["ok"]] for t in tools}
    log("  start-up: " + ", ".join(f"{t} {walls[t]:.2f}s" for t in tools))
    return {"wall_s": walls, "added_s": {t: walls[t] - walls["none"] for t in tools}, "runner_total_s": totals,
            "failed": {t: f for t, f in failed.items() if f}}


def run(quick: bool = False, reps: Optional[int] = None, log: Callable[[str], None] = print,
        workloads: Optional[List[str]] = None, tools: Optional[List[str]] = None) -> Dict[str, Any]:
    tools = ["none"] + [t for t in tools_available() if t != "none" and (tools is None or t in tools)]
    names = workloads or WORKLOAD_NAMES
    scale = QUICK_SCALE if quick else FULL_SCALE
    reps = reps or (1 if quick else 3)
    programs = [(n, str(WORKLOADS / f"{n}.py"), [repr(scale * SCALE_FACTOR.get(n, 1.0))]) for n in names]
    timeout = 60.0 if quick else 300.0
    log(f"overhead: {len(names)} workloads x {len(tools)} tools x {reps} repetitions (scale {scale})")
    t0 = time.perf_counter()
    runs = _interleaved(programs, tools, reps, timeout, log)
    result = summarize(runs, tools)
    result["startup"] = startup(tools, 1 if quick else 5, 60.0, log)
    anchors = anchor_commands()
    result.update({
        "tools": tools, "labels": {t: TOOL_LABELS.get(t, t) for t in tools}, "workloads": names, "reps": reps,
        "scale": scale, "scale_factor": {} if quick else {n: f for n, f in SCALE_FACTOR.items() if n in names}, "cap": CAP, "min_cap_s": MIN_CAP_S, "commands": {t: anchors[t][0] for t in anchors}, "elapsed_s": time.perf_counter() - t0,
        "raw": {n: {t: [r["wall"] for r in rs] for t, rs in per.items()} for n, per in runs.items()},
        "raw_cpu": {n: {t: [r.get("cpu") for r in rs] for t, rs in per.items()} for n, per in runs.items()},
    })
    return result


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick="--quick" in sys.argv), indent=1, default=str))
