"""Pure roll-ups of a Profile that every report shares: which time measure to trust, where time went
by category, per file, per function and per line.

The time basis is chosen once per profile, best first: line CPU (samplers that split python/native/system),
line wall (backends that only know wall time per line), function self time (tracers such as cProfile),
then call-stack sample weights. Shares are fractions of that basis's total so that numbers in one report
add up; functions' shares are of the sum of all functions' self times (the time the backend saw in
functions), which is the same total when the backend measured both from the same samples.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence, Tuple

import attrs

from heatlens import classify
from heatlens.model import FunctionStats, LineStats, Profile

LINES_CPU = "line-cpu"
LINES_WALL = "line-wall"
FUNCTIONS = "function-self-time"
STACKS = "stack-samples"
NONE = "none"


@attrs.define
class Scope:
    """A profile plus the decision of what is "your code" (memoized per path)."""

    profile: Profile
    project_root: str = ""
    user_globs: Tuple[str, ...] = ()
    stdlib_dirs: Tuple[str, ...] = classify.DEFAULT_STDLIB_DIRS
    library_dirs: Tuple[str, ...] = classify.DEFAULT_LIBRARY_DIRS
    # what the user asked to run (`-c` snippet, `-m` package) outside the root: theirs too (classify.target_code)
    target_files: Tuple[str, ...] = ()
    target_dirs: Tuple[str, ...] = ()
    _cache: Dict[str, str] = attrs.field(factory=dict, init=False, repr=False)

    def category(self, path: str) -> str:
        found = self._cache.get(path)
        if found is None:
            found = classify.classify_path(
                path, self.project_root, self.user_globs, self.stdlib_dirs, self.library_dirs
            )
            if found == classify.OTHER and (
                path in self.target_files or any(path == d or path.startswith(d + "/") for d in self.target_dirs)
            ):
                found = classify.USER
            self._cache[path] = found
        return found

    def display(self, path: str) -> str:
        """Path relative to the project root when under it, else as reported."""
        if self.project_root and path and not path.startswith("<") and path != "~":
            root = os.path.normpath(self.project_root)
            norm = os.path.normpath(path)
            if norm.startswith(root + os.sep):
                return os.path.relpath(norm, root)
        return path

    def group(self, path: str) -> str:
        """The package (library), module (stdlib) or category a path's time is reported under."""
        cat = self.category(path)
        if cat == classify.LIBRARY:
            return classify.library_package(path, self.library_dirs) or "(unknown package)"
        if cat == classify.STDLIB:
            return classify.stdlib_module(path, self.stdlib_dirs) or "(stdlib)"
        return cat


def make_scope(profile: Profile, project_root: Optional[str] = None, user_globs: Sequence[str] = ()) -> Scope:
    """project_root: the argument, else the run's recorded root, else its cwd, else "" (all is yours)."""
    root = project_root or profile.meta.project_root or profile.meta.cwd or ""
    paths = [f.path for f in profile.files] + [f.file for f in profile.functions]
    files, dirs = classify.target_code(profile.meta.target, paths)
    return Scope(profile, os.path.normpath(root) if root else "", tuple(user_globs), target_files=files, target_dirs=dirs)


def time_basis(profile: Profile) -> str:
    if profile.total_cpu > 0:
        return LINES_CPU
    if any(s.wall > 0 for f in profile.files for s in f.lines):
        return LINES_WALL
    if any(f.self_time > 0 for f in profile.functions):
        return FUNCTIONS
    if any(s.weight > 0 for s in profile.stacks):
        return STACKS
    return NONE


def line_seconds(stats: LineStats, basis: str) -> float:
    return stats.wall if basis == LINES_WALL else stats.cpu


def user_line_seconds(stats: LineStats, basis: str) -> float:
    """A line of your code's time, with the library code it calls (not part of any total: see cpu_callees)."""
    return stats.wall if basis == LINES_WALL else stats.cost


def is_native_function(fn: FunctionStats) -> bool:
    return classify.classify_path(fn.file, None) == classify.NATIVE


def functions(profile: Profile) -> List[FunctionStats]:
    """The profile's functions, or ones derived from its stacks when the backend gave none."""
    if profile.functions:
        return list(profile.functions)
    derived: Dict[int, FunctionStats] = {}
    for sample in profile.stacks:
        seen = set()
        for depth, idx in enumerate(sample.frames):
            frame = profile.frames[idx]
            fn = derived.get(idx)
            if fn is None:
                fn = derived[idx] = FunctionStats(qualname=frame.name, file=frame.file, line=frame.line)
            if idx not in seen:  # recursion: count a frame's total once per stack
                fn.total_time += sample.weight
                seen.add(idx)
            if depth == len(sample.frames) - 1:
                fn.self_time += sample.weight
    return list(derived.values())


def function_total(fns: Sequence[FunctionStats]) -> float:
    total = sum(f.self_time for f in fns)
    return total if total > 0 else max((f.total_time for f in fns), default=0.0)


def total_seconds(profile: Profile, basis: str) -> float:
    if basis in (LINES_CPU, LINES_WALL):
        return sum(line_seconds(s, basis) for f in profile.files for s in f.lines)
    if basis == FUNCTIONS:
        return sum(f.self_time for f in profile.functions)
    if basis == STACKS:
        return sum(s.weight for s in profile.stacks)
    return 0.0


def category_split(scope: Scope, basis: str) -> Dict[str, float]:
    """Seconds per category. On line bases, native time called from any line counts as native."""
    split = {c: 0.0 for c in classify.CATEGORIES}
    profile = scope.profile
    if basis == LINES_CPU:
        for f in profile.files:
            cat = scope.category(f.path)
            for s in f.lines:
                split[cat] += s.cpu_python + s.cpu_system
                split[classify.NATIVE] += s.cpu_native
    elif basis == LINES_WALL:
        for f in profile.files:
            split[scope.category(f.path)] += sum(s.wall for s in f.lines)
    elif basis == FUNCTIONS:
        for fn in profile.functions:
            split[scope.category(fn.file)] += fn.self_time
    elif basis == STACKS:
        for sample in profile.stacks:
            if sample.frames:
                leaf = profile.frames[sample.frames[-1]]
                split[classify.NATIVE if leaf.native else scope.category(leaf.file)] += sample.weight
    return split


def group_split(scope: Scope, basis: str) -> Dict[Tuple[str, str], float]:
    """Seconds per (category, package/module/category name) outside native time."""
    out: Dict[Tuple[str, str], float] = {}

    def add(path: str, seconds: float) -> None:
        if seconds > 0:
            key = (scope.category(path), scope.group(path))
            out[key] = out.get(key, 0.0) + seconds

    profile = scope.profile
    if basis in (LINES_CPU, LINES_WALL):
        for f in profile.files:
            if basis == LINES_CPU:
                add(f.path, sum(s.cpu_python + s.cpu_system for s in f.lines))
            else:
                add(f.path, sum(s.wall for s in f.lines))
    elif basis == FUNCTIONS:
        for fn in profile.functions:
            if not is_native_function(fn):
                add(fn.file, fn.self_time)
    elif basis == STACKS:
        for sample in profile.stacks:
            if sample.frames and not profile.frames[sample.frames[-1]].native:
                add(profile.frames[sample.frames[-1]].file, sample.weight)
    return out


def native_functions(scope: Scope) -> Dict[str, float]:
    """Self seconds per native function name, from functions or stack leaves (empty if unknown)."""
    out: Dict[str, float] = {}
    profile = scope.profile
    if profile.functions:
        for fn in profile.functions:
            if is_native_function(fn) and fn.self_time > 0:
                out[fn.qualname] = out.get(fn.qualname, 0.0) + fn.self_time
    else:
        for sample in profile.stacks:
            if sample.frames:
                leaf = profile.frames[sample.frames[-1]]
                if leaf.native or scope.category(leaf.file) == classify.NATIVE:
                    out[leaf.name] = out.get(leaf.name, 0.0) + sample.weight
    return out


def file_seconds(scope: Scope, basis: str) -> Dict[str, float]:
    """Seconds per file (line bases include native time called from the file's lines)."""
    out: Dict[str, float] = {}
    if basis in (LINES_CPU, LINES_WALL):
        for f in scope.profile.files:
            out[f.path] = out.get(f.path, 0.0) + sum(line_seconds(s, basis) for s in f.lines)
    else:
        for fn in functions(scope.profile):
            if not is_native_function(fn):
                out[fn.file] = out.get(fn.file, 0.0) + fn.self_time
    return out


def user_lines(scope: Scope, basis: str) -> List[Tuple[str, LineStats]]:
    """(path, line stats) of your code, hottest first (by time, then memory)."""
    rows = [(f.path, s) for f in scope.profile.files if scope.category(f.path) == classify.USER for s in f.lines]
    rows.sort(key=lambda r: (user_line_seconds(r[1], basis), r[1].mem_alloc_mb, r[1].mem_peak_mb), reverse=True)
    return rows


def enclosing_function(fns: Sequence[FunctionStats], path: str, line: int) -> Optional[FunctionStats]:
    """The function of `path` with the largest first line at or above `line` (an estimate without source)."""
    best: Optional[FunctionStats] = None
    for fn in fns:
        if fn.file == path and fn.line <= line and (best is None or fn.line > best.line):
            best = fn
    return best


def peak_memory(profile: Profile) -> Dict[str, Optional[float]]:
    series = profile.memory_series
    traced = max((m.peak_mb or m.current_mb for m in series), default=None)
    rss_series = [m.rss_mb for m in series if m.rss_mb is not None]
    rss = profile.meta.peak_rss_mb
    if rss_series:
        rss = max(rss or 0.0, max(rss_series))
    line_peak = max((s.mem_peak_mb for f in profile.files for s in f.lines), default=0.0)
    return {
        "peak_rss_mb": rss,
        "traced_peak_mb": traced,
        "largest_line_peak_mb": line_peak or None,
        "allocated_mb": sum(s.mem_alloc_mb for f in profile.files for s in f.lines) or None,
        "net_mb": sum(s.mem_net_mb for f in profile.files for s in f.lines) or None,
    }


def import_seconds(profile: Profile) -> Optional[float]:
    """Time spent importing: `extras["imports"]` ({module: seconds}) if a collector wrote it, else the
    time under importlib's `_find_and_load` frames in the stacks; None when neither is known."""
    imports = profile.extras.get("imports")
    if isinstance(imports, dict) and imports:
        return float(sum(v for v in imports.values() if isinstance(v, (int, float))))
    loaders = {i for i, fr in enumerate(profile.frames) if fr.name.endswith("_find_and_load")}
    if not loaders:
        return None
    return sum(s.weight for s in profile.stacks if any(i in loaders for i in s.frames))
