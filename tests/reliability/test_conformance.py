"""JSON-RPC 2.0 and LSP conformance of `heatlens serve` where pygls alone falls short: nested objects that
look like messages, frames too large to hold, the life cycle (before `initialize`, after `shutdown`,
`exit`), odd ids and envelopes, arguments that used to end in a traceback."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

from heatlens_reliability import wire  # type: ignore[import-not-found]

frame = wire.frame


def next_answer(w: Any, start: int, timeout: float = 30) -> Dict[str, Any]:
    deadline = time.monotonic() + timeout
    while len(w.answers) <= start:
        assert w.alive() and time.monotonic() < deadline, "no answer"
        time.sleep(0.005)
    return w.answers[start]


def assert_error(answer: Dict[str, Any], rid: Any, code: int) -> None:
    assert answer.get("id") == rid and "result" not in answer, answer
    assert answer["error"]["code"] == code and answer["error"]["message"], answer
    assert "data" not in answer["error"], answer  # no traceback in an answer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("conformance")
    log = open(root / "stderr.log", "wb")
    w = wire.Wire(str(root), stderr=log)
    w.log = root / "stderr.log"
    w.initialize(str(root), {"backend": "agent"})
    yield w
    w.close()
    log.close()


def runs(w: Any) -> Dict[str, Any]:
    return w.call("heatlens/runs", {"limit": 1})


def test_nested_jsonrpc_objects_are_params_not_messages(server: Any) -> None:
    rid = server.request("heatlens/runs", {"limit": 1, "x": {"jsonrpc": "2.0"}})
    assert "result" in server.wait(rid, timeout=20)
    start = len(server.answers)
    inner = {"jsonrpc": "2.0", "id": 424242, "method": "heatlens/runs", "params": {}}
    rid = server.request("heatlens/runs", {"limit": 1, "deeper": [{"a": inner}], "x": inner})
    assert "result" in server.wait(rid, timeout=20)
    assert "result" in runs(server)
    assert [a["id"] for a in server.answers[start:]] == [rid, server._next]  # never the inner id 424242


@pytest.mark.parametrize("length", [30_000_000_000, 2**63, 10**40, 64 * 1024 * 1024 + 1])
def test_a_huge_content_length_is_answered_and_skipped(server: Any, length: int) -> None:
    start = len(server.answers)
    server.write_raw(b"Content-Length: %d\r\n\r\n" % length + b'{"jsonrpc": "2.0", "id": "lost"}')
    assert_error(next_answer(server, start), None, -32600)
    assert "result" in runs(server)


def test_a_lowercase_content_length_header_is_read(server: Any) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": "lower", "method": "heatlens/runs", "params": {}}).encode()
    server.write_raw(b"content-length: %d\r\ncontent-type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" % len(body) + body)
    assert "result" in server.wait("lower", timeout=20)


@pytest.mark.parametrize("message,rid", [
    ({"jsonrpc": "1.0", "id": 31, "method": "heatlens/runs"}, 31),
    ({"id": 32, "method": "heatlens/runs"}, 32),
    ({"jsonrpc": "2.0", "id": {"a": 1}, "method": "heatlens/runs"}, None),
    ({"jsonrpc": "2.0", "id": [1], "method": "heatlens/runs"}, None),
    ({"jsonrpc": "2.0", "id": 1.5, "method": "heatlens/runs"}, None),
    ({"jsonrpc": "2.0", "id": True, "method": "heatlens/runs"}, None),
    ({"jsonrpc": "2.0", "id": None, "method": "heatlens/runs"}, None),
    ({"jsonrpc": "2.0", "id": 33, "method": ["heatlens/runs"]}, 33),
])
def test_invalid_envelopes_get_invalid_request(server: Any, message: Dict[str, Any], rid: Any) -> None:
    start = len(server.answers)
    server.send(message)
    assert_error(next_answer(server, start), rid, -32600)
    assert "result" in runs(server)


def test_deep_nesting_is_an_invalid_request(server: Any) -> None:
    for body in (b"[" * 100_000 + b"]" * 100_000,
                 b'{"jsonrpc": "2.0", "id": 5, "method": "heatlens/runs", "params": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001):
        start = len(server.answers)
        server.write_raw(frame(body))
        assert_error(next_answer(server, start), None, -32600)
    rid = server.request("heatlens/runs", {"x": json.loads("[" * 500 + "]" * 500)})
    assert "result" in server.wait(rid) or "error" in server.wait(rid)
    assert "result" in runs(server)


@pytest.mark.parametrize("method,params", [
    ("workspace/executeCommand", {"command": "heatlens.applyFix", "arguments": [1, None]}),
    ("workspace/executeCommand", {"command": "heatlens.applyFix", "arguments": [{"a": []}, 2**70, "x", None]}),
    ("heatlens/history", {"limit": 2**63}),
    ("heatlens/runs", {"limit": -2**63}),
    ("heatlens/history", {"limit": True}),
    ("heatlens/clear", {"uri": "file:///tmp/\ud800.py"}),
    ("textDocument/hover", {"textDocument": {"uri": "file:///\udfff"}, "position": {"line": 0, "character": 0}}),
])
def test_bad_arguments_answer_invalid_params_without_a_traceback(server: Any, method: str, params: Any) -> None:
    rid = server.request(method, params)
    assert_error(server.wait(rid, timeout=20), rid, -32602)


def test_an_invalid_message_logs_one_line(server: Any) -> None:
    before = server.log.read_bytes()
    server.request("workspace/executeCommand", {"command": "heatlens.applyFix", "arguments": [1, None]})
    server.request("textDocument/hover", {"textDocument": 5})
    server.send({"jsonrpc": "2.0", "id": {"x": 1}, "method": "initialized"})
    server.write_raw(frame(b"{nope"))
    assert "result" in runs(server)
    time.sleep(0.2)
    added = server.log.read_bytes()[len(before):].decode()
    assert "Traceback" not in added, added
    assert 4 <= len(added.splitlines()) <= 8, added


def fresh(tmp_path: Path) -> Any:
    w = wire.Wire(str(tmp_path))
    w.root = tmp_path
    return w


def test_requests_before_initialize_get_server_not_initialized(tmp_path: Path) -> None:
    w = fresh(tmp_path)
    try:
        rid = w.request("heatlens/runs", {"limit": 1})
        assert_error(w.wait(rid, timeout=60), rid, -32002)
        w.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///x.py", "languageId": "python", "version": 1, "text": ""}})
        assert "result" in w.initialize(str(tmp_path))
        assert "result" in runs(w)
    finally:
        w.close()


def test_after_shutdown_requests_are_invalid_and_exit_is_zero(tmp_path: Path) -> None:
    w = fresh(tmp_path)
    try:
        w.initialize(str(tmp_path))
        assert w.call("shutdown", None)["result"] is None
        rid = w.request("heatlens/runs", {"limit": 1})
        assert_error(w.wait(rid), rid, -32600)
        w.notify("exit")
        assert w.proc.wait(30) == 0
    finally:
        w.close()


def test_exit_without_shutdown_is_one(tmp_path: Path) -> None:
    w = fresh(tmp_path)
    try:
        w.initialize(str(tmp_path))
        w.notify("exit")  # stdin stays open: the daemon must not wait for it
        assert w.proc.wait(30) == 1
    finally:
        w.close()
