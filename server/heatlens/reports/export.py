"""`export(profile, fmt, path)`: write a profile for another tool. One function per format lives in its
own module; this one only dispatches and writes (see heatlens.reports.output for the path rules)."""

from __future__ import annotations

from typing import Callable, Dict, Optional, Tuple, Union

from heatlens.model import Profile
from heatlens.reports import render
from heatlens.reports.export_chrome import to_chrome_json
from heatlens.reports.export_csv import to_csv
from heatlens.reports.export_html import to_html
from heatlens.reports.export_json import to_json
from heatlens.reports.export_pstats import to_pstats_bytes
from heatlens.reports.export_speedscope import to_speedscope_json
from heatlens.reports.output import write_output


def _markdown(profile: Profile, project_root: Optional[str]) -> str:
    return render(profile, "summary", "md", project_root) + "\n" + render(profile, "details", "md", project_root)


EXPORTERS: Dict[str, Callable[[Profile, Optional[str]], Union[str, bytes]]] = {
    "json": lambda p, root: to_json(p),
    "csv": to_csv,
    "md": _markdown,
    "html": to_html,
    "speedscope": lambda p, root: to_speedscope_json(p),
    "chrome": lambda p, root: to_chrome_json(p),
    "pstats": lambda p, root: to_pstats_bytes(p),
}
EXPORT_FORMATS: Tuple[str, ...] = tuple(EXPORTERS)

# Suffixes that name one format unambiguously (".json" does not: model, speedscope or chrome).
_SUFFIXES = {".csv": "csv", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
             ".pstats": "pstats", ".prof": "pstats", ".speedscope.json": "speedscope", ".trace.json": "chrome"}


def export_bytes(profile: Profile, fmt: str, project_root: Optional[str] = None) -> bytes:
    if fmt not in EXPORTERS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    data = EXPORTERS[fmt](profile, project_root)
    return data.encode("utf-8") if isinstance(data, str) else data


def export(profile: Profile, fmt: str, path: str, project_root: Optional[str] = None) -> None:
    """Write `profile` as `fmt` to exactly `path` (raises OutputError for a directory or missing parent)."""
    write_output(path, export_bytes(profile, fmt, project_root))


def format_for_export_path(path: str) -> Optional[str]:
    lowered = path.lower()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if lowered.endswith(suffix):
            return _SUFFIXES[suffix]
    return None
