"""Pure pieces of `heatlens/profile`: the target from the request, the summary from the result."""

from __future__ import annotations

import hashlib
import os
from typing import Dict, Iterable, List, Optional

from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import from_fs_path, to_fs_path

from heatlens.backends.base import Target
from heatlens.lsp.annotations import SOURCES_EXTRA, FileData, path_key, profiled_files
from heatlens.lsp.protocol import FailureInfo, Hotspot, ProfileParams, ProfileSummary
from heatlens.lsp.settings import Settings
from heatlens.model import Failure, Profile

MAX_SOURCE_BYTES = 2 << 20  # sources kept with a stored run, for line-diff recovery after edits
HOTSPOTS = 5


def target_from_params(params: ProfileParams, settings: Settings, project_root: str) -> Target:
    """The Target a request names (exactly one of uri/module/code); invalid params raise."""
    given = [k for k in ("uri", "module", "code", "pid") if getattr(params, k)]
    if len(given) != 1:
        raise JsonRpcInvalidParams(f"heatlens/profile needs exactly one of uri, module, code, pid (got {given or 'none'})")
    cwd = params.cwd or project_root
    if params.pid:
        return Target(kind="pid", value=str(params.pid), cwd=cwd)  # attach: nothing is started
    common = dict(args=list(params.args), cwd=cwd, env=dict(params.env), python=settings.python)
    if params.uri:
        path = to_fs_path(params.uri)
        if not path or not params.uri.startswith("file:"):
            raise JsonRpcInvalidParams(f"not a file uri: {params.uri}")
        return Target(kind="script", value=path, **common)  # type: ignore[arg-type]
    if params.module:
        return Target(kind="module", value=params.module, **common)  # type: ignore[arg-type]
    return Target(kind="code", value=params.code or "", **common)  # type: ignore[arg-type]


def under(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path_key(path), path_key(root)]) == path_key(root)
    except ValueError:
        return False


def in_site_packages(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    return "site-packages" in parts or "dist-packages" in parts


def saved(path: str, text: str) -> bool:
    """Whether the file on disk is the editor's text: what a subprocess would run is what the user sees."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read() == text
    except (OSError, UnicodeDecodeError):
        return False


def read_source(path: str, sha256: Optional[str]) -> Optional[str]:
    """The file's text if it still has the hash it was run with (None if unknown or changed)."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SOURCE_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_SOURCE_BYTES or (sha256 is not None and hashlib.sha256(data).hexdigest() != sha256):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def keep_sources(profile: Profile, roots: Iterable[str]) -> None:
    """Record the text as run of the user's files in the profile's extras (stored with the run)."""
    roots = list(roots)
    sources: Dict[str, str] = {}
    for fp in profiled_files(profile):
        if any(under(fp.path, r) for r in roots) and not in_site_packages(fp.path):
            text = read_source(fp.path, fp.sha256)
            if text is not None:
                sources[fp.path] = text
    profile.extras[SOURCES_EXTRA] = sources


def failure_info(failure: Optional[Failure]) -> FailureInfo:
    if failure is None:
        return FailureInfo()
    kind = failure.kind.value if hasattr(failure.kind, "value") else str(failure.kind)
    return FailureInfo(kind=kind, message=failure.message)


_ANONYMOUS = {"<listcomp>": "list comprehension", "<dictcomp>": "dict comprehension", "<setcomp>": "set comprehension",
              "<genexpr>": "generator expression", "<lambda>": "lambda"}


def readable(qualname: str) -> str:
    """A qualified name as a person writes it: `hot.<locals>.<listcomp>` -> `hot (list comprehension)`,
    `outer.<locals>.inner` -> `outer.inner`."""
    parts = qualname.split(".<locals>.")
    kind = _ANONYMOUS.get(parts[-1])
    if kind is None:
        return ".".join(parts)
    return f"{'.'.join(parts[:-1])} ({kind})" if len(parts) > 1 else kind


def hotspots(datas: Iterable[FileData], roots: Iterable[str], limit: int = HOTSPOTS) -> List[Hotspot]:
    """The run's hottest lines in the user's files, named by their function."""
    roots = list(roots)
    spots = []
    for data in datas:
        if roots and not any(under(data.path, r) for r in roots):
            continue
        for line, stats in data.lines.items():
            spots.append((data.share(stats), data, line))
    spots.sort(key=lambda s: -s[0])
    out = []
    for share, data, line in spots[:limit]:
        owner = [f for f in data.functions if f.line <= line <= f.end_line]
        name = readable(owner[-1].qualname) if owner else f"{os.path.basename(data.path)}:{line}"
        out.append(Hotspot(uri=from_fs_path(data.path) or data.path, line=line - 1, name=name, share=round(share, 5)))
    return out


def summary(
    run_id: Optional[int], target: Target, backend: str, duration: float, failure: Optional[Failure], spots: List[Hotspot]
) -> ProfileSummary:
    return ProfileSummary(
        run_id=run_id, target=target.display, backend=backend, duration=round(duration, 4),
        failure=failure_info(failure), hotspots=spots,
    )
