"""rules_idioms: loop-invariant reductions over views and generators, aliases, and the cost of analysing
a big module (counted in walks of the whole module, not in seconds)."""

from __future__ import annotations

import libcst as cst
import pytest

from heatlens.analysis import cstutil
from heatlens.analysis.detect import detect


def inv(src: str) -> list:
    return [(c.line, c.fix_title is not None) for c in detect(src) if c.rule == "loop-invariant"]


def test_max_of_dict_values_in_a_loop_that_does_not_change_the_dict() -> None:
    src = "def f(vocab, counts):\n    rel = {}\n    for w in vocab:\n        rel[w] = counts[w] / max(counts.values())\n    return rel\n"
    assert inv(src) == [(4, False)]


def test_max_over_a_generator_of_an_unchanged_collection() -> None:
    src = "def f(orders, bins):\n    for o in orders:\n        far = max(b.aisle for b in bins)\n        print(far)\n"
    assert inv(src) == [(3, False)]


def test_not_invariant_when_an_alias_grows_the_collection() -> None:
    # `queue = tasks; queue.append(...)` changes `tasks`: hoisting `sorted(tasks)` would change the result
    src = "def f(tasks):\n    queue = tasks\n    out = []\n    for step in range(9):\n" \
          "        out.append(sorted(tasks)[0])\n        queue.append(step)\n    return out\n"
    assert inv(src) == []


def test_not_invariant_when_the_dict_changes() -> None:
    src = "def f(words):\n    counts = {}\n    for w in words:\n        counts[w] = 1\n        m = max(counts.values())\n"
    assert inv(src) == []


def _big(n: int) -> str:
    body = "".join(f"\ndef f{i}(lines, rules):\n    out = ''\n    for line in lines:\n"
                   f"        if re.search('a{i}', line) or re.match(rules[{i} % 3], line):\n            out += line\n"
                   "    return out\n" for i in range(n))
    return "import re\n" + body


@pytest.mark.parametrize("n", [10, 200])
def test_module_walks_do_not_grow_with_the_number_of_calls(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # measured before: `_imports_re` walked the whole module once per re.* call (20 s on a 1,790-line file)
    count = [0]
    orig = cstutil.walk

    def counting(node: cst.CSTNode, into_defs: bool = False):  # type: ignore[no-untyped-def]
        if isinstance(node, cst.Module):
            count[0] += 1
        return orig(node, into_defs)

    monkeypatch.setattr(cstutil, "walk", counting)
    cands = detect(_big(n))
    assert len([c for c in cands if c.rule == "loop-invariant"]) == n
    assert count[0] <= 6
