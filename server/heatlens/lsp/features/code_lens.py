"""Code lenses: "Profile this file" on line 1, and after a run one lens above each function that ran."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from lsprotocol import types as lsp

from heatlens.lsp.annotations import DocView, FunctionData
from heatlens.lsp.features.format import count, mb, pct, seconds
from heatlens.lsp.protocol import PROFILE_FILE_COMMAND

SHOW_FUNCTION_COMMAND = ""  # function lenses are informational: no command runs on click


def function_title(fn: FunctionData, stale: bool = False) -> str:
    """`▲ 34.2% CPU (1.21 s) · 120 MB peak · 1,204 calls`, leaving out what the run did not measure."""
    parts = [f"▲ {pct(fn.share)} CPU ({seconds(fn.seconds)})"]
    if fn.mem_peak_mb >= 0.1:  # below this a sampled peak is noise, not a finding
        parts.append(f"{mb(fn.mem_peak_mb)} peak")
    if fn.calls is not None:
        parts.append(f"{count(fn.calls)} call" + ("" if fn.calls == 1 else "s"))
    title = " · ".join(parts)
    return title + " · edited since the run" if stale else title


def with_delta(title: str, delta: Optional[str]) -> str:
    return f"{title} · {delta}" if delta else title


def _range(line: int) -> lsp.Range:
    return lsp.Range(start=lsp.Position(line=line, character=0), end=lsp.Position(line=line, character=0))


def code_lenses(
    uri: str, view: Optional[DocView], profiling: bool = False, deltas: Optional[Dict[str, str]] = None
) -> List[lsp.CodeLens]:
    """`deltas`: qualname -> the change vs a compared run (`▼ −38% vs previous`), appended to its title."""
    title = "Profiling…" if profiling else "Profile this file"
    lenses = [lsp.CodeLens(range=_range(0), command=lsp.Command(title=title, command=PROFILE_FILE_COMMAND, arguments=[uri]))]
    if view is None:
        return lenses
    for line, fn, stale in view.functions():
        lenses.append(lsp.CodeLens(
            range=_range(line),
            command=lsp.Command(title=with_delta(function_title(fn, stale), (deltas or {}).get(fn.qualname)),
                                command=SHOW_FUNCTION_COMMAND),
            data={"qualname": fn.qualname},
        ))
    return lenses


class LensCache:
    """The function lenses of each document, built once per (document version, run data, line map,
    comparison deltas): clients ask for lenses again on every scroll and refresh, and a big file has a
    thousand of them. The server also drops a document's entry on each edit and publish, since the line
    map is changed in place."""

    def __init__(self) -> None:
        self._entries: Dict[str, Tuple[Tuple[Any, ...], List[lsp.CodeLens]]] = {}
        self.builds = 0  # how many times lenses were built (exposed for tests and benchmarks)

    def lenses(
        self, uri: str, version: Optional[int], view: Optional[DocView], deltas: Optional[Dict[str, str]] = None
    ) -> List[lsp.CodeLens]:
        key = (version, view.data if view else None, view.linemap if view else None,
               tuple(sorted(deltas.items())) if deltas else ())
        hit = self._entries.get(uri)
        if hit is not None and _same_key(hit[0], key):
            return list(hit[1])
        built = code_lenses(uri, view, deltas=deltas)
        self.builds += 1
        self._entries[uri] = (key, built)
        return list(built)

    def invalidate(self, uri: Optional[str] = None) -> None:
        if uri is None:
            self._entries.clear()
        else:
            self._entries.pop(uri, None)


def _same_key(a: Tuple[Any, ...], b: Tuple[Any, ...]) -> bool:
    # data and map by identity (the objects are held by the entry, so an id cannot be reused meanwhile)
    return a[0] == b[0] and a[1] is b[1] and a[2] is b[2] and a[3] == b[3]
