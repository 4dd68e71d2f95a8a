"""CSV export: ONE file with a `kind` column, so it opens as a single sheet and filters by kind.

kind = "function": qualname, file, line, self/total seconds, calls, memory.
kind = "line":     every measured line (file, line, CPU python/native/system, wall, samples, hits, memory).
kind = "memory":   the allocation sites (lines with any memory), largest first.
Columns that do not apply to a row are empty. Times in seconds, memory in MB; `category` is what
heatlens.classify made of the file (user, library, stdlib, native, heatlens, other); `share` is of the
report's time basis (see heatlens.reports.attribution).
"""

from __future__ import annotations

import csv
import io
from typing import Any, Dict, List, Optional

from heatlens.model import Profile
from heatlens.reports.attribution import function_total, functions, line_seconds, make_scope, time_basis, total_seconds

COLUMNS = [
    "kind", "category", "file", "line", "function", "self_s", "total_s", "calls", "share", "cpu_python_s",
    "cpu_native_s", "cpu_system_s", "wall_s", "samples", "hits", "mem_alloc_mb", "mem_peak_mb", "mem_net_mb",
]


def _num(value: Optional[float]) -> str:
    return "" if value is None else repr(float(value)) if isinstance(value, float) else str(value)


def to_csv(profile: Profile, project_root: Optional[str] = None) -> str:
    scope = make_scope(profile, project_root)
    basis = time_basis(profile)
    total = total_seconds(profile, basis)
    fns = functions(profile)
    fn_total = function_total(fns)
    rows: List[Dict[str, Any]] = []
    for fn in sorted(fns, key=lambda f: f.self_time, reverse=True):
        rows.append({"kind": "function", "category": scope.category(fn.file), "file": fn.file, "line": fn.line,
                     "function": fn.qualname, "self_s": _num(fn.self_time), "total_s": _num(fn.total_time),
                     "calls": _num(fn.calls), "share": _num(fn.self_time / fn_total if fn_total else None),
                     "mem_alloc_mb": _num(fn.mem_alloc_mb), "mem_peak_mb": _num(fn.mem_peak_mb)})
    memory = []
    for f in profile.files:
        cat = scope.category(f.path)
        for s in f.lines:
            row = {"kind": "line", "category": cat, "file": f.path, "line": s.line,
                   "share": _num(line_seconds(s, basis) / total if total else None),
                   "cpu_python_s": _num(s.cpu_python), "cpu_native_s": _num(s.cpu_native),
                   "cpu_system_s": _num(s.cpu_system), "wall_s": _num(s.wall), "samples": s.samples,
                   "hits": _num(s.hits), "mem_alloc_mb": _num(s.mem_alloc_mb), "mem_peak_mb": _num(s.mem_peak_mb),
                   "mem_net_mb": _num(s.mem_net_mb)}
            rows.append(row)
            if s.mem_alloc_mb or s.mem_peak_mb or s.mem_net_mb:
                memory.append((max(s.mem_alloc_mb, s.mem_peak_mb, s.mem_net_mb), dict(row, kind="memory")))
    rows.extend(r for _, r in sorted(memory, key=lambda m: m[0], reverse=True))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
