"""LSP base-protocol framing (`Content-Length` headers, then the body), read defensively.

pygls' own loop took only `Content-Length: N\\r\\n` spelled exactly so, believed any N (one header of 2^63
bytes killed the daemon with OverflowError or MemoryError) and read lines without bound. Here a header is
case-insensitive, a frame is at most MAX_FRAME bytes (a larger one is reported and skipped by resyncing on
the next header), lines are capped, and an HTTP request line is recognized so that a TCP connection that a
web page opened can be refused.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, AsyncIterator, BinaryIO, Optional, Union

import attrs

MAX_FRAME = 64 * 1024 * 1024  # bytes of one message body; larger frames are answered with an error and skipped
MAX_LINE = 64 * 1024  # a header line longer than this is garbage, read and dropped in pieces of this size

_LENGTH = re.compile(rb"content-length[ \t]*:[ \t]*([0-9]+)[ \t]*\r?\n?", re.IGNORECASE)
_HTTP = re.compile(rb"[A-Z]{3,10} [!-~]+ HTTP/[0-9.]+\r?\n?")
_HTTP_HEADERS = (b"host:", b"origin:", b"user-agent:", b"referer:", b"upgrade:", b"cookie:", b"sec-fetch-")


@attrs.frozen
class Frame:
    body: bytes


@attrs.frozen
class Oversized:
    """A header announced more than MAX_FRAME bytes: its body was not read (the stream resyncs)."""

    length: int


@attrs.frozen
class HttpRequest:
    """An HTTP request line or header: a browser or an HTTP client, never an LSP client."""

    line: bytes


Event = Union[Frame, Oversized, HttpRequest]


def content_length(line: bytes) -> Optional[int]:
    """N of a `Content-Length: N` header line in any letter case, else None. Bytes before the header are
    cut off: after a frame with a wrong length the next header follows leftover bytes on its line."""
    at = line.lower().find(b"content-length")
    if at < 0:
        return None
    match = _LENGTH.fullmatch(line[at:])
    if not match:
        return None
    digits = match.group(1)
    return int(digits) if len(digits) <= 20 else 10**20  # int() refuses over 4,300 digits: just "too large"


def is_http(line: bytes) -> bool:
    """A request line (`POST / HTTP/1.1`) or a header only browsers and HTTP clients send."""
    return bool(_HTTP.fullmatch(line)) or line.lower().startswith(_HTTP_HEADERS)


class StdinReader:
    """Blocking stdin read in a worker thread (as pygls does), each line capped at MAX_LINE."""

    def __init__(self, raw: BinaryIO, executor: Any = None) -> None:  # an Executor, or transport.DaemonThread
        self.raw, self.executor = raw, executor

    async def readline(self) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self.raw.readline, MAX_LINE)

    async def readexactly(self, n: int) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self.raw.read, n)


class SocketReader:
    """An asyncio stream with the same capped `readline` (asyncio raises on a line over its limit)."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.stream = stream

    async def readline(self) -> bytes:
        try:
            return await self.stream.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:  # end of stream: whatever came last
            return exc.partial
        except asyncio.LimitOverrunError:
            return await self.stream.read(MAX_LINE)

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self.stream.readexactly(n)
        except asyncio.IncompleteReadError:
            return b""


Reader = Union[StdinReader, SocketReader]


async def frames(reader: Reader, max_frame: int = MAX_FRAME) -> AsyncIterator[Event]:
    """Every frame of the stream until it ends. Lines that are no header are skipped (resync)."""
    length: Optional[int] = None
    while True:
        line = await reader.readline()
        if not line:
            return
        if length is None and is_http(line):
            yield HttpRequest(line)
            continue
        if length is None:
            length = content_length(line)
            if length is not None and length > max_frame:
                yield Oversized(length)
                length = None  # its body is read as lines and dropped until the next header
            continue
        if line.strip():
            continue  # another header (Content-Type)
        body = await reader.readexactly(length) if length else b""
        if length and len(body) < length:
            return  # the stream ended inside the body
        length = None
        yield Frame(body)
