"""Hovers: a compact Markdown table of what was measured on a line or for a function."""

from __future__ import annotations

from typing import Dict, List, Optional

from lsprotocol import types as lsp

from heatlens.lsp.annotations import DocView, FunctionData, LineView
from heatlens.lsp.features.format import count, mb, pct, seconds

LOW_SAMPLES = 20  # below this a line's time is a rough estimate (±22% or worse)
STALE_NOTE = "⚠ *stale*: this line was edited since the run; the numbers are from the profiled version."


def _samples(n: int) -> str:
    if n <= 0:
        return "—"
    err = 100.0 / n ** 0.5
    text = f"{count(n)} (±{err:.0f}%)" if err >= 1 else f"{count(n)} (±{err:.1f}%)"
    return text + " — few samples, rough estimate" if n < LOW_SAMPLES else text


def line_table(view: LineView) -> List[str]:
    s = view.stats
    rows = [
        "| | |",
        "|---|---|",
        f"| CPU | {seconds(s.cost)} · {pct(view.share)} of run |",
        f"| python / native / system | {seconds(s.cpu_python)} / {seconds(s.cpu_native)} / {seconds(s.cpu_system)} |",
    ]
    if s.cpu_callees > 0:
        rows.append(f"| in library code it calls | {seconds(s.cpu_callees)} |")
    if s.wall > 0:
        rows.append(f"| wall | {seconds(s.wall)} |")
    if s.mem_alloc_mb or s.mem_peak_mb or s.mem_net_mb:
        rows.append(f"| memory alloc / peak / net | {mb(s.mem_alloc_mb)} / {mb(s.mem_peak_mb)} / {mb(s.mem_net_mb)} |")
    if s.gpu_share is not None:
        rows.append(f"| GPU | {pct(s.gpu_share)}" + (f" · {mb(s.gpu_mem_mb)}" if s.gpu_mem_mb else "") + " |")
    if s.hits is not None:
        rows.append(f"| hits | {count(s.hits)} |")
    rows.append(f"| samples | {_samples(s.samples)} |")
    return rows


def _top(edges: Dict[str, float], limit: int = 3) -> str:
    ranked = sorted(edges.items(), key=lambda kv: -kv[1])[:limit]
    return ", ".join(f"`{k.rsplit(':', 1)[-1]}` {seconds(v)}" for k, v in ranked)


def function_table(fn: FunctionData) -> List[str]:
    rows = [
        "| | |",
        "|---|---|",
        f"| CPU (total) | {seconds(fn.seconds)} · {pct(fn.share)} of run |",
        f"| own lines | {seconds(fn.own_seconds)} |",
    ]
    if fn.calls is not None:
        rows.append(f"| calls | {count(fn.calls)} |")
    if fn.mem_alloc_mb or fn.mem_peak_mb:
        rows.append(f"| memory alloc / peak | {mb(fn.mem_alloc_mb)} / {mb(fn.mem_peak_mb)} |")
    if fn.samples:
        rows.append(f"| samples | {_samples(fn.samples)} |")
    if fn.callers:
        rows.append(f"| top callers | {_top(fn.callers)} |")
    if fn.callees:
        rows.append(f"| top callees | {_top(fn.callees)} |")
    return rows


def raised_row(view: DocView, line: int) -> List[str]:
    """The "raised" row of 0-based current `line`: exceptions raised there (caught or not) and how often."""
    old = view.old(line)
    raised = view.data.exceptions.get(old) if old is not None else None
    return ["| raised | " + ", ".join(f"`{t}` ×{count(n)}" for t, n in raised) + " |"] if raised else []


def hover_markdown(view: DocView, line: int, extra: Optional[Dict[str, List[str]]] = None) -> Optional[str]:
    """The hover text for 0-based current `line`, None when nothing was measured there. `extra`: qualname ->
    Markdown lines added under the function's table (the comparison with another run)."""
    line_view = view.line_at(line)
    fn_hit = view.function_at(line)
    if line_view is None and fn_hit is None:
        # a line where exceptions are raised may have no CPU samples of its own (3.11's sampler)
        rows = raised_row(view, line)
        return "\n".join([f"**heatlens** · line {view.old(line)} as profiled", "", "| | |", "|---|---|", *rows]) if rows else None
    run = f" · run #{view.data.run_id}" if view.data.run_id is not None else ""
    parts: List[str] = []
    if fn_hit is not None:
        fn, stale = fn_hit
        parts.append(f"**heatlens** · `{fn.qualname}`{run}")
        parts.append("")
        parts.extend(function_table(fn))
        if extra and fn.qualname in extra:
            parts.extend(["", *extra[fn.qualname]])
        if stale:
            parts.extend(["", STALE_NOTE])
    if line_view is not None:
        if parts:
            parts.append("")
        parts.append(f"**heatlens** · line {line_view.old_line} as profiled{run if not parts else ''}")
        parts.append("")
        parts.extend(line_table(line_view))
        parts.extend(raised_row(view, line))
        if line_view.stale:
            parts.extend(["", STALE_NOTE])
    if view.data.note:  # a big file: say what its annotations leave out
        parts.extend(["", f"_{view.data.note}_"])
    if view.data.caveat:  # the in-process fallback measured this run: its lines are approximate
        parts.extend(["", f"⚠ _{view.data.caveat}_"])
    return "\n".join(parts)


def hover(view: Optional[DocView], line: int, extra: Optional[Dict[str, List[str]]] = None) -> Optional[lsp.Hover]:
    if view is None:
        return None
    text = hover_markdown(view, line, extra)
    if text is None:
        return None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text))
