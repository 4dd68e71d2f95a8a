""""Measure complexity" lenses on functions with a `# heatlens: sizes=…` hint, and their command.

`heatlens.measureComplexity` times the function at growing sizes in a subprocess of the target's
interpreter (jobs/complexity.py) and fits growth models. The result, "≈ O(n²) (R² 0.99, n=10…100k)",
is saved in the project's store and shows as a lens on the function, also after a daemon restart, for as
long as the function's source is the one that was measured ("stale: …" once it changes).
It holds the one-at-a-time job slot (a profile running beside it would distort the timings), and
`heatlens/cancel` or cancelling its progress kills the timing process.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Set, Tuple

import attrs
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path

from heatlens.analysis.complexity_record import function_hash, function_sources, source_hash
from heatlens.lsp.annotations import path_key
from heatlens.lsp.jobs import JobBusy
from heatlens.lsp.progress import PhaseProgress
from heatlens.options import timeout_limit

if TYPE_CHECKING:
    from heatlens.lsp.server import HeatlensServer

log = logging.getLogger(__name__)

MEASURE_COMPLEXITY = "heatlens.measureComplexity"
TITLE = "Measure complexity"
BUSY_TITLE = "Measuring complexity…"
RESULT_COMMAND = ""  # the result lens is informational
STALE_PREFIX = "stale: "
STALE_SUFFIX = " (function changed since measured)"


@attrs.define
class Results:
    """Measured results per (file, qualname), each valid for the function's source it was measured on.

    Filled by measurements of this daemon and, on the first lens request for a file, from the store, so a
    result survives a daemon restart; a result whose function has changed since shows as stale."""

    done: Dict[Tuple[str, str], Tuple[str, str]] = attrs.Factory(dict)  # -> (function source hash, summary)
    running: Set[Tuple[str, str]] = attrs.Factory(set)
    store_of: Optional[Callable[[], Any]] = None  # the project's store, or None when it cannot be opened
    loaded: Set[str] = attrs.Factory(set)  # path keys whose stored results were read

    def put(self, path: str, qualname: str, text: str, summary: str) -> None:
        self.done[(path_key(path), qualname)] = (function_hash(path, text, qualname) or "", summary)

    def load(self, path: str) -> None:
        """Read the stored results of `path` once (blocking: lenses run off the event loop)."""
        key = path_key(path)
        if key in self.loaded or self.store_of is None:
            return
        self.loaded.add(key)
        try:
            store = self.store_of()
            stored = store.latest_complexity(path) if store is not None else {}
        except Exception:  # a broken store costs the stored lenses, never the lens request
            log.warning("reading stored complexity results of %s failed", path, exc_info=True)
            return
        for qualname, row in stored.items():
            self.done.setdefault((key, qualname), (row.source_hash, row.summary))

    def get(self, path: str, qualname: str, text: str, hashes: Optional[Dict[str, str]] = None) -> Tuple[str, bool]:
        """(summary, current): current is False when the function's source changed since it was measured.
        `hashes`: qualname -> source hash of `text`, when the caller computed them for every function."""
        hit = self.done.get((path_key(path), qualname))
        if hit is None:
            return "", False
        now = hashes.get(qualname) if hashes is not None else function_hash(path, text, qualname)
        return hit[1], hit[0] == now


def _range(line: int) -> lsp.Range:
    return lsp.Range(start=lsp.Position(line=line, character=0), end=lsp.Position(line=line, character=0))


def complexity_lenses(uri: str, path: str, text: str, results: Results) -> List[lsp.CodeLens]:
    """Per hinted function: the command lens, and the measured result while the text is unchanged."""
    if "heatlens:" not in text:  # cheap: most files have no hints, and then need no parse
        return []
    from heatlens.analysis.complexity import hinted_functions

    try:
        hinted = hinted_functions(path, text)
    except Exception:  # a file that does not parse (mid-edit) simply has no lenses
        log.debug("finding the hinted functions of %s failed", path, exc_info=True)
        return []
    results.load(path)
    hashes = {q: source_hash(src) for q, src in function_sources(path, text).items()}
    out = []
    for qualname, line in hinted:
        busy = (path_key(path), qualname) in results.running
        out.append(lsp.CodeLens(range=_range(max(0, line - 1)), command=lsp.Command(
            title=BUSY_TITLE if busy else TITLE, command=MEASURE_COMPLEXITY, arguments=[uri, qualname])))
        summary, current = results.get(path, qualname, text, hashes)
        if summary:
            title = summary if current else STALE_PREFIX + summary + STALE_SUFFIX
            out.append(lsp.CodeLens(range=_range(max(0, line - 1)), command=lsp.Command(title=title, command=RESULT_COMMAND),
                                    data={"qualname": qualname, "stale": not current}))
    return out


def _args(args: Any) -> Tuple[str, str]:
    if len(args) != 2 or not all(isinstance(a, str) and a for a in args):
        raise JsonRpcInvalidParams(f"{MEASURE_COMPLEXITY} takes two arguments: the file's uri and the function's qualified name")
    return args[0], args[1]


def _saved_text(ls: "HeatlensServer", uri: str, path: str) -> Tuple[str, bool]:
    """The file's text on disk, and whether the open document (if any) shows that same text."""
    try:
        with open(path, encoding="utf-8") as fh:
            disk = fh.read()
    except (OSError, UnicodeDecodeError):
        return "", False
    doc = ls.document(uri)
    return disk, doc is None or doc.source == disk


def _fail(ls: "HeatlensServer", reason: str) -> Dict[str, Any]:
    ls.show(f"heatlens: {reason}", lsp.MessageType.Error)
    return {"ok": False, "reason": reason}


async def measure_complexity(ls: "HeatlensServer", results: Results, args: Any) -> Dict[str, Any]:
    """The command's handler: {ok, summary, label} or {ok: false, reason} (also shown to the user)."""
    from heatlens.analysis.complexity import ComplexityError, summary_text
    from heatlens.jobs.complexity import measure
    from heatlens.run.argv import resolve_interpreter

    uri, qualname = _args(args)
    path = to_fs_path(uri)
    if not path or not uri.startswith("file:"):
        raise JsonRpcInvalidParams(f"not a file uri: {uri}")
    text, saved = _saved_text(ls, uri, path)
    if not saved:
        return _fail(ls, "save the file first: complexity is measured on the file as saved")
    try:
        job = ls.jobs.start(f"complexity of {qualname}")
    except JobBusy as exc:
        return _fail(ls, str(exc))
    key = (path_key(path), qualname)
    results.running.add(key)
    ls.refresh()
    ls.notify_state("profiling", f"complexity of {qualname}")
    progress = await PhaseProgress.create(ls, None, f"heatlens: measuring {qualname}")
    progress.begin()
    progress.set_phase("timing")
    job.cancel_on(progress.cancel_future)
    timeout = timeout_limit(ls.settings.timeout)  # 0: no limit, as for every run
    python = resolve_interpreter(ls.settings.python, os.path.dirname(path))
    task = asyncio.ensure_future(measure(path, qualname, python=python, timeout=timeout))
    cancelled = asyncio.ensure_future(job.cancel_event.wait())
    outcome: Dict[str, Any] = {"ok": False, "reason": "stopped"}
    try:
        await asyncio.wait({task, cancelled}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            task.cancel()  # supervise() kills the timing process's tree on cancel
            await asyncio.gather(task, return_exceptions=True)
            outcome = {"ok": False, "reason": "cancelled"}
        else:
            try:
                result = task.result()
            except ComplexityError as exc:
                outcome = _fail(ls, str(exc))
            except Exception as exc:  # a bug still answers the command
                log.exception("measuring %s failed", qualname)
                outcome = _fail(ls, f"measuring {qualname} failed: {exc}")
            else:
                summary = summary_text(result)
                results.put(path, qualname, text, summary)
                outcome = {"ok": True, "summary": summary, "label": result.label,
                           "stored": await asyncio.to_thread(_save, ls, result, text)}
    finally:
        progress.end(outcome.get("summary") or outcome.get("reason") or "failed")
        cancelled.cancel()
        if not task.done():
            task.cancel()
        results.running.discard(key)
        ls.jobs.finish(job)
        ls.notify_state("idle")
        ls.refresh()
    return outcome


def _save(ls: "HeatlensServer", result: Any, text: str) -> Optional[int]:
    """Keep the result in the project's store (id), so it shows again after a restart; None if not stored."""
    from heatlens.analysis.complexity_record import to_row

    store = ls.history.store()
    if store is None:
        return None
    try:
        return int(store.save_complexity(to_row(result, text, "editor")))
    except Exception:  # StoreError, a full disk: the lens still shows this session's result
        log.warning("storing the complexity of %s failed", result.function, exc_info=True)
        return None


class ComplexityFeature:
    """The `heatlens.measureComplexity` command and the results it measured (which the lenses show)."""

    def __init__(self, server: "HeatlensServer") -> None:
        self.results = Results(store_of=server.history.store)

    def register(self, server: "HeatlensServer") -> None:
        """Advertised to every client: none implements the command itself."""
        if MEASURE_COMPLEXITY in server.protocol.fm.commands:
            return

        @server.command(MEASURE_COMPLEXITY)
        async def on_measure(ls, *args: Any) -> Dict[str, Any]:
            return await measure_complexity(ls, self.results, args)
