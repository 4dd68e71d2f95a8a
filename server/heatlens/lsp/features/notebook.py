"""Notebooks in the editor: LSP 3.17 `notebookDocument/*` sync, heat/hovers/lenses on profiled cells, and
`heatlens/profileCell`.

A stored run knows its cells by text (heatlens.notebook.cells: a kernel's `%%heatlens` run, or a script
built from the notebook). When a notebook opens, changes or is saved, each of its code cells is matched
by text to the newest stored cell with that text, and the run's data for it is put in the annotations
under a path of the cell's own (`cell_path`): from there heat, hovers, lenses and hints work as for a file
(the server's `view` asks `cell_path` first). `heatlens/profileCell` runs the code cells up to the cell as
one script through the normal runner (no kernel needed), splits the run back into cells, stores it and
paints it.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import logging
import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import unquote

import attrs
from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from heatlens.lsp.annotations import FileData, file_data, path_key
from heatlens.mapping.source_index import sha256_text
from heatlens.model import Profile
from heatlens.notebook.cells import CellInfo, cells_of, normalized
from heatlens.notebook.script import python_of

if TYPE_CHECKING:
    from heatlens.lsp.server import HeatlensServer

log = logging.getLogger(__name__)

SYNC = lsp.NotebookDocumentSyncOptions(
    notebook_selector=[lsp.NotebookDocumentFilterWithCells(cells=[lsp.NotebookCellLanguage(language="python")])],
    save=True)
RUN_TARGET = "notebook "  # the stored target of every notebook run starts so: the scan loads only those
SCAN_RUNS = 30
FUZZY = 0.8  # a cell edited since its run still matches its run's text this closely (difflib ratio)
RESCAN_AFTER = 2.0  # seconds: typing in a cell rescans the store for new kernel runs at most this often

Stored = Tuple[int, Profile, CellInfo]  # (run id, run, one of its cells)


@attrs.define
class Cell:
    uri: str
    index: int  # position among all the notebook's cells
    text: str


# ---- pure -------------------------------------------------------------------------------------------


def cell_path_of(notebook_uri: str, cell_uri: str) -> str:
    """The path a cell's annotations live under: the notebook's path and a hash of the cell's uri."""
    base = to_fs_path(notebook_uri) or unquote(notebook_uri)
    return f"{base}#cell-{hashlib.sha1(unquote(cell_uri).encode()).hexdigest()[:16]}"


def match_cells(texts: Sequence[str], stored: Sequence[Stored]) -> Dict[int, Stored]:
    """For each notebook cell (by position in `texts`), the newest stored cell with its text (`stored` is
    newest first), else the closest one at least FUZZY alike; each stored cell is used once."""
    out: Dict[int, Stored] = {}
    used = set()
    norm = [normalized(s[2].source) for s in stored]
    for i, text in enumerate(texts):
        mine = normalized(text)
        k = next((k for k, n in enumerate(norm) if mine and n == mine and k not in used), None)
        if k is None and mine:
            ratios = [(difflib.SequenceMatcher(None, mine, n).ratio(), -k, k) for k, n in enumerate(norm) if k not in used]
            best = max(ratios, default=None)
            k = best[2] if best is not None and best[0] >= FUZZY else None
        if k is not None:
            used.add(k)
            out[i] = stored[k]
    return out


def cell_data(profile: Profile, run_id: Optional[int], info: CellInfo, path: str) -> Optional[FileData]:
    """The run's data for one cell, under `path`: function spans from the cell as plain Python, the text
    as typed kept for line recovery."""
    fp = profile.file(info.path)
    if fp is None or not fp.lines:
        return None
    data = file_data(profile, attrs.evolve(fp, sha256=None), run_id, python_of(info.source), indexed=True)
    data.path, data.source, data.sha256 = path, info.source, sha256_text(info.source)
    return data


def stored_cells(store: Any, seen: Dict[int, List[Stored]], limit: int = SCAN_RUNS) -> List[Stored]:
    """Cells of the newest notebook runs, newest first (each run loaded once into `seen`). Blocking."""
    out: List[Stored] = []
    for row in store.runs(limit):
        if not str(row.target or "").startswith(RUN_TARGET):
            continue
        if row.id not in seen:
            try:
                prof = store.load(row.id)
            except Exception:
                log.warning("skipping stored run %s that cannot be loaded", row.id, exc_info=True)
                prof = None
            seen[row.id] = [] if prof is None else [(row.id, prof, c) for c in cells_of(prof).values()]
        out += sorted(seen[row.id], key=lambda s: not s[2].profiled)
    return out


# ---- the server's side ------------------------------------------------------------------------------


class Notebooks:
    def __init__(self, ls: "HeatlensServer") -> None:
        self.ls = ls
        self.loaded: Dict[int, List[Stored]] = {}
        self.scanned: Dict[str, float] = {}

    def cells(self, notebook: lsp.NotebookDocument) -> List[Cell]:
        docs = self.ls.workspace.text_documents
        out = []
        for i, cell in enumerate(notebook.cells):
            doc = docs.get(unquote(cell.document))
            if cell.kind == lsp.NotebookCellKind.Code and doc is not None and doc.language_id in (None, "python"):
                out.append(Cell(cell.document, i, doc.source))
        return out

    async def show(self, notebook_uri: str) -> int:
        """Paint every cell of the notebook that a stored run has; returns how many."""
        ls = self.ls
        notebook = ls.workspace.get_notebook_document(notebook_uri=notebook_uri)
        store = ls.history.store()
        if notebook is None or store is None:
            return 0
        self.scanned[notebook_uri] = time.monotonic()
        cells = self.cells(notebook)

        def work() -> List[Tuple[Cell, FileData]]:
            matched = match_cells([c.text for c in cells], stored_cells(store, self.loaded))
            out = []
            for i, (run_id, prof, info) in matched.items():
                data = cell_data(prof, run_id, info, cell_path_of(notebook.uri, cells[i].uri))
                if data is not None:
                    out.append((cells[i], data))
            return out

        found = await asyncio.to_thread(work)
        for cell, data in found:
            current = ls.annotations.files.get(path_key(data.path))
            if current is not None and (current.run_id, current.sha256) == (data.run_id, data.sha256):
                continue  # already shown, maybe re-anchored by edits since: keep its map
            ls.annotations.add_run([data])
            ls.annotations.attach(path_key(data.path), cell.text, ls.workspace.position_codec)
            ls.send_heat(cell.uri)
        if found:
            ls.refresh()
        return len(found)

    def schedule(self, notebook_uri: str) -> None:
        task = asyncio.ensure_future(self.show(notebook_uri))

        def failed(t: "asyncio.Future[int]") -> None:
            if not t.cancelled() and t.exception() is not None:
                log.error("showing notebook runs failed", exc_info=t.exception())

        task.add_done_callback(failed)

    def edited(self, params: lsp.DidChangeNotebookDocumentParams) -> None:
        """Cell edits move the cells' annotations like a file's; new runs are looked for now and then."""
        ls, uri = self.ls, params.notebook_document.uri
        cells = params.change.cells
        for content in (cells.text_content or []) if cells is not None else []:
            key = path_key(cell_path_of(uri, content.document.uri))
            if ls.annotations.view(key) is None:
                continue
            for change in content.changes:
                if isinstance(change, lsp.TextDocumentContentChangePartial):
                    r = change.range
                    ls.annotations.edit(key, r.start.line, r.start.character, r.end.line, r.end.character, change.text)
                else:
                    ls.annotations.replace(key, change.text)
            ls.send_heat(content.document.uri)
        structural = cells is not None and (cells.structure is not None or cells.data)
        if structural or time.monotonic() - self.scanned.get(uri, 0.0) > RESCAN_AFTER:
            self.schedule(uri)

    def closed(self, params: lsp.DidCloseNotebookDocumentParams) -> None:
        for cell in params.cell_text_documents:
            self.ls.forget(cell.uri)
            self.ls.annotations.close(path_key(cell_path_of(params.notebook_document.uri, cell.uri)))
        self.scanned.pop(params.notebook_document.uri, None)


def cell_path(ls: "HeatlensServer", uri: str) -> Optional[str]:
    """The annotations path of a cell of an open notebook (None for any other document)."""
    try:
        notebook = ls.workspace.get_notebook_document(cell_uri=uri)
    except RuntimeError:  # before initialize
        return None
    return None if notebook is None else cell_path_of(notebook.uri, uri)


def register(server: "HeatlensServer") -> Notebooks:
    """The notebookDocument/* sync handlers; returns their state (the cells matched to stored runs), which
    features/notebook_profile.register also serves `heatlens/profileCell` from."""
    state = Notebooks(server)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_OPEN)
    def did_open(ls: Any, params: lsp.DidOpenNotebookDocumentParams) -> None:
        state.schedule(params.notebook_document.uri)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def did_change(ls: Any, params: lsp.DidChangeNotebookDocumentParams) -> None:
        state.edited(params)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_SAVE)
    def did_save(ls: Any, params: lsp.DidSaveNotebookDocumentParams) -> None:
        state.schedule(params.notebook_document.uri)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def did_close(ls: Any, params: lsp.DidCloseNotebookDocumentParams) -> None:
        state.closed(params)

    return state
