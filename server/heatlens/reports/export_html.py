"""HTML export: ONE self-contained file (inline CSS, no scripts, no network): the summary, details and
libraries tables, the source of your hottest files with per-line heat, and a flame graph.

The flame graph is a static inline SVG icicle drawn here (root on top, width = time, hover titles, a
click jumps to the source line when that file is shown) — small and dependency-free; the editor's
webview uses a real viewer (speedscope) on the speedscope export instead.
"""

from __future__ import annotations

import html
from typing import Dict, List, Optional, Sequence

from heatlens import classify
from heatlens.model import Profile
from heatlens.reports import build, document as doc, layout
from heatlens.reports.attribution import Scope, line_seconds, make_scope, time_basis, total_seconds
from heatlens.reports.flame import Node, merged_tree, stacks_of
from heatlens.reports.source import SourceCache

HOT_FILES = 3
MAX_SOURCE_LINES = 5000
SVG_WIDTH = 1200
ROW = 18
MIN_FRACTION = 0.002  # flame boxes thinner than this share of the run are left out
_COLORS = {classify.USER: "#f08c3c", classify.LIBRARY: "#5b8fd9", classify.STDLIB: "#5fb27a",
           classify.NATIVE: "#9a9a9a", classify.HEATLENS: "#c9a0dc", classify.OTHER: "#b48ad6"}
_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;background:#fff}
h1,h2,h3{font-weight:600} table{border-collapse:collapse;margin:.5em 0 1.2em}
td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left} td.r,th.r{text-align:right}
code,pre,.src td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.src{width:100%} .src td{border:none;padding:0 8px;white-space:pre} .src td.n{color:#888;text-align:right}
.src td:last-child,.src th:last-child{width:100%}
.flame text{font:11px ui-monospace,monospace;pointer-events:none} .flame rect{stroke:#fff;stroke-width:.5}
.note{color:#666}
"""


def _blocks_html(blocks: Sequence[doc.Block]) -> str:
    out: List[str] = []
    for block in blocks:
        if isinstance(block, doc.Heading):
            level = min(block.level + 1, 4)
            out.append(f"<h{level}>{html.escape(block.text)}</h{level}>")
        elif isinstance(block, doc.Para):
            out.append(f"<p>{html.escape(block.text)}</p>")
        elif isinstance(block, doc.KeyValues):
            rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in block.items)
            out.append(f"<table>{rows}</table>")
        elif isinstance(block, doc.Bullets):
            out.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, doc.Table):
            if not block.rows:
                out.append(f"<p class=note>{html.escape(block.empty)}</p>")
                continue
            align = block.align or ["l"] * len(block.columns)
            head = "".join(f"<th class={a}>{html.escape(c)}</th>" for c, a in zip(block.columns, align))
            body = "".join(
                "<tr>" + "".join(f"<td class={a}>{html.escape(c)}</td>" for c, a in zip(row, align)) + "</tr>"
                for row in block.rows
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    return "\n".join(out)


def _source_section(scope: Scope, sources: SourceCache, anchors: Dict[str, int]) -> str:
    profile = scope.profile
    basis = time_basis(profile)
    total = total_seconds(profile, basis) or 1.0
    user_files = [f for f in profile.files if scope.category(f.path) == classify.USER]
    user_files.sort(key=lambda f: sum(line_seconds(s, basis) for s in f.lines), reverse=True)
    parts = ["<h2>Source heat of your hottest files</h2>"]
    shown = 0
    for fp in user_files:
        if shown == HOT_FILES:
            break
        source = sources.get(fp.path, fp.sha256)
        if source is None:
            continue
        file_id = anchors[fp.path] = len(anchors)
        stats = fp.by_line()
        hottest = max((line_seconds(s, basis) for s in fp.lines), default=0.0) or 1.0
        rows = []
        for n, text in enumerate(source.lines[:MAX_SOURCE_LINES], start=1):
            s = stats.get(n)
            secs = line_seconds(s, basis) if s else 0.0
            mem = max(s.mem_peak_mb, s.mem_alloc_mb) if s else 0.0
            style = f' style="background:rgba(240,90,20,{0.08 + 0.7 * secs / hottest:.3f})"' if secs > 0 else ""
            rows.append(
                f'<tr id="f{file_id}-L{n}"{style}><td class=n>{n}</td>'
                f"<td class=r>{doc.percent(secs / total) if secs else ''}</td>"
                f"<td class=r>{doc.seconds(secs) if secs else ''}</td>"
                f"<td class=r>{doc.megabytes(mem) if mem else ''}</td><td>{html.escape(text)}</td></tr>"
            )
        parts.append(f"<h3>{html.escape(scope.display(fp.path))}</h3>")
        parts.append('<table class=src><thead><tr><th class=r>line</th><th class=r>share</th>'
                     "<th class=r>time</th><th class=r>memory</th><th>source</th></tr></thead><tbody>"
                     + "".join(rows) + "</tbody></table>")
        shown += 1
    if shown == 0:
        parts.append("<p class=note>No source of your code with line data could be read (moved or edited "
                     "since the run).</p>")
    return "\n".join(parts)


def _flame_section(scope: Scope, anchors: Dict[str, int]) -> str:
    stacks = stacks_of(scope.profile)
    root = merged_tree(stacks)
    if root.value <= 0:
        return "<h2>Flame graph</h2><p class=note>This backend recorded no call stacks.</p>"
    rects: List[str] = []
    max_depth = [0]

    def draw(node: Node, x: float, depth: int) -> None:
        for child in sorted(node.children.values(), key=lambda c: stacks.frames[c.frame].name):
            width = SVG_WIDTH * child.value / root.value
            if child.value / root.value >= MIN_FRACTION:
                frame = stacks.frames[child.frame]
                cat = classify.NATIVE if frame.native else scope.category(frame.file)
                where = f"{scope.display(frame.file)}:{frame.line}" if frame.file else "native"
                title = f"{frame.name} ({where}) {doc.seconds(child.value)}, {doc.percent(child.value / root.value)}"
                label = html.escape(frame.name[: int(width / 7)]) if width > 30 else ""
                y = depth * ROW
                box = (f'<rect x="{x:.2f}" y="{y}" width="{max(width, 0.5):.2f}" height="{ROW - 1}" '
                       f'fill="{_COLORS.get(cat, "#ccc")}"><title>{html.escape(title)}</title></rect>'
                       f'<text x="{x + 3:.2f}" y="{y + 12}">{label}</text>')
                if frame.file in anchors and frame.line > 0:
                    box = f'<a href="#f{anchors[frame.file]}-L{frame.line}">{box}</a>'
                rects.append(box)
                max_depth[0] = max(max_depth[0], depth + 1)
                draw(child, x, depth + 1)
            x += width

    draw(root, 0.0, 0)
    height = max_depth[0] * ROW + 2
    legend = " ".join(f'<span style="background:{c};padding:0 6px">{k}</span>' for k, c in _COLORS.items())
    return (f"<h2>Flame graph</h2><p class=note>Width is time ({stacks.source}); root on top. Colors: {legend}</p>"
            f'<svg class=flame xmlns="http://www.w3.org/2000/svg" width="{SVG_WIDTH}" height="{height}" '
            f'viewBox="0 0 {SVG_WIDTH} {height}">{"".join(rects)}</svg>')


def to_html(profile: Profile, project_root: Optional[str] = None) -> str:
    scope = make_scope(profile, project_root)
    sources = SourceCache()
    kinds = ("summary", "details", "libraries")
    tables = "\n".join(_blocks_html(layout(build(scope, kind, sources))) for kind in kinds)
    anchors: Dict[str, int] = {}
    source_html = _source_section(scope, sources, anchors)
    flame_html = _flame_section(scope, anchors)
    title = html.escape(f"heatlens — {profile.meta.target or 'profile'}")
    return (f"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>{title}</title>"
            f"<style>{_CSS}</style></head><body>\n{tables}\n{flame_html}\n{source_html}\n</body></html>\n")
