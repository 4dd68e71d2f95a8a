"""CodemodTest before/after for every fix, and the refusal cases (the codemod skips: nothing rewritten)."""

from __future__ import annotations

from libcst.codemod import CodemodTest

from heatlens.analysis.fixes import ApplyFix, fix_source

# The argument probe's record of a function seen 1,000 times with 40 distinct arguments, same result each time.
_PURE_EVIDENCE = {"file": "m.py", "line": 1, "qualname": "sq", "calls": 1000, "distinct": 40, "consistent": 960}


class TestJoinFix(CodemodTest):
    TRANSFORM = ApplyFix

    def test_nested_loop_with_break(self) -> None:
        before = """
def join(customers, orders):
    out = []
    for c in customers:
        key = str(c.id)
        for o in orders:
            if str(o.customer_id) == key:
                out.append(o.total)
                break
    return out
"""
        after = """
def join(customers, orders):
    out = []
    orders_by_str_o_customer_id = {}
    for o in orders:
        orders_by_str_o_customer_id.setdefault(str(o.customer_id), []).append(o)
    for c in customers:
        key = str(c.id)
        for o in orders_by_str_o_customer_id.get(key, ()):
            out.append(o.total)
            break
    return out
"""
        self.assertCodemod(before, after, rule="nested-loop-join", line=5)

    def test_any_becomes_set_lookup(self) -> None:
        before = """
def vip(customers, orders):
    n = 0
    for c in customers:
        key = c.email.lower()
        if any(o.email.lower() == key for o in orders):
            n += 1
    return n
"""
        after = """
def vip(customers, orders):
    n = 0
    orders_email_lower_s = {o.email.lower() for o in orders}
    for c in customers:
        key = c.email.lower()
        if key in orders_email_lower_s:
            n += 1
    return n
"""
        self.assertCodemod(before, after, rule="nested-loop-join", line=5)

    def test_filter_comprehension(self) -> None:
        before = """
def pairs(keys, rows):
    for k in keys:
        name = k.strip()
        print([r for r in rows if r[0].strip() == name])
"""
        after = """
def pairs(keys, rows):
    rows_by_0_strip = {}
    for r in rows:
        rows_by_0_strip.setdefault(r[0].strip(), []).append(r)
    for k in keys:
        name = k.strip()
        print([r for r in rows_by_0_strip.get(name, ())])
"""
        self.assertCodemod(before, after, rule="nested-loop-join", line=4)

    def test_refuses_keys_not_proven_hashable(self) -> None:
        # the measured unsafe case: a join on a key that is a list; an index on it raises TypeError
        before = """
def pairs(A, B):
    n = 0
    for a in A:
        for s in B:
            if a["refs"] == s["refs"]:
                n += 1
    return n
"""
        # the rewrite exists, but only "Apply fix and verify" applies it: its run raises TypeError and refuses it
        result = fix_source(before, "nested-loop-join", 5)
        assert result.ok and result.verify_only

    def test_refuses_when_inner_collection_mutated(self) -> None:
        before = """
def settle(customers, orders):
    for c in customers:
        for o in orders:
            if o.cid == c.id:
                orders.remove(o)
                break
"""
        self.assertCodemod(before, before, rule="nested-loop-join", line=3, expected_skip=True)

    def test_refuses_when_loop_variable_used_after(self) -> None:
        before = """
def last(customers, orders):
    for c in customers:
        for o in orders:
            if o.cid == c.id:
                break
        print(o)
"""
        self.assertCodemod(before, before, rule="nested-loop-join", line=3, expected_skip=True)

    def test_refuses_when_body_has_more_than_the_test(self) -> None:
        before = """
def count(customers, orders):
    n = 0
    for c in customers:
        for o in orders:
            n += 1
            if o.cid == c.id:
                break
    return n
"""
        self.assertCodemod(before, before, rule="nested-loop-join", line=4, expected_skip=True)

    def test_refuses_when_elements_modified(self) -> None:
        before = """
def tag(customers, orders):
    for c in customers:
        for o in orders:
            if o.cid == c.id:
                o.cid = None
"""
        self.assertCodemod(before, before, rule="nested-loop-join", line=3, expected_skip=True)

    def test_title_names_the_assumption(self) -> None:
        src = "def f(A, B):\n    for a in A:\n        k = str(a.k)\n        for b in B:\n            if str(b.k) == k:\n                g(b)\n"
        r = fix_source(src, "nested-loop-join", 4)
        assert r.ok and "calls in the loop don't change `B`" in r.title

class TestMembershipFix(CodemodTest):
    TRANSFORM = ApplyFix

    def test_set_built_once(self) -> None:
        before = """
def keep(items):
    allowed = list(range(100))
    out = []
    for x in items:
        if len(x) in allowed:
            out.append(x)
    return out
"""
        after = """
def keep(items):
    allowed = list(range(100))
    out = []
    allowed_set = set(allowed)
    for x in items:
        if len(x) in allowed_set:
            out.append(x)
    return out
"""
        self.assertCodemod(before, after, rule="list-membership", line=5)

    def test_refuses_when_list_grows_in_loop(self) -> None:
        before = """
def dedupe(items):
    seen = []
    for x in items:
        if x not in seen:
            seen.append(x)
    return seen
"""
        self.assertCodemod(before, before, rule="list-membership", line=4, expected_skip=True)

    def test_refuses_values_not_proven_hashable(self) -> None:
        # rows may be dicts: `set(unique)` would raise TypeError
        before = """
def keep(rows, unique_in):
    unique = list(unique_in)
    out = []
    for row in rows:
        if row in unique:
            out.append(row)
    return out
"""
        result = fix_source(before, "list-membership", 6)
        assert result.ok and result.verify_only  # a set of dict rows raises: only a verified run may apply it


class TestStrConcatFix(CodemodTest):
    TRANSFORM = ApplyFix

    def test_join(self) -> None:
        before = """
def render(rows):
    text = ""
    for k, v in rows:
        text += f"{k}={v}"
    return text
"""
        after = """
def render(rows):
    text = ""
    text_parts = [text]
    for k, v in rows:
        text_parts.append(f"{k}={v}")
    text = ''.join(text_parts)
    return text
"""
        self.assertCodemod(before, after, rule="str-concat-loop", line=4)

    def test_refuses_when_read_in_loop(self) -> None:
        before = """
def render(rows):
    text = ""
    for r in rows:
        text += r
        if len(text) > 10:
            break
    return text
"""
        self.assertCodemod(before, before, rule="str-concat-loop", line=4, expected_skip=True)

    def test_refuses_early_return(self) -> None:
        before = """
def render(rows):
    text = ""
    for r in rows:
        if not r:
            return None
        text += r
    return text
"""
        self.assertCodemod(before, before, rule="str-concat-loop", line=6, expected_skip=True)


class TestDequeFix(CodemodTest):
    TRANSFORM = ApplyFix

    def test_deque(self) -> None:
        before = """
def run(n):
    q = list(range(n))
    total = 0
    while q:
        total += q.pop(0)
        if total % 3 == 0:
            q.insert(0, 1)
    return total
"""
        after = """
import collections

def run(n):
    q = collections.deque(list(range(n)))
    total = 0
    while q:
        total += q.popleft()
        if total % 3 == 0:
            q.appendleft(1)
    return total
"""
        self.assertCodemod(before, after, rule="list-pop-front", line=5)

    def test_refuses_parameter(self) -> None:
        before = """
def drain(q):
    while q:
        q.pop(0)
"""
        self.assertCodemod(before, before, rule="list-pop-front", line=3, expected_skip=True)

    def test_refuses_list_only_use(self) -> None:
        before = """
def run(n):
    q = list(range(n))
    while q:
        q.pop(0)
        print(q[1:])
"""
        self.assertCodemod(before, before, rule="list-pop-front", line=4, expected_skip=True)


class TestInvariantFix(CodemodTest):
    TRANSFORM = ApplyFix

    def test_regex_hoisted(self) -> None:
        before = """
import re

def codes(lines):
    for line in lines:
        m = re.search(r"(\\d+)$", line, flags=re.M)
        print(m)
"""
        after = """
import re

def codes(lines):
    pattern = re.compile(r"(\\d+)$", re.M)
    for line in lines:
        m = pattern.search(line)
        print(m)
"""
        self.assertCodemod(before, after, rule="loop-invariant", line=5)

    def test_sorted_hoisted(self) -> None:
        before = """
def rank(ids, allowed):
    out = []
    for x in ids:
        out.append(x in sorted(allowed))
    return out
"""
        after = """
def rank(ids, allowed):
    out = []
    allowed_sorted = sorted(allowed)
    for x in ids:
        out.append(x in allowed_sorted)
    return out
"""
        self.assertCodemod(before, after, rule="loop-invariant", line=4)

    def test_refuses_mutable_result_kept(self) -> None:
        before = """
def rank(ids, allowed):
    for x in ids:
        order = sorted(allowed)
        order.pop()
"""
        self.assertCodemod(before, before, rule="loop-invariant", line=3, expected_skip=True)

    def test_refuses_positional_flags(self) -> None:
        before = """
import re

def f(lines):
    for line in lines:
        re.findall("a", line, re.I)
"""
        self.assertCodemod(before, before, rule="loop-invariant", line=5, expected_skip=True)


class TestIdiomFixes(CodemodTest):
    TRANSFORM = ApplyFix

    def test_sum_of_lists(self) -> None:
        before = """
def flat(xs):
    return sum(xs, [])
"""
        after = """
import itertools

def flat(xs):
    return list(itertools.chain.from_iterable(xs))
"""
        self.assertCodemod(before, after, rule="quadratic-idiom", line=2)

    def test_lru_cache(self) -> None:
        before = """
def sq(n):
    return n * n

def total(xs):
    return sum(sq(x) for x in xs)
"""
        after = """
import functools

@functools.lru_cache(maxsize=None)
def sq(n):
    return n * n

def total(xs):
    return sum(sq(x) for x in xs)
"""
        self.assertCodemod(before, after, rule="repeated-call", line=1, evidence=_PURE_EVIDENCE)
        # without the argument probe's evidence (or with evidence against it) nothing is rewritten
        self.assertCodemod(before, before, rule="repeated-call", line=1, expected_skip=True)
        self.assertCodemod(before, before, rule="repeated-call", line=1, expected_skip=True,
                           evidence=dict(_PURE_EVIDENCE, inconsistent=3))
        self.assertCodemod(before, before, rule="repeated-call", line=1, expected_skip=True,
                           evidence=dict(_PURE_EVIDENCE, distinct=900))

    def test_lru_cache_refused_for_impure(self) -> None:
        before = """
def log(n):
    print(n)
    return n

def total(xs):
    for x in xs:
        log(x)
"""
        self.assertCodemod(before, before, rule="repeated-call", line=1, expected_skip=True)

    def test_advice_only_rules_have_no_fix(self) -> None:
        src = "import copy\ndef f(t, n):\n    for i in range(n):\n        copy.deepcopy(t)\n"
        r = fix_source(src, "quadratic-idiom", 4)
        assert not r.ok and r.text == src


class TestMoreRefusals(CodemodTest):
    TRANSFORM = ApplyFix

    def test_join_refused_when_element_method_called(self) -> None:
        before = """
def close(customers, orders):
    for c in customers:
        for o in orders:
            if o.cid == c.id:
                o.close()
"""
        self.assertCodemod(before, before, rule="nested-loop-join", line=4, expected_skip=True)

    def test_join_refused_in_generator_that_yields(self) -> None:
        before = """
def pairs(customers, orders):
    for c in customers:
        for o in orders:
            if o.cid == c.id:
                yield o
"""
        self.assertCodemod(before, before, rule="nested-loop-join", line=4, expected_skip=True)

    def test_concat_refused_when_closure_reads(self) -> None:
        before = """
def render(rows):
    s = ""
    peek = lambda: len(s)
    for r in rows:
        s += r
        print(peek())
    return s
"""
        self.assertCodemod(before, before, rule="str-concat-loop", line=6, expected_skip=True)

    def test_hoist_refused_when_items_mutated(self) -> None:
        before = """
def grow(groups):
    for g in groups:
        g.append(max(groups))
"""
        self.assertCodemod(before, before, rule="loop-invariant", line=4, expected_skip=True)

    def test_lru_cache_refused_for_global_read(self) -> None:
        before = """
RATE = [2]

def scale(n):
    return n * RATE[0]

def total(xs):
    return [scale(x) for x in xs]
"""
        self.assertCodemod(before, before, rule="repeated-call", line=4, expected_skip=True)

    def test_lru_cache_refused_for_mutable_result(self) -> None:
        before = """
def pair(n):
    out = [n, n]
    return out

def total(xs):
    return [pair(x) for x in xs]
"""
        self.assertCodemod(before, before, rule="repeated-call", line=2, expected_skip=True)


class TestAttributeLookupFix(CodemodTest):
    TRANSFORM = ApplyFix

    def test_chain_bound_once(self) -> None:
        before = """
def scale(self, xs):
    out = []
    for x in xs:
        out.append(x * self.cfg.factor + self.cfg.factor)
    return out
"""
        after = """
def scale(self, xs):
    out = []
    cfg_factor = self.cfg.factor
    for x in xs:
        out.append(x * cfg_factor + cfg_factor)
    return out
"""
        self.assertCodemod(before, after, rule="attribute-lookup", line=4)

    def test_no_candidate_when_the_attribute_is_assigned(self) -> None:
        before = """
def bump(self, xs):
    for x in xs:
        self.cfg.factor = x * self.cfg.factor
"""
        self.assertCodemod(before, before, rule="attribute-lookup", line=3, expected_skip=True)

    def test_title_states_the_assumption(self) -> None:
        src = "def f(o, xs):\n    for x in xs:\n        print(o.a.b)\n"
        r = fix_source(src, "attribute-lookup", 3)
        assert r.ok and "assumes it does not change during the loop" in r.title
