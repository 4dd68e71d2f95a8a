"""A big file neither exhausts the daemon's memory nor stalls its answers: opening and profiling a 5 MB
module keeps the daemon's peak RSS bounded and hovers answering; a 60k-line one still gets function
roll-ups (from the tokenizer scan, which the hover says); a normal file keeps the full LibCST index."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp

pytestmark = pytest.mark.slow

PEAK_RSS_MB = 600  # the daemon's peak for opening and profiling a big file (LibCST took ~7 GB for 5 MB)
ANSWER_WAIT = 60.0  # seconds a hover may take on a loaded machine; the old index blocked it for longer

# hot_spot reads the clock (a system call) every 4096 rounds: with one every round, the paused reads (which stop
# the program where a system call ends, docs/architecture.md) put nearly all of the loop on its `while` line
HEAD = '''import time


def decorator(**_):
    return lambda f: f


def hot_spot(seconds):
    end = time.process_time() + seconds
    n = 0
    while n % 4096 or time.process_time() < end:
        n += 1  # HOT LINE
    return n

'''
BLOCK = '''
@decorator(option={i})
def function_{i}(data, limit=10):
    total = 0
    for item in data:
        if item > limit and (item % 3 == 0
                             or item % 5 == 0):
            total += item * {i}
    return total + sum([x * 2 for x in data if x])


class Thing{i}:
    def method(self, other):
        while other:
            other = other.next
        return self.helper(
            other,
            key="value_{i}",
        )

'''
TAIL = '''

if __name__ == "__main__":
    hot_spot(1.0)
'''


def write_big(path: Path, size_bytes: int) -> None:
    parts, size, i = [HEAD], len(HEAD), 0
    while size < size_bytes:
        parts.append(BLOCK.format(i=i))
        size += len(parts[-1])
        i += 1
    parts.append(TAIL)
    path.write_text("".join(parts))


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM)."""
    with open(f"/proc/{pid}/status") as f:
        for text in f:
            if text.startswith("VmHWM:"):
                return int(text.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc/PID/status")


async def hover_at(client: Any, uri: str, line: int) -> Any:
    return await asyncio.wait_for(client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=line, character=5))), ANSWER_WAIT)


async def profile_big(client: Any, size_bytes: int) -> Any:
    """Write, open and profile a generated module of `size_bytes`; hovers answer before the run."""
    path = client.root / "big.py"
    write_big(path, size_bytes)
    uri = client.open(path)
    for line in (5, 20_000, 40_000):  # no run yet: nothing to show, but an answer
        assert await hover_at(client, uri, line) is None
    summary = await client.profile(uri=uri)
    assert summary.failure.kind == "ok", summary.failure.message
    line_hover = await hover_at(client, uri, client.line_of(path, "# HOT LINE"))
    assert line_hover is not None and "as profiled" in line_hover.contents.value
    hover = await hover_at(client, uri, client.line_of(path, "def hot_spot"))
    assert hover is not None and "`hot_spot`" in hover.contents.value
    return hover.contents.value


async def test_a_5mb_file_keeps_memory_bounded_and_hovers_answering(client: Any) -> None:
    await profile_big(client, 5_000_000)
    peak = peak_rss_mb(client._server.pid)
    assert peak < PEAK_RSS_MB, f"the daemon peaked at {peak:.0f} MB"


async def test_a_60k_line_file_gets_function_rollups_from_the_quick_scan(client: Any) -> None:
    text = await profile_big(client, 1_500_000)  # over the LibCST limit, under the 2 MB of kept sources
    assert "| samples |" in text  # rolled up from the function's lines: the scan gave it a span
    assert "quick scan" in text  # ... and the hover says the file got the cheaper index
    peak = peak_rss_mb(client._server.pid)
    assert peak < PEAK_RSS_MB, f"the daemon peaked at {peak:.0f} MB"


async def test_a_normal_file_keeps_function_rollups(client: Any) -> None:
    path = client.root / "hot.py"
    uri = client.open(path)
    assert (await client.profile(uri=uri)).failure.kind == "ok"
    hover = await hover_at(client, uri, client.line_of(path, "def hot"))
    assert hover is not None and "`hot`" in hover.contents.value and "| samples |" in hover.contents.value
    assert "quick scan" not in hover.contents.value
