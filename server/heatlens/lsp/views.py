"""`heatlens/callgraph` and `heatlens/resources`: the data behind the editor's call-graph and resource views.

Pure builders (`callgraph_payload`, `resources_payload`) turn a stored run into plain JSON (camelCase keys);
the handlers only load the run and call them off the event loop. The messages are not in protocol.REQUESTS:
their params arrive as pygls' generic objects and their results are plain dicts (docs/protocol.md).
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path

from heatlens.analysis import callgraph as cg
from heatlens.analysis.resources import summarize
from heatlens.lsp.protocol import CALLGRAPH, RESOURCES
from heatlens.model import Profile

if TYPE_CHECKING:
    from heatlens.lsp.server import HeatlensServer

MAX_NODES = 400  # beyond this the view keeps the functions that ran and their neighbours (graphviz stays fast)
MAX_LINE_TRACKS = 5


def _param(params: Any, name: str) -> Any:
    """A field of pygls' generic params object (a namedtuple) or of a dict; None when absent."""
    if params is None:
        return None
    if isinstance(params, dict):
        return params.get(name)
    return getattr(params, name, None)


def graph_target(profile: Profile, project_root: Optional[str], uri_path: Optional[str]) -> str:
    """The folder (or file) whose static graph is drawn: the workspace, else the run's project, else the
    folder of the profiled file, else the file the request names."""
    for candidate in (project_root, profile.meta.project_root, profile.meta.cwd):
        if candidate and os.path.isdir(candidate):
            return candidate
    script = profile.meta.argv[0] if profile.meta.argv else ""
    if script.endswith(".py") and os.path.isfile(script):
        return os.path.dirname(os.path.abspath(script))
    if uri_path and os.path.exists(uri_path):
        return uri_path
    raise cg.CallGraphError("no project folder to analyse: open a folder or profile a file first")


def _shrink(graph: cg.CallGraph, limit: int) -> cg.CallGraph:
    """Keep what ran, plus the static callees/callers next to it, when the project is too big to draw."""
    funcs = [n for n in graph.nodes.values() if n.kind != "external"]
    if len(funcs) <= limit:
        return graph
    keep = {n.id for n in funcs if n.ran}
    for (a, b) in graph.edges:
        if a in keep or b in keep:
            keep.update((a, b))
    ranked = sorted(keep, key=lambda i: (not graph.nodes[i].ran, -graph.nodes[i].total_time, i))[:limit]
    kept = set(ranked)
    small = cg.CallGraph(root=graph.root, merged=graph.merged, exact_calls=graph.exact_calls)
    small.nodes = {i: graph.nodes[i] for i in kept}
    small.edges = {k: e for k, e in graph.edges.items() if k[0] in kept and k[1] in kept}
    return small


def callgraph_payload(profile: Profile, run_id: int, target: str, raw: Optional[Dict[str, List[str]]] = None,
                      limit: int = MAX_NODES) -> Dict[str, Any]:
    """The static graph of `target` merged with the run: nodes, edges, never-ran functions and the DOT the
    view lays out (heatlens.analysis.callgraph.to_dot: filled by cost, never-ran dashed, taken edges bold)."""
    full = cg.merge_run(cg.build_static(target, raw), profile)
    graph = _shrink(full, limit)
    nodes = [{
        "id": n.id, "kind": n.kind, "file": n.file, "line": n.line, "qualname": n.qualname, "ran": n.ran,
        "calls": n.calls, "selfTime": n.self_time, "totalTime": n.total_time,
    } for n in sorted(graph.nodes.values(), key=lambda n: n.id)]
    edges = [{"caller": e.caller, "callee": e.callee, "static": e.static, "observed": e.observed, "time": e.time}
             for e in sorted(graph.edges.values(), key=lambda e: (e.caller, e.callee))]
    return {
        "runId": run_id, "name": f"run {run_id}: {profile.meta.target}", "root": graph.root,
        "merged": graph.merged, "exactCalls": graph.exact_calls, "truncated": graph is not full,
        "nodes": nodes, "edges": edges, "neverRan": [n.id for n in full.never_ran()],
        "dot": cg.to_dot(graph),
    }


def resources_payload(profile: Profile, run_id: int) -> Dict[str, Any]:
    """The run's resource series (columns, for plotting), its summary, and the memory timeline beside it."""
    rs = profile.resource_series
    ms = profile.memory_series
    tracks = sorted(profile.line_memory_series, key=lambda tr: -max(tr.live_mb, default=0.0))[:MAX_LINE_TRACKS]
    return {
        "runId": run_id, "name": f"run {run_id}: {profile.meta.target}", "backend": profile.meta.backend,
        "resources": {
            "t": [s.t for s in rs], "rssMb": [s.rss_mb for s in rs], "cpuPercent": [s.cpu_percent for s in rs],
            "threads": [s.threads for s in rs], "openFiles": [s.open_files for s in rs],
            "processes": [s.processes for s in rs],
        },
        "summary": summarize(rs),
        "memory": {
            "t": [m.t for m in ms], "currentMb": [m.current_mb for m in ms], "peakMb": [m.peak_mb for m in ms],
            "rssMb": [m.rss_mb for m in ms],
        },
        "lineMemory": {
            "t": list(profile.memory_snapshot_times),
            "lines": [{"file": tr.file, "line": tr.line, "liveMb": list(tr.live_mb)} for tr in tracks],
        },
    }


def _run_id(params: Any) -> Optional[int]:
    value = _param(params, "runId")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise JsonRpcInvalidParams(f"runId must be an integer, not {value!r}")
    return value


async def on_callgraph(ls: HeatlensServer, params: Any) -> Dict[str, Any]:
    uri = _param(params, "uri")
    uri_path = to_fs_path(uri) if isinstance(uri, str) and uri else None
    run_id, prof = await ls.history.load_run(_run_id(params))
    try:
        target = graph_target(prof, ls.project_root, uri_path)
        return await asyncio.to_thread(callgraph_payload, prof, run_id, target)
    except cg.CallGraphError as exc:
        raise JsonRpcInvalidParams(str(exc)) from exc


async def on_resources(ls: HeatlensServer, params: Any) -> Dict[str, Any]:
    run_id, prof = await ls.history.load_run(_run_id(params))
    return resources_payload(prof, run_id)


def register(server: "HeatlensServer") -> None:
    server.feature(CALLGRAPH)(on_callgraph)
    server.feature(RESOURCES)(on_resources)
