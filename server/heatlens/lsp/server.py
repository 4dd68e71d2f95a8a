"""The heatlens language server's state and publishing. It registers no handler itself: lsp/app.py's
`create_server()` builds one and registers every feature on it explicitly.

It never runs user code in its own process: `heatlens/profile` hands the target to the runner, which
starts a subprocess of the user's interpreter.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import os
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, cast
from urllib.parse import unquote

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from heatlens import __version__
from heatlens.lsp import history, settings as settings_mod
from heatlens.lsp.annotations import Annotations, DocView, FileData, path_key
from heatlens.lsp.compare import CompareState
from heatlens.lsp.features import code_lens, heat, notebook
from heatlens.lsp.jobs import JobManager
from heatlens.lsp.profiling import in_site_packages, under
from heatlens.lsp.jsonrpc import HeatlensProtocol, heatlens_converter
from heatlens.lsp.protocol import HEAT, HEAT_DELTA, STATE, HeatEdit, ProfileSummary, StateParams
from heatlens.lsp.settings import Settings
from heatlens.mapping.source_index import index_for

if TYPE_CHECKING:  # the diagnostics import the analysis (LibCST): not at the server's start
    from heatlens.lsp.features.diagnostics import ProbeReports

log = logging.getLogger(__name__)

class HeatlensServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("heatlens", __version__, protocol_cls=HeatlensProtocol, converter_factory=heatlens_converter,
                         notebook_document_sync=notebook.SYNC)
        self.settings = Settings()
        self.jobs = JobManager()
        self.annotations = Annotations()
        self.project_root = os.getcwd()
        self.last_summary: Optional[ProfileSummary] = None
        self.comparison: Optional[CompareState] = None  # set by heatlens/compare, dropped by heatlens/clear
        self.history = history.History(self)
        # Called with (server, uri, view) whenever a document's annotations change (run, open, edit,
        # clear): where features/diagnostics.py and code actions plug in their publishing.
        self.doc_hooks: List[Callable[["HeatlensServer", str, Optional[DocView]], None]] = []
        # Called in a worker thread with each file's full data of a new run before it is published: the
        # place for slow pure work (e.g. anti-pattern analysis) that doc_hooks then find cached.
        self.prepare_hooks: List[Callable[[FileData], None]] = []
        self.analysing: Set[str] = set()  # path keys whose prepare hooks are running: doc hooks wait for them
        self.heat_deltas = False  # the client applies heatlens/heatDelta (experimental capability)
        self.lens_cache = code_lens.LensCache()
        self.counters: Dict[str, int] = {"heatFull": 0, "heatDelta": 0}  # for tests and benchmarks
        self.probe_reports: "ProbeReports" = {}  # path key -> (text it ran, the argument probe's report)
        self._lines: Dict[str, Tuple[str, Sequence[str]]] = {}  # uri -> (source, its lines)

    # ---- settings and roots --------------------------------------------------------------------

    def apply_settings(self, raw: Any) -> None:
        self.settings, problems = settings_mod.parse_settings(raw)
        if problems:
            self.show("heatlens settings: " + "; ".join(problems), lsp.MessageType.Warning)

    def roots(self) -> List[str]:
        roots = [self.project_root]
        try:
            roots += [to_fs_path(f.uri) or "" for f in self.workspace.folders.values()]
        except RuntimeError:
            pass
        return [r for r in dict.fromkeys(roots) if r]

    def show(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        self.window_show_message(lsp.ShowMessageParams(type=kind, message=message))

    def report_server_error(self, error: Exception, source: Any) -> None:
        # Unreadable messages are answered and logged by the protocol (jsonrpc.py); pygls would also pop a
        # window/showMessage in the editor for each one: a flood under hostile traffic. Handler bugs still show.
        if source is JsonRpcException:
            log.warning("unreadable message: %s", error or type(error).__name__)
            return
        super().report_server_error(error, source)

    # ---- documents and views -------------------------------------------------------------------

    def document(self, uri: str) -> Optional[TextDocument]:
        try:
            docs = self.workspace.text_documents
            # pygls keeps notebook cells under their decoded URI; VS Code sends them percent-encoded
            return cast(Optional[TextDocument], docs.get(uri) or docs.get(unquote(uri)))
        except RuntimeError:
            return None

    def view(self, uri: str) -> Optional[DocView]:
        path = notebook.cell_path(self, uri) or to_fs_path(uri)
        return self.annotations.view(path_key(path)) if path else None

    def lines_of(self, doc: TextDocument) -> Sequence[str]:
        """`doc.lines`, split once per text (pygls splits the whole source on every access)."""
        source = doc.source
        hit = self._lines.get(doc.uri)
        if hit is not None and hit[0] is source:
            return hit[1]
        lines = doc.lines
        self._lines[doc.uri] = (source, lines)
        return lines

    def forget(self, uri: str) -> None:
        """Drop what is cached for a closed document."""
        self.lens_cache.invalidate(uri)
        self._lines.pop(uri, None)

    def attach(self, uri: str) -> Optional[DocView]:
        doc = self.document(uri)
        path = to_fs_path(uri)
        if doc is None or not path:
            return None
        return self.annotations.attach(path_key(path), doc.source, self.workspace.position_codec)

    # ---- publishing ----------------------------------------------------------------------------

    def send_heat(self, uri: str) -> None:
        doc = self.document(uri)
        version = doc.version if doc is not None else None
        view = self.view(uri)
        self.lens_cache.invalidate(uri)
        self.protocol.notify(HEAT, heat.heat_params(uri, version, view, self.settings.heat_threshold))
        self.counters["heatFull"] += 1
        self.run_doc_hooks(uri, view)

    def send_heat_delta(self, uri: str, edits: List[HeatEdit], fresh: List[int]) -> None:
        """After edits: only what changed (see features/heat.py), to a client that applies deltas."""
        doc = self.document(uri)
        version = doc.version if doc is not None else None
        view = self.view(uri)
        self.lens_cache.invalidate(uri)
        self.protocol.notify(HEAT_DELTA, heat.delta_params(uri, version, view, edits, fresh, self.settings.heat_threshold))
        self.counters["heatDelta"] += 1
        self.run_doc_hooks(uri, view)

    def run_doc_hooks(self, uri: str, view: Optional[DocView]) -> None:
        for hook in self.doc_hooks:
            try:
                hook(self, uri, view)
            except Exception:  # one feature's bug must not stop the others from publishing
                log.exception("document hook %r failed for %s", hook, uri)

    def open_uris(self, paths: Optional[Iterable[str]] = None) -> List[str]:
        """The open documents (those of `paths`, default all)."""
        wanted = None if paths is None else {path_key(p) for p in paths}
        try:
            uris = list(self.workspace.text_documents)
        except RuntimeError:
            return []
        out = []
        for uri in uris:
            path = to_fs_path(uri)
            if path and (wanted is None or path_key(path) in wanted):
                out.append(uri)
        return out

    def run_doc_hooks_for(self, paths: Iterable[str]) -> None:
        """The doc hooks (diagnostics) of the open documents among `paths`, heat unchanged."""
        for uri in self.open_uris(paths):
            self.run_doc_hooks(uri, self.view(uri))

    def publish_open(self, paths: Optional[Iterable[str]] = None, reanchor: bool = True) -> None:
        """Re-anchor and send heat for open documents (those of `paths`, default all), then ask the client
        to refresh lenses and hints if it can."""
        for uri in self.open_uris(paths):
            if reanchor:
                self.attach(uri)
            self.send_heat(uri)
        self.refresh()

    def refresh(self) -> None:
        ws = getattr(self.client_capabilities, "workspace", None)
        if ws is None:
            return
        if ws.code_lens is not None and ws.code_lens.refresh_support:
            self.workspace_code_lens_refresh(None)
        if ws.inlay_hint is not None and ws.inlay_hint.refresh_support:
            self.workspace_inlay_hint_refresh(None)

    def add_files(self, datas: List[FileData]) -> None:
        paths = self.annotations.add_run(datas)
        self.publish_open(paths)

    def refine_files(self, datas: List[FileData]) -> None:
        paths = self.annotations.refine(datas)
        if paths:
            self.publish_open(paths, reanchor=False)

    def index_wanted(self) -> Callable[[str], bool]:
        """Which files of a run get function spans (a LibCST parse, ~1 s per 2,500 lines): the user's
        code and open documents, not every stdlib/site-packages module the run passed through."""
        roots = self.roots()
        try:
            open_paths = {path_key(p) for p in (to_fs_path(u) for u in self.workspace.text_documents) if p}
        except RuntimeError:
            open_paths = set()

        globs = list(self.settings.user_code)

        def wanted(path: str) -> bool:
            if path_key(path) in open_paths or any(fnmatch.fnmatch(path, g) for g in globs):
                return True
            return any(under(path, r) for r in roots) and not in_site_packages(path)

        return wanted

    def prewarm(self, uri: str) -> None:
        """Build the LibCST index of an opened file in the background, so a run's roll-ups find it cached."""
        doc, path = self.document(uri), to_fs_path(uri)
        if doc is None or not path or doc.language_id not in (None, "python"):
            return
        text = doc.source

        def build() -> None:
            try:
                index_for(path, text)
            except Exception:
                log.debug("pre-warming the index of %s failed", path, exc_info=True)

        asyncio.ensure_future(asyncio.to_thread(build))

    def notify_state(self, state: str, target: Optional[str] = None) -> None:
        self.protocol.notify(STATE, StateParams(state=state, target=target, last_run=self.last_summary))
