"""candidates: the cost of the static analysis does not grow with the number of candidates (counted in
module walks and in LibCST child-list computations, not in seconds), and a file version is parsed once."""

from __future__ import annotations

import libcst as cst
import pytest

from heatlens.analysis import cstutil
from heatlens.analysis import detect as detection
from heatlens.analysis.detect import analysed, detect


def _big(n: int) -> str:
    """n classes whose methods hold a list-membership test on an attribute list, a string built with
    `+=` on an attribute and a regex call per iteration: each a candidate that looks at the whole module."""
    body = "".join(
        f"\nclass C{i}:\n    def __init__(self):\n        self.seen = []\n        self.text = ''\n"
        f"    def feed(self, rows):\n        for r in rows:\n            if r in self.seen:\n                continue\n"
        f"            self.seen.append(r)\n            self.text += r\n            re.match('a{i}', r)\n"
        for i in range(n))
    return "import re\n" + body


@pytest.mark.parametrize("n", [5, 100])
def test_work_does_not_grow_with_the_number_of_candidates(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    module_walks, child_lists = [0], [0]
    walk, children = cstutil.walk, cst.CSTNode.children

    def counting_walk(node: cst.CSTNode, into_defs: bool = False):  # type: ignore[no-untyped-def]
        module_walks[0] += isinstance(node, cst.Module)
        return walk(node, into_defs)

    def counting_children(self: cst.CSTNode):  # type: ignore[no-untyped-def]
        child_lists[0] += 1
        return children.fget(self)  # type: ignore[attr-defined]

    monkeypatch.setattr(cstutil, "walk", counting_walk)
    monkeypatch.setattr(cst.CSTNode, "children", property(counting_children))
    cands = detect(_big(n))
    rules = {c.rule for c in cands}
    assert {"list-membership", "string-concat", "loop-invariant"} <= rules
    assert len([c for c in cands if c.rule == "list-membership"]) == n
    assert module_walks[0] <= 6  # measured before: one walk of the module per membership test
    assert child_lists[0] == 0  # every child list comes from the parse's own pass (cstpass)


def test_a_file_version_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parses = [0]
    parse = detection.parse

    def counting(source: str):  # type: ignore[no-untyped-def]
        parses[0] += 1
        return parse(source)

    monkeypatch.setattr(detection, "parse", counting)
    src = _big(3) + "\n# version test_a_file_version_is_parsed_once\n"
    first, again = analysed(src), analysed(src)
    assert parses[0] == 1 and first is again
    assert all(c.plan is None for c in first.candidates)  # no tree kept alive by the cache
    assert first.owners[[c.rule for c in first.candidates].index("list-membership")] == "C0.feed"
    analysed(src + "x = 1\n")
    assert parses[0] == 2  # another version: parsed again


def test_a_loops_iterable_is_not_inside_that_loop() -> None:
    # `for u in sorted(users)` sorts once; a comprehension's first iterable is evaluated once too
    src = ("def f(users, events):\n    for u in sorted(users):\n        x = [e for e in sorted(events)]\n"
           "    for _ in range(3):\n        for u in sorted(users):\n            pass\n")
    found = [(c.line, c.rule) for c in detect(src) if c.rule == "loop-invariant"]
    assert found == [(3, "loop-invariant"), (5, "loop-invariant")]  # each inside the OUTER loop only
