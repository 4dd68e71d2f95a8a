"""`heatlens/compare` and `heatlens/history`: pure pieces (wire results, lens suffixes, hover rows, state).

After a compare, the server keeps a `CompareState`: the compared run's per-function deltas (from
`analysis.regression.compare`), keyed by file and qualified name. Lenses and hovers of a file show them
while that file's annotations are still from the compared run: a new run of the file replaces its data
(and so hides its deltas); `heatlens/clear` drops the comparison altogether.
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Tuple

import attrs
from pygls.uris import from_fs_path

from heatlens.analysis.regression import NOISE, Change, Comparison, FunctionDelta
from heatlens.lsp.annotations import DocView, path_key
from heatlens.lsp.features.format import mb, seconds
from heatlens.lsp.protocol import ChangeInfo, CompareResult, FunctionChange, HistoryRun
from heatlens.store.db import Store, StoreError
from heatlens.store.queries import RunRow

MINUS = "\u2212"  # a real minus sign reads better than a hyphen in "▼ −38%"


def _finite(value: Optional[float]) -> Optional[float]:
    return value if value is not None and math.isfinite(value) else None


def change_info(ch: Change) -> ChangeInfo:
    return ChangeInfo(
        before=ch.a_mean, after=ch.b_mean, change=_finite(ch.change), ci_low=_finite(ch.ci_low),
        ci_high=_finite(ch.ci_high), p_value=ch.p_value, verdict=ch.verdict, note=ch.note,
    )


def function_change(d: FunctionDelta) -> FunctionChange:
    line = d.line_b if d.line_b is not None else d.line_a
    return FunctionChange(
        uri=from_fs_path(d.file) or d.file, qualname=d.qualname, line=line - 1 if line else None,
        time=change_info(d.total_time), self_time=change_info(d.self_time), memory=change_info(d.mem),
        share_before=d.share_a, share_after=d.share_b, is_new=d.line_a is None, removed=d.line_b is None,
    )


def compare_result(cmp: Comparison, run_id: int, baseline_id: int, label: str) -> CompareResult:
    wall = cmp.wall
    return CompareResult(
        run_id=run_id, baseline_run_id=baseline_id, label=label, wall=change_info(wall), cpu=change_info(cmp.cpu),
        peak_mem=change_info(cmp.peak_mem) if cmp.peak_mem is not None else None,
        speedup=_finite(wall.speedup), regressed=cmp.regressed,
        functions=[function_change(d) for d in cmp.functions], notes=list(cmp.notes),
    )


def history_run(row: RunRow) -> HistoryRun:
    return HistoryRun(
        run_id=row.id, target=row.target, backend=row.backend, started_at=row.started_at, duration=row.wall,
        cpu=row.cpu, peak_mem_mb=row.peak_mem_mb, git_commit=row.git_commit, failure=row.failure_kind,
    )


def label_for(baseline: str) -> str:
    """How lenses name the baseline: `previous`, `latest`, or `#12` for a run id or a git ref's run."""
    return baseline if baseline in ("previous", "latest") else ""


def percent(change: float) -> str:
    """`+212%`, `−38%`, `+4.2%` (one decimal below 10%)."""
    value = abs(change) * 100
    text = f"{value:.0f}%" if value >= 10 else f"{value:.1f}%"
    return ("+" if change >= 0 else MINUS) + text


def lens_suffix(d: FunctionDelta, label: str) -> str:
    """`▼ −38% vs previous` (faster), `▲ +212% vs previous` (slower), `≈ +3.0% vs previous` (within noise)."""
    ch = d.total_time
    if d.line_a is None or ch.a_mean <= 0:
        return f"new vs {label}"
    arrow = "≈" if ch.verdict == NOISE else "▲" if ch.change > 0 else "▼"
    return f"{arrow} {percent(ch.change)} vs {label}"


def hover_rows(d: FunctionDelta, state: "CompareState") -> List[str]:
    """A before/now table of the function in the two compared runs."""
    t, s, m = d.total_time, d.self_time, d.mem
    change = percent(t.change) if t.a_mean > 0 else "new"
    rows = [
        f"**vs {state.label}** (run #{state.baseline_id} → #{state.run_id}): {change}, {t.verdict}",
        "",
        "| | before | now |",
        "|---|---|---|",
        f"| CPU (total) | {seconds(t.a_mean)} | {seconds(t.b_mean)} |",
        f"| own time | {seconds(s.a_mean)} | {seconds(s.b_mean)} |",
    ]
    if m.a_mean or m.b_mean:
        rows.append(f"| memory alloc | {mb(m.a_mean)} | {mb(m.b_mean)} |")
    if t.note:
        rows.extend(["", f"*{t.note}*"])
    return rows


@attrs.define
class CompareState:
    run_id: int  # the run compared (the "now" side)
    baseline_id: int
    label: str
    by_file: Dict[str, Dict[str, FunctionDelta]]  # path_key(file) -> qualname -> delta

    @classmethod
    def build(cls, cmp: Comparison, run_id: int, baseline_id: int, label: str) -> "CompareState":
        by_file: Dict[str, Dict[str, FunctionDelta]] = {}
        for d in cmp.functions:
            if d.line_b is not None:  # a removed function has no lens to decorate
                by_file.setdefault(path_key(d.file), {})[d.qualname] = d
        return cls(run_id, baseline_id, label, by_file)

    def deltas(self, view: Optional[DocView]) -> Dict[str, FunctionDelta]:
        """The file's deltas while its annotations are still from the compared run."""
        if view is None or view.data.run_id != self.run_id:
            return {}
        return self.by_file.get(path_key(view.data.path), {})

    def lens_suffixes(self, view: Optional[DocView]) -> Dict[str, str]:
        return {q: lens_suffix(d, self.label) for q, d in self.deltas(view).items()}

    def hover_extra(self, view: Optional[DocView]) -> Dict[str, List[str]]:
        return {q: hover_rows(d, self) for q, d in self.deltas(view).items()}


def ids_label(baseline: str, baseline_id: int) -> str:
    return label_for(baseline) or f"#{baseline_id}"


def resolve_pair(store: Store, baseline: Optional[str], run_id: Optional[int]) -> Tuple[int, int]:
    """(now, before) run ids: `run_id` (default the latest run) and the `baseline` ref (default `previous`:
    the newest earlier run of the same target). Blocking; raises StoreError."""
    ref = baseline or "previous"
    if run_id is None:
        return store.resolve("latest"), store.resolve(ref)
    row = store.run(run_id)
    if ref != "previous":
        return row.id, store.resolve(ref)
    older = [r.id for r in store.runs(1000, row.target) if r.id < row.id]
    if not older:
        raise StoreError(f"there is no run of {row.target} before #{row.id} to compare with")
    return row.id, older[0]
