"""The exception-heavy loop gets a hover: a real daemon profiles a program that raises and catches
KeyError on one line 300,000 times, and the hover of that line says so. On Python < 3.12 this needs the
`exceptions` setting (the agent's trace hook); without it the hover has no such row."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp

PROG = '''d = {}


def lookup_all(keys):
    found = 0
    for k in keys:
        try:
            found += d[k]  # MANY
        except KeyError:
            found -= 1
    return found


lookup_all(range(300_000))
'''


async def _hover_of_many(spawn: Any, root: Path, options: dict) -> str:
    root.mkdir(parents=True)
    path = root / "raises.py"
    path.write_text(PROG)
    client = await spawn(root, {"backend": "agent", **options})
    uri = client.open(path)
    run = await client.profile(uri=uri)
    assert run.failure.kind == "ok", run
    line = client.line_of(path, "# MANY")
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=line, character=12)))
    return "" if hover is None else str(hover.contents.value)


async def test_exception_heavy_line_hover_with_the_option(spawn: Any, tmp_path: Path) -> None:
    text = await _hover_of_many(spawn, tmp_path / "ws", {"exceptions": True})
    assert "| raised | `KeyError` ×300,000 |" in text, text


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12+ counts raised exceptions without the option")
async def test_without_the_option_no_raised_row_before_312(spawn: Any, tmp_path: Path) -> None:
    text = await _hover_of_many(spawn, tmp_path / "ws", {})
    assert "raised" not in text, text
