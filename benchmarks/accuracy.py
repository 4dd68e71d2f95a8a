"""Attribution accuracy against programs that measure their own truth.

CPU: each ground-truth program times its hot spots itself (process or thread CPU) and prints
`GROUND_TRUTH {name: share}` as its last line; the hot lines carry `# GT name` markers (a statement that
spans lines has `# GT name start` .. `# GT name end`, and every tool's line data inside the span is summed).
Shares are normalized over the ground-truth spots for the truth and for each tool alike, so start-up and
glue code do not count. Functions are matched by name in the program's file and compared by inclusive time.
Every tool runs through heatlens' runner and its adapter (adapters only parse the tool's own output).

Memory: `tests/fixtures/groundtruth/gt_mem_sites.py` keeps 200 MB from LINE X, allocates and frees 100 MB
on LINE Y and keeps 50 MB from LINE Z. Errors are in % of the true size of each line's allocation.
memray (no heatlens adapter) is read with its own `FileReader`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from benchmarks.common import FIXTURE_GT, GROUNDTRUTH, PYTHON, median

CPU_PROGRAMS = ["bt_lines", "bt_threads", "bt_decorated", "bt_multiline", "bt_native", "gt_cpu_three"]
# These size their work by timing themselves: two runs are different programs, so no unprofiled reference.
CALIBRATED = {"gt_cpu_three"}
# tool label -> (backend name, memory mode)
CPU_TOOLS: Dict[str, Tuple[str, str]] = {
    "heatlens": ("auto", "sampled"), "heatlens-agent": ("agent", "sampled"), "scalene": ("scalene", "sampled"),
    "scalene-cpu": ("scalene", "off"), "py-spy": ("pyspy", "off"), "pyinstrument": ("pyinstrument", "off"), "cprofile": ("cprofile", "off"),
    "viztracer": ("viztracer", "off"),
}
MEM_TOOLS: Dict[str, Tuple[str, str]] = {
    "heatlens": ("auto", "sampled"), "heatlens-agent": ("agent", "sampled"), "heatlens-full": ("agent", "full"),
    "scalene": ("scalene", "sampled"),
}
MEM_TRUTH = {"X": (200.0, 200.0), "Y": (100.0, 0.0), "Z": (50.0, 50.0)}  # line -> (allocated MB, kept MB)
_MARK = re.compile(r"#\s*GT\s+(\w+)(?:\s+(start|end))?\b")


def program_path(name: str) -> Path:
    return (FIXTURE_GT if name.startswith("gt_") else GROUNDTRUTH) / f"{name}.py"


def markers(source: str) -> Dict[str, Tuple[int, int]]:
    """name -> (first line, last line) of each `# GT name` spot (1-based)."""
    spans: Dict[str, List[int]] = {}
    for no, text in enumerate(source.splitlines(), 1):
        m = _MARK.search(text)
        if m:
            spans.setdefault(m.group(1), []).append(no)
    return {k: (min(v), max(v)) for k, v in spans.items()}


def first_lines(source: str, path: str) -> Dict[str, int]:
    """co_firstlineno of every function in the source, by name (the first decorator line)."""
    out: Dict[str, int] = {}
    todo = [compile(source, path, "exec")]
    while todo:
        code = todo.pop()
        out.setdefault(code.co_name, code.co_firstlineno)
        todo += [c for c in code.co_consts if hasattr(c, "co_code")]
    return out


def parse_truth(stdout: str) -> Optional[Dict[str, float]]:
    for line in reversed(stdout.splitlines()):
        if line.startswith("GROUND_TRUTH "):
            return json.loads(line[len("GROUND_TRUTH "):])
    return None


def normalize(values: Dict[str, float]) -> Dict[str, float]:
    total = sum(values.values())
    return {k: (v / total if total > 0 else 0.0) for k, v in values.items()}


def profile_once(script: Path, backend: str, memory: str, args: List[str], timeout: float) -> Any:
    from heatlens.backends.base import BackendOptions, Target
    from heatlens.run import RunOptions, profile_target_sync

    with tempfile.TemporaryDirectory(prefix="hlbench-acc-") as cwd:
        opts = RunOptions(backend=backend, timeout=timeout, backend_options=BackendOptions(memory=memory))
        return profile_target_sync(Target(kind="script", value=str(script), args=args, cwd=cwd), opts)


def measured_shares(profile: Any, script: str, names: List[str], spans: Dict[str, Tuple[int, int]],
                    firsts: Dict[str, int]) -> Dict[str, Any]:
    """What one profile says: line shares of the spots (None if it reports no lines), function shares by
    inclusive time (None if none of the functions is there), and native fractions where known."""
    out: Dict[str, Any] = {"lines": None, "functions": None}
    fp = profile.file(script)
    spots = [n for n in names if n in spans]
    if fp is not None and spots and any(s.cpu_python + s.cpu_native for s in fp.lines):
        by_line = fp.by_line()
        cpu = {n: sum(by_line[ln].cpu_python + by_line[ln].cpu_native for ln in range(spans[n][0], spans[n][1] + 1)
                      if ln in by_line) for n in spots}
        native = {n: sum(by_line[ln].cpu_native for ln in range(spans[n][0], spans[n][1] + 1) if ln in by_line) for n in spots}
        out["lines"] = normalize(cpu)
        out["native_fraction"] = {n: (native[n] / cpu[n] if cpu[n] else None) for n in spots}
    funcs = {n: [f for f in profile.functions if f.file == script and f.qualname.split(".")[-1] == n] for n in names}
    if any(funcs.values()):
        out["functions"] = normalize({n: sum(f.total_time for f in fs) for n, fs in funcs.items()})
        out["function_line_ok"] = {n: bool(fs) and all(f.line == firsts.get(n) for f in fs) for n, fs in funcs.items()}
    return out


def errors_pp(measured: Optional[Dict[str, float]], truth: Dict[str, float]) -> Optional[Dict[str, float]]:
    """|measured share - true share| in percentage points, both normalized over the same spots."""
    if measured is None:
        return None
    want = normalize({n: truth[n] for n in measured})
    return {n: abs(measured[n] - want[n]) * 100 for n in measured}


def cpu_errors(profile: Any, script: str, truth: Dict[str, float], spans: Dict[str, Tuple[int, int]],
               firsts: Dict[str, int], reference: Optional[Dict[str, float]] = None) -> Dict[str, Any]:
    """Errors against the run's own truth (`*_pp`) and, if given, the unprofiled truth (`*_pp_ref`)."""
    m = measured_shares(profile, script, list(truth), spans, firsts)
    out: Dict[str, Any] = {}
    for level, key in (("lines", "line"), ("functions", "function")):
        if m[level] is not None:
            out[f"{key}_measured"] = m[level]
            out[f"{key}_pp"] = errors_pp(m[level], truth)
            if reference:
                out[f"{key}_pp_ref"] = errors_pp(m[level], reference)
    for k in ("native_fraction", "function_line_ok"):
        if k in m:
            out[k] = m[k]
    return out


def unprofiled_truth(script: Path, args: List[str], runs: int) -> Optional[Dict[str, float]]:
    """The program's own measurement without any profiler: per spot, the median share over `runs` runs."""
    seen: List[Dict[str, float]] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="hlbench-ref-") as cwd:
            proc = subprocess.run([PYTHON, str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=300)
        t = parse_truth(proc.stdout)
        if t:
            seen.append(t)
    if not seen:
        return None
    return normalize({k: median([t[k] for t in seen if k in t]) for k in seen[0]})


def run_cpu(quick: bool, log: Callable[[str], None], tools: Optional[List[str]] = None,
            programs: Optional[List[str]] = None) -> Dict[str, Any]:
    scale = "0.1" if quick else "1.0"
    results: Dict[str, Dict[str, Any]] = {}
    for prog in CPU_PROGRAMS if programs is None else programs:
        script = program_path(prog)
        source = script.read_text()
        spans, firsts = markers(source), first_lines(source, str(script))
        args = [] if prog.startswith("gt_") else [scale]
        reference = None if prog in CALIBRATED else unprofiled_truth(script, args, 1 if quick else 3)
        results.setdefault(prog, {})["unprofiled"] = {"truth": reference}
        for tool in list(CPU_TOOLS) if tools is None else tools:
            backend, memory = CPU_TOOLS[tool]
            res = profile_once(script, backend, memory, args, 120.0 if quick else 300.0)
            truth = parse_truth(res.stdout)
            entry: Dict[str, Any] = {"failure": res.failure.kind.value, "truth": truth}
            if truth and res.profile is not None:
                entry.update(cpu_errors(res.profile, str(script), truth, spans, firsts, reference))
            results[prog][tool] = entry
            worst = max((entry.get("line_pp") or {}).values(), default=float("nan"))
            worst_f = max((entry.get("function_pp") or {}).values(), default=float("nan"))
            worst_r = max((entry.get("line_pp_ref") or entry.get("function_pp_ref") or {}).values(), default=float("nan"))
            log(f"  accuracy {prog:13s} {tool:12s} {entry['failure']:8s} max error: line {worst:5.1f} pp, "
                f"function {worst_f:5.1f} pp; vs unprofiled truth {worst_r:5.1f} pp")
    return results


def mem_errors(profile: Any, script: str, lines: Dict[str, int]) -> Dict[str, Any]:
    fp = profile.file(script)
    by_line = fp.by_line() if fp is not None else {}
    out: Dict[str, Any] = {}
    for site, ln in lines.items():
        st = by_line.get(ln)
        alloc, kept = (st.mem_alloc_mb, st.mem_net_mb) if st is not None else (0.0, 0.0)
        true_alloc, true_kept = MEM_TRUTH[site]
        out[site] = {"alloc_mb": alloc, "kept_mb": kept, "alloc_err_pct": abs(alloc - true_alloc) / true_alloc * 100,
                     "kept_err_pct": abs(kept - true_kept) / true_alloc * 100}
    return out


def memray_errors(script: Path, lines: Dict[str, int], timeout: float) -> Dict[str, Any]:
    """memray's own reader: allocated = all allocations of a line, kept = leaked (alive at exit)."""
    try:
        from memray import AllocatorType, FileReader
    except ImportError:
        return {"failure": "memray not installed"}
    tmp = Path(tempfile.mkdtemp(prefix="hlbench-memray-"))
    try:
        out = tmp / "m.bin"
        proc = subprocess.run([PYTHON, "-m", "memray", "run", "-q", "-f", "-o", str(out), str(script)], cwd=str(tmp),
                              capture_output=True, timeout=timeout)
        if proc.returncode != 0 or not out.exists():
            return {"failure": f"exit {proc.returncode}"}
        want = {ln: site for site, ln in lines.items()}
        alloc = {s: 0.0 for s in lines}
        kept = {s: 0.0 for s in lines}
        frees = {AllocatorType.FREE, getattr(AllocatorType, "MUNMAP", None)}
        reader = FileReader(str(out))
        for rec in reader.get_allocation_records():
            if rec.allocator in frees:
                continue
            site = _memray_site(rec, str(script), want)
            if site:
                alloc[site] += rec.size / (1 << 20)
        for rec in reader.get_leaked_allocation_records(merge_threads=True):
            site = _memray_site(rec, str(script), want)
            if site:
                kept[site] += rec.size / (1 << 20)
        result: Dict[str, Any] = {"failure": "ok"}
        for site in lines:
            ta, tk = MEM_TRUTH[site]
            result[site] = {"alloc_mb": alloc[site], "kept_mb": kept[site],
                            "alloc_err_pct": abs(alloc[site] - ta) / ta * 100, "kept_err_pct": abs(kept[site] - tk) / ta * 100}
        return result
    except Exception as exc:  # report, never crash the suite on a reader API difference
        return {"failure": f"{type(exc).__name__}: {exc}"}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _memray_site(rec: Any, script: str, want: Dict[int, str]) -> Optional[str]:
    for _func, file, line in rec.stack_trace():
        if file == script:
            return want.get(line)
    return None


def run_memory(quick: bool, log: Callable[[str], None], tools: Optional[List[str]] = None) -> Dict[str, Any]:
    script = FIXTURE_GT / "gt_mem_sites.py"
    lines = {site: no for no, text in enumerate(script.read_text().splitlines(), 1)
             for site in MEM_TRUTH if f"# LINE {site}:" in text}
    results: Dict[str, Any] = {}
    for tool in [t for t in (list(MEM_TOOLS) if tools is None else tools) if t in MEM_TOOLS]:
        backend, memory = MEM_TOOLS[tool]
        res = profile_once(script, backend, memory, [], 120.0 if quick else 300.0)
        entry: Dict[str, Any] = {"failure": res.failure.kind.value}
        if res.profile is not None:
            entry.update(mem_errors(res.profile, str(script), lines))
        results[tool] = entry
        log(f"  memory {tool:14s} {entry['failure']}: " + ", ".join(
            f"{s} {entry[s]['alloc_mb']:.0f}/{entry[s]['kept_mb']:.0f} MB" for s in lines if s in entry))
    if tools is None or "memray" in tools:
        results["memray"] = memray_errors(script, lines, 300.0)
        log(f"  memory memray         {results['memray'].get('failure')}")
    return results


def summarize(cpu: Dict[str, Any]) -> Dict[str, Any]:
    """Per tool: mean and max line / function error over every spot of every program, against the run's own
    truth and against the unprofiled truth (`_ref`)."""
    acc: Dict[str, Dict[str, List[float]]] = {}
    for per_tool in cpu.values():
        for tool, e in per_tool.items():
            if tool == "unprofiled":
                continue
            s = acc.setdefault(tool, {})
            for key in ("line_pp", "function_pp", "line_pp_ref", "function_pp_ref"):
                s.setdefault(key, []).extend((e.get(key) or {}).values())
    out: Dict[str, Any] = {}
    for tool, s in acc.items():
        row: Dict[str, Any] = {}
        for key, vals in s.items():
            name = key.replace("_pp", "")  # line, function, line_ref, function_ref
            row[f"{name}_mean"] = sum(vals) / len(vals) if vals else None
            row[f"{name}_max"] = max(vals) if vals else None
            row[f"{name}_n"] = len(vals)
        out[tool] = row
    return out


def run(quick: bool = False, log: Callable[[str], None] = print, tools: Optional[List[str]] = None,
        programs: Optional[List[str]] = None, mem_tools: Optional[List[str]] = None) -> Dict[str, Any]:
    log("accuracy: CPU ground truths")
    cpu = run_cpu(quick, log, tools, programs)
    log("accuracy: memory ground truth")
    mem = run_memory(quick, log, mem_tools)
    return {"cpu": cpu, "cpu_summary": summarize(cpu), "memory": mem, "memory_truth": MEM_TRUTH}
