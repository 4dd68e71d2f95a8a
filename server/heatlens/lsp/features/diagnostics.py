"""Diagnostics: the run's anti-pattern and memory-leak findings in a document, on their current ranges.

Anti-patterns are computed by the one analysis entry point (`analysis.findings.analyse_file`, which the
CLI and the API call too) from the file's measured lines, its functions' records and its source as run
(cached per run data), then graded by the user's thresholds; leaks always come from the profile (found from its memory over time). Lines edited since the run are left out: their measurement
no longer describes the code there.
"""

from __future__ import annotations

import functools
import logging
import os
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from lsprotocol import types as lsp
from pygls.workspace import PositionCodec

from heatlens.analysis import leaks
from heatlens.analysis.argprobe import ProbeReport
from heatlens.analysis.findings import Thresholds, analyse_file, apply_probe, graded
from heatlens.lsp.annotations import DocView, FileData, path_key
from heatlens.mapping.positions import client_column, split_lines
from heatlens.model import Finding

if TYPE_CHECKING:
    from heatlens.lsp.server import HeatlensServer

log = logging.getLogger(__name__)
SOURCE = "heatlens"
_SEVERITY = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning,
             "information": lsp.DiagnosticSeverity.Information, "hint": lsp.DiagnosticSeverity.Hint}


def thresholds_of(settings: Any) -> Thresholds:
    """The anti-pattern thresholds of the server's settings (`diagnostics.warningShare`/`infoShare`)."""
    return Thresholds(warning=settings.diagnostics.warning_share, information=settings.diagnostics.info_share)


# The argument probe's latest report per file with the text it ran (features/probe_args.py runs it; the
# server keeps them: `HeatlensServer.probe_reports`): repeated-call findings of that file, while its run's
# text is that text, carry its evidence and the cache fix where the evidence allows it (an edited and
# re-run file needs a new measurement).
ProbeReports = Dict[str, Tuple[str, ProbeReport]]


def probe_key(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def probe_for(reports: Optional[ProbeReports], data: FileData) -> Optional[ProbeReport]:
    hit = reports.get(probe_key(data.path)) if reports else None
    if hit is None or (data.source is not None and data.source != hit[0]):
        return None
    return hit[1]


def findings_for_data(data: FileData, thresholds: Optional[Thresholds] = None,
                      probes: Optional[ProbeReports] = None) -> List[Finding]:
    """Anti-patterns (graded by `thresholds`, default: the defaults; with the argument probe's evidence
    where it ran: `probes`, the server's reports), then memory leaks (found from the run's memory over time,
    not the source: the pipeline stores them in the profile without a "key", so they never stand in for the
    anti-patterns)."""
    anti = apply_probe(graded(_anti_patterns(data), thresholds or Thresholds()), probe_for(probes, data))
    return anti + [f for f in data.findings if f.rule == leaks.RULE]


def _anti_patterns(data: FileData) -> List[Finding]:
    """The one analysis (`analysis.findings.analyse_file`, through the pipeline for the editor's own runs,
    as the CLI and the API) on the run's numbers, ungraded, kept on the run data: settings changes only re-grade.
    The editor's own runs carry what the pipeline computed (`FileData.analysed`); runs from the store are
    analysed here, once."""
    if data.anti_patterns is not None:
        return data.anti_patterns
    found: List[Finding] = []
    if data.analysed is not None:
        found = data.analysed
    elif data.source is not None and data.parsed:
        try:
            found = analyse_file(data.path, data.source, data.lines, data.total_cpu, data.functions,
                                 approximate=data.caveat is not None)  # the in-process fallback measured it
        except Exception:  # an analysis bug must not cost the user the other annotations
            log.exception("anti-pattern analysis of %s failed", data.path)
    data.anti_patterns = found
    return found


def current_range(view: DocView, f: Finding) -> Optional[lsp.Range]:
    """The finding's range in the current document; None when it was deleted or edited since the run.
    Columns in code points (LibCST's unit, what the fixes take); `client_range` is what goes to the editor."""
    start, end = view.current(f.line), view.current(f.end_line)
    if start is None or end is None or view.stale(f.line) or view.stale(f.end_line):
        return None
    col, end_col = int(f.data.get("col", 0)), int(f.data.get("end_col", 0))
    if end == start and end_col <= col:
        end_col = col + 1
    return lsp.Range(start=lsp.Position(line=start, character=col), end=lsp.Position(line=end, character=end_col))


@functools.lru_cache(maxsize=16)
def _lines(source: str) -> List[str]:
    return split_lines(source)


def client_range(view: DocView, f: Finding, codec: Optional[PositionCodec] = None) -> Optional[lsp.Range]:
    """`current_range` in the client's position encoding (UTF-16 unless negotiated otherwise). A finding's
    lines are unedited since the run (else it has no range), so the run's source gives their text."""
    rng = current_range(view, f)
    if rng is None or view.data.source is None:
        return rng
    lines = _lines(view.data.source)

    def convert(pos: lsp.Position, old_line: int) -> lsp.Position:
        text = lines[old_line - 1] if 0 < old_line <= len(lines) else ""
        return lsp.Position(line=pos.line, character=client_column(text, pos.character, codec))

    return lsp.Range(start=convert(rng.start, f.line), end=convert(rng.end, f.end_line))


def diagnostic(view: DocView, f: Finding, codec: Optional[PositionCodec] = None) -> Optional[lsp.Diagnostic]:
    rng = client_range(view, f, codec)
    if rng is None:
        return None
    return lsp.Diagnostic(
        range=rng, message=f.message, severity=_SEVERITY.get(f.severity, lsp.DiagnosticSeverity.Information),
        source=SOURCE, code=f.rule,
        data={"key": f.data.get("key"), "rule": f.rule, "fixTitle": f.data.get("fix_title")},
    )


def diagnostics(view: Optional[DocView], thresholds: Optional[Thresholds] = None,
                codec: Optional[PositionCodec] = None, probes: Optional[ProbeReports] = None) -> List[lsp.Diagnostic]:
    if view is None:
        return []
    out = []
    for f in findings_for_data(view.data, thresholds, probes):
        d = diagnostic(view, f, codec)
        if d is not None:
            out.append(d)
    return out


def publish(ls: "HeatlensServer", uri: str, view: Optional[DocView]) -> None:
    """A `doc_hooks` entry: publish the document's diagnostics whenever its annotations change."""
    if view is not None and path_key(view.data.path) in ls.analysing:
        return  # published when the analysis in the worker thread is done (requests.refine_then_analyse)
    doc = ls.document(uri)
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
        uri=uri, diagnostics=diagnostics(view, thresholds_of(ls.settings), ls.workspace.position_codec, ls.probe_reports),
        version=doc.version if doc is not None else None))
