"""`heatlens serve --tcp`: nothing is served without this launch's token (a 0600 file in a 0700 folder named
on stderr), HTTP-shaped requests (a web page posting to localhost) are refused, one client at a time, and a
client that goes away leaves the daemon serving the next one."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest

from heatlens.lsp.tcp import TOKEN_KEY, authorize
from heatlens_reliability import wire  # type: ignore[import-not-found]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _initialize(token: Optional[str], rid: int = 1) -> Dict[str, Any]:
    options = {TOKEN_KEY: token} if token is not None else {}
    return {"jsonrpc": "2.0", "id": rid, "method": "initialize",
            "params": {"processId": None, "rootUri": None, "capabilities": {}, "initializationOptions": options}}


class Conn:
    """A raw socket LSP client (its own framing, to send anything)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def send(self, message: Dict[str, Any]) -> None:
        self.sock.sendall(wire.frame(json.dumps(message).encode()))

    def read(self) -> Optional[Dict[str, Any]]:
        """The next message, or None when the daemon closed the connection."""
        while b"\r\n\r\n" not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:  # closed with our unread frames in its buffer
                return None
            if not chunk:
                return None
            self.buf += chunk
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
        while len(rest) < length:
            chunk = self.sock.recv(65536)
            assert chunk, "closed inside a frame"
            rest += chunk
        self.buf = rest[length:]
        return json.loads(rest[:length])  # type: ignore[no-any-return]

    def answer(self, rid: Any) -> Dict[str, Any]:
        while True:
            msg = self.read()
            assert msg is not None, f"closed before answering {rid!r}"
            if msg.get("id") == rid and "method" not in msg:
                return msg

    def closed(self) -> bool:
        """True when the daemon closes the connection (answers before that are skipped)."""
        try:
            while self.read() is not None:
                pass
            return True
        except socket.timeout:
            return False

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[subprocess.Popen, int, str, Path]]:
    root = tmp_path_factory.mktemp("tcp")
    port = _free_port()
    env = {**os.environ, "XDG_RUNTIME_DIR": ""}  # the temp folder, cleaned with the test's
    env["TMPDIR"] = str(root)
    proc = subprocess.Popen([sys.executable, "-m", "heatlens", "serve", "--tcp", "--port", str(port), "--log-level", "INFO"],
                            cwd=str(root), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    path = ""
    deadline = time.monotonic() + 60
    while not path:
        assert time.monotonic() < deadline and proc.poll() is None, "no token file was named on stderr"
        line = proc.stderr.readline().decode()
        if "token file " in line:
            path = line.split("token file ", 1)[1].strip()
    token = Path(path).read_text().strip()
    while True:  # listening
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "never listened"
            time.sleep(0.1)
    proc.root = root  # type: ignore[attr-defined]
    yield proc, port, token, Path(path)
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    proc.stderr.close()


def test_the_token_file_is_private_and_random(daemon: Any) -> None:
    _, _, token, path = daemon
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.stat().st_uid == os.getuid() and len(token) >= 32


@pytest.mark.parametrize("first", [
    _initialize(None), _initialize("wrong"), _initialize(""),
    {"jsonrpc": "2.0", "id": 1, "method": "heatlens/profile", "params": {"code": "open('RAN', 'w').write('x')"}},
    {"jsonrpc": "2.0", "id": 1, "method": "heatlens/runs", "params": {}},
])
def test_nothing_is_served_without_the_token(daemon: Any, first: Dict[str, Any]) -> None:
    proc, port, _, _ = daemon
    conn = Conn(port)
    try:
        conn.send(first)
        conn.send({"jsonrpc": "2.0", "id": 2, "method": "heatlens/runs", "params": {}})
        reply = conn.read()
        assert reply is None or ("error" in reply and "result" not in reply), reply
        assert conn.closed()
    finally:
        conn.close()
    time.sleep(0.5)
    assert not (proc.root / "RAN").exists()  # heatlens/profile {code} ran nothing
    assert proc.poll() is None


def test_an_http_post_is_refused_even_with_the_token(daemon: Any) -> None:
    """What a web page's fetch('http://127.0.0.1:PORT', {method: 'POST', body}) sends."""
    proc, port, token, _ = daemon
    body = json.dumps(_initialize(token)).encode()
    request = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nOrigin: http://evil.example\r\nContent-Type: text/plain\r\n"
               b"Content-Length: %d\r\n\r\n" % (port, len(body)) + body)
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        sock.sendall(request)
        try:
            reply = sock.recv(65536)
        except ConnectionResetError:
            reply = b""
        assert reply == b""  # closed, nothing answered
    finally:
        sock.close()
    assert proc.poll() is None


def test_one_client_at_a_time_and_a_closed_client_leaves_the_daemon_running(daemon: Any) -> None:
    proc, port, token, _ = daemon
    for _round in range(2):  # the second round: after the first client closed its socket
        first = Conn(port)
        try:
            first.send(_initialize(token))
            assert first.answer(1)["result"]["serverInfo"]["name"] == "heatlens"
            first.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
            intruder = Conn(port)  # with the token even: the output stays with the first client
            intruder.send(_initialize(token, rid=7))
            assert intruder.closed()
            intruder.close()
            first.send({"jsonrpc": "2.0", "id": 2, "method": "heatlens/runs", "params": {}})
            assert "result" in first.answer(2)
        finally:
            first.close()
        time.sleep(0.5)
        assert proc.poll() is None, "closing a client stopped the daemon"


def test_exit_ends_the_session_not_the_daemon(daemon: Any) -> None:
    proc, port, token, _ = daemon
    conn = Conn(port)
    try:
        conn.send(_initialize(token))
        conn.answer(1)
        conn.send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        assert conn.answer(2)["result"] is None
        conn.send({"jsonrpc": "2.0", "method": "exit"})
        assert conn.closed()
    finally:
        conn.close()
    again = Conn(port)
    try:
        again.send(_initialize(token))
        again.answer(1)
        again.send({"jsonrpc": "2.0", "id": 2, "method": "heatlens/runs", "params": {}})
        assert "result" in again.answer(2)  # a new session: not "after shutdown"
    finally:
        again.close()
    assert proc.poll() is None


def test_the_token_check_takes_the_token_out_of_the_settings() -> None:
    msg = _initialize("s3cret")
    msg["params"]["initializationOptions"]["backend"] = "agent"
    assert authorize(msg, "s3cret")
    assert msg["params"]["initializationOptions"] == {"backend": "agent"}
    assert not authorize(_initialize("s3cret"), "other")
    assert not authorize({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": [TOKEN_KEY]}, "s3cret")
    assert not authorize([1, 2], "s3cret")


def test_the_token_file_goes_with_the_daemon(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "XDG_RUNTIME_DIR": "", "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "heatlens", "serve", "--tcp", "--port", str(port)], cwd=str(tmp_path),
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    line = b""
    while b"token file " not in line:
        line = proc.stderr.readline()
        assert line, "no token file named"
    path = Path(line.decode().split("token file ", 1)[1].strip())
    assert path.exists() and path.parent.parent == tmp_path
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    proc.stderr.close()
    assert not path.parent.exists()
