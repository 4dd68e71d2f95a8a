"""Cells inside a Profile: moving locations, recording cells, their hot lines and the printed summary."""

from __future__ import annotations

from heatlens.model import FileProfile, Finding, Frame, FunctionStats, LineStats, Profile, RunMeta, StackSample
from heatlens.notebook.cells import CellInfo, attach_cells, cells_of, hot_lines, normalized, remap, summary_text

CELL = "%%heatlens\nitems = list(range(10))\nfor k in range(5):\n    if k in items:\n        pass"


def profile() -> Profile:
    return Profile(
        meta=RunMeta(target="notebook In [3]", wall_time=1.5),
        files=[FileProfile(path="/tmp/k/1.py", lines=[LineStats(line=4, cpu_python=0.9, samples=90),
                                                      LineStats(line=3, cpu_python=0.1, samples=10)]),
               FileProfile(path="/lib/x.py", lines=[LineStats(line=7, cpu_python=0.5, samples=50)])],
        functions=[FunctionStats(qualname="<module>", file="/tmp/k/1.py", line=1, self_time=1.0,
                                 callees={"/lib/x.py:7:f": 0.5})],
        frames=[Frame(name="<module>", file="/tmp/k/1.py", line=1)],
        stacks=[StackSample(frames=[0], weight=0.9, leaf_line=4)],
    )


def test_remap_moves_lines_functions_frames_and_merges_collisions() -> None:
    p = profile()
    p.findings.append(Finding(rule="r", message="m", file="/tmp/k/1.py", line=3, end_line=4))
    remap(p, lambda f, n: ("/nb#cell1", n + 10) if f == "/tmp/k/1.py" else (None if f == "/lib/x.py" else (f, n)))
    assert [fp.path for fp in p.files] == ["/nb#cell1"]  # the library's lines were dropped
    assert sorted(s.line for s in p.files[0].lines) == [13, 14]
    assert (p.functions[0].file, p.functions[0].line) == ("/nb#cell1", 11)
    assert (p.frames[0].file, p.frames[0].line, p.stacks[0].leaf_line) == ("/nb#cell1", 11, 14)
    assert (p.findings[0].line, p.findings[0].end_line) == (13, 14)
    p2 = profile()
    remap(p2, lambda f, n: (f, 1))  # two lines onto one: their time adds up
    assert p2.files[0].lines[0].cpu == 1.0 and p2.files[0].lines[0].samples == 100


def test_attach_cells_round_trips_and_names_hot_lines() -> None:
    p = profile()
    attach_cells(p, [CellInfo(path="/tmp/k/1.py", name="In [3]", source=CELL, profiled=True)])
    assert p.file("/tmp/k/1.py").sha256 is not None and p.extras["heatlens.sources"]["/tmp/k/1.py"] == CELL
    cells = cells_of(p)
    assert cells["/tmp/k/1.py"].profiled and cells["/tmp/k/1.py"].name == "In [3]"
    hot = hot_lines(p)
    assert [(h.line, h.text) for h in hot] == [(4, "if k in items:"), (3, "for k in range(5):")]
    assert round(hot[0].share, 3) == round(0.9 / 1.5, 3)  # a share of all the run sampled, libraries too
    text = summary_text(p, 7)
    assert "stored as run #7" in text and "In [3] line   4" in text.splitlines()[1]


def test_no_cells_and_no_samples_say_so() -> None:
    assert cells_of(Profile()) == {} and hot_lines(Profile()) == []
    assert "no sample landed in a notebook cell" in summary_text(Profile(), None)


def test_normalized_ignores_line_ends_and_trailing_blanks() -> None:
    assert normalized("a = 1  \r\nb = 2\n\n") == normalized("a = 1\nb = 2")
    assert normalized("a = 1\n") != normalized("a = 2\n")


def test_sources_extra_is_the_one_the_editor_reads() -> None:
    from heatlens.lsp.annotations import SOURCES_EXTRA
    from heatlens.notebook import cells

    assert cells.SOURCES_EXTRA == SOURCES_EXTRA
