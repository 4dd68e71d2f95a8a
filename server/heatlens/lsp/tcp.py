"""`heatlens serve --tcp`: one authenticated client at a time on 127.0.0.1.

Any local user (or a web page posting to localhost) can connect to a loopback port, and the daemon runs
code on request (`heatlens/profile {code}`). So each launch makes a random token, writes it to a file only
this user can read (0600, in a fresh 0700 folder), and serves a connection only after its first message,
`initialize`, carries the token as `initializationOptions.token`; anything else closes the connection.
While one client is served, others are refused; when it goes the daemon waits for the next one.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import secrets
import shutil
import tempfile
import threading
from typing import Any, Optional, Tuple

from heatlens.lsp import envelope
from heatlens.lsp.framing import MAX_LINE, Frame, HttpRequest, Oversized, SocketReader, frames
from heatlens.lsp.transport import exit_code, serve_stream

log = logging.getLogger(__name__)

TOKEN_KEY = "token"  # in initialize's initializationOptions
AUTH_TIMEOUT_S = 10.0  # a connection must authenticate within this, or it is closed


def write_token_file(base: Optional[str] = None) -> Tuple[str, str]:
    """A new random token and the path of the file holding it (0600 in a new 0700 folder under `base`,
    default $XDG_RUNTIME_DIR when it is this user's, else the temp folder)."""
    token = secrets.token_urlsafe(32)
    folder = tempfile.mkdtemp(prefix="heatlens-", dir=base or _runtime_dir())  # mkdtemp: 0700, never reused
    path = os.path.join(folder, "token")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return token, path


def remove_token_file(path: str) -> None:
    shutil.rmtree(os.path.dirname(path), ignore_errors=True)


def _runtime_dir() -> Optional[str]:
    folder = os.environ.get("XDG_RUNTIME_DIR")
    try:
        st = os.stat(folder) if folder else None
    except OSError:
        return None
    mine = st is not None and st.st_uid == getattr(os, "getuid", lambda: -1)()
    return folder if mine and st is not None and st.st_mode & 0o077 == 0 else None


def authorize(data: Any, token: str) -> bool:
    """Whether `data` is an `initialize` request with the token; the token is taken out of its options
    (it is no setting)."""
    if not isinstance(data, dict) or data.get("method") != "initialize" or not isinstance(data.get("params"), dict):
        return False
    options = data["params"].get("initializationOptions")
    given = options.pop(TOKEN_KEY, None) if isinstance(options, dict) else None
    return isinstance(given, str) and hmac.compare_digest(given.encode(), token.encode())


class NullWriter:
    """The protocol's writer between clients: what the daemon still publishes goes nowhere."""

    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


class TcpDaemon:
    def __init__(self, server: Any, token: str) -> None:
        self.server, self.token = server, token
        self.client: Optional[asyncio.StreamWriter] = None

    async def on_connect(self, stream: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.client is not None:
                log.warning("refused a second client while one is connected")
                return
            reader = SocketReader(stream)
            first = await self._authenticate(reader, writer)
            if first is None or self.client is not None:
                return
            await self._serve(reader, writer, first)
        except (ConnectionError, asyncio.TimeoutError) as exc:
            log.info("client connection ended: %s", exc)
        finally:
            writer.close()

    async def _authenticate(self, reader: SocketReader, writer: asyncio.StreamWriter) -> Optional[Frame]:
        """The first frame if it is an `initialize` with the token, re-encoded without it; else None."""
        event = await asyncio.wait_for(frames(reader).__anext__(), AUTH_TIMEOUT_S)
        if isinstance(event, (HttpRequest, Oversized)):
            log.warning("refused a connection: %s", "an HTTP request" if isinstance(event, HttpRequest) else "oversized")
            return None
        data, _ = envelope.decode(event.body)
        if not authorize(data, self.token):
            log.warning("refused a connection: its first message was no initialize with the daemon's token")
            rid = data.get("id") if isinstance(data, dict) and envelope.valid_id(data.get("id")) else None
            error = {"code": envelope.INVALID_REQUEST, "message": "heatlens: send the token of this daemon (see its "
                     "stderr) as initializationOptions.token in initialize"}
            writer.write(_frame({"jsonrpc": "2.0", "id": rid, "error": error}))
            await writer.drain()
            return None
        return Frame(json.dumps(data).encode())

    async def _serve(self, reader: SocketReader, writer: asyncio.StreamWriter, first: Frame) -> None:
        protocol = self.server.protocol
        self.client = writer
        protocol.new_session()
        protocol.set_writer(writer)
        log.info("client connected")
        try:
            code = await serve_stream(reader, protocol, first=first, refuse_http=True)
            log.info("client %s", "disconnected" if code is None else f"sent exit ({code})")
        finally:
            self.client = None
            protocol.set_writer(NullWriter())
            jobs = getattr(self.server, "jobs", None)
            if jobs is not None and jobs.current is not None:  # nobody is left to see the result
                jobs.current.cancel()


def _frame(message: Any) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def run_tcp(server: Any, host: str, port: int, token: str) -> int:
    """Serve clients one after another until a signal stops the daemon."""
    daemon = TcpDaemon(server, token)
    server._stop_event = threading.Event()
    server.protocol.set_writer(NullWriter())

    async def main() -> None:
        listener = await asyncio.start_server(daemon.on_connect, host, port, limit=2 * MAX_LINE)
        server._server = listener
        log.info("serving LSP on %s:%s", host, port)
        async with listener:
            await listener.serve_forever()

    try:
        asyncio.run(main())
    except asyncio.CancelledError:
        pass
    except SystemExit as exc:
        return exit_code(exc)
    return 0
