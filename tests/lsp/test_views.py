"""`heatlens/callgraph` and `heatlens/resources` through a real daemon (pytest-lsp) on real runs of programs
whose answers are known: exact call counts (cProfile), a function that is never called, and a program whose
resident memory grows by a known amount."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict

import pytest
from pygls.exceptions import JsonRpcException

from heatlens.lsp.protocol import CALLGRAPH, RESOURCES

from .conftest import TIMEOUT, HeatClient

CALLS = """\"\"\"Known calls: main 1, branch 7, leaf 21; never_called 0.\"\"\"


def leaf(i):
    return i * 2


def branch(n):
    total = 0
    for i in range(n):
        total += leaf(i)
    return total


def never_called():
    return leaf(42)


def main():
    total = 0
    for _ in range(7):
        total += branch(3)
    return total


if __name__ == "__main__":
    main()
"""

# 24 chunks of 4 MB kept alive (touched, so resident), slowly enough for the 0.1 s resource polls to see it grow
ALLOC = """import time

keep = []
time.sleep(0.4)
for _ in range(24):
    keep.append(bytearray(b"x" * (4 << 20)))
    time.sleep(0.06)
time.sleep(0.4)
print(len(keep))
"""


def plain(value: Any) -> Any:
    """pygls hands back the result of a message it has no type for as nested namedtuples: make them dicts."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


async def request(client: HeatClient, method: str, params: Dict[str, Any]) -> Any:
    return plain(await asyncio.wait_for(client.protocol.send_request_async(method, params), TIMEOUT))


@pytest.mark.asyncio
async def test_callgraph_marks_what_ran_with_exact_calls(client: HeatClient) -> None:
    with pytest.raises(JsonRpcException, match="no runs"):
        await request(client, CALLGRAPH, {})

    prog = client.root / "calls.py"
    prog.write_text(CALLS)
    uri = client.open(prog)
    summary = await client.profile(uri=uri, backend="cprofile")
    assert summary.failure.kind == "ok", summary.failure

    graph = await request(client, CALLGRAPH, {"uri": uri})
    assert graph["runId"] == summary.run_id and graph["merged"] and graph["exactCalls"]
    nodes = {n["id"]: n for n in graph["nodes"]}
    expected = {"calls.leaf": (21, 4), "calls.branch": (7, 8), "calls.main": (1, 19)}
    for nid, (calls, line) in expected.items():
        node = nodes[nid]
        assert node["ran"] is True and node["calls"] == calls, node
        assert node["file"] == str(prog) and node["line"] == line, node
    never = nodes["calls.never_called"]
    assert never["ran"] is False and never["calls"] is None and "calls.never_called" in graph["neverRan"]
    assert "calls.main" not in graph["neverRan"]
    # other fixture files of the workspace were never run: their functions are not-run too
    assert any(i.startswith("hot.") for i in graph["neverRan"])

    edges = {(e["caller"], e["callee"]): e for e in graph["edges"]}
    assert edges[("calls.main", "calls.branch")]["observed"] and edges[("calls.main", "calls.branch")]["static"]
    assert edges[("calls.branch", "calls.leaf")]["observed"]
    never_edge = edges[("calls.never_called", "calls.leaf")]  # found statically, never taken
    assert never_edge["static"] and not never_edge["observed"]
    # the DOT the view lays out: the never-ran function dashed, the taken edge bold
    dot = graph["dot"]
    assert any('"calls.never_called"' in line and "style=dashed" in line for line in dot.splitlines())
    assert any(line.strip().startswith('"calls.main" -> "calls.branch"') and "penwidth=2" in line for line in dot.splitlines())

    by_id = await request(client, CALLGRAPH, {"runId": summary.run_id})
    assert {n["id"] for n in by_id["nodes"]} == set(nodes)
    with pytest.raises(JsonRpcException, match="runId must be an integer"):
        await request(client, CALLGRAPH, {"runId": "latest"})


@pytest.mark.asyncio
async def test_resources_series_shows_memory_growing(client: HeatClient) -> None:
    with pytest.raises(JsonRpcException, match="no runs"):
        await request(client, RESOURCES, {})

    prog = client.root / "alloc.py"
    prog.write_text(ALLOC)
    summary = await client.profile(uri=client.open(prog), backend="agent")
    assert summary.failure.kind == "ok", summary.failure

    data = await request(client, RESOURCES, {"runId": summary.run_id})
    assert data["runId"] == summary.run_id and data["backend"] == "agent"
    res = data["resources"]
    n = len(res["t"])
    assert n >= 5, res
    assert all(len(res[k]) == n for k in ("rssMb", "cpuPercent", "threads", "openFiles", "processes"))
    assert res["t"] == sorted(res["t"])
    # 96 MB kept alive: the tree's RSS must rise by well over half of that from its first sample
    assert max(res["rssMb"]) - res["rssMb"][0] > 48, res["rssMb"]
    assert min(res["threads"]) >= 1 and max(res["openFiles"]) >= 3  # stdin/stdout/stderr at least
    assert data["summary"]["samples"] == n and data["summary"]["rss_peak_mb"] == max(res["rssMb"])
    # the memory timeline beside it (the agent samples it): aligned columns, growing too
    mem = data["memory"]
    assert mem["t"] and len(mem["currentMb"]) == len(mem["t"]) == len(mem["rssMb"])
    rss = [v for v in mem["rssMb"] if v is not None]
    cur = [max(c, p) for c, p in zip(mem["currentMb"], mem["peakMb"])]
    assert (rss and max(rss) - rss[0] > 48) or max(cur) - cur[0] > 48, mem

    latest = await request(client, RESOURCES, {})
    assert latest["runId"] == summary.run_id


def test_big_projects_keep_what_ran_and_its_neighbours(tmp_path: Path) -> None:
    """Past the node limit the payload keeps the functions that ran and their static neighbours; the
    never-ran list still names every function. Static graph as jarviscg writes it, a run from the model."""
    from heatlens.lsp.views import callgraph_payload, graph_target
    from heatlens.model import FunctionStats, Profile

    src = tmp_path / "big.py"
    src.write_text("".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(30)))
    raw = {"big.f0": ["big.f1"], "big.f1": ["big.f2"], **{f"big.f{i}": [] for i in range(3, 30)}}
    prof = Profile(functions=[FunctionStats(qualname="f0", file=str(src), line=1, calls=1, total_time=0.5,
                                            callees={f"{src}:5:f1": 0.2}),
                              FunctionStats(qualname="f1", file=str(src), line=5, calls=3, total_time=0.2)])
    prof.meta.project_root = str(tmp_path)
    assert graph_target(prof, None, None) == str(tmp_path)

    full = callgraph_payload(prof, 1, str(tmp_path), raw=raw)
    assert not full["truncated"] and len([n for n in full["nodes"] if n["kind"] == "function"]) == 30
    small = callgraph_payload(prof, 1, str(tmp_path), raw=raw, limit=5)
    assert small["truncated"]
    assert {n["id"] for n in small["nodes"]} == {"big.f0", "big.f1", "big.f2"}  # ran, ran, static callee
    assert {(e["caller"], e["callee"], e["observed"]) for e in small["edges"]} == {("big.f0", "big.f1", True), ("big.f1", "big.f2", False)}
    assert len(small["neverRan"]) == 28 and '"big.f29"' not in small["dot"] and '"big.f2"' in small["dot"]
