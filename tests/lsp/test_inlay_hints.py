"""Inlay hints: hot lines only, inside the requested range, at the absolute end of the line."""

from __future__ import annotations

from typing import Any, Optional

from heatlens.lsp.annotations import DocView
from heatlens.lsp.features.inlay_hints import inlay_hints
from heatlens.mapping.linemap import LineMap


def _ends(data: Any) -> Any:
    lines = data.source.split("\n")

    def line_end(n: int) -> Optional[int]:
        return len(lines[n]) if 0 <= n < len(lines) else None

    return line_end


def test_range_and_threshold(build_data: Any) -> None:
    data = build_data({5: 0.005, 7: 3.0, 13: 1.0})  # line 5 is under the 2% threshold
    view = DocView(data)
    hints = inlay_hints(view, 0, 100, 0.02, _ends(data))
    assert [h.position.line for h in hints] == [6, 12]
    assert hints[0].position.character == len("        s = (s + i * i) % 1000003")
    assert hints[0].label == "▲ 74.9%"
    only_cold = inlay_hints(view, 10, 14, 0.02, _ends(data))  # a range that starts mid-file: no offset slip
    assert [h.position.line for h in only_cold] == [12]


def test_memory_shows_and_stale_marks(build_data: Any) -> None:
    data = build_data({7: 3.0}, mem={7: 40.0})
    linemap = LineMap.from_text(data.source)
    linemap.apply(6, 0, 6, 0, "x")
    hints = inlay_hints(DocView(data, linemap), 0, 100, 0.02, _ends(data))
    assert hints[0].label == "▲ 100.0% · 40.0 MB (stale)"


def test_no_data_no_hints() -> None:
    assert inlay_hints(None, 0, 10, 0.02, lambda n: 0) == []
