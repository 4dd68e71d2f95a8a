"""Code lenses: "Profile this file" on line 1, and after a run one lens above each function that ran.

A big file has a thousand function lenses and clients ask again on every scroll, edit and refresh, so
`textDocument/codeLens` answers ranges only (with a two-number `data`) and `codeLens/resolve` builds the
title of each lens the editor actually shows. A title is built from the document's current line map,
so a function edited since the run says so, and since when.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import attrs
from lsprotocol import types as lsp

from heatlens.lsp.annotations import DocView, FileData, FunctionData
from heatlens.lsp.features.format import count, mb, pct, seconds
from heatlens.lsp.protocol import PROFILE_FILE_COMMAND

SHOW_FUNCTION_COMMAND = ""  # function lenses are informational: no command runs on click
OUTDATED_TITLE = "▲ (new data: refreshing…)"  # a lens of an answer that a newer run or edit replaced


def since_label(when: Optional[float]) -> str:
    if when is None:
        return "edited since the run"
    return "stale since your edit at " + time.strftime("%H:%M", time.localtime(when))


def function_title(fn: FunctionData, stale: bool = False, since: Optional[float] = None) -> str:
    """`▲ 34.2% CPU (1.21 s) · 120 MB peak · 1,204 calls`, leaving out what the run did not measure."""
    parts = [f"▲ {pct(fn.share)} CPU ({seconds(fn.seconds)})"]
    if fn.mem_peak_mb >= 0.1:  # below this a sampled peak is noise, not a finding
        parts.append(f"{mb(fn.mem_peak_mb)} peak")
    if fn.calls is not None:
        parts.append(f"{count(fn.calls)} call" + ("" if fn.calls == 1 else "s"))
    title = " · ".join(parts)
    return f"{title} · {since_label(since)}" if stale else title


def with_delta(title: str, delta: Optional[str]) -> str:
    return f"{title} · {delta}" if delta else title


def function_state(view: DocView, fn: FunctionData) -> Tuple[bool, Optional[float]]:
    """(stale, since when) of a function: stale when any line of its span was edited, deleted or had
    lines inserted into it (not only its first line, which is all a line's own staleness tells)."""
    linemap = view.linemap
    if linemap is None:
        return False, None
    first, last = fn.line - 1, max(fn.end_line, fn.line) - 1
    if not linemap.span_changed(first, last):
        return False, None
    return True, linemap.edited_at(first, last) or linemap.first_edit_at


def _range(line: int) -> lsp.Range:
    return lsp.Range(start=lsp.Position(line=line, character=0), end=lsp.Position(line=line, character=0))


def profile_lens(uri: str, profiling: bool = False) -> lsp.CodeLens:
    title = "Profiling…" if profiling else "Profile this file"
    return lsp.CodeLens(range=_range(0), command=lsp.Command(title=title, command=PROFILE_FILE_COMMAND, arguments=[uri]))


def function_lens(view: DocView, fn: FunctionData, line: int, deltas: Optional[Dict[str, str]] = None) -> lsp.CodeLens:
    stale, since = function_state(view, fn)
    title = with_delta(function_title(fn, stale, since), (deltas or {}).get(fn.qualname))
    return lsp.CodeLens(range=_range(line), command=lsp.Command(title=title, command=SHOW_FUNCTION_COMMAND),
                        data={"qualname": fn.qualname})


def code_lenses(
    uri: str, view: Optional[DocView], profiling: bool = False, deltas: Optional[Dict[str, str]] = None
) -> List[lsp.CodeLens]:
    """Every lens resolved at once (small answers, tests). `deltas`: qualname -> the change vs a compared
    run (`▼ −38% vs previous`), appended to its title."""
    lenses = [profile_lens(uri, profiling)]
    if view is not None:
        lenses += [function_lens(view, fn, line, deltas) for line, fn, _ in view.functions()]
    return lenses


def lens_rows(view: Optional[DocView]) -> List[Tuple[int, int]]:
    """(current line, index in the run data's functions) of each function lens whose line still exists:
    the functions' lines mapped in one walk over the line map's runs (a thousand functions: ~0.3 ms,
    where one lookup per function cost ~2 ms)."""
    if view is None:
        return []
    fns = view.data.functions
    if view.linemap is None:
        return [(fn.line - 1, n) for n, fn in enumerate(fns)]
    runs = list(view.linemap.runs())  # in old-line order
    rows, i = [], 0
    for n in sorted(range(len(fns)), key=lambda n: fns[n].line):
        old = fns[n].line - 1
        while i < len(runs) and runs[i].old_start + runs[i].length <= old:
            i += 1
        if i < len(runs) and runs[i].old_start <= old:
            rows.append((runs[i].new_start + old - runs[i].old_start, n))
    rows.sort(key=lambda row: row[1])  # the functions' order, as before
    return rows


def unresolved_lenses(uri: str, rows: List[Tuple[int, int]], doc_no: int) -> List[lsp.CodeLens]:
    """The profile lens, then one range per function with `data` [document number, function index]."""
    return [profile_lens(uri)] + [lsp.CodeLens(range=_range(line), data=[doc_no, n]) for line, n in rows]


def resolve_lens(lens: lsp.CodeLens, view: Optional[DocView], built_from: Optional[FileData], fn_no: int,
                 deltas: Optional[Dict[str, str]] = None) -> lsp.CodeLens:
    """Fill in the title of a function lens, from the data its answer was built from."""
    fns = view.data.functions if view is not None else []
    if view is None or view.data is not built_from or not 0 <= fn_no < len(fns):
        lens.command = lsp.Command(title=OUTDATED_TITLE, command=SHOW_FUNCTION_COMMAND)
        return lens
    fn = fns[fn_no]
    resolved = function_lens(view, fn, lens.range.start.line, deltas)
    lens.command, lens.data = resolved.command, resolved.data
    return lens


# compact (no spaces): a thousand lenses are ~90 KB instead of ~110 KB to write, read and parse
_UNRESOLVED = '{"range":{"start":{"line":%d,"character":0},"end":{"line":%d,"character":0}},"data":[%d,%d]}'
_COMPACT = (",", ":")


def encode_lenses(lenses: List[lsp.CodeLens], unstructure: Callable[[Any], Any]) -> str:
    """The lenses as the items of a JSON array (no brackets; ASCII), the same JSON that pygls would send.
    Unresolved function lenses (all but a handful) by a format string: ~0.3 µs each instead of ~20 µs
    through the converter and json."""
    out = []
    for lens in lenses:
        data, start, end = lens.data, lens.range.start, lens.range.end
        if (lens.command is None and isinstance(data, list) and len(data) == 2 and start.character == 0
                and end.character == 0 and all(type(v) is int for v in data)):
            out.append(_UNRESOLVED % (start.line, end.line, data[0], data[1]))
        else:
            out.append(json.dumps(unstructure(lens), separators=_COMPACT))
    return ",".join(out)


@attrs.define
class _Entry:
    key: Tuple[Any, ...]
    rows: List[Tuple[int, int]]  # (line, function index) of each function lens
    doc_no: int
    lenses: Optional[List[lsp.CodeLens]] = None  # built when asked for as objects
    text: Optional[str] = None  # encoded when asked for as JSON


class LensCache:
    """The function lenses of each document (ranges only), built once per (document version, run data,
    line map): clients ask for lenses again on every scroll and refresh, and a big file has a thousand of
    them. The server also drops a document's entry on each edit and publish, since the line map is
    changed in place. Each document gets a small number for the lenses' `data`, so that
    `codeLens/resolve` (which carries no URI) finds the document and the data the lens was built from.
    The answer is kept as rows and made into lsp objects (~15 µs each) or JSON text (~0.3 µs each) on demand."""

    def __init__(self) -> None:
        self._entries: Dict[str, _Entry] = {}
        self._doc_no: Dict[str, int] = {}
        self._docs: List[Tuple[str, Optional[FileData]]] = []  # doc number -> (uri, data of its last build)
        self.builds = 0  # how many times lenses were built (exposed for tests and benchmarks)

    def _entry(self, uri: str, version: Optional[int], view: Optional[DocView]) -> _Entry:
        key = (version, view.data if view else None, view.linemap if view else None)
        hit = self._entries.get(uri)
        if hit is not None and _same_key(hit.key, key):
            return hit
        doc_no = self._doc_no.setdefault(uri, len(self._docs))
        if doc_no == len(self._docs):
            self._docs.append((uri, None))
        self._docs[doc_no] = (uri, view.data if view else None)
        self.builds += 1
        entry = self._entries[uri] = _Entry(key, lens_rows(view), doc_no)
        return entry

    def lenses(
        self, uri: str, version: Optional[int], view: Optional[DocView], deltas: Optional[Dict[str, str]] = None
    ) -> List[lsp.CodeLens]:
        """`deltas` are applied at resolve time (`resolve`): a comparison does not rebuild the ranges."""
        entry = self._entry(uri, version, view)
        if entry.lenses is None:
            entry.lenses = unresolved_lenses(uri, entry.rows, entry.doc_no)
        return list(entry.lenses)

    def encoded(self, uri: str, version: Optional[int], view: Optional[DocView],
                unstructure: Callable[[Any], Any]) -> str:
        """`lenses(...)` as the items of a JSON array (see `encode_lenses`), encoded once per entry."""
        entry = self._entry(uri, version, view)
        if entry.text is None:
            doc_no = entry.doc_no
            entry.text = ",".join([json.dumps(unstructure(profile_lens(uri)), separators=_COMPACT)]
                                   + [_UNRESOLVED % (line, line, doc_no, n) for line, n in entry.rows])
        return entry.text

    def target(self, lens: lsp.CodeLens) -> Optional[Tuple[str, Optional[FileData], int]]:
        """(uri, data the lens was built from, function index) of an unresolved function lens, else None."""
        data = lens.data
        if lens.command is not None or not isinstance(data, (list, tuple)) or len(data) != 2:
            return None
        doc_no, fn_no = data
        if not isinstance(doc_no, int) or not isinstance(fn_no, int) or not 0 <= doc_no < len(self._docs):
            return None
        uri, built_from = self._docs[doc_no]
        return uri, built_from, fn_no

    def invalidate(self, uri: Optional[str] = None) -> None:
        if uri is None:
            self._entries.clear()
        else:
            self._entries.pop(uri, None)


def _same_key(a: Tuple[Any, ...], b: Tuple[Any, ...]) -> bool:
    # data and map by identity (the objects are held by the entry, so an id cannot be reused meanwhile)
    return a[0] == b[0] and a[1] is b[1] and a[2] is b[2]


def register(server: Any) -> None:
    """`codeLens/resolve`; registering it makes pygls advertise `codeLensProvider.resolveProvider`."""

    @server.feature(lsp.CODE_LENS_RESOLVE)
    def on_code_lens_resolve(ls: Any, lens: lsp.CodeLens) -> lsp.CodeLens:
        target = ls.lens_cache.target(lens)
        if target is None:
            return lens  # resolved already (profile, fix, test and complexity lenses carry their command)
        uri, built_from, fn_no = target
        view = ls.view(uri)
        deltas = ls.comparison.lens_suffixes(view) if ls.comparison is not None else None
        return resolve_lens(lens, view, built_from, fn_no, deltas)
