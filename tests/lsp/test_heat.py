"""heatlens/heat lines: shares over the threshold, memory, staleness, positions after edits."""

from __future__ import annotations

from typing import Any

import pytest

from heatlens.lsp.annotations import DocView
from heatlens.lsp.features.heat import heat_lines, heat_params
from heatlens.lsp.protocol import HeatLine
from heatlens.mapping.linemap import LineMap


def test_threshold_and_order(build_data: Any) -> None:
    data = build_data({13: 1.0, 7: 3.0, 5: 0.004})
    lines = heat_lines(DocView(data), 0.01)
    assert [(h.line, h.stale) for h in lines] == [(6, False), (12, False)]
    assert [h.cpu_share for h in lines] == pytest.approx([3 / 4.004, 1 / 4.004], abs=1e-5)
    assert isinstance(lines[0], HeatLine)


def test_memory_only_line_gets_heat(build_data: Any) -> None:
    data = build_data({7: 1.0, 5: 0.0001}, mem={5: 200.0})
    assert [(h.line, h.mem_mb) for h in heat_lines(DocView(data), 0.01)] == [(4, 200.0), (6, 0.0)]


def test_edits_move_and_stale(build_data: Any) -> None:
    data = build_data({7: 3.0, 13: 1.0})
    linemap = LineMap.from_text(data.source)
    linemap.apply(0, 0, 0, 0, "\n\n\n")
    linemap.apply(9, 4, 9, 4, "# typed ")
    lines = heat_lines(DocView(data, linemap), 0.01)
    assert [(h.line, h.stale) for h in lines] == [(9, True), (15, False)]


def test_no_view_clears() -> None:
    params = heat_params("file:///p.py", 4, None, 0.01)
    assert params.lines == [] and params.version == 4


def test_a_line_that_calls_library_code_is_hot_with_it(build_data: Any) -> None:
    # np.sort called on line 7: py-spy's leaf is numpy's file; the line that called it pays, the total stays
    data = build_data({7: 0.01, 13: 1.0})
    data.lines[7].cpu_callees = 3.0
    data.total_cpu = 4.01
    lines = heat_lines(DocView(data), 0.01)
    assert [(h.line, h.cpu_share) for h in lines] == [(6, pytest.approx(3.01 / 4.01, abs=1e-5)),
                                                      (12, pytest.approx(1 / 4.01, abs=1e-5))]
    assert heat_lines(DocView(data), 0.01)[0].cpu_share == pytest.approx(data.share(data.lines[7]), abs=1e-5)
