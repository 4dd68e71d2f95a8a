"""LineMap: real edit sequences checked against pygls applying the same edits to the text."""

from __future__ import annotations

from typing import List, Optional, Tuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace import PositionCodec, TextDocument

from heatlens.mapping.linemap import KEPT, NEW, STALE, LineMap
from heatlens.mapping.positions import client_len, split_lines

SOURCE = """import time


def slow(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def fast(n):
    return n * (n - 1) * (2 * n - 1) // 6


if __name__ == "__main__":
    print(slow(10**6), fast(10**6))
"""

Step = Tuple[float, float, float, float, str]  # positions as fractions of the document, and the text


class Editor:
    """A document edited through pygls' own TextDocument and mirrored into a LineMap."""

    def __init__(self, text: str, codec: Optional[PositionCodec] = None) -> None:
        self.old = split_lines(text)
        self.doc = TextDocument("file:///t.py", text)
        self.map = LineMap(self.old, codec)

    def edit(self, sl: int, sc: int, el: int, ec: int, text: str) -> None:
        change = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(sl, sc), types.Position(el, ec)), text=text
        )
        self.doc.apply_change(change)
        self.map.apply(sl, sc, el, ec, text)

    @property
    def lines(self) -> List[str]:
        return split_lines(self.doc.source)

    def check(self) -> None:
        """Every mapped, fresh old line shows the same text now; the map is consistent both ways."""
        now = self.lines
        assert self.map.line_count == len(now)
        previous = -1
        for old in range(len(self.old)):
            new = self.map.map_line(old)
            if new is None:
                assert self.map.is_stale(old)
                continue
            assert previous < new < len(now)  # order is kept
            previous = new
            assert self.map.new_to_old(new) == old
            if not self.map.is_stale(old):
                assert now[new] == self.old[old], (old, new)


def line_of(text_lines: List[str], needle: str) -> int:
    return next(i for i, line in enumerate(text_lines) if needle in line)


def test_identity_before_edits() -> None:
    ed = Editor(SOURCE)
    assert not ed.map.changed
    assert [ed.map.map_line(i) for i in range(5)] == [0, 1, 2, 3, 4]
    assert ed.map.map_line(len(ed.old)) is None
    ed.check()


def test_insert_lines_above_shifts_everything_below() -> None:
    ed = Editor(SOURCE)
    ed.edit(0, 0, 0, 0, "import os\nimport sys\n")
    ed.check()
    hot = line_of(ed.old, "total += i * i")
    assert ed.map.map_line(hot) == hot + 2 and not ed.map.is_stale(hot)
    assert ed.lines[hot + 2].strip() == "total += i * i"
    assert ed.map.new_to_old(0) is None and ed.map.new_to_old(2) == 0
    assert ed.map.changed


def test_type_inside_a_line_stales_it_but_keeps_it_mapped() -> None:
    ed = Editor(SOURCE)
    hot = line_of(ed.old, "total += i * i")
    ed.edit(hot, 18, hot, 18, " + 1")
    ed.check()
    assert ed.map.map_line(hot) == hot and ed.map.is_stale(hot)
    assert not ed.map.is_stale(hot - 1) and not ed.map.is_stale(hot + 1)
    # Keystroke by keystroke, as clients send them, stays one stale line.
    for ch in "abc":
        col = len(ed.lines[hot])
        ed.edit(hot, col, hot, col, ch)
    ed.check()
    assert [s.kind for s in ed.map.segments()] == [KEPT, STALE, KEPT]


def test_newline_at_end_of_line_shifts_below_without_staling() -> None:
    ed = Editor(SOURCE)
    hot = line_of(ed.old, "total += i * i")
    end = len(ed.old[hot])
    ed.edit(hot, end, hot, end, "\n        total -= 1")
    ed.check()
    assert ed.map.map_line(hot) == hot and not ed.map.is_stale(hot)
    assert ed.map.map_line(hot + 1) == hot + 2 and not ed.map.is_stale(hot + 1)
    assert ed.map.new_to_old(hot + 1) is None


def test_enter_in_the_middle_of_a_line_stales_it() -> None:
    ed = Editor(SOURCE)
    hot = line_of(ed.old, "total += i * i")
    ed.edit(hot, 17, hot, 17, "\n            ")
    ed.check()
    assert ed.map.is_stale(hot) and ed.map.map_line(hot) == hot
    assert ed.map.map_line(hot + 1) == hot + 2 and not ed.map.is_stale(hot + 1)


def test_enter_at_column_zero_moves_the_line_down() -> None:
    ed = Editor(SOURCE)
    hot = line_of(ed.old, "total += i * i")
    ed.edit(hot, 0, hot, 0, "\n")
    ed.check()
    assert ed.map.map_line(hot) == hot + 1 and not ed.map.is_stale(hot)


def test_delete_lines_inside_a_function() -> None:
    ed = Editor(SOURCE)
    loop = line_of(ed.old, "for i in range(n)")
    ed.edit(loop, 0, loop + 2, 0, "")  # the loop header and its body
    ed.check()
    assert ed.map.map_line(loop) is None and ed.map.map_line(loop + 1) is None
    assert ed.map.is_stale(loop)
    ret = loop + 2
    assert ed.map.map_line(ret) == loop and not ed.map.is_stale(ret)
    assert ed.lines[loop].strip() == "return total"


def test_delete_from_end_of_line_keeps_that_line() -> None:
    ed = Editor(SOURCE)
    loop = line_of(ed.old, "for i in range(n)")
    ed.edit(loop, len(ed.old[loop]), loop + 1, len(ed.old[loop + 1]), "")
    ed.check()
    assert ed.map.map_line(loop) == loop and not ed.map.is_stale(loop)
    assert ed.map.map_line(loop + 1) is None


def test_backspace_joining_two_lines_stales_the_joined_line() -> None:
    ed = Editor(SOURCE)
    ret = line_of(ed.old, "return total")
    ed.edit(ret - 1, len(ed.old[ret - 1]), ret, 0, "")
    ed.check()
    assert ed.map.is_stale(ret - 1) and ed.map.map_line(ret - 1) == ret - 1
    assert ed.map.map_line(ret) is None


def test_paste_a_block_shifts_following_lines() -> None:
    ed = Editor(SOURCE)
    fast = line_of(ed.old, "def fast")
    block = "def helper(x):\n    return x + 1\n\n\n"
    ed.edit(fast, 0, fast, 0, block)
    ed.check()
    assert ed.map.map_line(fast) == fast + 4 and not ed.map.is_stale(fast)
    assert [ed.map.new_to_old(fast + i) for i in range(4)] == [None] * 4


def test_paste_over_a_selection_pairs_replaced_lines_as_stale() -> None:
    ed = Editor(SOURCE)
    body = line_of(ed.old, "total = 0")
    ed.edit(body, 0, body + 3, 0, "    total = sum(i * i for i in range(n))\n")
    ed.check()
    assert ed.map.is_stale(body) and ed.map.map_line(body) == body
    assert ed.map.map_line(body + 1) is None and ed.map.map_line(body + 2) is None
    assert ed.map.map_line(body + 3) == body + 1 and not ed.map.is_stale(body + 3)


def test_undo_of_typing_is_stale_until_revalidated() -> None:
    ed = Editor(SOURCE)
    hot = line_of(ed.old, "total += i * i")
    ed.edit(hot, 4, hot, 4, "x")
    ed.edit(hot, 4, hot, 5, "")  # the undo: the reverse edit
    ed.check()
    assert ed.lines[hot] == ed.old[hot]
    assert ed.map.is_stale(hot)  # documented choice: edits are not compared with history
    now = ed.lines
    fresh: list = []
    assert ed.map.revalidate(lambda n: now[n] if n < len(now) else None, fresh) == 1
    assert fresh == [hot]  # the current line that became fresh (what a heat delta re-sends)
    assert not ed.map.is_stale(hot)
    assert [s.kind for s in ed.map.segments()] == [KEPT]
    ed.check()


def test_undo_of_a_deletion_brings_lines_back_unmapped() -> None:
    ed = Editor(SOURCE)
    loop = line_of(ed.old, "for i in range(n)")
    removed = ed.old[loop] + "\n" + ed.old[loop + 1] + "\n"
    ed.edit(loop, 0, loop + 2, 0, "")
    ed.edit(loop, 0, loop, 0, removed)
    ed.check()
    assert ed.lines == ed.old
    assert ed.map.map_line(loop) is None and ed.map.new_to_old(loop) is None
    assert ed.map.map_line(loop + 2) == loop + 2  # everything after is back in place


def test_full_document_replacement_diffs_against_the_profiled_text() -> None:
    ed = Editor(SOURCE)
    new_text = "# header\n" + SOURCE.replace("total += i * i", "total += i ** 2")
    ed.doc.apply_change(types.TextDocumentContentChangeWholeDocument(text=new_text))
    ed.map.apply_full(new_text)
    ed.check()
    hot = line_of(ed.old, "total += i * i")
    assert ed.map.map_line(hot) == hot + 1 and ed.map.is_stale(hot)
    assert ed.map.map_line(0) == 1 and not ed.map.is_stale(0)


def test_utf16_columns_decide_end_of_line() -> None:
    text = 'label = "😋 hot"\nx = 1\n'
    ed = Editor(text)
    end = client_len(ed.old[0])
    assert end == len(ed.old[0]) + 1  # the emoji is two UTF-16 units
    ed.edit(0, end, 0, end, "\ny = 2")
    ed.check()
    assert not ed.map.is_stale(0) and ed.map.map_line(1) == 2
    # One unit short of the end is inside the line: stale.
    ed2 = Editor(text)
    ed2.edit(0, end - 1, 0, end - 1, "\n")
    ed2.check()
    assert ed2.map.is_stale(0)


def test_utf32_codec_counts_code_points() -> None:
    text = 'label = "😋 hot"\nx = 1\n'
    codec = PositionCodec(types.PositionEncodingKind.Utf32)
    lm = LineMap(split_lines(text), codec)
    end = len(split_lines(text)[0])
    lm.apply(0, end, 0, end, "\n")
    assert not lm.is_stale(0) and lm.map_line(1) == 2


def test_positions_past_the_end_clamp() -> None:
    ed = Editor("a\nb\n")
    ed.map.apply(99, 0, 99, 0, "c\n")  # a client may send the end as a line past the last
    assert ed.map.line_count == 4
    assert ed.map.map_line(0) == 0 and ed.map.map_line(1) == 1 and not ed.map.is_stale(1)


def test_delete_everything_then_retype() -> None:
    ed = Editor(SOURCE)
    last = len(ed.old) - 1
    ed.edit(0, 0, last, 0, "")
    ed.check()
    assert ed.map.line_count == 1
    ed.edit(0, 0, 0, 0, SOURCE)
    ed.check()
    # Only the empty line after the final newline was never touched; all else came back as new text.
    assert all(ed.map.map_line(i) is None or ed.map.is_stale(i) for i in range(len(ed.old) - 1))
    assert ed.map.map_line(last) == last and not ed.map.is_stale(last)


def test_cost_does_not_grow_with_file_size() -> None:
    """Segments grow with edits, not lines: 5,000 lines and a few hundred edits stay a short list."""
    lines = [f"x{i} = {i}" for i in range(5000)]
    lm = LineMap(lines)
    for i in range(0, 5000, 25):  # stale every 25th line, newest last
        new = lm.map_line(i)
        assert new is not None
        lm.apply(new, 1, new, 1, "_")
    assert len(lm.segments()) == 2 * 200
    assert lm.is_stale(25) and not lm.is_stale(26) and lm.map_line(4999) == 4999


# ---- property: random edit sequences --------------------------------------------------------

ALPHABET = st.sampled_from(["a", "b", " ", "x", "😋", "é", "\n", "\n", "\t"])
TEXT = st.text(ALPHABET, max_size=40)


@st.composite
def edit_script(draw: st.DrawFn) -> Tuple[str, List[Step]]:
    text = draw(TEXT)
    steps = draw(
        st.lists(
            st.tuples(
                st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1),
                st.one_of(TEXT, st.sampled_from(["", "\n", "z", "\nq", "q\n"])),
            ),
            max_size=12,
        )
    )
    return text, steps


def _pick(lines: List[str], a: float, b: float) -> Tuple[int, int]:
    line = min(int(a * len(lines)), len(lines) - 1)
    units = client_len(lines[line])
    col = min(int(b * (units + 1)), units)
    # Never split a surrogate pair: step back to a code point boundary.
    while col and client_len(_prefix_units(lines[line], col)) != col:
        col -= 1
    return line, col


def _prefix_units(line: str, units: int) -> str:
    out, used = [], 0
    for ch in line:
        w = client_len(ch)
        if used + w > units:
            break
        out.append(ch)
        used += w
    return "".join(out)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edit_script())
def test_random_edits_keep_fresh_lines_identical(script: Tuple[str, List[Step]]) -> None:
    text, steps = script
    ed = Editor(text)
    for a, b, c, d, new_text in steps:
        if a > 0.95 and b > 0.5:  # now and then a full-document change (no range)
            full = ed.doc.source + new_text if c > 0.5 else new_text
            ed.doc.apply_change(types.TextDocumentContentChangeWholeDocument(text=full))
            ed.map.apply_full(full)
            ed.check()
            continue
        now = ed.lines
        start, end = sorted([_pick(now, a, b), _pick(now, c, d)])
        before = {o: (ed.map.map_line(o), ed.map.is_stale(o)) for o in range(len(ed.old))}
        ed.edit(start[0], start[1], end[0], end[1], new_text)
        ed.check()
        # Lines outside the edited range keep their state; those below shift by the line delta.
        delta = new_text.count("\n") - (end[0] - start[0])
        for old, (new, stale) in before.items():
            if new is None or start[0] <= new <= end[0]:
                continue
            expected = new if new < start[0] else new + delta
            assert (ed.map.map_line(old), ed.map.is_stale(old)) == (expected, stale)
    now = ed.lines
    ed.map.revalidate(lambda n: now[n] if n < len(now) else None)
    ed.check()
    # After revalidation every mapped line whose text equals its old text is fresh.
    for run in ed.map.runs():
        for off in range(run.length):
            same = now[run.new_start + off] == ed.old[run.old_start + off]
            assert run.stale != same or not run.stale
            if run.stale:
                assert not same
    assert all(s.length > 0 for s in ed.map.segments())
    assert all(s.kind != NEW or s.old_start == -1 for s in ed.map.segments())


def test_span_changed_and_when_an_edit_touched_it() -> None:
    m = LineMap([f"l{i}" for i in range(10)])
    m.clock = lambda: 5.0
    m.apply(0, 0, 0, 0, "top\n")  # above every span: moves, changes nothing
    assert not m.span_changed(2, 5) and m.edited_at(2, 5) is None
    m.clock = lambda: 7.0
    m.apply(5, 0, 5, 0, "inserted\n")  # current line 5 = old 4: a line inside old 2..5
    assert m.span_changed(2, 5) and not m.span_changed(6, 9) and not m.span_changed(0, 3)
    assert m.edited_at(2, 5) == 7.0
    m.clock = lambda: 9.0
    m.apply(5, 0, 5, 3, "again")  # the same place later: the first time is kept
    assert m.edited_at(2, 5) == 7.0 and m.first_edit_at == 5.0
    m.apply(9, 0, 10, 0, "")  # delete old line 7 (current 9) whole: its span changed, no line stale
    assert m.span_changed(6, 9) and m.edited_at(6, 9) == 9.0
