"""Property tests: the original and the fixed function give equal results on random inputs (both exec'd)."""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict

from hypothesis import given, settings, strategies as st

from heatlens.analysis.fixes import fix_source

JOIN = '''
class R:
    def __init__(self, k, v):
        self.k, self.v = k, v

def join(pairs_a, pairs_b):
    A = [R(k, v) for k, v in pairs_a]
    B = [R(k, v) for k, v in pairs_b]
    out = []
    for a in A:
        x = str(a.k)
        for b in B:
            if str(b.k) == x:
                out.append((a.v, b.v))
                break
        else:
            out.append((a.v, None))
    return out
'''
MEMBER = '''
def keep(xs, allowed_in):
    allowed = [str(v) for v in allowed_in]
    return [x for x in xs if str(x) in allowed]
'''
CONCAT = '''
def render(rows):
    s = "<"
    for k, v in rows:
        if v % 3 == 0:
            continue
        s += f"{k}:{v},"
    return s
'''
DEQUE = '''
def run(items):
    q = list(items)
    out = []
    while q:
        x = q.pop(0)
        out.append(x)
        if x % 4 == 1 and len(out) < 50:
            q.insert(0, x + 2)
    return out
'''
SORTED = '''
def rank(ids, allowed):
    out = []
    for x in ids:
        out.append(sorted(allowed)[len(allowed) // 2] if allowed else None)
        out.append(x in sorted(allowed))
    return out
'''


def _fn(src: str, name: str) -> Callable[..., Any]:
    ns: Dict[str, Any] = {}
    exec(compile(src, "<prop>", "exec"), ns)
    return ns[name]  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=None)
def _pair(src: str, name: str, rule: str, line: int) -> tuple:
    fixed = fix_source(src, rule, line)
    assert fixed.ok, fixed.reason
    assert fixed.text != src
    return _fn(src, name), _fn(fixed.text, name)


def _line(src: str, marker: str) -> int:
    return next(i for i, t in enumerate(src.splitlines(), 1) if marker in t)


pairs = st.lists(st.tuples(st.integers(0, 8), st.integers(-5, 5)), max_size=25)
ints = st.lists(st.integers(-10, 10), max_size=30)


@settings(max_examples=60, deadline=None)
@given(pairs, pairs)
def test_join_fix_keeps_results(a: list, b: list) -> None:
    old, new = _pair(JOIN, "join", "nested-loop-join", _line(JOIN, "for b in B"))
    assert old(a, b) == new(a, b)


@settings(max_examples=60, deadline=None)
@given(ints, ints)
def test_membership_fix_keeps_results(xs: list, allowed: list) -> None:
    old, new = _pair(MEMBER, "keep", "list-membership", _line(MEMBER, "str(x) in allowed"))
    assert old(xs, allowed) == new(xs, allowed)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=3), st.integers(0, 20)), max_size=20))
def test_concat_fix_keeps_results(rows: list) -> None:
    old, new = _pair(CONCAT, "render", "str-concat-loop", _line(CONCAT, "s +="))
    assert old(rows) == new(rows)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), max_size=30))
def test_deque_fix_keeps_results(items: list) -> None:
    old, new = _pair(DEQUE, "run", "list-pop-front", _line(DEQUE, "q.pop(0)"))
    assert old(items) == new(items)


@settings(max_examples=60, deadline=None)
@given(ints, ints)
def test_sorted_hoist_keeps_results(ids: list, allowed: list) -> None:
    old, new = _pair(SORTED, "rank", "loop-invariant", _line(SORTED, "x in sorted"))
    assert old(ids, allowed) == new(ids, allowed)
