""""Measure argument repetition": run the argument probe on a hot repeated-call finding's function.

The probe runs the saved file once more in a supervised subprocess (jobs/argprobe.py; never in the
daemon) as one of the server's jobs: `$/cancelRequest` or `heatlens/cancel` stops its process tree. Its
report is kept per file (the server's probe_reports): the diagnostics are republished with its evidence, and the
lru_cache quick fix is offered only when the evidence says caching keeps behaviour.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from heatlens.analysis.argprobe import Watch, judge
from heatlens.jobs.argprobe import run_probe
from heatlens.lsp import profiling
from heatlens.lsp.jobs import run_cancellable
from heatlens.lsp.features import diagnostics
from heatlens.model import Finding
from heatlens.options import timeout_limit

if TYPE_CHECKING:
    from heatlens.lsp.server import HeatlensServer

MEASURE_ARGS = "heatlens.measureArgs"


def wants_probe(f: Finding) -> bool:
    """A repeated-call finding whose static preconditions held and that no probe has measured yet."""
    return f.rule == "repeated-call" and bool(f.data.get("cache_fix")) and "probe" not in f.data


def measure_command(uri: str, f: Finding) -> lsp.Command:
    name = str(f.data.get("function"))
    return lsp.Command(title=f"Measure argument repetition of `{name}` (runs the program once)", command=MEASURE_ARGS,
                       arguments=[uri, name, int(f.data.get("def_line", f.line))])


def measure_action(uri: str, f: Finding, diag: Optional[lsp.Diagnostic]) -> lsp.CodeAction:
    cmd = measure_command(uri, f)
    return lsp.CodeAction(title=cmd.title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[diag] if diag else None,
                          command=cmd)


async def measure_args(ls: "HeatlensServer", args: List[Any]) -> Dict[str, Any]:
    from heatlens.backends.base import Target

    uri, name, def_line = str(args[0]), str(args[1]), int(args[2])
    path = to_fs_path(uri)
    doc = ls.document(uri)
    if not path or doc is None:
        return {"ok": False, "reason": "the document is not open"}
    if not profiling.saved(path, doc.source):
        reason = "save the file first: the probe runs the file as saved"
        ls.show(f"heatlens: {reason}", lsp.MessageType.Warning)
        return {"ok": False, "reason": reason}
    target = Target("script", path, cwd=os.path.dirname(path), python=ls.settings.python)
    job = ls.jobs.start(f"argument probe of {name}")  # raises JobBusy while another job runs
    try:  # a job: `heatlens/cancel` or a cancel of the command stops the probe's whole tree
        report = await run_cancellable(job, lambda: run_probe(
            target, [Watch(path, def_line, name)], timeout=timeout_limit(ls.settings.timeout), cancel=job.cancel_event))
    finally:
        ls.jobs.finish(job)
    stats = report.stats_for(path, name) if report.ok else None
    if stats is None:
        reason = report.message or f"the probe did not see `{name}`"
        ls.show(f"heatlens: argument probe: {reason}", lsp.MessageType.Warning)
        return {"ok": False, "reason": reason}
    key = diagnostics.probe_key(path)
    old = ls.probe_reports.get(key)
    if old is not None and old[0] == doc.source:  # keep what earlier probes measured of other functions
        report.functions += [s for s in old[1].functions if s.qualname != name]
    ls.probe_reports[key] = (doc.source, report)
    verdict = judge(stats)
    ls.lens_cache.invalidate(uri)
    diagnostics.publish(ls, uri, ls.view(uri))
    ls.show(f"heatlens: `{name}`: {verdict.evidence}" + ("" if verdict.ok else f"; no cache offered: {verdict.reason}"))
    return {"ok": True, "evidence": verdict.evidence, "cacheOffered": verdict.ok, "reason": verdict.reason,
            "mechanism": report.mechanism, "calls": stats.calls, "distinct": stats.distinct}


def register_commands(server: "HeatlensServer") -> None:
    if MEASURE_ARGS in server.protocol.fm.commands:
        return

    @server.command(MEASURE_ARGS)
    async def on_measure(ls, *args: Any) -> Dict[str, Any]:
        return await measure_args(ls, list(args))
