"""rules_calls: regex per call, random.choices(weights=), any/all over a list, re-sorted priority queues,
string += on attributes/items/bytes. Advice only, except any/all over a side-effect-free comprehension."""

from __future__ import annotations

from libcst.codemod import CodemodTest

from heatlens.analysis.detect import detect
from heatlens.analysis.fixes import ApplyFix


def rules(src: str) -> list:
    return [(c.line, c.rule, c.fix_title is not None) for c in detect(src)
            if c.rule in ("regex-per-call", "random-choices-weights", "any-all-listcomp", "resort-priority-queue",
                          "string-concat")]


def test_regex_with_computed_pattern_in_a_function() -> None:
    src = "import re\nRULES = {}\n\ndef classify(t, p):\n    return re.compile(RULES[t]).match(p)\n\n" \
          "def score(msg, kws):\n    for kw in kws:\n        re.search(rf'\\b{kw}\\b', msg)\n"
    assert rules(src) == [(5, "regex-per-call", False), (9, "regex-per-call", False)]


def test_regex_with_constant_pattern_is_not_per_call() -> None:
    assert rules("import re\nPAT = 'a+'\ndef f(xs):\n    for x in xs:\n        re.match(PAT, x)\n        re.match('b', x)\n") == []


def test_random_choices_weights_keyword_and_positional() -> None:
    src = "import random\ndef f(items, w):\n    a = random.choices(items, weights=w)\n    b = random.choices(items, w)\n" \
          "    c = random.choices(items, k=3)\n"
    assert rules(src) == [(3, "random-choices-weights", False), (4, "random-choices-weights", False)]


def test_any_over_list_comprehension_but_not_generator_or_sum() -> None:
    src = "def f(text, banned):\n    a = any([p in text for p in banned])\n    b = any(p in text for p in banned)\n" \
          "    c = sum([len(p) for p in banned])\n"
    assert rules(src) == [(2, "any-all-listcomp", True)]


def test_all_over_calls_with_side_effects_is_refused() -> None:
    src = "def f(checks):\n    return all([c() for c in checks])\n"
    [c] = [c for c in detect(src) if c.rule == "any-all-listcomp"]
    assert c.fix_title is None and "side effects" in c.refusal


def test_resorted_queue_with_pop0() -> None:
    src = "def run(items):\n    pending = []\n    for x in items:\n        pending.append(x)\n        pending.sort()\n" \
          "        while pending and pending[0] < 3:\n            pending.pop(0)\n"
    [c] = [c for c in detect(src) if c.rule == "resort-priority-queue"]
    assert (c.line, c.cost_lines, c.fix_title) == (5, (5, 7), None) and "heapq" in c.advice


def test_sort_without_pop_is_not_a_queue() -> None:
    assert rules("def f(xs):\n    ys = []\n    for x in xs:\n        ys.append(x)\n        ys.sort()\n") == []


def test_string_concat_on_attribute_item_and_bytes_local() -> None:
    src = "class R:\n    def __init__(self):\n        self.out = ''\n    def add(self, s):\n        self.out += f'<p>{s}</p>'\n\n" \
          "def g(parts, d):\n    buf = b''\n    for p in parts:\n        buf += p\n        d['k'] += 'x'\n"
    assert rules(src) == [(5, "string-concat", False), (10, "string-concat", False), (11, "string-concat", False)]


def test_number_attribute_increment_is_not_string_concat() -> None:
    assert rules("class C:\n    def __init__(self):\n        self.n = 0\n    def f(self):\n        self.n += 1\n") == []


class TestAnyAllFix(CodemodTest):
    TRANSFORM = ApplyFix

    def test_generator(self) -> None:
        before = """
def is_spam(text, banned):
    return any([p in text for p in banned])
"""
        after = """
def is_spam(text, banned):
    return any(p in text for p in banned)
"""
        self.assertCodemod(before, after, rule="any-all-listcomp", line=2)

    def test_refuses_side_effects(self) -> None:
        before = """
def check(rules):
    return all([r() for r in rules])
"""
        self.assertCodemod(before, before, rule="any-all-listcomp", line=2, expected_skip=True)


def test_string_built_through_a_nonlocal_or_global_by_a_helper() -> None:
    # `add()` runs once per piece: a cell or global target has no in-place append, so each += copies all
    src = ("def digest(msgs):\n    out = ''\n    def add(t):\n        nonlocal out\n        out += t + '\\n'\n"
           "    for m in msgs:\n        add(m)\n    return out\n\nLOG = ''\ndef log(t):\n    global LOG\n    LOG += t\n"
           "\ndef total(xs):\n    n = 0\n    def add(x):\n        nonlocal n\n        n += x\n")
    assert rules(src) == [(5, "string-concat", False), (13, "string-concat", False)]


def test_string_rebuilt_by_a_chain_of_additions_in_a_loop() -> None:
    # measured: `s = s + x + ","` 0.44 s for 20k pieces, 12.8 s for 80k (quadratic); `s += x + ","` 0.005 s
    src = ("def f(xs):\n    s = ''\n    for x in xs:\n        s = s + x + ','\n    n = 0\n    for x in xs:\n"
           "        n = n + x + 1\n    t = ''\n    for x in xs:\n        t = t + x\n    return s, n, t\n")
    found = [(c.line, c.rule) for c in detect(src) if c.rule == "str-concat-loop"]
    assert found == [(4, "str-concat-loop")]  # numbers are not strings; `t = t + x` is appended in place


def test_strptime_per_record() -> None:
    src = ("from datetime import datetime\ndef parse(rows):\n    return [datetime.strptime(r, '%Y-%m-%d') for r in rows]\n"
           "START = datetime.strptime('2024-01-01', '%Y-%m-%d')\n")
    found = [(c.line, c.fix_title) for c in detect(src) if c.rule == "strptime-per-call"]
    assert found == [(3, None)]  # the module-level constant runs once
