"""`heatlens serve`: stdio by default; `--tcp` listens on 127.0.0.1 only; logs go to stderr, pygls at WARN."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
from pathlib import Path
import sys
import time
from typing import Any, Dict, List

import psutil

from heatlens.commands.serve import setup_logging


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _frame(message: Dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _read(sock: socket.socket) -> Dict[str, Any]:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
    while len(rest) < length:
        rest += sock.recv(4096)
    return json.loads(rest[:length])  # type: ignore[no-any-return]


INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}}


def test_stdio_answers_initialize() -> None:
    proc = subprocess.run([sys.executable, "-m", "heatlens", "serve"], input=_frame(INITIALIZE) + _frame(
        {"jsonrpc": "2.0", "method": "exit"}), capture_output=True, timeout=60)
    body = proc.stdout.split(b"\r\n\r\n", 1)[1]
    reply = json.loads(body[: int(proc.stdout.split(b"\r\n")[0].split(b":")[1])])
    assert reply["result"]["serverInfo"]["name"] == "heatlens"
    caps = reply["result"]["capabilities"]
    assert caps["codeLensProvider"] and caps["hoverProvider"] and caps["inlayHintProvider"]
    assert "heatlens.profileFile" in caps["executeCommandProvider"]["commands"]
    assert b"Sending data" not in proc.stderr  # pygls' per-message logging is off


def test_tcp_listens_on_loopback_only() -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "heatlens", "serve", "--tcp", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        listening: List[Any] = []
        while not listening:
            assert time.monotonic() < deadline and proc.poll() is None, "server did not listen"
            time.sleep(0.1)
            listening = [c for c in psutil.Process(proc.pid).net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
        assert [(c.laddr.ip, c.laddr.port) for c in listening] == [("127.0.0.1", port)]
        token_line = next(line for line in proc.stderr if "token file" in line)  # the per-launch secret
        token = Path(token_line.split("token file", 1)[1].strip()).read_text().strip()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(_frame({**INITIALIZE, "params": {**INITIALIZE["params"], "initializationOptions": {"token": token}}}))
            assert _read(sock)["result"]["serverInfo"]["name"] == "heatlens"
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_logging_setup_quiets_pygls() -> None:
    setup_logging("INFO")
    assert logging.getLogger("pygls.protocol").getEffectiveLevel() == logging.WARNING
