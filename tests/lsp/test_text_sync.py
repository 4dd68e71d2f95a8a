"""lsp/text_sync.py: incremental changes give exactly the text and lines that pygls' own document gives,
on random edits over texts with every kind of line break and characters outside the BMP."""

from __future__ import annotations

import random

from lsprotocol import types as lsp
from pygls.workspace import PositionCodec, TextDocument, Workspace

from heatlens.lsp.text_sync import HeatlensTextDocument, HeatlensWorkspace, adopt

PIECES = ["a", "bc", "😀", "é", "\n", "\r\n", "\r", "\x0c", "\u2028", "    ", "def f():\n", "x = '🔥'\r\n"]


def _text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(n))


def _position(rng: random.Random, lines: int) -> lsp.Position:
    return lsp.Position(line=rng.randrange(lines + 2), character=rng.randrange(6))


def test_random_edits_give_pygls_text_and_lines() -> None:
    rng = random.Random(7)
    for encoding in (lsp.PositionEncodingKind.Utf16, lsp.PositionEncodingKind.Utf8, lsp.PositionEncodingKind.Utf32):
        codec = PositionCodec(encoding)
        for _ in range(150):
            source = _text(rng, rng.randrange(0, 40))
            theirs = TextDocument("file:///a.py", source, position_codec=codec)
            ours = HeatlensTextDocument("file:///a.py", source, position_codec=codec)
            for _ in range(12):
                a, b = _position(rng, len(theirs.lines)), _position(rng, len(theirs.lines))
                if (b.line, b.character) < (a.line, a.character) and rng.random() < 0.9:
                    a, b = b, a  # mostly forward ranges, some reversed
                change = lsp.TextDocumentContentChangePartial(range=lsp.Range(start=a, end=b), text=_text(rng, rng.randrange(4)))
                theirs.apply_change(change)
                ours.apply_change(change)
                assert ours.source == theirs.source
                assert tuple(ours.lines) == tuple(theirs.source.splitlines(True))


def test_lines_are_split_once_per_text_and_kept_across_an_edit() -> None:
    source = "".join(f"line {i}\n" for i in range(5000))
    doc = HeatlensTextDocument("file:///a.py", source)
    assert doc.lines is doc.lines  # pygls splits the whole text again on every access
    doc.apply_change(lsp.TextDocumentContentChangePartial(
        range=lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0)), text="# new\n"))
    assert doc._lines_of is doc.source  # the edit spliced its lines in: no split of the whole text pending
    assert doc.lines[:2] == ("# new\n", "line 0\n") and len(doc.lines) == 5001


def test_adopted_workspace_opens_fast_documents() -> None:
    workspace = Workspace(None)
    adopt(workspace)
    assert isinstance(workspace, HeatlensWorkspace)
    workspace.put_text_document(lsp.TextDocumentItem(uri="file:///a.py", language_id="python", version=1, text="x\n"))
    assert isinstance(workspace.get_text_document("file:///a.py"), HeatlensTextDocument)
