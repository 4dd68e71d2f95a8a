"""Big sources: the tokenizer index gives the same scopes and statement spans as the LibCST index, the
size limits pick the builder and say what is left out, and the cache is bounded by lines held."""

from __future__ import annotations

import pytest

from heatlens.mapping import source_index as si
from heatlens.mapping._cst_index import build as build_cst
from heatlens.mapping._token_index import build as build_tokens

SAMPLE = '''"""Module docstring
def not_a_function():
"""
import os


@decorator(
    arg=1,
)
@other
def outer(a,
          b):
    """Doc.
def fake():
    """
    def inner():  # a comment
        return [x for x in range(3)]

    class Local:
        def method(self): return 1
    return inner


class Thing(Base):
    attribute = {
        "key": 1,
    }

    async def fetch(self, url):
        async with session.get(url) as r:
            return await r.text()

    @property
    def value(self):
        x = (1 +
             2)
        return x
# a trailing comment


def one_liner(): return 0
def last():
    if True:
        pass
'''


def shape(index: si.SourceIndex):
    scopes = [(s.kind, s.qualname, s.start_line, s.def_line, s.end_line, s.body_start, s.header_end, s.parent, s.depth)
              for s in index.scopes]
    spans = [index.statement_span(line) for line in range(1, index.line_count + 1)]
    scope_at = [getattr(index.scope_at(line), "qualname", None) for line in range(1, index.line_count + 1)]
    return scopes, spans, scope_at


def test_token_index_matches_libcst() -> None:
    cst, tokens = build_cst("m.py", SAMPLE), build_tokens("m.py", SAMPLE, "big")
    assert cst.parsed and tokens.parsed and tokens.note == "big"
    assert shape(tokens) == shape(cst)
    assert [s.qualname for s in tokens.scopes] == [
        "outer", "outer.<locals>.inner", "outer.<locals>.Local", "outer.<locals>.Local.method",
        "Thing", "Thing.fetch", "Thing.value", "one_liner", "last",
    ]
    assert tokens.function_by_first_line(7).qualname == "outer"  # co_firstlineno: the first decorator
    assert tokens.loops == [] and tokens.loops_at(17) == []


def test_token_index_of_broken_source_is_unparsed() -> None:
    index = build_tokens("m.py", "def f(:\n    return (1,\n", "big")
    assert not index.parsed and index.error and index.scope_at(1) is None


def test_size_limits_pick_the_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    assert si.build_index("m.py", SAMPLE).note is None
    monkeypatch.setattr(si, "CST_MAX_LINES", 10)
    big = si.build_index("m.py", SAMPLE)
    assert big.parsed and big.note and "quick scan" in big.note
    assert shape(big) == shape(build_cst("m.py", SAMPLE))
    monkeypatch.setattr(si, "TOKEN_MAX_CHARS", 100)
    huge = si.build_index("m.py", SAMPLE)
    assert not huge.parsed and huge.note and "line heat only" in huge.note
    assert huge.line_count == si.count_lines(SAMPLE)


def test_cache_is_bounded_by_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    si.clear_cache()
    monkeypatch.setattr(si, "_CACHE_LINES", 3 * SAMPLE.count("\n"))
    texts = [SAMPLE + f"\nx = {i}\n" for i in range(5)]
    for text in texts:
        si.index_for("m.py", text)
    assert si.cached_index("m.py", texts[0]) is None  # evicted: least recently used
    assert si.cached_index("m.py", texts[-1]) is not None
    assert sum(1 for t in texts if si.cached_index("m.py", t) is not None) <= 3
    si.clear_cache()
