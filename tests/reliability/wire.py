"""A bare LSP client over the daemon's stdio with its own framing, so tests can also send broken frames."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from typing import Any, Dict, List, Optional

SERVER = [sys.executable, "-m", "heatlens", "serve", "--log-level", "WARNING"]


def frame(body: bytes, length: Optional[int] = None) -> bytes:
    """One message: the header (Content-Length = `length`, default the true one) and the body."""
    return b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length) + body


def hashable(rid: Any) -> Any:
    """A response's id as a key: a server that echoed an object or list id must not kill the reader."""
    return json.dumps(rid, sort_keys=True) if isinstance(rid, (dict, list)) else rid


class Wire:
    """`heatlens serve` as a subprocess; a reader thread collects every framed message it writes."""

    def __init__(self, cwd: str, env: Optional[Dict[str, str]] = None, stderr: Any = subprocess.DEVNULL):
        self.proc = subprocess.Popen(SERVER, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
        self.inbox: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.responses: Dict[Any, Dict[str, Any]] = {}
        self.notifications: List[Dict[str, Any]] = []
        self.garbage: List[bytes] = []  # bodies that were not JSON (must stay empty)
        self.answers: List[Dict[str, Any]] = []  # every response in arrival order (to count them per id)
        self._next = 0
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii", "replace").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            body = out.read(length or 0)
            try:
                msg = json.loads(body)
            except ValueError:
                self.garbage.append(body)
                continue
            with self._lock:
                if "method" not in msg:  # a response (an error about an unreadable id may carry none)
                    self.responses[hashable(msg.get("id"))] = msg
                    self.answers.append(msg)
                elif "id" in msg:  # a request from the server (progress create, refresh, configuration)
                    self._answer_server_request(msg)
                else:
                    self.notifications.append(msg)

    def _answer_server_request(self, msg: Dict[str, Any]) -> None:
        self.write_raw(frame(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": None}).encode()))

    def write_raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, msg: Dict[str, Any]) -> None:
        self.write_raw(frame(json.dumps(msg).encode()))

    def new_id(self) -> int:
        with self._lock:
            self._next += 1
            return self._next

    def request(self, method: str, params: Any = None, id: Any = None) -> Any:
        """Send a request; returns its id."""
        rid = self.new_id() if id is None else id
        msg: Dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return rid

    def notify(self, method: str, params: Any = None) -> None:
        msg: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def wait(self, rid: Any, timeout: float = 60) -> Dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if hashable(rid) in self.responses:
                    return self.responses.pop(hashable(rid))
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited ({self.proc.returncode}) before answering {rid!r}")
            time.sleep(0.005)
        raise AssertionError(f"no answer to request {rid!r} within {timeout} s")

    def call(self, method: str, params: Any = None, timeout: float = 60) -> Dict[str, Any]:
        return self.wait(self.request(method, params), timeout)

    def initialize(self, root: str, options: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        uri = "file://" + root
        caps = {"window": {"workDoneProgress": True}}
        answer = self.call("initialize", {"processId": os.getpid(), "rootUri": uri, "capabilities": caps,
                                          "initializationOptions": options or {}})
        self.notify("initialized", {})
        return answer

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self, timeout: float = 20) -> Optional[int]:
        """shutdown + exit if it still runs; kill it if it does not end; its exit status."""
        if self.alive():
            try:
                self.call("shutdown", None, timeout=timeout)
                self.notify("exit")
            except (AssertionError, OSError):
                pass
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
        finally:
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    if f is not None:
                        f.close()
                except OSError:
                    pass
