"""What the editor shows, as state plus pure functions.

`FileData` is one file's measured data from one run, in the lines of the source *as profiled* (1-based, like
the model). `DocView` pairs it with the open document's `LineMap` (profiled line -> current line, 0-based like
LSP): every feature asks where profiled line N is now, and whether it was edited since the run (stale).
`Annotations` holds every file the run touched, so that a module opened later is annotated too."""

from __future__ import annotations

import logging
import os
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Tuple, Union

import attrs

from heatlens.mapping import rollup
from heatlens.mapping.linemap import LineMap
from heatlens.mapping.recover import needs_recovery, recover_linemap
from heatlens.mapping.source_index import SourceIndex, index_for, sha256_text
from heatlens.model import FileProfile, Finding, LineStats, Profile
from pygls.workspace import PositionCodec

log = logging.getLogger(__name__)

SOURCES_EXTRA = "heatlens.sources"  # Profile.extras key: {path: source text as run}, for recovery


# (path, sha256 as run) -> the file's text if it still has that hash, else None
SourceReader = Callable[[str, Optional[str]], Optional[str]]


def path_key(path: str) -> str:
    """One spelling per file, so that the run's paths and the editor's URIs meet."""
    return os.path.normcase(os.path.realpath(path))


@attrs.define
class FunctionData:
    qualname: str
    line: int  # 1-based first line (co_firstlineno: the first decorator) in the profiled source
    def_line: int
    end_line: int
    seconds: float  # inclusive CPU seconds (the backend's total time when it had one)
    share: float  # seconds / the run's total CPU, 0..1
    own_seconds: float  # the function's own lines, nested defs excluded
    calls: Optional[int] = None
    mem_alloc_mb: float = 0.0
    mem_peak_mb: float = 0.0
    samples: int = 0
    callers: Dict[str, float] = attrs.Factory(dict)
    callees: Dict[str, float] = attrs.Factory(dict)


@attrs.define
class FileData:
    path: str
    run_id: Optional[int]
    total_cpu: float  # the run's total CPU: the denominator of every share
    lines: Dict[int, LineStats]  # 1-based profiled line -> stats
    functions: List[FunctionData]
    sha256: Optional[str] = None
    source: Optional[str] = None  # the text as run, when known (enables line-diff recovery)
    parsed: bool = False  # False: no full LibCST index (so no source analysis); spans may still come from `note`'s scan
    note: Optional[str] = None  # what a big file's annotations leave out (SourceIndex.note), shown in hovers
    caveat: Optional[str] = None  # why line times are approximate (the in-process fallback), shown in hovers
    findings: List[Finding] = attrs.Factory(list)  # the run's findings in this file (profiled lines)
    exceptions: Dict[int, List[Tuple[str, int]]] = attrs.Factory(dict)  # profiled line -> [(type, times raised)]
    analysed: Optional[List[Finding]] = attrs.field(default=None, eq=False, repr=False)  # the pipeline's, ungraded
    anti_patterns: Optional[List[Finding]] = attrs.field(default=None, init=False, eq=False, repr=False)  # diagnostics'
    # function_at_first_lines, built once: every hover asks (a thousand functions: 0.3 ms to build)
    _first_lines: Optional[Dict[int, FunctionData]] = attrs.field(default=None, init=False, eq=False, repr=False)

    def share(self, stats: LineStats) -> float:
        return stats.cost / self.total_cpu if self.total_cpu > 0 else 0.0  # own CPU + library code it calls

    def function_at_first_lines(self) -> Dict[int, FunctionData]:
        """Functions keyed by every profiled line of their header (decorators .. def). `functions` is not
        changed after a FileData is built (a refined run is a new FileData), so this is built once."""
        if self._first_lines is not None:
            return self._first_lines
        out: Dict[int, FunctionData] = {}
        for fn in self.functions:
            for line in range(fn.line, max(fn.line, fn.def_line) + 1):
                out.setdefault(line, fn)
        self._first_lines = out
        return out


def _functions(fp: FileProfile, profile: Profile, index: Optional[SourceIndex], total: float) -> List[FunctionData]:
    records = [f for f in profile.functions if rollup.same_file(f.file, fp.path)]
    out: List[FunctionData] = []
    rollups: Dict[int, rollup.ScopeRollup] = {}
    unmatched = records  # without spans: the backend's own records, anchored at their first line
    if index is not None and index.parsed:
        try:
            rollups = rollup.rollup_functions(fp, index, total)
            rollups, unmatched = rollup.merge_function_stats(rollups, records, fp.path, index)
        except Exception:  # a roll-up bug must not cost the user the line-level data
            log.exception("rolling up %s failed; showing the backend's function records only", fp.path)
            rollups, unmatched = {}, records
    if rollups:
        for r in rollups.values():
            seconds = r.total_time if r.total_time else r.inclusive.cpu
            if seconds <= 0 and not r.calls:
                continue
            st = r.stats
            out.append(FunctionData(
                qualname=r.scope.qualname, line=r.scope.start_line, def_line=r.scope.def_line,
                end_line=r.scope.end_line, seconds=seconds, share=min(1.0, seconds / total) if total else 0.0,
                own_seconds=r.own.cpu, calls=r.calls, mem_alloc_mb=r.inclusive.mem_alloc_mb,
                mem_peak_mb=max(st.mem_peak_mb if st else 0.0, r.inclusive.mem_peak_mb),
                samples=r.inclusive.samples, callers=dict(st.callers) if st else {},
                callees=dict(st.callees) if st else {},
            ))
    for st in unmatched:
        if st.qualname == "<module>" or st.line <= 0 or (st.total_time <= 0 and not st.calls):
            continue
        out.append(FunctionData(
            qualname=st.qualname, line=st.line, def_line=st.line, end_line=st.line, seconds=st.total_time,
            share=min(1.0, st.total_time / total) if total else 0.0, own_seconds=st.self_time,
            calls=st.calls, mem_alloc_mb=st.mem_alloc_mb, mem_peak_mb=st.mem_peak_mb,
            callers=dict(st.callers), callees=dict(st.callees),
        ))
    out.sort(key=lambda f: f.line)
    return out


def file_data(
    profile: Profile, fp: FileProfile, run_id: Optional[int], source: Optional[str], indexed: bool = True
) -> FileData:
    """One file's annotations from a run. `source` is the file's text as run, when known. With
    `indexed=False` no LibCST index is built (seconds for a big file): line-level data and the backend's
    own function records only, to publish at once and refine later."""
    total = run_total(profile)
    index: Optional[SourceIndex] = None
    if indexed and source is not None and (fp.sha256 is None or sha256_text(source) == fp.sha256):
        try:
            index = index_for(fp.path, source)
        except Exception:  # a mapping bug must not cost the user the line-level data
            log.exception("indexing %s failed; showing line-level data only", fp.path)
    return FileData(
        path=fp.path, run_id=run_id, total_cpu=total, lines=fp.by_line(),
        functions=_functions(fp, profile, index, total), sha256=fp.sha256, source=source,
        parsed=bool(index is not None and index.parsed and index.note is None),
        note=index.note if index is not None else None, caveat=line_caveat(profile),
        findings=[f for f in profile.findings if rollup.same_file(f.file, fp.path)],
        exceptions=raised_by_line(profile, fp.path),
    )


APPROXIMATE = ("Lines are approximate: the in-process agent samples only at the interpreter's check points, so "
               "time can land later in a loop body or on the caller's line.")


def line_caveat(profile: Profile) -> Optional[str]:
    """What the hover must say about where this run's line times came from, when they are not exact."""
    if profile.meta.backend != "agent":
        return None
    why = next((n for n in profile.meta.notes if n.startswith("Lines are approximate")), None)
    return why or APPROXIMATE


def raised_by_line(profile: Profile, path: str) -> Dict[int, List[Tuple[str, int]]]:
    """Exceptions raised per profiled line of `path` (most raised first), for the line hover."""
    out: Dict[int, List[Tuple[str, int]]] = {}
    for rec in profile.exceptions:
        if rec.line > 0 and rec.count > 0 and rollup.same_file(rec.file, path):
            out.setdefault(rec.line, []).append((rec.type, rec.count))
    for items in out.values():
        items.sort(key=lambda tc: -tc[1])
    return out


def run_total(profile: Profile) -> float:
    """The denominator of every share: line CPU, or for function-level backends (cProfile, pyinstrument,
    VizTracer) the functions' self time."""
    return profile.total_cpu or sum(f.self_time for f in profile.functions) or profile.meta.cpu_time


def profiled_files(profile: Profile) -> List[FileProfile]:
    """Files with line data, plus (empty) ones that only function-level backends report."""
    out = [fp for fp in profile.files if fp.lines and not fp.path.startswith("<")]
    seen = {fp.path for fp in out}
    for fn in profile.functions:
        if fn.file and not fn.file.startswith("<") and fn.file not in seen and os.path.isabs(fn.file):
            seen.add(fn.file)
            known = profile.file(fn.file)
            out.append(FileProfile(path=fn.file, sha256=known.sha256 if known else None))
    return out


def profile_sources(profile: Profile) -> Dict[str, str]:
    raw = profile.extras.get(SOURCES_EXTRA)
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def prepared(datas: Iterable[FileData], hooks: Iterable[Callable[[FileData], None]]) -> List[FileData]:
    """Run each prepare hook on each file's data (in the caller's worker thread); failures are logged."""
    out = list(datas)
    for hook in list(hooks):
        for data in out:
            try:
                hook(data)
            except Exception:
                log.exception("prepare hook %r failed for %s", hook, data.path)
    return out


def files_of(
    profile: Profile, run_id: Optional[int], read_source: SourceReader, indexed: Union[bool, Callable[[str], bool]] = True
) -> Iterator[FileData]:
    """FileData for every file of the run that has line data. `indexed` (a flag, or a predicate on the
    path) says which files get function spans from a LibCST index; see `file_data`."""
    stored = profile_sources(profile)
    for fp in profiled_files(profile):
        source = stored.get(fp.path)
        if source is None:
            source = read_source(fp.path, fp.sha256)
        yield file_data(profile, fp, run_id, source, indexed(fp.path) if callable(indexed) else indexed)


# ---- a document's view of its data -----------------------------------------------------------------


@attrs.define
class LineView:
    line: int  # 0-based current line
    old_line: int  # 1-based profiled line
    stats: LineStats
    share: float
    stale: bool


@attrs.define
class DocView:
    data: FileData
    linemap: Optional[LineMap] = None  # None: the document is the profiled source, unedited

    def current(self, old_line: int) -> Optional[int]:
        """0-based current line of 1-based profiled `old_line`, None if it was deleted."""
        if self.linemap is None:
            return old_line - 1
        return self.linemap.map_line(old_line - 1)

    def stale(self, old_line: int) -> bool:
        return self.linemap is not None and self.linemap.is_stale(old_line - 1)

    def old(self, line: int) -> Optional[int]:
        """1-based profiled line shown at 0-based current `line`, None for a line the run never saw."""
        if self.linemap is None:
            return line + 1
        old = self.linemap.new_to_old(line)
        return None if old is None else old + 1

    def lines(self) -> Iterator[LineView]:
        """Every profiled line that still exists, in current order."""
        data = self.data
        if self.linemap is None:
            for old_line, line_stats in sorted(data.lines.items()):
                yield LineView(old_line - 1, old_line, line_stats, data.share(line_stats), False)
            return
        # Walk the map's runs (O(runs + lines)) instead of one bisect per line.
        for run in self.linemap.runs():
            for k in range(run.length):
                stats = data.lines.get(run.old_start + k + 1)
                if stats is not None:
                    yield LineView(run.new_start + k, run.old_start + k + 1, stats, data.share(stats), run.stale)

    def line_at(self, line: int) -> Optional[LineView]:
        old = self.old(line)
        if old is None or old not in self.data.lines:
            return None
        stats = self.data.lines[old]
        return LineView(line, old, stats, self.data.share(stats), self.stale(old))

    def lines_in(self, first: int, last: int) -> Iterator[LineView]:
        """Views of current lines first..last (0-based, inclusive)."""
        for line in range(max(0, first), last + 1):
            view = self.line_at(line)
            if view is not None:
                yield view

    def functions(self) -> Iterator[Tuple[int, FunctionData, bool]]:
        """(current 0-based line of its first line, function, stale) for each function that ran."""
        for fn in self.data.functions:
            cur = self.current(fn.line)
            if cur is not None:
                yield cur, fn, self.stale(fn.line)

    def function_at(self, line: int) -> Optional[Tuple[FunctionData, bool]]:
        """The function whose header (decorators .. def) is at current `line`."""
        old = self.old(line)
        if old is None:
            return None
        fn = self.data.function_at_first_lines().get(old)
        return (fn, self.stale(old)) if fn is not None else None


# ---- the daemon's state ----------------------------------------------------------------------------


class Annotations:
    """Data per file (from the latest run that touched it) and a LineMap per open document, both keyed
    by `path_key`."""

    def __init__(self) -> None:
        self.files: Dict[str, FileData] = {}
        self.maps: Dict[str, LineMap] = {}  # path -> map of the open document

    def add_run(self, datas: Iterable[FileData]) -> List[str]:
        """Replace the data of every file the run touched; returns their paths. Maps reset."""
        paths = []
        for data in datas:
            key = path_key(data.path)
            self.files[key] = data
            self.maps.pop(key, None)
            paths.append(data.path)
        return paths

    def refine(self, datas: Iterable[FileData]) -> List[str]:
        """Swap in fuller data of the same run (function spans from the index): the source is the same,
        so document maps are kept. Files that a newer run replaced meanwhile are left alone."""
        paths = []
        for data in datas:
            key = path_key(data.path)
            current = self.files.get(key)
            if current is not None and current.run_id == data.run_id and current.sha256 == data.sha256:
                self.files[key] = data
                paths.append(data.path)
        return paths

    def clear(self, path: Optional[str] = None) -> List[str]:
        paths = list(self.files) if path is None else [path] if path in self.files else []
        for p in paths:
            self.files.pop(p, None)
            self.maps.pop(p, None)
        return paths

    def attach(self, path: str, text: str, codec: Optional[PositionCodec] = None) -> Optional[DocView]:
        """(Re)anchor a document's data to its current text: identity when it is the profiled source,
        else a line-diff recovery from the source as run; None when there is no data or no way to map."""
        data = self.files.get(path)
        if data is None:
            return None
        linemap = anchor(data, text, codec)
        if linemap is None:
            self.maps.pop(path, None)
            return None
        self.maps[path] = linemap
        return DocView(data, linemap)

    def view(self, path: str) -> Optional[DocView]:
        data = self.files.get(path)
        linemap = self.maps.get(path)
        if data is None or linemap is None:
            return None
        return DocView(data, linemap)

    def edit(self, path: str, start_line: int, start_char: int, end_line: int, end_char: int, text: str) -> bool:
        """Compose one didChange range edit into the document's map; False if the file has no map."""
        linemap = self.maps.get(path)
        if linemap is None:
            return False
        linemap.apply(start_line, start_char, end_line, end_char, text)
        return True

    def replace(self, path: str, text: str) -> bool:
        """A full-document change: re-derive the map by line diff."""
        linemap = self.maps.get(path)
        if linemap is None:
            return False
        linemap.apply_full(text)
        return True

    def revalidate(self, path: str, current_line: Callable[[int], Optional[str]]) -> List[int]:
        """Un-stale lines whose text is back to what was profiled (an undo); returns their current lines."""
        fresh: List[int] = []
        linemap = self.maps.get(path)
        if linemap is not None:
            linemap.revalidate(current_line, fresh)
        return fresh

    def line_count(self, path: str) -> Optional[int]:
        """Lines of the open document as its map knows them (None without a map)."""
        linemap = self.maps.get(path)
        return None if linemap is None else linemap.line_count

    def close(self, path: str) -> None:
        self.maps.pop(path, None)


def anchor(data: FileData, text: str, codec: Optional[PositionCodec] = None) -> Optional[LineMap]:
    """A map from the profiled source to `text`: the identity when `text` is the profiled source (or no
    hash was recorded), a line-diff recovery when the source as run is known, else None (unmappable)."""
    if data.sha256 is None or not needs_recovery(data.sha256, text):
        return LineMap.from_text(text, codec)
    if data.source is None:
        log.info("%s changed since the run and its profiled source is unknown: no annotations", data.path)
        return None
    return recover_linemap(data.source, text, codec)
