"""Code lenses: line-1 "Profile this file" and per-function titles, moved by the document's LineMap."""

from __future__ import annotations

import time
from typing import Any

from heatlens.lsp.annotations import DocView, FunctionData
from heatlens.lsp.features.code_lens import OUTDATED_TITLE, LensCache, code_lenses, function_title, resolve_lens
from heatlens.lsp.protocol import PROFILE_FILE_COMMAND
from heatlens.mapping.linemap import LineMap


def _fn(**kw: Any) -> FunctionData:
    base = dict(qualname="hot", line=4, def_line=4, end_line=8, seconds=1.21, share=0.342, own_seconds=1.2)
    base.update(kw)
    return FunctionData(**base)  # type: ignore[arg-type]


def test_title_has_what_was_measured_only() -> None:
    assert function_title(_fn(mem_peak_mb=120.0, calls=1204)) == "▲ 34.2% CPU (1.21 s) · 120 MB peak · 1,204 calls"
    assert function_title(_fn()) == "▲ 34.2% CPU (1.21 s)"
    assert function_title(_fn(calls=1, seconds=0.0042)) == "▲ 34.2% CPU (4.2 ms) · 1 call"
    assert function_title(_fn(), stale=True).endswith("edited since the run")


def test_profile_lens_on_line_one_without_data() -> None:
    lenses = code_lenses("file:///p.py", None)
    assert len(lenses) == 1
    assert lenses[0].range.start.line == 0 and lenses[0].command.command == PROFILE_FILE_COMMAND
    assert list(lenses[0].command.arguments) == ["file:///p.py"]


def test_function_lenses_follow_inserted_lines(build_data: Any) -> None:
    data = build_data({7: 1.0, 13: 0.5}, functions=[_fn(line=4, def_line=4), _fn(qualname="cold", line=11, def_line=12, share=0.3)])
    linemap = LineMap.from_text(data.source)
    view = DocView(data, linemap)
    before = {l.range.start.line: l.command.title for l in code_lenses("file:///p.py", view)[1:]}
    assert sorted(before) == [3, 10]  # 0-based: `def hot` and `@decorated`
    linemap.apply(0, 0, 0, 0, "# one\n# two\n")
    after = {l.range.start.line: l.command.title for l in code_lenses("file:///p.py", view)[1:]}
    assert sorted(after) == [5, 12]
    linemap.apply(10, 0, 14, 0, "")  # delete `@decorated` .. `return` of cold (lines 11-14 as shifted)
    remaining = [l for l in code_lenses("file:///p.py", view)[1:]]
    assert [l.range.start.line for l in remaining] == [5]


def _edit_clock(linemap: LineMap, when: float) -> None:
    linemap.clock = lambda: when


def test_a_function_edited_in_its_body_goes_stale_and_says_since_when(build_data: Any) -> None:
    data = build_data({7: 1.0, 13: 0.5}, functions=[_fn(line=4, def_line=4, end_line=8),
                                                   _fn(qualname="cold", line=11, def_line=12, end_line=13, share=0.3)])
    linemap = LineMap.from_text(data.source)
    view = DocView(data, linemap)
    _edit_clock(linemap, 1_000_000.0)
    linemap.apply(6, 8, 6, 8, "t = 1; ")  # inside hot's loop body, not on its `def` line
    titles = {l.range.start.line: l.command.title for l in code_lenses("file:///p.py", view)[1:]}
    since = time.strftime("%H:%M", time.localtime(1_000_000.0))
    assert titles[3].endswith(f"· stale since your edit at {since}")
    assert "stale" not in titles[10]  # cold was not touched
    _edit_clock(linemap, 2_000_000.0)
    linemap.apply(12, 0, 12, 0, "    x = 0\n")  # a line inserted into cold's body: stale, with its own time
    titles = {l.range.start.line: l.command.title for l in code_lenses("file:///p.py", view)[1:]}
    assert titles[10].endswith("stale since your edit at " + time.strftime("%H:%M", time.localtime(2_000_000.0)))
    assert titles[3].endswith(f"stale since your edit at {since}")  # the first edit of hot stays its time


def test_lenses_answer_ranges_and_resolve_titles_from_the_data_they_were_built_from(build_data: Any) -> None:
    data = build_data({7: 1.0}, functions=[_fn(line=4, def_line=4)])
    view = DocView(data, LineMap.from_text(data.source))
    cache = LensCache()
    profile, lens = cache.lenses("file:///p.py", 1, view)
    assert profile.command is not None and lens.command is None and lens.range.start.line == 3
    target = cache.target(lens)
    assert target is not None and target[0] == "file:///p.py" and target[1] is data
    resolved = resolve_lens(lens, view, target[1], target[2], {"hot": "▼ −38% vs previous"})
    assert resolved.command.title == "▲ 34.2% CPU (1.21 s) · ▼ −38% vs previous"
    newer = DocView(build_data({7: 1.0}, functions=[_fn(line=4, def_line=4)]), view.linemap)
    assert resolve_lens(lens, newer, target[1], target[2]).command.title == OUTDATED_TITLE
    assert cache.target(profile) is None  # resolved lenses pass through
