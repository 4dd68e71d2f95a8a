"""Position conversion between the model/LibCST (1-based lines, code points) and LSP (0-based, UTF-16)."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider
from lsprotocol import types
from pygls.workspace import PositionCodec

from heatlens.mapping.positions import (
    client_column,
    client_len,
    cst_range_to_lsp,
    from_lsp_position,
    line_end_position,
    line_range,
    lsp_to_model_line,
    model_to_lsp_line,
    split_lines,
    to_lsp_position,
)

SOURCE = 'greeting = "😋 héllo"; total = compute(\n    greeting)\r\nx = 1\rdone = True\n'


def test_split_lines_like_lsp_clients() -> None:
    assert split_lines("a\nb\r\nc\rd") == ["a", "b", "c", "d"]
    assert split_lines("a\n") == ["a", ""]
    assert split_lines("") == [""]
    assert split_lines("form\x0cfeed\u2028x") == ["form\x0cfeed\u2028x"]  # not line breaks in LSP


def test_line_numbers() -> None:
    assert model_to_lsp_line(1) == 0 and model_to_lsp_line(0) == 0
    assert lsp_to_model_line(0) == 1
    assert all(lsp_to_model_line(model_to_lsp_line(n)) == n for n in range(1, 50))


def test_libcst_position_to_utf16() -> None:
    lines = split_lines(SOURCE)
    module = cst.parse_module(SOURCE)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    names = {n.value: positions[n] for n in positions if isinstance(n, cst.Name)}
    total = names["total"]
    assert (total.start.line, total.start.column) == (1, 22)  # code points: the emoji is one
    pos = to_lsp_position(lines, total.start.line, total.start.column)
    assert (pos.line, pos.character) == (0, 23)  # UTF-16: the emoji is two units
    assert lines[0][total.start.column :].startswith("total")
    rng = cst_range_to_lsp(lines, total)
    assert (rng.start.character, rng.end.character) == (23, 28)
    done = names["done"]
    assert to_lsp_position(lines, done.start.line, done.start.column) == types.Position(3, 0)
    # back again
    assert from_lsp_position(lines, types.Position(0, 23)) == (1, 22)


def test_other_encodings_through_the_codec() -> None:
    lines = split_lines(SOURCE)
    utf8 = PositionCodec(types.PositionEncodingKind.Utf8)
    utf32 = PositionCodec(types.PositionEncodingKind.Utf32)
    assert to_lsp_position(lines, 1, 22, utf32).character == 22
    assert to_lsp_position(lines, 1, 22, utf8).character == len(lines[0][:22].encode("utf-8"))
    assert client_len("😋é", utf8) == 6 and client_len("😋é") == 3 and client_len("😋é", utf32) == 2


def test_whole_line_ranges_and_line_ends() -> None:
    lines = split_lines(SOURCE)
    rng = line_range(lines, 1, 2)
    assert rng.start == types.Position(0, 0)
    assert rng.end == types.Position(1, len("    greeting)"))
    one = line_range(lines, 1)
    assert one.end == types.Position(0, client_len(lines[0])) and one.end.character == len(lines[0]) + 1
    assert line_end_position(lines, 99) == types.Position(len(lines) - 1, 0)


def test_clamping_out_of_range() -> None:
    lines = split_lines(SOURCE)
    assert to_lsp_position(lines, 999, 0) == line_end_position(lines, len(lines) - 1)
    assert to_lsp_position(lines, 1, 999).character == client_len(lines[0])
    assert from_lsp_position(lines, types.Position(0, 999)) == (1, len(lines[0]))
    assert from_lsp_position(lines, types.Position(999, 0)) == (len(lines), len(lines[-1]))
    pos = types.Position(0, 999)
    from_lsp_position(lines, pos)
    assert pos.character == 999  # the caller's object is not mutated
    assert to_lsp_position([], 1) == types.Position(0, 0)


def test_client_column_counts_the_clients_units_before_a_code_point_column() -> None:
    line = 'x = "😀" + hot()'  # 😀: one code point, two UTF-16 units, four UTF-8 bytes
    col = line.index("hot")
    assert client_column(line, col) == col + 1
    assert client_column(line, col, PositionCodec(types.PositionEncodingKind.Utf8)) == col + 3
    assert client_column(line, col, PositionCodec(types.PositionEncodingKind.Utf32)) == col
    assert client_column(line, 0) == 0 and client_column(line, 99) == len(line) + 1  # past the end: the line's length
