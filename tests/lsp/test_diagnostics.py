"""Diagnostics from measured findings: hot patterns only, on their current range, gone when edited."""

from __future__ import annotations

from lsprotocol import types as lsp
from pygls.workspace import PositionCodec

from heatlens.lsp.annotations import DocView, FileData
from heatlens.lsp.features.diagnostics import diagnostics
from heatlens.mapping.linemap import LineMap
from heatlens.model import LineStats

SRC = """def f(xs, allowed_in):
    allowed = [str(a) for a in allowed_in]
    out = []
    for x in xs:
        if str(x) in allowed:
            out.append(x)
    small = [1, 2]
    for x in xs[:2]:
        if x in small:
            out.append(x)
    return out
"""


def _data(cpu: dict) -> FileData:
    lines = {n: LineStats(n, cpu_python=s, samples=int(s * 250)) for n, s in cpu.items()}
    return FileData(path="/nowhere/f.py", run_id=1, total_cpu=1.0, lines=lines, functions=[], source=SRC, parsed=True)


def test_hot_membership_is_a_warning_on_its_range() -> None:
    view = DocView(_data({5: 0.7, 6: 0.2999, 9: 0.0001}), LineMap.from_text(SRC))
    diags = diagnostics(view)
    assert len(diags) == 1  # the cold copy on line 9 is not reported
    d = diags[0]
    assert d.severity == lsp.DiagnosticSeverity.Warning and d.code == "list-membership" and d.source == "heatlens"
    assert (d.range.start.line, d.range.start.character, d.range.end.character) == (4, 11, 28)
    assert "of run time (" in d.message and "with 95% confidence" in d.message  # its own line, with the bound
    assert d.data["fixTitle"].startswith("Test membership in a set")


def test_diagnostic_follows_edits_and_drops_when_stale() -> None:
    linemap = LineMap.from_text(SRC)
    view = DocView(_data({5: 0.7}), linemap)
    linemap.apply(0, 0, 0, 0, "# header\n")
    assert diagnostics(view)[0].range.start.line == 5
    linemap.apply(5, 8, 5, 10, "iff")  # edit the finding's own line
    assert diagnostics(view) == []


def test_no_view_no_diagnostics() -> None:
    assert diagnostics(None) == []


EMOJI_SRC = SRC.replace("        if str(x) in allowed:", '        if x != "🔥🔥" and str(x) in allowed:')


def _utf16_slice(line: str, start: int, end: int) -> str:
    return line.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le")


def test_range_after_characters_outside_the_bmp_is_in_utf16_units() -> None:
    data = _data({5: 0.7, 6: 0.2999})
    data.source = EMOJI_SRC
    d = diagnostics(DocView(data, LineMap.from_text(EMOJI_SRC)))[0]
    line = EMOJI_SRC.splitlines()[4]
    assert d.range.start.line == d.range.end.line == 4
    # each 🔥 is one code point (LibCST's column) but two UTF-16 units (the client's)
    assert _utf16_slice(line, d.range.start.character, d.range.end.character) == "str(x) in allowed"


def test_range_in_a_negotiated_utf32_encoding_is_in_code_points() -> None:
    data = _data({5: 0.7, 6: 0.2999})
    data.source = EMOJI_SRC
    d = diagnostics(DocView(data), codec=PositionCodec(lsp.PositionEncodingKind.Utf32))[0]
    line = EMOJI_SRC.splitlines()[4]
    assert line[d.range.start.character:d.range.end.character] == "str(x) in allowed"
