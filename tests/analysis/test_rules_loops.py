"""rules_loops: nested-loop searches with computed keys, counting self-joins, membership on lists built
in any form; fixes only with proven-hashable keys/values."""

from __future__ import annotations

from heatlens.analysis.detect import detect


def found(src: str, rule: str) -> list:
    """(line, a fix applied without verification) of each candidate of `rule`."""
    return [(c.line, c.fix_title is not None and not c.data.get("verify_only")) for c in detect(src) if c.rule == rule]


def test_join_on_method_keys_both_sides_offers_the_index() -> None:
    src = "def j(orders, customers):\n    for o in orders:\n        k = o.email.lower()\n        for c in customers:\n" \
          "            if c.email.lower() == k:\n                print(c)\n"
    assert found(src, "nested-loop-join") == [(4, True)]


def test_counting_self_join_is_reported_without_a_fix() -> None:
    src = "def pairs(fixes):\n    n = 0\n    for i, a in enumerate(fixes):\n        for b in fixes[i + 1:]:\n" \
          "            if a.tile() == b.tile():\n                n += 1\n    return n\n"
    assert found(src, "nested-loop-join") == [(4, False)]


def test_conjunction_of_equalities_is_a_join() -> None:
    src = "def m(bank, ledger):\n    for b in bank:\n        for l in ledger:\n" \
          "            if b['date'] == l['date'] and b['amount'] == l['amount']:\n                break\n"
    assert found(src, "nested-loop-join") == [(3, False)]


def test_a_join_key_not_proven_hashable_gets_only_a_verified_fix() -> None:
    src = "def p(A, B):\n    n = 0\n    for a in A:\n        for s in B:\n            if a['refs'] == s['refs']:\n                n += 1\n"
    [c] = [c for c in detect(src) if c.rule == "nested-loop-join"]
    assert c.data["verify_only"] is True and "only with verification" in (c.fix_title or "")


def test_membership_in_unpacked_list_copied_keys_and_attribute() -> None:
    src = "def d(cs, clients):\n    seen, out = [], []\n    for c in cs:\n        if c not in seen:\n            seen.append(c)\n" \
          "        if c in list(clients.keys()):\n            pass\n\nclass T:\n    def __init__(self):\n        self.vocab = []\n" \
          "    def feed(self, toks):\n        for t in toks:\n            if t not in self.vocab:\n                self.vocab.append(t)\n"
    assert found(src, "list-membership") == [(4, False), (6, False), (14, False)]


def test_membership_on_a_global_list() -> None:
    src = "HOSTS = []\nfor i in range(9):\n    HOSTS.append(str(i))\n\ndef f(lines):\n    for h in lines:\n        if h in HOSTS:\n            pass\n"
    assert found(src, "list-membership") == [(7, False)]  # `h` comes from a parameter: verified fix only


def test_membership_fix_when_values_are_proven_hashable() -> None:
    src = "def f(rows):\n    allowed = [str(i) for i in range(9)]\n    for r in rows:\n        if r.strip() in allowed:\n            print(r)\n"
    assert found(src, "list-membership") == [(4, True)]
