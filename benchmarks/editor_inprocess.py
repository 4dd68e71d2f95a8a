"""The daemon's own CPU per editor request, in-process: the real server from `create_server()` fed JSON-RPC
bodies (as its read loop does) with the 5,000-line file and profile of benchmarks/editor.py loaded; the
answer is timed until its bytes reach the (counting) writer. No pipe, no client: what the transport and the
client add is the difference to the client-observed numbers of editor.py.

    .venv/bin/python -m benchmarks.editor_inprocess [--n 200]
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from typing import Any, Callable, Dict, List

from benchmarks.common import median, percentile
from benchmarks.editor import build_profile, generate_source


class CountingWriter:
    def __init__(self) -> None:
        self.writes = 0

    def write(self, data: bytes) -> None:
        self.writes += 1


async def _timed(server: Any, writer: CountingWriter, body: Dict[str, Any]) -> float:
    """Seconds from handing the body to the protocol to the last write it caused (async handlers included)."""
    before = writer.writes
    t = time.perf_counter()
    server.protocol.handle_body(json.dumps(body).encode())
    if "id" in body:
        while writer.writes == before:  # an async handler answers on a later turn of the loop
            await asyncio.sleep(0)
    return time.perf_counter() - t


async def _costs(n: int, root: str) -> Dict[str, List[float]]:
    from heatlens.lsp.annotations import files_of
    from heatlens.lsp.app import create_server

    server, writer = create_server(), CountingWriter()
    server.protocol.set_writer(writer)
    path = os.path.join(root, "big_module.py")
    source = generate_source()
    with open(path, "w") as fh:
        fh.write(source)
    uri, doc = "file://" + path, {"uri": "file://" + path}
    await _timed(server, writer, {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "processId": None, "rootUri": "file://" + root, "capabilities": {"experimental": {"heatlensHeatDeltas": True}},
        "initializationOptions": {"heatThreshold": 0.0, "hintThreshold": 0.0}}})
    await _timed(server, writer, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
    await _timed(server, writer, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {**doc, "languageId": "python", "version": 1, "text": source}}})
    server.add_files(list(files_of(build_profile(path, source), 1, lambda _p, _h: source, indexed=True)))
    out: Dict[str, List[float]] = {"didChange": [], "hover": [], "codeLens": [], "inlayHint": []}
    top = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
    requests: Dict[str, Callable[[int], Dict[str, Any]]] = {
        "didChange": lambda k: {"method": "textDocument/didChange", "params": {
            "textDocument": {**doc, "version": 2 + k}, "contentChanges": [{"range": top, "text": "# inserted line\n"}]}},
        "hover": lambda k: {"id": 10 * k + 1, "method": "textDocument/hover", "params": {
            "textDocument": doc, "position": {"line": 2600, "character": 4}}},
        "codeLens": lambda k: {"id": 10 * k + 2, "method": "textDocument/codeLens", "params": {"textDocument": doc}},
        "inlayHint": lambda k: {"id": 10 * k + 3, "method": "textDocument/inlayHint", "params": {"textDocument": doc,
            "range": {"start": {"line": 2000, "character": 0}, "end": {"line": 2060, "character": 0}}}},
    }
    for k in range(-5, n):  # 5 warm-up rounds; each round: an edit, then what an editor asks after it
        for name, make in requests.items():
            took = await _timed(server, writer, {"jsonrpc": "2.0", **make(k)})
            if k >= 0:
                out[name].append(took)
    return out


def run(n: int = 200) -> Dict[str, Dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="hlbench-inprocess-") as root:
        raw = asyncio.run(_costs(n, root))
    return {k: {"p50_ms": median(v) * 1000, "p99_ms": percentile(v, 99) * 1000, "min_ms": min(v) * 1000, "n": len(v)}
            for k, v in raw.items()}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.editor_inprocess")
    parser.add_argument("--n", type=int, default=200)
    print(json.dumps(run(parser.parse_args().n), indent=1))
