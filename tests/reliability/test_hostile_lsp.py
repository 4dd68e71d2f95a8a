"""Hostile LSP traffic against `heatlens serve` over raw stdio: broken frames, bad params, storms,
requests during a profile, and the daemon stopped in every way while a target runs."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

from heatlens_reliability import (  # type: ignore[import-not-found]
    MARKER_VAR, MISBEHAVING, assert_nothing_left, marked_processes, new_marker, wire,
)

frame = wire.frame


def file_uri(path: Path) -> str:
    from pygls.uris import from_fs_path

    return str(from_fs_path(str(path)))


def assert_error(answer: Dict[str, Any], rid: Any, code: Any = None) -> None:
    """A JSON-RPC error response: the same id, an integer code and a message."""
    assert answer.get("id") == rid, answer
    assert "result" not in answer, answer
    err = answer["error"]
    assert isinstance(err["code"], int) and isinstance(err["message"], str) and err["message"], answer
    if code is not None:
        assert err["code"] == code, answer


def assert_answered(answer: Dict[str, Any], rid: Any) -> None:
    assert answer.get("id") == rid, answer
    assert ("result" in answer) != ("error" in answer), answer
    if "error" in answer:
        assert_error(answer, rid)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("hostile")
    (root / "prog.py").write_text("def work(n):\n    s = 0\n    for i in range(n):\n        s += i * i\n    return s\n\n\nwork(300000)\n")
    w = wire.Wire(str(root))
    w.root = root
    w.initialize(str(root), {"backend": "agent"})
    yield w
    w.close()


def probe(w: Any, tries: int = 4) -> int:
    """Send cheap requests until one is answered; how many it took (a lost frame may eat one or two)."""
    for n in range(1, tries + 1):
        rid = w.request("heatlens/runs", {"limit": 1})
        try:
            assert_answered(w.wait(rid, timeout=10), rid)
            return n
        except AssertionError:
            assert w.alive(), "the server died"
    raise AssertionError(f"no answer after {tries} requests: the stream never resynchronized")


def test_malformed_json_and_non_objects(server: Any) -> None:
    for body in (b"{not json", b"\xff\xfe\x00garbage", b"[1, 2, 3]", b"42", b"null", b'"text"',
                 b'{"jsonrpc": "2.0", "id": 5}', b'{"jsonrpc": "2.0", "method": 7}', b"{}"):
        server.write_raw(frame(body))
    assert probe(server) == 1
    assert server.garbage == []


def next_answer(w: Any, start: int, timeout: float = 30) -> Dict[str, Any]:
    """The first response that arrived after the `start`-th one."""
    deadline = time.monotonic() + timeout
    while len(w.answers) <= start:
        assert w.alive() and time.monotonic() < deadline, "no answer"
        time.sleep(0.005)
    return w.answers[start]


@pytest.mark.parametrize("body,code", [
    (b"{not json", -32700), (b"\xff\xfe\x00garbage", -32700), (b'{"jsonrpc": "2.0", "id": 9, "method": "heatlens/runs"', -32700),
    (b"[1, 2, 3]", -32600), (b"42", -32600), (b"{}", -32600),
])
def test_unreadable_bodies_get_an_error_with_id_null(server: Any, body: bytes, code: int) -> None:
    """JSON-RPC 2.0 §5: a parse error or an invalid request whose id cannot be known is answered with id null."""
    start = len(server.answers)
    server.write_raw(frame(body))
    answer = next_answer(server, start)
    assert "id" in answer and answer["id"] is None, answer
    assert_error(answer, None, code)
    assert not [n for n in server.notifications if n.get("method") == "window/showMessage"]  # no popup per bad message
    assert probe(server) == 1


def test_a_request_for_a_notification_method_is_answered_and_a_bad_notification_is_not(server: Any) -> None:
    rid = server.request("initialized", {})
    assert_error(server.wait(rid), rid, -32600)
    start = len(server.answers)
    server.notify("textDocument/didOpen", 5)  # notifications are never answered, not even with an error
    server.notify("heatlens/runs", {"limit": 1})
    assert probe(server) == 1
    assert [a["id"] for a in server.answers[start:]] == [server._next]


@pytest.mark.parametrize("delta", [-7, +9])
def test_wrong_content_length_costs_a_frame_not_the_session(server: Any, delta: int) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": "lost", "method": "heatlens/runs", "params": {}}).encode()
    server.write_raw(frame(body, len(body) + delta))
    assert probe(server) <= 2
    assert server.alive()


def test_unknown_methods(server: Any) -> None:
    for method in ("heatlens/doesNotExist", "foo", "textDocument/notAThing", ""):
        rid = server.request(method, {})
        assert_error(server.wait(rid), rid, -32601)
    server.notify("heatlens/unknownNotification", {"x": 1})
    server.notify("$/unknown", None)
    assert probe(server) == 1


@pytest.mark.parametrize("method,params", [
    ("textDocument/hover", {"textDocument": 5, "position": {"line": 0, "character": 0}}),
    ("textDocument/hover", {"textDocument": {"uri": "file:///x.py"}, "position": {"line": "zero", "character": 0}}),
    ("textDocument/hover", {"textDocument": {"uri": "file:///x.py"}, "position": {"line": -1, "character": 0}}),
    ("textDocument/codeLens", [1, 2, 3]),
    ("textDocument/inlayHint", {"textDocument": {"uri": "file:///x.py"}}),
    ("heatlens/profile", {"uri": 5}),
    ("heatlens/profile", {"timeout": "soon", "code": "pass"}),
    ("heatlens/profile", {"uri": "https://example.com/x.py"}),
    ("heatlens/profile", {}),
    ("heatlens/report", {"runId": "abc"}),
    ("heatlens/report", {"kind": "nonsense"}),
    ("heatlens/clear", {"uri": 12}),
    ("heatlens/runs", {"limit": {"a": 1}}),
    ("workspace/executeCommand", {"command": "heatlens.profileFile", "arguments": [1, 2]}),
    ("workspace/executeCommand", {"command": "rm -rf /", "arguments": []}),
])
def test_wrong_param_types_get_an_error_with_the_same_id(server: Any, method: str, params: Any) -> None:
    rid = server.request(method, params)
    assert_error(server.wait(rid), rid)
    assert server.alive()


def test_positions_out_of_range_and_unopened_documents(server: Any) -> None:
    uri = file_uri(server.root / "prog.py")
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                             "text": (server.root / "prog.py").read_text()}})
    summary = server.call("heatlens/profile", {"uri": uri}, timeout=120)["result"]
    assert summary["failure"]["kind"] == "ok"
    big = 2**31 - 1
    for doc in (uri, file_uri(server.root / "never_opened.py"), "untitled:Untitled-1"):
        td = {"uri": doc}
        for method, params in (
            ("textDocument/hover", {"textDocument": td, "position": {"line": big, "character": big}}),
            ("textDocument/hover", {"textDocument": td, "position": {"line": 3, "character": big}}),
            ("textDocument/inlayHint", {"textDocument": td, "range": {"start": {"line": big, "character": 0},
                                                                      "end": {"line": 0, "character": 0}}}),
            ("textDocument/inlayHint", {"textDocument": td, "range": {"start": {"line": 0, "character": 0},
                                                                      "end": {"line": big, "character": big}}}),
            ("textDocument/codeLens", {"textDocument": td}),
            ("heatlens/clear", {"uri": doc}),
        ):
            rid = server.request(method, params)
            assert_answered(server.wait(rid), rid)
    server.notify("textDocument/didChange", {"textDocument": {"uri": file_uri(server.root / "never_opened.py"), "version": 3},
                                             "contentChanges": [{"text": "x = 1\n"}]})
    server.notify("textDocument/didClose", {"textDocument": {"uri": file_uri(server.root / "never_opened.py")}})
    assert probe(server) == 1


def test_a_storm_of_did_change_keeps_annotations_in_step(server: Any) -> None:
    path = server.root / "storm_prog.py"
    path.write_text((server.root / "prog.py").read_text())
    uri = file_uri(path)
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": path.read_text()}})
    summary = server.call("heatlens/profile", {"uri": uri}, timeout=120)["result"]
    assert summary["failure"]["kind"] == "ok", summary
    version = 1
    for i in range(1500):  # insert a line at the top, then delete it again: the same text every 2 changes
        version += 1
        if i % 2 == 0:
            change = {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": f"# {i}\n"}
        else:
            change = {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}, "text": ""}
        server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
    # Hover on the hot loop: the annotations followed every edit back to where they started.
    answer = server.call("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 8}})
    assert answer.get("result") is not None, answer
    deadline = time.monotonic() + 30
    heats = []
    while time.monotonic() < deadline:
        heats = [n for n in list(server.notifications) if n.get("method") == "heatlens/heat" and n["params"]["uri"] == uri]
        if heats and heats[-1]["params"].get("version") == version:
            break
        time.sleep(0.05)
    assert heats and heats[-1]["params"].get("version") == version
    assert any(line["line"] == 3 for line in heats[-1]["params"]["lines"]), heats[-1]["params"]["lines"][:5]


def start_slow_profile(w: Any, marker: str, seconds: float = 600) -> Any:
    rid = w.request("heatlens/profile", {"uri": file_uri(MISBEHAVING / "slow_steps.py"), "args": [marker, str(seconds)],
                                         "env": {MARKER_VAR: marker}, "timeout": 300, "cwd": str(w.root)})
    deadline = time.monotonic() + 60
    while not marked_processes(marker):
        assert time.monotonic() < deadline, "the target never started"
        time.sleep(0.05)
    return rid


def test_requests_during_a_profile_and_cancel(server: Any) -> None:
    marker = new_marker()
    rid = start_slow_profile(server, marker)
    for method, params in (("heatlens/runs", {"limit": 3}), ("textDocument/codeLens", {"textDocument": {"uri": file_uri(server.root / "prog.py")}}),
                           ("textDocument/hover", {"textDocument": {"uri": file_uri(server.root / "prog.py")}, "position": {"line": 3, "character": 0}})):
        r = server.request(method, params)
        assert_answered(server.wait(r, timeout=30), r)
    second = server.request("heatlens/profile", {"code": "print(1)"})
    assert_error(server.wait(second, timeout=30), second, -32803)  # one profile at a time
    assert rid not in server.responses  # still running
    cancel = server.call("heatlens/cancel", {})
    assert cancel["result"] == {"cancelled": True}
    summary = server.wait(rid, timeout=60)["result"]
    assert summary["failure"]["kind"] == "cancelled"
    assert_nothing_left(marker)


def stop_daemon(w: Any, how: str) -> None:
    if how == "shutdown+exit":
        assert w.call("shutdown", None, timeout=60).get("result", "missing") is None
        w.notify("exit")
    elif how == "exit":
        w.notify("exit")
    elif how == "stdin-closed":
        w.proc.stdin.close()
    else:
        w.proc.send_signal(getattr(signal, how))


@pytest.mark.parametrize("how", ["shutdown+exit", "exit", "stdin-closed", "SIGTERM", "SIGHUP", "SIGINT"])
def test_the_target_dies_with_the_daemon(tmp_path: Path, how: str) -> None:
    w = wire.Wire(str(tmp_path))
    w.root = tmp_path
    try:
        w.initialize(str(tmp_path), {"backend": "agent"})
        marker = new_marker()
        start_slow_profile(w, marker)
        stop_daemon(w, how)
        w.proc.wait(60)
        assert_nothing_left(marker, timeout=15)
    finally:
        if w.alive():
            w.proc.kill()
        w.close()
