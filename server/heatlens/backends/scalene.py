"""Scalene 2.x adapter: `python -m scalene run -o out.json [--cpu-only] prog.py --- args`.

The JSON has `files[path].lines[]` (percent of the run per line: `n_cpu_percent_python`, `n_cpu_percent_c`,
`n_sys_percent` = wall time not spent on a CPU; memory `n_malloc_mb`, `n_peak_mb`, `n_mallocs`; GPU
`n_gpu_percent`, `n_gpu_peak_memory_mb`), `files[path].functions[]` (`line` = qualname, `lineno` =
co_firstlineno), top-level `elapsed_time_sec`, `gpu`, and `stacks` = `[[ "file qualname:line;", ...],
{cpu_samples (fraction), count, python_time, c_time}]`. Percentages become seconds of `elapsed_time_sec`.

Function times come from `stacks`, not `functions[]`: Scalene spreads a tight loop's samples over all
the loop's lines, and its per-function summary counted only part of them (measured: half of a
two-line loop), while the stacks and the line sums agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Tuple

from heatlens.backends.base import Backend, BackendOptions, BackendOutputError, Target, UnsupportedTarget, read_json_object
from heatlens.backends.pyinstrument import FrameTable, functions_from_stacks, merge_stacks
from heatlens.model import FileProfile, Frame, FunctionStats, LineStats, Profile, RunMeta, StackSample

OUTPUT = "scalene.json"

NOTES = [
    "Scalene profiles only files under the program's directory (add --profile-all to the backend's "
    "extra arguments for libraries too).",
    "Scalene samples at the interpreter's check points and spreads a loop's samples over all the loop's "
    "lines (header included): trust loops and functions more than single lines.",
    "Scalene under-sampled a call-free pure-Python loop here (off by up to ~19 pp of the run): its time "
    "showed up as native time on the next loop that called into C.",
    "Scalene's 'system' time is wall time not spent on a CPU (waiting), not kernel time; its "
    "Python/native split misreported pure-Python lines as ~35 % native here.",
]
MEMORY_NOTE = (
    "With memory profiling on, Scalene's line CPU attribution was off by up to ~15 pp here, and large "
    "buffers kept alive were missing from its allocation counts; use memory 'off' for CPU-accurate lines."
)


def _pct(entry: Dict[str, Any], key: str) -> float:
    value = entry.get(key)
    return float(value) if isinstance(value, (int, float)) else 0.0


def line_stats(entry: Dict[str, Any], elapsed: float, gpu: bool) -> LineStats:
    """One `lines[]` entry as seconds / MB."""
    seconds = elapsed / 100.0
    stats = LineStats(
        line=int(entry["lineno"]),
        cpu_python=_pct(entry, "n_cpu_percent_python") * seconds,
        cpu_native=_pct(entry, "n_cpu_percent_c") * seconds,
        cpu_system=_pct(entry, "n_sys_percent") * seconds,
        samples=len(entry.get("cpu_samples_list") or []),
        mem_alloc_mb=_pct(entry, "n_malloc_mb"),
        mem_peak_mb=_pct(entry, "n_peak_mb"),
    )
    stats.wall = stats.cpu
    if gpu:
        stats.gpu_share = _pct(entry, "n_gpu_percent") / 100.0
        stats.gpu_mem_mb = _pct(entry, "n_gpu_peak_memory_mb")
    return stats


def _is_empty(s: LineStats) -> bool:
    return not (s.cpu or s.samples or s.mem_alloc_mb or s.mem_peak_mb or s.gpu_share or s.gpu_mem_mb)


def parse_frame(text: str) -> Tuple[str, str, int]:
    """(file, qualname, current line) of a stack frame `"/path/prog.py func:12;"`."""
    text = text.rstrip(";")
    head, _, line = text.rpartition(":")
    file, _, name = head.rpartition(" ")
    try:
        return file, name, int(line)
    except ValueError:
        return file, name, 0


def stacks_of(
    data: Dict[str, Any], elapsed: float, first_lines: Dict[Tuple[str, str], int]
) -> Tuple[List[Frame], List[StackSample]]:
    """Frames and weighted stacks from Scalene's `stacks` (frames placed at co_firstlineno when Scalene
    listed the function, else at the smallest line sampled in it)."""
    raw: List[Tuple[List[Tuple[str, str, int]], float]] = []
    seen: Dict[Tuple[str, str], int] = {}
    for item in data.get("stacks") or []:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], dict)):
            continue
        frames = [parse_frame(f) for f in item[0] if isinstance(f, str)]
        raw.append((frames, float(item[1].get("cpu_samples", 0.0)) * elapsed))
        for file, name, line in frames:
            seen[(file, name)] = 1 if name == "<module>" else min(line, seen.get((file, name), line))
    table = FrameTable()
    stacks = []
    for frames, weight in raw:
        if not frames:
            continue
        indices = [table.add(Frame(name=n, file=f, line=first_lines.get((f, n), seen[(f, n)]))) for f, n, _ in frames]
        stacks.append(StackSample(frames=indices, weight=weight, leaf_line=frames[-1][2]))
    return table.frames, merge_stacks(stacks)


def parse_profile(data: Dict[str, Any]) -> Profile:
    """A Profile from Scalene's JSON (already loaded). `{}` (too short a run) is a BackendOutputError."""
    profile = Profile()
    if not data:
        raise BackendOutputError("Scalene wrote an empty profile: the program ran too briefly for it to take a sample")
    files = data.get("files")
    if not isinstance(files, dict):
        raise BackendOutputError("Scalene's output has no 'files' table")
    elapsed = float(data.get("elapsed_time_sec") or 0.0)
    gpu = bool(data.get("gpu"))
    first_lines: Dict[Tuple[str, str], int] = {}
    memory_of: Dict[Tuple[str, str], Tuple[float, float]] = {}
    for path, entry in files.items():
        lines = [line_stats(e, elapsed, gpu) for e in entry.get("lines") or []]
        lines = sorted((s for s in lines if not _is_empty(s)), key=lambda s: s.line)
        profile.files.append(FileProfile(path=path, lines=lines))
        for fn in entry.get("functions") or []:
            key = (path, str(fn.get("line", "")))
            first_lines[key] = int(fn.get("lineno") or 0)
            memory_of[key] = (_pct(fn, "n_malloc_mb"), _pct(fn, "n_peak_mb"))
    profile.frames, profile.stacks = stacks_of(data, elapsed, first_lines)
    if profile.stacks:
        profile.functions = functions_from_stacks(profile.frames, profile.stacks)
    else:  # --no-stacks: fall back on Scalene's own per-function summary
        for path, entry in files.items():
            for fn in entry.get("functions") or []:
                s = line_stats(fn, elapsed, gpu)
                profile.functions.append(
                    FunctionStats(
                        qualname=str(fn.get("line", "")), file=path, line=s.line, self_time=s.cpu, total_time=s.cpu
                    )
                )
    for f in profile.functions:
        f.mem_alloc_mb, f.mem_peak_mb = memory_of.get((f.file, f.qualname), (0.0, 0.0))
    if data.get("memory"):
        profile.meta.notes.append(MEMORY_NOTE)
    profile.extras["scalene"] = {
        "elapsed_time_sec": elapsed,
        "max_footprint_mb": data.get("max_footprint_mb"),
        "growth_rate": data.get("growth_rate"),
        "gpu_device": data.get("gpu_device") or None,
    }
    return profile


class ScaleneBackend(Backend):
    name = "scalene"
    module = "scalene"
    requirement = "scalene==2.4.0"
    summary = "in-process sampler: line CPU python/native/system, memory, GPU"

    def command(self, target: Target, python: str, out_dir: Path, options: BackendOptions) -> List[str]:
        argv = [python, "-m", "scalene", "run", "-o", str(out_dir / OUTPUT)]
        if options.memory == "off":
            argv.append("--cpu-only")
        argv += ["--cpu-sampling-rate", repr(max(options.sample_interval, 0.0001)), *options.extra_args]
        if target.kind == "script":
            argv.append(target.value)
        elif target.kind == "module":
            argv += ["-m", target.value]
        else:
            raise UnsupportedTarget("Scalene cannot run a -c snippet: save it to a file and profile that")
        # Scalene passes unknown flags to the program; "---" keeps the program's own args away from it.
        return argv + ["---", *target.args]

    def read(self, out_dir: Path, meta: RunMeta) -> Profile:
        data = read_json_object(out_dir / OUTPUT, "Scalene")
        profile = parse_profile(data)
        notes = profile.meta.notes
        profile.meta = meta
        meta.notes.extend(n for n in NOTES + notes if n not in meta.notes)
        return profile
