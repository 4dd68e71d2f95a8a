"""Text document sync: `didOpen`, `didChange`, `didClose` keep the annotations anchored to the text."""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from heatlens.lsp.annotations import path_key
from heatlens.lsp.features import heat
from heatlens.lsp.protocol import HeatEdit

if TYPE_CHECKING:
    from heatlens.lsp.server import HeatlensServer


def did_open(ls: "HeatlensServer", params: lsp.DidOpenTextDocumentParams) -> None:
    if ls.attach(params.text_document.uri) is not None:
        ls.send_heat(params.text_document.uri)
    ls.prewarm(params.text_document.uri)


def did_change(ls: "HeatlensServer", params: lsp.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    path = to_fs_path(uri)
    if not path:
        return
    key = path_key(path)
    ls.lens_cache.invalidate(uri)
    if ls.annotations.view(key) is None:
        return
    # With a client that applies deltas, send the edits as line replacements plus the touched lines'
    # heat (O(edit)), not the whole file's heat (O(file) to build, send and paint) on every keystroke.
    edits: Optional[List[HeatEdit]] = [] if ls.heat_deltas else None
    for change in params.content_changes:
        if isinstance(change, lsp.TextDocumentContentChangePartial):
            r = change.range
            if edits is not None:
                edit = heat.edit_of(r.start.line, r.end.line, change.text, ls.annotations.line_count(key) or 0)
                edits = None if edit is None else edits + [edit]
            ls.annotations.edit(key, r.start.line, r.start.character, r.end.line, r.end.character, change.text)
        else:
            edits = None
            ls.annotations.replace(key, change.text)
    fresh: List[int] = []
    doc = ls.document(uri)
    if doc is not None:
        lines = ls.lines_of(doc)
        fresh = ls.annotations.revalidate(key, lambda n: lines[n].rstrip("\r\n") if 0 <= n < len(lines) else None)
    if edits is None:
        ls.send_heat(uri)
    else:
        ls.send_heat_delta(uri, edits, fresh)


def did_close(ls: "HeatlensServer", params: lsp.DidCloseTextDocumentParams) -> None:
    path = to_fs_path(params.text_document.uri)
    ls.forget(params.text_document.uri)
    if path:
        ls.annotations.close(path_key(path))


def register(server: "HeatlensServer") -> None:
    server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)(did_close)
