"""Quick fixes (code actions) and the "Apply fix" / "Apply fix and verify" lenses on findings.

The edit is the codemod's output on the document's current text, as one minimal TextEdit. "Apply fix and
verify" runs the saved file before and after the fix through the runner (jobs/verify.py, one job of the
server's: `heatlens/cancel` or a cancel of the command stops it within a second) and applies the edit only
when exit status and output are unchanged, reporting the measured speedup.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from lsprotocol import types as lsp
from pygls.uris import to_fs_path
from pygls.workspace import PositionCodec

from heatlens.analysis.fixes import FixResult, fix_source
from heatlens.lsp.annotations import DocView, FileData
from heatlens.analysis.findings import Thresholds
from heatlens.lsp import profiling
from heatlens.lsp.features import probe_args
from heatlens.lsp.features.diagnostics import (
    ProbeReports, client_range, current_range, diagnostic, findings_for_data, thresholds_of,
)
from heatlens.lsp.features.probe_args import measure_action, measure_command, wants_probe
from heatlens.options import timeout_limit

if TYPE_CHECKING:
    from heatlens.lsp.server import HeatlensServer

APPLY_FIX = "heatlens.applyFix"
APPLY_FIX_AND_VERIFY = "heatlens.applyFixAndVerify"


def minimal_edit(old: str, new: str) -> lsp.TextEdit:
    """One TextEdit replacing only the lines that differ between `old` and `new`."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    p = 0
    while p < min(len(a), len(b)) and a[p] == b[p]:
        p += 1
    s = 0
    while s < min(len(a), len(b)) - p and a[-1 - s] == b[-1 - s]:
        s += 1
    rng = lsp.Range(start=lsp.Position(line=p, character=0), end=lsp.Position(line=len(a) - s, character=0))
    return lsp.TextEdit(range=rng, new_text="".join(b[p:len(b) - s]))


def _overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    return not (a.end.line < b.start.line or b.end.line < a.start.line)


def code_actions(uri: str, text: str, view: Optional[DocView], rng: lsp.Range, thresholds: Optional[Thresholds] = None,
                 codec: Optional[PositionCodec] = None, probes: Optional[ProbeReports] = None) -> List[lsp.CodeAction]:
    """Quick fixes for the findings over `rng` that reach `thresholds` (the settings' diagnostics
    thresholds: an action is offered exactly where a diagnostic is shown). Fixes take code-point columns;
    the diagnostics they carry are in the client's units (`codec`)."""
    if view is None:
        return []
    out = []
    for f in findings_for_data(view.data, thresholds, probes):
        where = current_range(view, f)
        if where is None or not _overlaps(where, rng):
            continue
        if wants_probe(f):
            out.append(measure_action(uri, f, diagnostic(view, f, codec)))
        if not f.data.get("fix_title") or f.data.get("verify_only"):
            continue  # a fix resting on unproven hashability is only offered through "Apply fix and verify"
        res = fix_source(text, f.rule, where.start.line + 1, where.start.character, evidence=f.data.get("probe"))
        if not res.ok:
            continue
        diag = diagnostic(view, f, codec)
        out.append(lsp.CodeAction(
            title=res.title or str(f.data["fix_title"]), kind=lsp.CodeActionKind.QuickFix,
            diagnostics=[diag] if diag else None, is_preferred=False,
            edit=lsp.WorkspaceEdit(changes={uri: [minimal_edit(text, res.text)]}),
        ))
    return out


def fix_lenses(uri: str, view: Optional[DocView], thresholds: Optional[Thresholds] = None,
               codec: Optional[PositionCodec] = None, probes: Optional[ProbeReports] = None) -> List[lsp.CodeLens]:
    """Lenses on the findings' starts (in the client's units); their commands' arguments carry the
    code-point column that the fix takes."""
    if view is None:
        return []
    out = []
    for f in findings_for_data(view.data, thresholds, probes):
        where, shown = current_range(view, f), client_range(view, f, codec)
        if where is None or shown is None:
            continue
        lens_range = lsp.Range(start=shown.start, end=shown.start)
        if wants_probe(f):
            out.append(lsp.CodeLens(range=lens_range, command=measure_command(uri, f)))
        if not f.data.get("fix_title"):
            continue
        args = [uri, f.rule, where.start.line, where.start.character]
        if f.data.get("verify_only"):
            out.append(lsp.CodeLens(range=lens_range, command=lsp.Command(
                title=f"Apply fix and verify: {f.data['fix_title']}", command=APPLY_FIX_AND_VERIFY, arguments=args)))
            continue
        out.append(lsp.CodeLens(range=lens_range, command=lsp.Command(
            title=f"Apply fix: {f.data['fix_title']}", command=APPLY_FIX, arguments=args)))
        out.append(lsp.CodeLens(range=lens_range, command=lsp.Command(
            title="Apply fix and verify", command=APPLY_FIX_AND_VERIFY, arguments=args)))
    return out


def _fix_for(ls: "HeatlensServer", args: Any) -> tuple:
    uri, rule, line, col = args[:4]
    doc = ls.document(uri)
    if doc is None:
        return uri, None, FixResult(False, "", reason="the document is not open")
    return uri, doc, fix_source(doc.source, rule, int(line) + 1, int(col), evidence=_evidence(ls, uri, rule, int(line)))


def _evidence(ls: "HeatlensServer", uri: str, rule: str, line: int) -> Optional[Dict[str, Any]]:
    """The argument probe's record for the repeated-call finding on `line` (0-based), if it ran."""
    view = ls.view(uri)
    if rule != "repeated-call" or view is None:
        return None
    for f in findings_for_data(view.data, probes=ls.probe_reports):
        where = current_range(view, f)
        if f.rule == rule and where is not None and where.start.line == line and f.data.get("probe"):
            return dict(f.data["probe"])
    return None


async def apply_fix(ls: "HeatlensServer", args: Any) -> Dict[str, Any]:
    uri, doc, res = _fix_for(ls, args)
    if res.ok and res.verify_only:
        res = FixResult(False, "", res.title, "its keys are not proven hashable: use \"Apply fix and verify\"")
    if not res.ok or doc is None:
        ls.show(f"heatlens: no fix applied: {res.reason}", lsp.MessageType.Warning)
        return {"applied": False, "reason": res.reason}
    edit = lsp.WorkspaceEdit(changes={uri: [minimal_edit(doc.source, res.text)]})
    reply = await ls.workspace_apply_edit_async(lsp.ApplyWorkspaceEditParams(edit=edit, label=res.title))
    return {"applied": bool(reply.applied), "reason": reply.failure_reason or ""}


async def apply_fix_and_verify(ls: "HeatlensServer", args: Any) -> Dict[str, Any]:
    from heatlens.backends.base import Target
    from heatlens.jobs.verify import verify_fix_async
    from heatlens.lsp.jobs import run_cancellable
    from heatlens.run import RunOptions

    uri, doc, res = _fix_for(ls, args)
    path = to_fs_path(uri)
    if not res.ok or doc is None or not path:
        ls.show(f"heatlens: no fix applied: {res.reason}", lsp.MessageType.Warning)
        return {"applied": False, "reason": res.reason}
    if not profiling.saved(path, doc.source):
        reason = "save the file first: verification runs the file as saved"
        ls.show(f"heatlens: {reason}", lsp.MessageType.Warning)
        return {"applied": False, "reason": reason}
    root = os.path.dirname(path)
    target = Target("script", path, cwd=root, python=ls.settings.python)
    options = RunOptions(backend="agent", timeout=timeout_limit(ls.settings.timeout))  # 0: no limit
    job = ls.jobs.start(f"verify a fix of {os.path.basename(path)}")  # raises JobBusy while another job runs
    try:
        verdict = await run_cancellable(job, lambda: verify_fix_async(
            target, path, res.text, options, root, cancel=job.cancel_event, progress=job.report))
    finally:
        ls.jobs.finish(job)
    result: Dict[str, Any] = {"applied": False, "reason": verdict.reason, "speedup": verdict.speedup}
    if not verdict.ok:
        ls.show(f"heatlens: fix not applied: {verdict.reason}", lsp.MessageType.Warning)
        return result
    edit = lsp.WorkspaceEdit(changes={uri: [minimal_edit(doc.source, res.text)]})
    reply = await ls.workspace_apply_edit_async(lsp.ApplyWorkspaceEditParams(edit=edit, label=res.title))
    result["applied"] = bool(reply.applied)
    ls.show(f"heatlens: fix applied and verified: {verdict.reason}")
    return result


def _prepare_findings(data: FileData) -> None:
    from heatlens.lsp.features import diagnostics

    diagnostics.findings_for_data(data)  # cached for the publish hook


def register(server: "HeatlensServer") -> None:
    """Register the code action feature and the diagnostics publishing hook (at import)."""
    from heatlens.lsp.features import diagnostics

    if diagnostics.publish not in server.doc_hooks:
        server.doc_hooks.append(diagnostics.publish)
        # analysis of a big file takes seconds: do it in the server's worker thread before publishing, so
        # the publish hook on the event loop only reads the cached findings
        server.prepare_hooks.append(_prepare_findings)

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
    def on_code_action(ls, params: lsp.CodeActionParams) -> List[lsp.CodeAction]:
        uri = params.text_document.uri
        doc = ls.document(uri)
        if doc is None:
            return []
        return code_actions(uri, doc.source, ls.view(uri), params.range, thresholds_of(ls.settings),
                            ls.workspace.position_codec, ls.probe_reports)



def register_commands(server: "HeatlensServer") -> None:
    """The lenses' commands through workspace/executeCommand; registered at initialize for every client
    (unlike `heatlens.profileFile`, no client implements them itself, whatever clientCommands says)."""
    probe_args.register_commands(server)
    if APPLY_FIX in server.protocol.fm.commands:
        return

    @server.command(APPLY_FIX)
    async def on_apply_fix(ls, *args: Any) -> Dict[str, Any]:
        return await apply_fix(ls, args)

    @server.command(APPLY_FIX_AND_VERIFY)
    async def on_apply_verify(ls, *args: Any) -> Dict[str, Any]:
        return await apply_fix_and_verify(ls, args)
