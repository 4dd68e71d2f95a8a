"""`heatlens/export`: write a stored run in one of the CLI's export formats (`heatlens export`), from the
editor. The pure part lives here; the handler (store access) is in requests.py."""

from __future__ import annotations

import os
from typing import Optional

from heatlens.lsp.protocol import ExportResult
from heatlens.model import Profile
from heatlens.reports.export import EXPORT_FORMATS, export_bytes
from heatlens.reports.output import write_output


def resolve_path(path: str, project_root: Optional[str]) -> str:
    """An editor sends absolute paths; a relative one is taken against the project, not the daemon's cwd."""
    if os.path.isabs(path) or not project_root:
        return os.path.abspath(path)
    return os.path.abspath(os.path.join(project_root, path))


def write_export(profile: Profile, fmt: str, path: str, project_root: Optional[str]) -> ExportResult:
    """Write `profile` as `fmt`; ValueError for an unknown format, OutputError for a bad path."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    target = resolve_path(path, project_root)
    data = export_bytes(profile, fmt, project_root)
    write_output(target, data)
    return ExportResult(path=target, bytes=len(data))
