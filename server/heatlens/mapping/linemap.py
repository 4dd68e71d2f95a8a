"""Compose `textDocument/didChange` edits into a map from profiled-source lines to current lines.

All lines here are 0-based (LSP's); convert model lines with `positions.model_to_lsp_line`. Edit
characters are in the client's units (UTF-16 unless the client negotiated otherwise; pass the same
`PositionCodec` pygls uses).

The map is a list of segments over the current document, in order: a run of current lines that are
old lines unchanged ("kept"), old lines whose content was edited ("stale", still mapped one to one),
or lines with no old counterpart ("new"). Old lines in no segment were deleted. An edit touches only
the segments it overlaps and merges neighbours, so it costs O(segments) = O(edits so far), never
O(lines of the file).

Semantics of one edit replacing (start..end) by a text with k line breaks, giving result lines
R0..Rk from current lines start_line..end_line:
- the start line keeps its identity (in R0) if the edit begins at its end and the inserted text
  starts with a line break: a newline typed at the end of a line neither moves nor stales it;
- the end line keeps its identity (in Rk) if the edit ends at its column 0 and the inserted text ends
  with a line break (or, for k = 0, whole lines are deleted above it): lines inserted or deleted above
  shift it;
- the other touched lines pair up in order with the remaining result lines: a kept line becomes
  stale, stale and new lines stay what they were; extra old lines are deleted, extra result lines new.
- Undo: an edit is not compared with history, so undoing a typed change leaves its line stale
  until `revalidate` compares stale lines with the current text (lines deleted then restored by undo
  come back as new lines, i.e. unmapped).
"""

from __future__ import annotations

import bisect
import time
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

import attrs
from pygls.workspace import PositionCodec

from heatlens.mapping.line_diff import KEPT, NEW, STALE, Segment, diff_segments  # noqa: F401  (KEPT, NEW, STALE: re-exported)
from heatlens.mapping.positions import DEFAULT_CODEC, client_len, split_lines

@attrs.frozen
class MappedRun:
    """`length` consecutive old lines from `old_start` sitting at current lines from `new_start`."""

    old_start: int
    new_start: int
    length: int
    stale: bool


_END = 1 << 60  # a character past any line's end


class LineMap:
    """Old (profiled) lines -> current lines, updated edit by edit."""

    def __init__(self, old_lines: Sequence[str], codec: Optional[PositionCodec] = None) -> None:
        """`old_lines`: the profiled source split into lines without line breaks
        (`positions.split_lines`); kept to check line ends and to revalidate stale lines."""
        self._old: List[str] = list(old_lines)
        self._codec = codec or DEFAULT_CODEC
        self._segs: List[Segment] = [Segment(KEPT, 0, len(self._old))] if self._old else []
        self._total = len(self._old)
        self._index: Optional[Tuple[List[int], List[int], List[MappedRun]]] = None
        # (when, first old line, last old line) of each edited place, neighbours coalesced: the "since
        # when" of a stale function. Typing in one place keeps one entry, so it grows with places, not keys.
        self._edits: List[Tuple[float, int, int]] = []
        self.clock: Callable[[], float] = time.time

    @classmethod
    def from_text(cls, old_text: str, codec: Optional[PositionCodec] = None) -> "LineMap":
        return cls(split_lines(old_text), codec)

    # ---- updates ----------------------------------------------------------------------------

    def apply(self, start_line: int, start_char: int, end_line: int, end_char: int, new_text: str) -> None:
        """Apply one ranged content change (0-based lines, characters in the codec's units), in the
        coordinates of the document after all earlier changes, exactly as LSP sends them."""
        if self._total == 0:
            self._segs, self._total = [Segment(NEW, -1, 1)], 1
        sl, sc = self._clamp(start_line, start_char)
        el, ec = self._clamp(end_line, end_char)
        if (el, ec) < (sl, sc):
            sl, sc, el, ec = el, ec, sl, sc
        pieces = split_lines(new_text)
        k = len(pieces) - 1
        if not new_text and (sl, sc) == (el, ec):
            return
        self._log_edit(self._nearest_old(sl, -1), self._nearest_old(el, 1))
        j = self._split_at(el + 1)
        i = self._split_at(sl)
        j = i + self._count_to(i, el + 1 - sl)
        region = self._segs[i:j]
        n_old = el - sl + 1
        head = pieces[0] == "" and self._at_end(region[0], 0, sc) and (
            k >= 1 or (sl < el and self._at_end(region[-1], region[-1].length - 1, ec))
        )
        tail = pieces[-1] == "" and ec == 0 and (k >= 1 or (sl < el and sc == 0))
        if head and tail and (sl == el or k == 0):
            head = k >= 1  # one line cannot sit in two places: an empty line keeps its place
            tail = not head
        out: List[Segment] = []
        if head:
            out += _take(region, 0, 1)
        paired_from = 1 if head else 0
        old_left = n_old - head - tail
        slots = k + 1 - head - tail
        paired = min(old_left, slots)
        for seg in _take(region, paired_from, paired):
            out.append(Segment(STALE, seg.old_start, seg.length) if seg.kind == KEPT else seg)
        if slots > paired:
            out.append(Segment(NEW, -1, slots - paired))
        if tail:
            out += _take(region, n_old - 1, 1)
        self._segs[i:j] = out
        self._merge_around(i, i + len(out))
        self._total += (k + 1) - n_old
        self._index = None

    def apply_full(self, new_text: str) -> None:
        """A full-document change (no range): re-derive the map by a line diff of the old text against
        `new_text` (see line_diff.py). O(file), as a full replacement is."""
        new_lines = split_lines(new_text)
        self._log_edit(0, len(self._old) - 1)
        self._segs = diff_segments(self._old, new_lines)
        self._total = len(new_lines)
        self._index = None

    def revalidate(self, current_line: Callable[[int], Optional[str]], fresh_lines: Optional[List[int]] = None) -> int:
        """Un-stale stale lines whose current text (`current_line(new_line)`, None if unknown) equals their
        old text again, e.g. after an undo. Costs O(stale lines). Returns how many became fresh; their
        current lines are appended to `fresh_lines` when given."""
        fresh = 0
        out: List[Segment] = []
        new_start = 0
        for seg in self._segs:
            if seg.kind != STALE:
                out.append(seg)
            else:
                for off in range(seg.length):
                    old = seg.old_start + off
                    ok = current_line(new_start + off) == self._old[old]
                    fresh += ok
                    if ok and fresh_lines is not None:
                        fresh_lines.append(new_start + off)
                    out.append(Segment(KEPT if ok else STALE, old, 1))
            new_start += seg.length
        if fresh:
            self._segs = out
            self._merge_around(0, len(out))
            self._index = None
        return fresh

    # ---- queries ----------------------------------------------------------------------------

    @property
    def old_line_count(self) -> int:
        return len(self._old)

    @property
    def line_count(self) -> int:
        """Lines in the current document as far as the edits tell."""
        return self._total

    @property
    def changed(self) -> bool:
        """False while the map is still the identity (no edit moved or staled anything)."""
        return not (
            self._total == len(self._old)
            and len(self._segs) <= 1
            and all(s.kind == KEPT and s.old_start == 0 for s in self._segs)
        )

    def map_line(self, old: int) -> Optional[int]:
        """Current line of old line `old`; None if it was deleted (or is out of range)."""
        run = self._run_of(old)
        return None if run is None else run.new_start + (old - run.old_start)

    def is_stale(self, old: int) -> bool:
        """True when old line `old` was edited or deleted: its profile data no longer describes it."""
        run = self._run_of(old)
        return run is None or run.stale

    def span_changed(self, first: int, last: int) -> bool:
        """True when any of old lines first..last was edited or deleted, or lines were inserted between
        them: one kept run must still hold the whole span for its data to describe it."""
        run = self._run_of(first)
        return run is None or run.stale or last >= run.old_start + run.length

    def edited_at(self, first: int, last: int) -> Optional[float]:
        """When the earliest edit touching old lines first..last (or next to them) was made; None if none."""
        times = [t for t, lo, hi in self._edits if lo <= last and hi >= first]
        return min(times) if times else None

    @property
    def first_edit_at(self) -> Optional[float]:
        return min((t for t, _, _ in self._edits), default=None)

    def new_to_old(self, new: int) -> Optional[int]:
        """Old line shown at current line `new` (stale ones included; check `is_stale`); None for lines
        added since the profile."""
        new_starts, _, _ = self._build_index()
        i = bisect.bisect_right(new_starts, new) - 1
        if i < 0 or new >= self._total:
            return None
        seg = self._segs[i]
        return None if seg.kind == NEW else seg.old_start + (new - new_starts[i])

    def runs(self) -> Iterator[MappedRun]:
        """The mapped old lines as runs in order: the cheap way to move many annotations at once."""
        return iter(self._build_index()[2])

    def segments(self) -> List[Segment]:
        """A copy of the segments (for tests and debugging)."""
        return [Segment(s.kind, s.old_start, s.length) for s in self._segs]

    # ---- internals --------------------------------------------------------------------------

    def _clamp(self, line: int, char: int) -> Tuple[int, int]:
        if line < 0:
            return 0, 0
        if line >= self._total:  # past the end: the end of the last line
            return self._total - 1, _END
        return line, max(char, 0)

    def _at_end(self, seg: Segment, offset: int, char: int) -> bool:
        """Whether `char` is at or past the end of the line at `offset` in `seg`: known only for kept
        lines (their text is the old text); unknown counts as no."""
        if char >= _END:
            return True
        if seg.kind != KEPT:
            return False
        return char >= client_len(self._old[seg.old_start + offset], self._codec)

    def _nearest_old(self, line: int, step: int) -> int:
        """The old line at current `line`, else of the nearest mapped line before (step -1) or after (+1)
        it; -1 or the old line count when there is none."""
        new_starts, _, _ = self._build_index()
        i = bisect.bisect_right(new_starts, line) - 1
        while 0 <= i < len(self._segs):
            seg = self._segs[i]
            if seg.kind != NEW:
                off = min(max(line - new_starts[i], 0), seg.length - 1)
                return seg.old_start + off
            i += step
        return -1 if step < 0 else len(self._old)

    def _log_edit(self, lo: int, hi: int) -> None:
        when = self.clock()
        for n, (t, a, b) in enumerate(self._edits):
            if a <= hi + 1 and b >= lo - 1:  # the same place again: widen it, keep the first time
                self._edits[n] = (min(t, when), min(a, lo), max(b, hi))
                return
        self._edits.append((when, lo, hi))

    def _split_at(self, line: int) -> int:
        """Make a segment start at current `line`; return that segment's position."""
        start = 0
        for idx, seg in enumerate(self._segs):
            if line == start:
                return idx
            if line < start + seg.length:
                cut = line - start
                rest_old = -1 if seg.kind == NEW else seg.old_start + cut
                self._segs[idx : idx + 1] = [
                    Segment(seg.kind, seg.old_start, cut),
                    Segment(seg.kind, rest_old, seg.length - cut),
                ]
                return idx + 1
            start += seg.length
        return len(self._segs)

    def _count_to(self, i: int, lines: int) -> int:
        """How many segments from position `i` make up exactly `lines` lines (boundaries already split)."""
        n = 0
        while lines > 0:
            lines -= self._segs[i + n].length
            n += 1
        return n

    def _merge_around(self, lo: int, hi: int) -> None:
        lo = max(lo - 1, 0)
        hi = min(hi + 1, len(self._segs))
        merged: List[Segment] = []
        for seg in self._segs[lo:hi]:
            if seg.length <= 0:
                continue
            if merged and _joinable(merged[-1], seg):
                merged[-1] = Segment(seg.kind, merged[-1].old_start, merged[-1].length + seg.length)
            else:
                merged.append(seg)
        self._segs[lo:hi] = merged

    def _build_index(self) -> Tuple[List[int], List[int], List[MappedRun]]:
        if self._index is None:
            new_starts: List[int] = []
            runs: List[MappedRun] = []
            start = 0
            for seg in self._segs:
                new_starts.append(start)
                if seg.kind != NEW:
                    runs.append(MappedRun(seg.old_start, start, seg.length, seg.kind == STALE))
                start += seg.length
            self._index = (new_starts, [r.old_start for r in runs], runs)
        return self._index

    def _run_of(self, old: int) -> Optional[MappedRun]:
        _, old_starts, runs = self._build_index()
        i = bisect.bisect_right(old_starts, old) - 1
        if i < 0:
            return None
        run = runs[i]
        return run if old < run.old_start + run.length else None


def _joinable(a: Segment, b: Segment) -> bool:
    if a.kind != b.kind:
        return False
    return a.kind == NEW or a.old_start + a.length == b.old_start


def _take(region: List[Segment], skip: int, count: int) -> List[Segment]:
    """The segments covering lines [skip, skip + count) of `region`."""
    out: List[Segment] = []
    for seg in region:
        if count <= 0:
            break
        if skip >= seg.length:
            skip -= seg.length
            continue
        n = min(seg.length - skip, count)
        out.append(Segment(seg.kind, -1 if seg.kind == NEW else seg.old_start + skip, n))
        count -= n
        skip = 0
    return out


__all__ = ["KEPT", "NEW", "STALE", "LineMap", "MappedRun", "Segment"]
