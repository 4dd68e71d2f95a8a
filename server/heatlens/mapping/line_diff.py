"""The segments of a line map (see linemap.py), and how to derive them from two texts by a line diff.

A segment is a run of current lines that are old lines unchanged ("kept"), old lines whose content was
edited ("stale", still mapped one to one), or lines with no old counterpart ("new"). `diff_segments` stands
in for an edit history when only the old and the new text are known (a full-document change, a file
reopened after it changed): `difflib.SequenceMatcher` over the two texts' lines; equal blocks map (kept),
lines of a replaced block pair up in order as stale, extra deleted lines drop, extra inserted lines are new.
Common prefix and suffix are stripped first so that a small edit of a big file is cheap.
"""

from __future__ import annotations

import difflib
from typing import List, Sequence

import attrs

KEPT = "kept"
STALE = "stale"
NEW = "new"


@attrs.define
class Segment:
    kind: str  # KEPT | STALE | NEW
    old_start: int  # first old line (0-based); -1 for NEW
    length: int


def diff_segments(old_lines: Sequence[str], new_lines: Sequence[str]) -> List[Segment]:
    """Segments (see linemap.py) describing `new_lines` in terms of `old_lines`."""
    n_old, n_new = len(old_lines), len(new_lines)
    prefix = 0
    while prefix < min(n_old, n_new) and old_lines[prefix] == new_lines[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(n_old, n_new) - prefix and old_lines[n_old - 1 - suffix] == new_lines[n_new - 1 - suffix]:
        suffix += 1
    segs: List[Segment] = []

    def add(kind: str, old_start: int, length: int) -> None:
        if length <= 0:
            return
        last = segs[-1] if segs else None
        if last is not None and last.kind == kind and (kind == NEW or last.old_start + last.length == old_start):
            last.length += length
        else:
            segs.append(Segment(kind, old_start if kind != NEW else -1, length))

    add(KEPT, 0, prefix)
    # autojunk off: in source, blank lines and "pass" are frequent but still anchors worth matching.
    matcher = difflib.SequenceMatcher(
        None, old_lines[prefix : n_old - suffix], new_lines[prefix : n_new - suffix], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add(KEPT, prefix + i1, i2 - i1)
        elif tag == "insert":
            add(NEW, -1, j2 - j1)
        elif tag == "replace":
            paired = min(i2 - i1, j2 - j1)
            add(STALE, prefix + i1, paired)
            add(NEW, -1, (j2 - j1) - paired)
        # "delete": old lines with no place in the new text
    add(KEPT, n_old - suffix, suffix)
    return segs
