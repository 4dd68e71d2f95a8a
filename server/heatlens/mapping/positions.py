"""The one place where positions change units.

- The model and LibCST: 1-based lines; LibCST columns are 0-based code points.
- LSP: 0-based lines; characters in the negotiated encoding (UTF-16 by default).
Column conversions go through pygls' `PositionCodec` (pass the workspace's, `ls.workspace.position_codec`,
so a client that negotiated UTF-8/UTF-32 gets its units). Lines are split the way LSP clients do
(`\\n`, `\\r\\n`, `\\r`), not `str.splitlines`, which also breaks on form feeds and U+2028.
"""

from __future__ import annotations

import re
from typing import List, Optional, Sequence, Tuple

from lsprotocol import types
from pygls.workspace import PositionCodec, ServerTextPosition

DEFAULT_CODEC = PositionCodec()  # UTF-16

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> List[str]:
    """Lines of `text` without their breaks, as an LSP client numbers them ("a\\n" -> ["a", ""])."""
    return _LINE_BREAK.split(text)


def model_to_lsp_line(line: int) -> int:
    """1-based model/LibCST line -> 0-based LSP line (never below 0)."""
    return max(line - 1, 0)


def lsp_to_model_line(line: int) -> int:
    """0-based LSP line -> 1-based model line."""
    return max(line, 0) + 1


def client_len(text: str, codec: Optional[PositionCodec] = None) -> int:
    """Length of `text` in the client's units."""
    return int((codec or DEFAULT_CODEC).client_num_units(text))


def client_column(text: str, column: int, codec: Optional[PositionCodec] = None) -> int:
    """0-based code-point `column` of the line `text` (LibCST's and the findings' unit) -> the client's units
    (a character outside the Basic Multilingual Plane is one code point, two UTF-16 units, four UTF-8 bytes)."""
    return client_len(text[:max(column, 0)], codec)


def to_lsp_position(
    lines: Sequence[str], line: int, column: int = 0, codec: Optional[PositionCodec] = None
) -> types.Position:
    """1-based `line` and 0-based code-point `column` (LibCST's CodePosition) -> LSP Position.
    `lines` is the document (split_lines) the position refers to; a line past the end clamps to the end."""
    if not lines:
        return types.Position(line=0, character=0)
    lsp_line = model_to_lsp_line(line)
    if lsp_line >= len(lines):
        return line_end_position(lines, len(lines) - 1, codec)
    text = lines[lsp_line]
    column = min(max(column, 0), len(text))
    return (codec or DEFAULT_CODEC).position_to_client_units(lines, ServerTextPosition(lsp_line, column))


def from_lsp_position(
    lines: Sequence[str], position: types.Position, codec: Optional[PositionCodec] = None
) -> Tuple[int, int]:
    """LSP Position -> (1-based line, 0-based code-point column), clamped into the document."""
    if not lines:
        return (1, 0)
    if position.line >= len(lines):
        return (len(lines), len(lines[-1]))
    text = lines[position.line]
    # pygls clamps an overlong character to len-1 (and mutates its argument): clamp to the end here.
    if position.character >= client_len(text, codec):
        return (position.line + 1, len(text))
    copy = types.Position(line=max(position.line, 0), character=max(position.character, 0))
    server = (codec or DEFAULT_CODEC).position_from_client_units(lines, copy)
    return (server.line + 1, server.character)


def cst_range_to_lsp(lines: Sequence[str], code_range: object, codec: Optional[PositionCodec] = None) -> types.Range:
    """A LibCST `CodeRange` (from PositionProvider) -> LSP Range."""
    start = code_range.start  # type: ignore[attr-defined]
    end = code_range.end  # type: ignore[attr-defined]
    return types.Range(
        start=to_lsp_position(lines, start.line, start.column, codec),
        end=to_lsp_position(lines, end.line, end.column, codec),
    )


def line_range(
    lines: Sequence[str], start_line: int, end_line: Optional[int] = None, codec: Optional[PositionCodec] = None
) -> types.Range:
    """LSP Range covering whole 1-based lines `start_line..end_line` (inclusive; default one line), from
    column 0 to the end of the last line's text."""
    last = start_line if end_line is None else max(end_line, start_line)
    start = to_lsp_position(lines, start_line, 0, codec)
    end = line_end_position(lines, min(model_to_lsp_line(last), max(len(lines) - 1, 0)), codec)
    return types.Range(start=start, end=end)


def line_end_position(lines: Sequence[str], lsp_line: int, codec: Optional[PositionCodec] = None) -> types.Position:
    """The end of 0-based line `lsp_line` (where an inlay hint after the code goes)."""
    if not lines:
        return types.Position(line=0, character=0)
    lsp_line = min(max(lsp_line, 0), len(lines) - 1)
    return types.Position(line=lsp_line, character=client_len(lines[lsp_line], codec))


__all__ = [
    "DEFAULT_CODEC",
    "client_column",
    "client_len",
    "cst_range_to_lsp",
    "from_lsp_position",
    "line_end_position",
    "line_range",
    "lsp_to_model_line",
    "model_to_lsp_line",
    "split_lines",
    "to_lsp_position",
]
