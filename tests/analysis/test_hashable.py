"""hashable.proven_hashable: only values whose kind is visible (str, numbers, tuples of them) pass."""

from __future__ import annotations

import libcst as cst

from heatlens.analysis.hashable import proven_hashable


def ok(expr: str) -> bool:
    return proven_hashable(cst.parse_expression(expr))


def test_literals_str_methods_and_tuples() -> None:
    assert ok("'a'") and ok("3") and ok("f'{x}'") and ok("b.email.lower()") and ok("str(r)") and ok("(1, 'a')")
    assert ok("len(xs) + 1")


def test_records_lists_and_unknown_calls_are_not_proven() -> None:
    assert not ok("a['refs']") and not ok("b.k") and not ok("[1]") and not ok("sorted(w)") and not ok("f(x)")
    assert not ok("(1, a.k)")


def test_names_follow_their_assignments_in_scope() -> None:
    fn = cst.parse_module("def f(rows, n):\n    key = r.strip()\n    for i in range(n):\n        pass\n").body[0]
    assert proven_hashable(cst.Name("key"), fn) and proven_hashable(cst.Name("i"), fn)
    assert not proven_hashable(cst.Name("rows"), fn)  # a parameter: unknown
