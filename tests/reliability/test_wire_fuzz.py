"""A fuzzer over the real wire: pygls' own JSON-RPC client starts `heatlens serve` and reads its answers with
pygls' framing; it sends ≥ 10,000 messages (HEATLENS_FUZZ_N to change it), many of them hostile: objects
with a "jsonrpc" key nested in params, ids that are huge, negative, floats, objects or null, nesting 100k
deep, wrong types, broken, lowercase, oversized and lying headers. Every request is answered exactly once
(with its id, or with id null where JSON-RPC says the id cannot be known), nothing else is answered, and the
daemon's resident memory stays bounded."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import random
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
from pygls.client import JsonRPCClient
from pygls.protocol import JsonRPCProtocol

N = int(os.environ.get("HEATLENS_FUZZ_N", "10000"))
BATCH = 100
RSS_GROWTH_LIMIT_KB = 256 * 1024  # over the RSS right after initialize
NULL = "<null>"  # the key of answers with id null

METHODS = ["heatlens/runs", "heatlens/history", "heatlens/report", "heatlens/clear", "heatlens/cancel",
           "heatlens/flamegraph", "heatlens/compare", "heatlens/exportFormats", "heatlens/callgraph",
           "textDocument/hover", "textDocument/codeLens", "textDocument/inlayHint", "textDocument/codeAction",
           "workspace/executeCommand", "heatlens/noSuchMethod", "", "textDocument/didChange", "$/cancelRequest"]
# never: initialize/shutdown/exit (the life cycle has its own tests), heatlens/profile and the commands that
# run code (a fuzzer must not start targets)
COMMANDS = ["heatlens.applyFix", "heatlens.previewFix", "no.such.command", ""]


class Recorder(JsonRPCProtocol):
    """pygls' client protocol, counting every response it reads (by id; id null as NULL)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.answers: "collections.Counter[Any]" = collections.Counter()
        self.bad: List[Any] = []

    def structure_message(self, data: Dict[str, Any]) -> Any:
        if "jsonrpc" in data and "method" not in data and ("result" in data or "error" in data):
            rid = data.get("id")
            self.answers[NULL if rid is None else json.dumps(rid)] += 1
            if "error" in data and not (isinstance(data["error"].get("code"), int) and isinstance(data["error"].get("message"), str)):
                self.bad.append(data)
            if rid is None or isinstance(rid, (dict, list)):
                return data  # not for pygls' own bookkeeping
        return super().structure_message(data)

    def handle_message(self, message: Any) -> None:
        if not isinstance(message, dict):
            super().handle_message(message)


def frame(body: bytes, header: bytes = b"Content-Length") -> bytes:
    return header + b": %d\r\n\r\n" % len(body) + body


class Fuzz:
    """Messages as bytes on the wire, each with the answer it must get: an id, NULL, or None (none)."""

    def __init__(self, seed: int, uri: str) -> None:
        self.rnd = random.Random(seed)
        self.uri = uri
        self.next_id = 0

    def value(self, depth: int = 0) -> Any:
        r = self.rnd.random()
        if depth > 3 or r < 0.45:
            return self.rnd.choice([None, True, 0, -1, 2**31, 2**63, -2**63, 10**30, 1.5, -0.0, "", "x", "\ud800",
                                    "file:///\udfff.py", self.uri, "é" * 5, {"jsonrpc": "2.0"}])
        if r < 0.6:
            return [self.value(depth + 1) for _ in range(self.rnd.randrange(4))]
        if r < 0.75:  # shaped like a message: pygls structured these as messages
            return {"jsonrpc": "2.0", "id": f"ghost-{self.rnd.randrange(10**6)}", "method": self.rnd.choice(METHODS),
                    "params": self.value(depth + 1)}
        keys = ["uri", "runId", "limit", "kind", "textDocument", "position", "range", "command", "arguments", "id", "jsonrpc"]
        return {self.rnd.choice(keys): self.value(depth + 1) for _ in range(self.rnd.randrange(4))}

    def params(self, method: str) -> Any:
        if method == "workspace/executeCommand":
            return {"command": self.rnd.choice(COMMANDS), "arguments": [self.value() for _ in range(self.rnd.randrange(5))]}
        if method.startswith("textDocument/") and self.rnd.random() < 0.5:
            line = self.rnd.choice([0, 3, -1, 2**31 - 1, 2**40])
            return {"textDocument": {"uri": self.rnd.choice([self.uri, "file:///nowhere.py", 5]), "version": 2},
                    "position": {"line": line, "character": 0}, "contentChanges": [{"text": "x"}],
                    "range": {"start": {"line": 0, "character": 0}, "end": {"line": line, "character": 0}}}
        return self.value()

    def new_id(self) -> Any:
        self.next_id += 1
        return self.rnd.choice([self.next_id, f"s{self.next_id}", -self.next_id, 2**53 + self.next_id, 10**25 + self.next_id])

    def request(self) -> Tuple[Dict[str, Any], Any]:
        rid = self.new_id()
        method = self.rnd.choice(METHODS)
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if self.rnd.random() < 0.9:
            msg["params"] = self.params(method)
        return msg, json.dumps(rid)

    def message(self) -> Tuple[bytes, Any]:
        """One hostile or ordinary message and its expected answer."""
        kind = self.rnd.random()
        msg, expect = self.request()
        if kind < 0.35:
            return frame(json.dumps(msg).encode()), expect
        if kind < 0.45:  # a notification: never answered
            del msg["id"]
            return frame(json.dumps(msg).encode()), None
        if kind < 0.55:  # an id no request may have: invalid request, id null
            msg["id"] = self.rnd.choice([1.5, 2.0, {"a": 1}, [1], None, True, {"jsonrpc": "2.0", "id": 1}])
            return frame(json.dumps(msg).encode()), NULL
        if kind < 0.62:  # a wrong envelope with a good id: answered with it
            msg.pop("jsonrpc") if self.rnd.random() < 0.5 else msg.update(jsonrpc=self.rnd.choice(["1.0", 2, None]))
            return frame(json.dumps(msg).encode()), expect
        if kind < 0.66:
            msg["method"] = self.rnd.choice([7, None, ["x"], {"a": 1}])
            return frame(json.dumps(msg).encode()), expect
        if kind < 0.70:  # nested too deep to read: id null
            depth = self.rnd.choice([5_000, 100_000])
            return frame(b'{"jsonrpc": "2.0", "id": 1, "method": "heatlens/runs", "params": ' + b"[" * depth + b"]" * depth + b"}"), NULL
        if kind < 0.74:  # nested, but readable
            depth = self.rnd.randrange(10, 300)
            msg["params"] = json.loads("[" * depth + "]" * depth)
            return frame(json.dumps(msg).encode()), expect
        if kind < 0.78:  # not JSON, or JSON but no object
            return frame(self.rnd.choice([b"{nope", b"\xff\xfe", b"", b"[1, 2]", b"42", b'"s"', b"null", b"[]"])), NULL
        if kind < 0.82:  # headers in lowercase, with a content type
            body = json.dumps(msg).encode()
            return b"content-length: %d\r\ncontent-type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" % len(body) + body, expect
        if kind < 0.86:  # a Content-Length far beyond the limit: id null, then the next header is found
            length = self.rnd.choice([64 * 1024 * 1024 + 1, 30_000_000_000, 2**63, 10**40])
            return b"Content-Length: %d\r\n\r\n" % length + json.dumps(msg).encode(), NULL
        if kind < 0.90:  # a Content-Length too short: the cut body is no JSON (id null); the rest is skipped
            body = json.dumps(msg).encode()
            return b"Content-Length: %d\r\n\r\n" % (len(body) - self.rnd.randrange(1, 6)) + body, NULL
        if kind < 0.93:  # too long, by trailing white space: still one good message
            body = json.dumps(msg).encode()
            pad = b" " * self.rnd.randrange(1, 6)
            return b"Content-Length: %d\r\n\r\n" % (len(body) + len(pad)) + body + pad, expect
        if kind < 0.96:  # junk lines and a header that is no length: this frame is lost, unanswered
            junk = self.rnd.choice([b"\r\n", b"junk\r\n", b"X-Thing: 1\r\n", b"Content-Length: -5\r\n\r\n", b"Content-Length: abc\r\n\r\n"])
            return junk + json.dumps(msg).encode(), None
        msg["params"] = {"uri": self.rnd.choice(["file:///\ud800.py", "\udfff"]), "limit": 1}  # lone surrogates: -32602
        return frame(json.dumps(msg).encode()), expect


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS:")).split()[1])


async def drain(stream: Any, lines: List[bytes]) -> None:
    while True:  # the daemon's stderr: read, or its pipe fills and the daemon blocks
        line = await stream.readline()
        if not line:
            return
        lines.append(line)


async def fuzz(root: Path) -> Dict[str, Any]:
    client = JsonRPCClient(protocol_cls=Recorder)
    protocol: Recorder = client.protocol  # type: ignore[assignment]
    await client.start_io(sys.executable, "-m", "heatlens", "serve", "--log-level", "ERROR", cwd=str(root))
    server = client._server
    assert server is not None and server.stderr is not None
    stderr: List[bytes] = []
    draining = asyncio.ensure_future(drain(server.stderr, stderr))
    prog = root / "prog.py"
    prog.write_text("def work(n):\n    return sum(i * i for i in range(n))\n\n\nwork(10)\n")
    await asyncio.wait_for(protocol.send_request_async("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                                                        "capabilities": {}}, msg_id="init"), 120)
    protocol.notify("initialized", {})
    protocol.notify("textDocument/didOpen", {"textDocument": {"uri": prog.as_uri(), "languageId": "python", "version": 1,
                                                              "text": prog.read_text()}})
    base_rss = max_rss = rss_kb(server.pid)
    gen = Fuzz(20251205, prog.as_uri())
    expected: "collections.Counter[Any]" = collections.Counter()
    writer = protocol.writer
    sent = 0
    through_pygls = 0
    while sent < N:
        for _ in range(min(BATCH, N - sent)):
            if gen.rnd.random() < 0.15:  # plain requests through pygls' own request API and framing
                msg, expect = gen.request()
                protocol.send_request(msg["method"], msg.get("params"), msg_id=msg["id"])
                through_pygls += 1
            else:
                data, expect = gen.message()
                writer.write(data)  # type: ignore[union-attr]
            if expect is not None:
                expected[expect] += 1
            sent += 1
        await writer.drain()  # type: ignore[union-attr]
        deadline = time.monotonic() + 60
        while any(protocol.answers[k] < n for k, n in expected.items()):
            assert server.returncode is None, f"the daemon died ({server.returncode}): {b''.join(stderr[-20:]).decode()}"
            assert time.monotonic() < deadline, f"unanswered after {sent}: {[k for k, n in expected.items() if protocol.answers[k] < n][:10]}"
            await asyncio.sleep(0.005)
        max_rss = max(max_rss, rss_kb(server.pid))
    last = await asyncio.wait_for(protocol.send_request_async("heatlens/runs", {"limit": 1}, msg_id="after"), 60)
    await asyncio.sleep(0.5)  # anything answered twice or unasked arrives by now
    answers = dict(protocol.answers)
    await asyncio.wait_for(protocol.send_request_async("shutdown", None), 60)
    protocol.notify("exit")
    code = await asyncio.wait_for(server.wait(), 60)
    await draining
    client._stop_event.set()
    return {"sent": sent, "pygls": through_pygls, "expected": expected, "answers": answers, "last": last, "exit": code,
            "base_rss": base_rss, "max_rss": max_rss, "bad": protocol.bad, "stderr": b"".join(stderr).decode(errors="replace")}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/<pid>/status")
def test_every_request_answered_once_and_memory_bounded(tmp_path: Path) -> None:
    started = time.monotonic()
    quiet = logging.getLogger("pygls")  # the client side warns for each answer to an id it did not send itself
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        out = asyncio.run(fuzz(tmp_path))
    finally:
        quiet.setLevel(level)
    answers, expected = out["answers"], out["expected"]
    for own in ("init", "after"):  # initialize, and the request after the storm
        assert answers.pop(json.dumps(own)) == 1
    assert out["sent"] >= N and out["pygls"] > N // 10
    assert {k: answers.get(k, 0) for k in expected} == dict(expected), "a request was answered other than once"
    assert set(answers) <= set(expected), f"answers to ids never sent: {sorted(set(answers) - set(expected))[:10]}"
    assert out["bad"] == []
    assert out["exit"] == 0
    tracebacks = [chunk[:1500] for chunk in out["stderr"].split("Traceback")[1:]]
    assert not tracebacks, f"{len(tracebacks)} tracebacks, the first: {tracebacks[0]}"
    assert out["max_rss"] - out["base_rss"] < RSS_GROWTH_LIMIT_KB, (out["base_rss"], out["max_rss"])
    print(f"\nwire fuzz: {out['sent']} messages ({out['pygls']} through pygls' request API), "
          f"{sum(answers.values())} answers ({answers.get(NULL, 0)} with id null) to "
          f"{sum(expected.values())} expected, RSS {out['base_rss'] // 1024} -> max {out['max_rss'] // 1024} MiB, "
          f"{time.monotonic() - started:.1f} s")
