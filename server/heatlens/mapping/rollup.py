"""Pure roll-ups of per-line stats onto statements, loops, functions, classes and files.

Line stats are self costs (the time a line itself ran, native calls included, Python callees not), so a
sum over a span is the span's own cost. Memory: allocated and net MB add up; `mem_peak_mb` adds up too,
which makes a span's peak an upper bound (its lines' peaks may not coincide in time).
Lines are 1-based (the model's). Nothing here mutates its inputs.
"""

from __future__ import annotations

import os
from typing import Dict, Iterable, List, Optional, Tuple

import attrs

from heatlens.model import FileProfile, FunctionStats, LineStats, Profile
from heatlens.mapping.source_index import Loop, Scope, SourceIndex


@attrs.define
class Rollup:
    """Summed line stats of a set of lines."""

    cpu_python: float = 0.0
    cpu_native: float = 0.0
    cpu_system: float = 0.0
    cpu_callees: float = 0.0  # library code called from these lines (LineStats.cpu_callees)
    wall: float = 0.0
    samples: int = 0
    mem_alloc_mb: float = 0.0
    mem_peak_mb: float = 0.0  # sum of the lines' peaks: an upper bound
    mem_net_mb: float = 0.0
    lines: int = 0  # how many profiled lines contributed
    hottest_line: Optional[int] = None  # the contributing line with the most CPU (the first on ties)
    _hottest_cpu: float = attrs.field(default=0.0, repr=False, eq=False)

    @property
    def cpu(self) -> float:
        return self.cpu_python + self.cpu_native + self.cpu_system

    @property
    def cost(self) -> float:
        return self.cpu + self.cpu_callees

    def add(self, s: LineStats) -> None:
        """Add one line's stats in place (used while building; results are not mutated afterwards)."""
        if self.hottest_line is None or s.cost > self._hottest_cpu:
            self.hottest_line, self._hottest_cpu = s.line, s.cost
        self.cpu_callees += s.cpu_callees
        self.cpu_python += s.cpu_python
        self.cpu_native += s.cpu_native
        self.cpu_system += s.cpu_system
        self.wall += s.wall
        self.samples += s.samples
        self.mem_alloc_mb += s.mem_alloc_mb
        self.mem_peak_mb += s.mem_peak_mb
        self.mem_net_mb += s.mem_net_mb
        self.lines += 1


@attrs.define
class ScopeRollup:
    """A function's or class's cost from its lines, plus exact data when a backend had it."""

    scope: Scope
    own: Rollup  # lines that run in this scope's own code object (nested defs/classes excluded)
    inclusive: Rollup  # every line of the span, nested defs/classes included
    share: float = 0.0  # inclusive CPU / the run's total CPU
    own_share: float = 0.0
    # From Profile.functions (merge_function_stats); None when the backend had no such data.
    calls: Optional[int] = None
    self_time: Optional[float] = None
    total_time: Optional[float] = None
    stats: Optional[FunctionStats] = None


@attrs.define
class LoopRollup:
    loop: Loop
    rollup: Rollup  # the loop's lines in its own function (nested defs excluded)
    share: float = 0.0


def rollup_lines(lines: Iterable[LineStats]) -> Rollup:
    """Sum any set of line stats."""
    out = Rollup()
    for s in lines:
        out.add(s)
    return out


def rollup_file(file_profile: FileProfile) -> Rollup:
    """The whole file's cost."""
    return rollup_lines(file_profile.lines)


def rollup_module(file_profile: FileProfile, index: SourceIndex) -> Rollup:
    """Cost of the lines outside every function and class (module-level code, `<module>` in profilers).
    For an unparsed file that is every line."""
    return rollup_lines(s for s in file_profile.lines if index.scope_at(s.line) is None)


def rollup_statements(file_profile: FileProfile, index: SourceIndex) -> Dict[Tuple[int, int], Rollup]:
    """Cost per statement, keyed by its (first, last) line (`SourceIndex.statement_span`): a multi-line
    statement's lines are summed into one entry; single-line statements key as (line, line). Only
    statements with profiled lines appear."""
    out: Dict[Tuple[int, int], Rollup] = {}
    for s in file_profile.lines:
        out.setdefault(index.statement_span(s.line), Rollup()).add(s)
    return out


def rollup_scopes(
    file_profile: FileProfile, index: SourceIndex, total_cpu: Optional[float] = None
) -> Dict[int, ScopeRollup]:
    """Cost of every function and class of `index`, keyed by its `start_line` (co_firstlineno).
    Shares are relative to `total_cpu` (default: the file's own CPU; pass `Profile.total_cpu` for run
    shares). Scopes without profiled lines appear with zero rollups."""
    own = [Rollup() for _ in index.scopes]
    inclusive = [Rollup() for _ in index.scopes]
    position = {id(sc): i for i, sc in enumerate(index.scopes)}
    for s in file_profile.lines:
        chain = index.scopes_at(s.line)
        for sc in chain:
            inclusive[position[id(sc)]].add(s)
        if chain:
            own[position[id(chain[-1])]].add(s)
    total = rollup_file(file_profile).cpu if total_cpu is None else total_cpu
    out: Dict[int, ScopeRollup] = {}
    for i, sc in enumerate(index.scopes):
        out[sc.start_line] = ScopeRollup(
            scope=sc,
            own=own[i],
            inclusive=inclusive[i],
            share=_share(inclusive[i].cpu, total),
            own_share=_share(own[i].cpu, total),
        )
    return out


def rollup_functions(
    file_profile: FileProfile, index: SourceIndex, total_cpu: Optional[float] = None
) -> Dict[int, ScopeRollup]:
    """`rollup_scopes` restricted to functions (def / async def)."""
    return {k: v for k, v in rollup_scopes(file_profile, index, total_cpu).items() if v.scope.is_function}


def rollup_classes(
    file_profile: FileProfile, index: SourceIndex, total_cpu: Optional[float] = None
) -> Dict[int, ScopeRollup]:
    """`rollup_scopes` restricted to classes."""
    return {k: v for k, v in rollup_scopes(file_profile, index, total_cpu).items() if not v.scope.is_function}


def rollup_loops(
    file_profile: FileProfile, index: SourceIndex, total_cpu: Optional[float] = None
) -> Dict[int, LoopRollup]:
    """Cost of every loop, keyed by `Loop.index`. A line counts for every loop that holds it
    (`SourceIndex.loops_at`), so an outer loop includes its inner loops."""
    sums = [Rollup() for _ in index.loops]
    for s in file_profile.lines:
        for loop in index.loops_at(s.line):
            sums[loop.index].add(s)
    total = rollup_file(file_profile).cpu if total_cpu is None else total_cpu
    return {lp.index: LoopRollup(lp, sums[lp.index], _share(sums[lp.index].cost, total)) for lp in index.loops}


def line_share(profile: Profile) -> Dict[Tuple[str, int], float]:
    """(path, line) -> the line's CPU / the run's total CPU (`Profile.total_cpu`). Empty when the run
    recorded no CPU."""
    total = profile.total_cpu
    if total <= 0:
        return {}
    return {(f.path, s.line): s.cpu / total for f in profile.files for s in f.lines}


def file_line_share(file_profile: FileProfile, total_cpu: float) -> Dict[int, float]:
    """line -> share of `total_cpu` for one file (0.0 everywhere when total_cpu is 0)."""
    return {s.line: _share(s.cpu, total_cpu) for s in file_profile.lines}


def same_file(a: str, b: str) -> bool:
    """Whether two paths from the model name the same file (normalized, case-folded where the OS does)."""
    return os.path.normcase(os.path.normpath(a)) == os.path.normcase(os.path.normpath(b))


def match_function(stats: FunctionStats, index: SourceIndex) -> Optional[Scope]:
    """The scope of `index` that a backend's function record names: first by its line as
    co_firstlineno (or the def line of a decorated function), then, if that fails (e.g. the source
    moved), by a qualname that is unique in the file. The caller checks the file."""
    by_line = index.function_by_first_line(stats.line)
    if by_line is not None and _names_agree(stats.qualname, by_line.qualname):
        return by_line
    named = index.scopes_by_qualname(stats.qualname)
    if len(named) == 1:
        return named[0]
    if not named:  # backends without qualnames (e.g. pstats) give the bare name
        tail = stats.qualname.rsplit(".", 1)[-1]
        named = [sc for sc in index.scopes if sc.name == tail]
        if len(named) == 1:
            return named[0]
    return next((sc for sc in named if sc.start_line == stats.line or sc.def_line == stats.line), None)


def merge_function_stats(
    rollups: Dict[int, ScopeRollup], functions: Iterable[FunctionStats], path: str, index: SourceIndex
) -> Tuple[Dict[int, ScopeRollup], List[FunctionStats]]:
    """Attach exact function data (calls, self/total time) from `Profile.functions` records of `path`
    to the matching roll-ups. Returns new roll-ups and the records of `path` that matched no scope
    (e.g. module code or a file edited since). Inputs are not mutated."""
    out = dict(rollups)
    unmatched: List[FunctionStats] = []
    for fs in functions:
        if not same_file(fs.file, path):
            continue
        scope = match_function(fs, index)
        current = out.get(scope.start_line) if scope is not None else None
        if current is None:
            unmatched.append(fs)
            continue
        if fs.calls is None or current.calls is None:
            calls = fs.calls if current.calls is None else current.calls
        else:  # one function reported more than once (e.g. per thread): counts add up
            calls = current.calls + fs.calls
        out[scope.start_line] = attrs.evolve(  # type: ignore[union-attr]
            current,
            calls=calls,
            self_time=(current.self_time or 0.0) + fs.self_time,
            total_time=(current.total_time or 0.0) + fs.total_time,
            stats=fs if current.stats is None else current.stats,
        )
    return out, unmatched


def _share(part: float, total: float) -> float:
    return part / total if total > 0 else 0.0


def _names_agree(reported: str, indexed: str) -> bool:
    """A backend's name fits the scope on its line: equal, or one is a dotted suffix of the other
    (pstats gives bare names; some tools prefix the module)."""
    if not reported or reported == indexed:
        return True
    return indexed.endswith("." + reported) or reported.endswith("." + indexed)


__all__ = [
    "LoopRollup",
    "Rollup",
    "ScopeRollup",
    "file_line_share",
    "line_share",
    "match_function",
    "merge_function_stats",
    "rollup_classes",
    "rollup_file",
    "rollup_functions",
    "rollup_lines",
    "rollup_loops",
    "rollup_module",
    "rollup_scopes",
    "rollup_statements",
    "same_file",
]
