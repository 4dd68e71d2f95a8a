"""framing.py on byte streams: headers in any case, frames over the limit reported and skipped without
being held in memory, garbage and HTTP recognized, the stream resynchronized on the next header."""

from __future__ import annotations

import asyncio
from typing import List

import pytest

from heatlens.lsp import framing
from heatlens.lsp.framing import Frame, HttpRequest, Oversized


def events(data: bytes, max_frame: int = framing.MAX_FRAME) -> List[object]:
    async def collect() -> List[object]:
        stream = asyncio.StreamReader(limit=2 * framing.MAX_LINE)
        stream.feed_data(data)
        stream.feed_eof()
        return [e async for e in framing.frames(framing.SocketReader(stream), max_frame)]

    return asyncio.run(collect())


def frame(body: bytes, header: bytes = b"Content-Length") -> bytes:
    return header + b": %d\r\n\r\n" % len(body) + body


@pytest.mark.parametrize("line,length", [
    (b"Content-Length: 12\r\n", 12), (b"content-length: 12\r\n", 12), (b"CONTENT-LENGTH:12\n", 12),
    (b"Content-Length: 0\r\n", 0), (b"junk}Content-Length: 7\r\n", 7), (b"Content-Length: 2\xff\r\n", None),
    (b"Content-Length: -5\r\n", None), (b"Content-Length: 5.0\r\n", None), (b"Content-Type: x\r\n", None),
    (b"Content-Length: 9223372036854775808\r\n", 2**63), (b"Content-Length: " + b"9" * 5000 + b"\r\n", 10**20),
])
def test_content_length(line: bytes, length: object) -> None:
    assert framing.content_length(line) == length


def test_headers_in_any_case_and_a_content_type() -> None:
    data = frame(b"{}", b"content-length") + b"Content-Length: 4\r\nContent-Type: application/vscode-jsonrpc\r\n\r\n[1] "
    assert events(data) == [Frame(b"{}"), Frame(b"[1] ")]


@pytest.mark.parametrize("length", [2**63, 30_000_000_000, 1025])
def test_an_oversized_frame_is_reported_and_the_next_one_read(length: int) -> None:
    body = b"x" * 1025  # what the client really sent: read as garbage lines, never held as one body
    data = b"Content-Length: %d\r\n\r\n" % length + body + frame(b'{"ok": 1}')
    assert events(data, max_frame=1024) == [Oversized(length), Frame(b'{"ok": 1}')]


def test_a_line_longer_than_the_cap_is_dropped_in_pieces() -> None:
    data = b"y" * (3 * framing.MAX_LINE + 17) + b"\r\n" + frame(b"{}")
    assert events(data) == [Frame(b"{}")]


def test_http_is_recognized() -> None:
    data = b"POST / HTTP/1.1\r\nHost: 127.0.0.1:2087\r\nContent-Length: 2\r\n\r\n{}"
    found = events(data)
    assert found[:2] == [HttpRequest(b"POST / HTTP/1.1\r\n"), HttpRequest(b"Host: 127.0.0.1:2087\r\n")]
    assert framing.is_http(b"GET /x?y HTTP/1.0\r\n") and framing.is_http(b"origin: http://a\r\n")
    assert not framing.is_http(b"Content-Length: 2\r\n") and not framing.is_http(b"\r\n")


def test_a_stream_that_ends_inside_a_body_yields_nothing() -> None:
    assert events(b"Content-Length: 10\r\n\r\n{}") == []
