"""Quadratic-idiom fixes: `sum(lists, [])` and `xs = xs + [...]` in a loop. CodemodTest before/after,
the refusal cases (each precondition), and hypothesis: original and fixed functions agree."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

from hypothesis import given, settings, strategies as st
from libcst.codemod import CodemodTest

from heatlens.analysis.detect import detect
from heatlens.analysis.fixes import ApplyFix, fix_source


class TestSumLists(CodemodTest):
    TRANSFORM = ApplyFix

    # the plain rewrite is tests/analysis/test_fixes.py::TestIdiomFixes::test_sum_of_lists
    def test_refused_when_sum_or_itertools_is_rebound(self) -> None:
        for bind in ("from mylib import sum\n", "itertools = None\n", "def sum(xs, start):\n    return start\n"):
            before = f"{bind}\ndef flat(xs):\n    return sum(xs, [])\n"
            line = before.splitlines().index("    return sum(xs, [])") + 1
            self.assertCodemod(before, before, rule="quadratic-idiom", line=line, expected_skip=True)
            assert "is rebound" in fix_source(before, "quadratic-idiom", line).reason


class TestListConcat(CodemodTest):
    TRANSFORM = ApplyFix

    def test_append_one(self) -> None:
        before = """
def evens(rows):
    out = []
    for r in rows:
        if r % 2 == 0:
            out = out + [r * 10]
    return out
"""
        after = """
def evens(rows):
    out = []
    for r in rows:
        if r % 2 == 0:
            out.append(r * 10)
    return out
"""
        self.assertCodemod(before, after, rule="quadratic-idiom", line=5)  # CodemodTest drops the first newline

    def test_extend_many_and_other_list(self) -> None:
        before = """
def grow(rows, tail):
    out = list(rows)
    for r in rows:
        out = out + [r, -r]
        out = out + tail
    return len(out), out[0], r in out
"""
        after = """
def grow(rows, tail):
    out = list(rows)
    for r in rows:
        out.extend([r, -r])
        out = out + tail
    return len(out), out[0], r in out
"""
        self.assertCodemod(before, after, rule="quadratic-idiom", line=4)
        r = fix_source(before, "quadratic-idiom", 6)
        assert r.ok and "out.extend(tail)" in r.text and "assumes `tail` is a list" in r.title

    def _refused(self, before: str, line: int, why: str) -> None:
        self.assertCodemod(before, before, rule="quadratic-idiom", line=line, expected_skip=True)
        assert why in fix_source(before, "quadratic-idiom", line).reason

    def test_refused_for_a_parameter(self) -> None:
        self._refused("def f(out, rows):\n    for r in rows:\n        out = out + [r]\n    return out\n", 3, "parameter")

    def test_refused_when_aliased(self) -> None:
        self._refused("def f(rows):\n    out = []\n    keep = out\n    for r in rows:\n        out = out + [r]\n    return keep\n",
                      5, "aliased")
        self._refused("def f(rows, seen):\n    out = []\n    seen.append(out)\n    for r in rows:\n        out = out + [r]\n",
                      5, "passed to `seen.append`")
        self._refused("def f(rows):\n    out = []\n    peek = lambda: out\n    for r in rows:\n        out = out + [r]\n    return peek()\n",
                      5, "lambda")
        self._refused("def f(rows):\n    out = []\n    it = iter(out)\n    for r in rows:\n        out = out + [r]\n    return list(it)\n",
                      5, "passed to `iter`")

    def test_refused_when_iterating_itself_or_not_a_fresh_list(self) -> None:
        self._refused("def f():\n    out = [1, 2]\n    for r in out:\n        out = out + [r]\n    return out\n", 4, "while it grows")
        self._refused("def f(rows, src):\n    out = src\n    for r in rows:\n        out = out + [r]\n    return out\n", 4,
                      "may not be a fresh list")
        self._refused("out = []\nfor r in range(3):\n    out = out + [r]\n", 3, "module global")
        self._refused("def f(rows):\n    global out\n    out = []\n    for r in rows:\n        out = out + [r]\n", 5, "global")

    def test_numbers_are_not_list_concat(self) -> None:
        src = "def f(rows):\n    total = 0\n    for r in rows:\n        total = total + r\n    return total\n"
        assert not [c for c in detect(src) if c.rule == "quadratic-idiom"]


def _fixed(src: str, line: int, name: str) -> Callable[..., Any]:
    r = fix_source(src, "quadratic-idiom", line)
    assert r.ok, r.reason
    ns: Dict[str, Any] = {}
    exec(r.text, ns)
    return ns[name]  # type: ignore[no-any-return]


def _orig(src: str, name: str) -> Callable[..., Any]:
    ns: Dict[str, Any] = {}
    exec(src, ns)
    return ns[name]  # type: ignore[no-any-return]


CONCAT = '''
def pick(rows, tail):
    out = []
    for r in rows:
        if r % 3:
            out = out + [r, r * 2]
        out = out + tail
        if len(out) > 40:
            out = [len(out)]
    return out
'''
SUMS = '''
def flat(groups):
    return sum(groups, [])
'''


PICK = _orig(CONCAT, "pick")
PICK_ONE = _fixed(CONCAT, 6, "pick")  # `out.extend([r, r * 2])`
PICK_BOTH = _fixed(fix_source(CONCAT, "quadratic-idiom", 6).text, 7, "pick")  # and `out.extend(tail)`
FLAT, FLAT_FIXED = _orig(SUMS, "flat"), _fixed(SUMS, 3, "flat")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-50, 50), max_size=30), st.lists(st.integers(), max_size=3))
def test_concat_fix_keeps_results(rows: List[int], tail: List[int]) -> None:
    assert PICK_ONE(rows, list(tail)) == PICK(rows, list(tail)) == PICK_BOTH(rows, list(tail))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(), max_size=5), max_size=20))
def test_sum_fix_keeps_results(groups: List[List[int]]) -> None:
    assert FLAT_FIXED(groups) == FLAT(groups)


CACHED = '''
def weight(level, scale=1):
    total = 0
    for k in range(1, 50):
        total += (level * k) % 11
    return total * scale


def run(levels):
    return [weight(x, 2) + weight(x) for x in levels]
'''
_EVIDENCE = {"file": "m.py", "line": 2, "qualname": "weight", "calls": 1000, "distinct": 40, "consistent": 960}
_CACHED_FIX = fix_source(CACHED, "repeated-call", 2, evidence=_EVIDENCE)
RUN, RUN_CACHED = _orig(CACHED, "run"), _orig(_CACHED_FIX.text, "run")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-20, 20), max_size=40))
def test_cache_fix_keeps_results(levels: List[int]) -> None:
    assert "@functools.lru_cache(maxsize=None)" in _CACHED_FIX.text
    assert RUN_CACHED(levels) == RUN(levels)
