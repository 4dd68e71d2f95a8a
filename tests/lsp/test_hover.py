"""Hovers: the Markdown table of a line and of a function, with uncertainty and staleness."""

from __future__ import annotations

from typing import Any

from heatlens.lsp.annotations import DocView, FunctionData
from heatlens.lsp.features.hover import hover, hover_markdown
from heatlens.mapping.linemap import LineMap


def test_line_table_numbers(build_data: Any) -> None:
    data = build_data({7: 3.0, 13: 1.0}, samples=2500, mem={7: 12.5})
    text = hover_markdown(DocView(data), 6)
    assert text is not None
    assert "line 7 as profiled · run #3" in text
    assert "| CPU | 3.00 s · 75.0% of run |" in text
    assert "| python / native / system | 2.40 s / 600.0 ms / 0 s |" in text
    assert "| memory alloc / peak / net | 12.5 MB / 12.5 MB / 0.00 MB |" in text
    assert "| samples | 2,500 (±2%) |" in text
    assert "stale" not in text


def test_few_samples_say_so(build_data: Any) -> None:
    text = hover_markdown(DocView(build_data({7: 0.004}, samples=4)), 6)
    assert text is not None and "4 (±50%) — few samples, rough estimate" in text


def test_nothing_measured_no_hover(build_data: Any) -> None:
    assert hover(DocView(build_data({7: 1.0})), 0) is None
    assert hover(None, 6) is None


def test_edited_line_is_stale(build_data: Any) -> None:
    data = build_data({7: 1.0})
    linemap = LineMap.from_text(data.source)
    view = DocView(data, linemap)
    linemap.apply(6, 8, 6, 8, "  ")  # type inside the hot line
    text = hover_markdown(view, 6)
    assert text is not None and "stale" in text and "edited since the run" in text


def test_function_hover_on_decorator_and_def(build_data: Any) -> None:
    fn = FunctionData(qualname="cold", line=11, def_line=12, end_line=13, seconds=0.5, share=0.25, own_seconds=0.5,
                      calls=3, callers={"/p.py:16:<module>": 0.5}, callees={"/p.py:0:sum": 0.4})
    view = DocView(build_data({13: 0.5}, functions=[fn], total=2.0))
    for line in (10, 11):  # `@decorated` and `def cold`
        text = hover_markdown(view, line)
        assert text is not None and "`cold`" in text and "| calls | 3 |" in text
        assert "| top callers | `<module>` 500.0 ms |" in text and "`sum`" in text


def test_a_run_of_the_in_process_fallback_says_its_lines_are_approximate(build_data: Any) -> None:
    from heatlens.lsp.annotations import line_caveat
    from heatlens.model import Profile, RunMeta

    assert line_caveat(Profile(meta=RunMeta(backend="pyspy"))) is None
    fallback = "Lines are approximate: the exact sampler cannot run here (py-spy is not installed beside heatlens), ..."
    assert line_caveat(Profile(meta=RunMeta(backend="agent", notes=[fallback]))) == fallback  # auto says why
    chosen = line_caveat(Profile(meta=RunMeta(backend="agent")))  # --backend agent: the generic caveat
    assert chosen is not None and "check points" in chosen
    data = build_data({7: 1.0})
    data.caveat = chosen
    text = hover_markdown(DocView(data), 6)
    assert text is not None and "check points" in text
    data.caveat = None
    assert "check points" not in (hover_markdown(DocView(data), 6) or "")


def test_a_line_that_calls_library_code_shows_what_it_pays_for(build_data: Any) -> None:
    data = build_data({7: 0.5, 13: 0.5}, samples=2500)
    data.lines[7].cpu_callees = 2.0  # e.g. numpy's sort, called from line 7: counted on numpy's lines too
    data.total_cpu = 4.0  # the run's CPU, numpy's lines included
    text = hover_markdown(DocView(data), 6)
    assert text is not None
    assert "| CPU | 2.50 s · 62.5% of run |" in text  # the share the heat shows: own + library it calls
    assert "| in library code it calls | 2.00 s |" in text
