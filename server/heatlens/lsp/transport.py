"""The daemon's read loop, for stdio and for one TCP connection, in place of pygls' `run_async`.

pygls decoded each body with `json.loads(object_hook=structure_message)`, which made every nested object
with a "jsonrpc" key a message (the request itself was dropped, or an id the client never sent was
answered), and trusted any Content-Length. Here framing.py reads frames within limits and the protocol
class (jsonrpc.py) handles each body once, as one message.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
from typing import Any, BinaryIO, Optional

from pygls.io_ import StdoutWriter

from heatlens.lsp import envelope
from heatlens.lsp.framing import MAX_FRAME, Frame, HttpRequest, Oversized, Reader, StdinReader, frames
from heatlens.lsp.jsonrpc import HeatlensProtocol

log = logging.getLogger(__name__)


def exit_code(exc: SystemExit) -> int:
    return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)


def too_large(length: int, limit: int = MAX_FRAME) -> envelope.Rejection:
    return envelope.Rejection(envelope.INVALID_REQUEST, f"Invalid Request: a message of {length} bytes exceeds the "
                                                        f"limit of {limit} bytes; skipped")


async def serve_stream(reader: Reader, protocol: HeatlensProtocol, first: Optional[Frame] = None,
                       refuse_http: bool = False) -> Optional[int]:
    """Handle every frame (after `first`, already read) until the stream ends (None), `exit` (its exit
    code: 0 after `shutdown`, else 1), or, with `refuse_http`, an HTTP request (None)."""
    pending = [first] if first is not None else []
    events = frames(reader)
    while True:
        event = pending.pop() if pending else await _next(events)
        if event is None:
            return None
        if isinstance(event, HttpRequest):
            if refuse_http:
                log.warning("refused an HTTP request on the LSP port: %r", event.line[:80])
                return None
            continue
        if isinstance(event, Oversized):
            protocol.reject(too_large(event.length), None)
            continue
        try:
            protocol.handle_body(event.body)
        except SystemExit as exc:  # `exit`: pygls' handler closed the writer and raised it (0 or 1)
            if exit_code(exc) not in (0, 1):
                raise  # a signal (serve.py raises 128 + signum): the daemon stops, not only this session
            return exit_code(exc)
        except Exception:  # a bug in handling one message must not end the session
            log.exception("handling a message failed")


async def _next(events: Any) -> Any:
    try:  # anext() is Python 3.10+
        return await events.__anext__()
    except StopAsyncIteration:
        return None


class DaemonThread:
    """An executor of one daemon thread for the blocking stdin reads: a read blocked for good (a client
    that keeps stdin open after `exit`) must never hold up the interpreter's exit, as a pool's would."""

    def __init__(self) -> None:
        self._jobs: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        threading.Thread(target=self._work, name="heatlens-stdin", daemon=True).start()

    def submit(self, fn: Any, *args: Any) -> "concurrent.futures.Future[Any]":
        future: "concurrent.futures.Future[Any]" = concurrent.futures.Future()
        self._jobs.put((future, fn, args))
        return future

    def _work(self) -> None:
        while True:
            future, fn, args = self._jobs.get()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as exc:
                    future.set_exception(exc)


def run_stdio(server: Any, stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Serve one client on stdin/stdout until `exit` or the end of stdin; the exit code."""
    server._stop_event = threading.Event()  # pygls' shutdown() sets it
    server.protocol.set_writer(StdoutWriter(stdout))
    reader = StdinReader(stdin, DaemonThread())
    code: Optional[int] = None
    try:
        code = asyncio.run(serve_stream(reader, server.protocol))
    except BrokenPipeError:
        log.error("the client closed its end: stopping")
    finally:
        server.shutdown()
    return code or 0
