"""Recover a line map by a line diff when a file's text no longer matches the profiled source.

Used when a document is (re)opened and its sha256 differs from the profile's: no edit history exists,
so a line diff of the two texts stands in for it (`line_diff.diff_segments`).
"""

from __future__ import annotations

from typing import Optional

from pygls.workspace import PositionCodec

from heatlens.mapping.linemap import LineMap
from heatlens.mapping.positions import split_lines
from heatlens.mapping.source_index import sha256_text


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


__all__ = ["needs_recovery", "recover_linemap"]
