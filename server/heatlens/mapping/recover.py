"""Recover a line map by a line diff when a file's text no longer matches the profiled source.

Used when a document is (re)opened and its sha256 differs from the profile's: no edit history exists,
so `difflib.SequenceMatcher` over the two texts' lines stands in for it. Equal blocks map (kept);
lines of a replaced block pair up in order as stale; extra deleted lines drop, extra inserted lines
are new. Common prefix and suffix are stripped first so that a small edit of a big file is cheap.
"""

from __future__ import annotations

import difflib
from typing import List, Optional, Sequence

from pygls.workspace import PositionCodec

from heatlens.mapping.linemap import KEPT, NEW, STALE, LineMap, Segment
from heatlens.mapping.positions import split_lines
from heatlens.mapping.source_index import sha256_text


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


def recover_linemap(old_text: str, new_text: str, codec: Optional[PositionCodec] = None) -> LineMap:
    """A LineMap from the profiled text `old_text` to the current text `new_text`, ready to take
    further didChange edits."""
    linemap = LineMap(split_lines(old_text), codec)
    linemap.apply_full(new_text)
    return linemap


def needs_recovery(profiled_sha256: Optional[str], current_text: str) -> bool:
    """True when the profile's source hash is known and differs from the current text's. The model's
    hash is of the source *bytes*; this compares with the text's UTF-8 bytes, which is the same for
    UTF-8 files without a BOM (others recover by diff, which is still right, only slower)."""
    return profiled_sha256 is not None and profiled_sha256 != sha256_text(current_text)


__all__ = ["diff_segments", "needs_recovery", "recover_linemap"]
