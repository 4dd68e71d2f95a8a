"""Segments of a line map from a line diff of two texts."""

from __future__ import annotations

from heatlens.mapping.line_diff import KEPT, NEW, STALE, diff_segments


def test_small_edit_of_a_big_file_is_a_few_segments() -> None:
    old_lines = [f"x{i} = {i % 7}" for i in range(50_000)]
    new_lines = list(old_lines)
    new_lines[25_000] = "x = 'changed'"
    new_lines.insert(40_000, "y = 1")
    segs = diff_segments(old_lines, new_lines)
    assert [s.kind for s in segs] == [KEPT, STALE, KEPT, NEW, KEPT]
    assert sum(s.length for s in segs) == len(new_lines)


def test_deleted_lines_drop_and_a_replaced_block_pairs_up_in_order() -> None:
    old = ["a", "b", "c", "d", "e"]
    new = ["a", "B", "C", "X", "e"]  # b, c, d replaced by three lines: the first two of them pair up ...
    del old[3]  # ... with b and c once d is gone from the old text
    segs = diff_segments(old, new)
    assert [(s.kind, s.old_start, s.length) for s in segs] == [(KEPT, 0, 1), (STALE, 1, 2), (NEW, -1, 1), (KEPT, 3, 1)]
