"""What the editor asks for while the user reads a file: code lenses, hovers, inlay hints (and the debug
counters that tests and benchmarks read). Thin handlers over features/*."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Union

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from heatlens.lsp.features import code_actions, complexity_lens, file_cells, hover, inlay_hints, notebook, pytest_lens
from heatlens.lsp.features.code_lens import encode_lenses
from heatlens.lsp.jsonrpc import RawJson
from heatlens.lsp.protocol import PROFILE_FILE_COMMAND
from heatlens.mapping.positions import client_len

if TYPE_CHECKING:
    from heatlens.lsp.server import HeatlensServer

DEBUG_COUNTERS = "heatlens/debugCounters"


class EditorFeatures:
    """Lenses, hovers and hints of one server; `complexity` holds the measured complexity results that
    the "Measure complexity" lenses show (owned by features/complexity_lens.ComplexityFeature)."""

    def __init__(self, complexity: complexity_lens.Results) -> None:
        self.complexity = complexity

    async def code_lens(self, ls: "HeatlensServer", params: lsp.CodeLensParams) -> Union[List[lsp.CodeLens], RawJson]:
        """The function lenses (ranges only) come from the lens cache already encoded as JSON: a big file
        has a thousand of them and clients ask again on every scroll, so an answer costs a string join."""
        uri = params.text_document.uri
        view = ls.view(uri)
        doc = ls.document(uri)
        version = doc.version if doc is not None else None
        extra = self.fix_lenses(ls, uri, view) + await self.source_lenses(ls, uri)
        if notebook.cell_path(ls, uri) is not None:  # a notebook cell is no file to run: heatlens/profileCell is
            own = [lens for lens in ls.lens_cache.lenses(uri, version, view)
                   if lens.command is None or lens.command.command != PROFILE_FILE_COMMAND]
            return own + extra
        unstructure = ls.protocol._converter.unstructure
        items = [ls.lens_cache.encoded(uri, version, view, unstructure), encode_lenses(extra, unstructure)]
        return RawJson("[" + ",".join(i for i in items if i) + "]")

    @staticmethod
    def fix_lenses(ls: "HeatlensServer", uri: str, view: Any) -> List[lsp.CodeLens]:
        return code_actions.fix_lenses(uri, view, code_actions.thresholds_of(ls.settings), ls.workspace.position_codec,
                                       ls.probe_reports)

    async def source_lenses(self, ls: "HeatlensServer", uri: str) -> List[lsp.CodeLens]:
        """Lenses from the document's text alone: "Profile this test", "Measure complexity" (and its result).
        Off the event loop: finding the functions parses the text with LibCST (~1 s per 2,500 lines)."""
        doc, path = ls.document(uri), to_fs_path(uri)
        if doc is None or not path or doc.language_id not in (None, "python"):
            return []
        text, results = doc.source, self.complexity

        def build() -> List[lsp.CodeLens]:
            return (pytest_lens.profile_test_lenses(uri, path, text)
                    + file_cells.cell_lenses(uri, path, text)
                    + complexity_lens.complexity_lenses(uri, path, text, results))

        # Most files are neither test files nor carry complexity hints: then both answer at once without a
        # parse, and a thread hop (two wake-ups, ms each on a loaded machine) would be the request's main cost.
        if not pytest_lens.is_test_file(path) and "heatlens:" not in text:
            return build()
        return await asyncio.to_thread(build)

    @staticmethod
    def hover(ls: "HeatlensServer", params: lsp.HoverParams) -> Optional[lsp.Hover]:
        view = ls.view(params.text_document.uri)
        extra = ls.comparison.hover_extra(view) if ls.comparison is not None else None
        return hover.hover(view, params.position.line, extra)

    @staticmethod
    def inlay_hint(ls: "HeatlensServer", params: lsp.InlayHintParams) -> List[lsp.InlayHint]:
        uri = params.text_document.uri
        view = ls.view(uri)
        doc = ls.document(uri)
        if view is None or doc is None:
            return []
        lines = ls.lines_of(doc)
        codec = ls.workspace.position_codec

        def line_end(n: int) -> Optional[int]:
            return client_len(lines[n].rstrip("\r\n"), codec) if 0 <= n < len(lines) else None

        last = min(params.range.end.line, len(lines) - 1)  # a client's huge range must not loop for minutes
        return inlay_hints.inlay_hints(view, params.range.start.line, last, ls.settings.hint_threshold, line_end)

    @staticmethod
    def debug_counters(ls: "HeatlensServer", params: Any) -> Dict[str, int]:
        """Counts of work done (lens builds, full and delta heat sent): for tests and benchmarks."""
        return {"codeLensBuilds": ls.lens_cache.builds, **ls.counters}

    def register(self, server: "HeatlensServer") -> None:
        # pygls passes the server to a handler whose first parameter is named `ls`
        async def on_code_lens(ls: "HeatlensServer", params: lsp.CodeLensParams) -> Union[List[lsp.CodeLens], RawJson]:
            return await self.code_lens(ls, params)

        server.feature(lsp.TEXT_DOCUMENT_CODE_LENS, lsp.CodeLensOptions(resolve_provider=True))(on_code_lens)
        server.feature(lsp.TEXT_DOCUMENT_HOVER)(self.hover)
        server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT, lsp.InlayHintOptions(resolve_provider=False))(self.inlay_hint)
        server.feature(DEBUG_COUNTERS)(self.debug_counters)
