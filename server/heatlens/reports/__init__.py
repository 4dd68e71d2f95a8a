"""Reports and exports: pure renderers of the normalized Profile.

`render(profile, kind, fmt)` gives a report as text, Markdown or JSON; `export(profile, fmt, path)`
(heatlens.reports.export) writes a file for another tool (JSON model, CSV, Markdown, HTML, speedscope,
Chrome trace, pstats).
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from heatlens.model import Profile
from heatlens.reports import document as doc
from heatlens.reports import kinds, summary
from heatlens.reports.attribution import Scope, make_scope
from heatlens.reports.export_json import json_safe
from heatlens.reports.source import SourceCache

KINDS: Tuple[str, ...] = ("summary", "details", "libraries", "raw", "all")
FORMATS: Tuple[str, ...] = ("text", "md", "json")

_BUILDERS: Dict[str, Tuple[Callable[..., Dict[str, Any]], Callable[[Dict[str, Any]], List[doc.Block]]]] = {
    "summary": (summary.build, summary.blocks),
    "details": (kinds.build_details, kinds.details_blocks),
    "libraries": (kinds.build_libraries, kinds.libraries_blocks),
    "raw": (kinds.build_raw, kinds.raw_blocks),
}


def build(scope: Scope, kind: str, sources: Optional[SourceCache] = None) -> Dict[str, Any]:
    """The report as plain data (what the JSON format prints)."""
    if kind == "all":
        sources = sources or SourceCache()
        return {"kind": "all", "reports": [build(scope, k, sources) for k in KINDS if k != "all"]}
    if kind not in _BUILDERS:
        raise ValueError(f"unknown report kind {kind!r}; choose one of {', '.join(KINDS)}")
    builder = _BUILDERS[kind][0]
    return builder(scope, sources) if kind == "summary" else builder(scope)


def layout(data: Dict[str, Any]) -> List[doc.Block]:
    if data["kind"] == "all":
        return [block for part in data["reports"] for block in layout(part)]
    return _BUILDERS[data["kind"]][1](data)


def render(
    profile: Profile,
    kind: str = "summary",
    fmt: str = "text",
    project_root: Optional[str] = None,
    user_globs: Sequence[str] = (),
) -> str:
    """A report of `kind` in `fmt` ("text" aligned for a terminal, "md" Markdown, "json").

    "Your code" is what lies under `project_root` (default: the run's recorded project root, else its
    cwd), outside site-packages and the stdlib, plus anything matching `user_globs`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    data = build(make_scope(profile, project_root, user_globs), kind)
    if fmt == "json":
        return json.dumps(json_safe(data), indent=2, allow_nan=False) + "\n"
    blocks = layout(data)
    return doc.to_markdown(blocks) if fmt == "md" else doc.to_text(blocks)


def format_for_path(path: str, default: str = "text") -> str:
    """Report format implied by an output file's extension (.txt/.md/.json), else `default`."""
    lowered = path.lower()
    if lowered.endswith((".md", ".markdown")):
        return "md"
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith((".txt", ".text", ".log")):
        return "text"
    return default


__all__ = ["FORMATS", "KINDS", "build", "format_for_path", "layout", "render"]
