"""rules_rebuilt: work rebuilt on every iteration although nothing it reads changes there (subscripts,
nested builtins with a lambda, dict keys under value updates) and membership in a list comprehension;
and the refusals: the collection changes, the loop changes objects an expression reads, a loop's own
iterable, keys that are added, a `key=` that reads the changing values, a cheap `len`."""

from __future__ import annotations

from heatlens.analysis.detect import detect


def inv(src: str) -> list:
    return [(c.line, c.rule) for c in detect(src) if c.rule in ("loop-invariant", "list-membership")]


def test_reduction_of_a_subscript_that_does_not_change_in_the_inner_loop() -> None:
    src = ("def f(regions, by_region):\n    n = 0\n    for reg in regions:\n        for a in by_region[reg]:\n"
           "            if a / sum(by_region[reg]) > 0.1:\n                n += 1\n    return n\n")
    assert inv(src) == [(5, "loop-invariant")]


def test_not_invariant_when_the_subscripted_collection_grows_in_the_loop() -> None:
    src = ("def f(regions, by_region):\n    for reg in regions:\n        for a in by_region[reg]:\n"
           "            t = sum(by_region[reg])\n            by_region[reg].append(t)\n")
    assert inv(src) == []


def test_nested_builtins_with_a_lambda_over_an_unchanged_list() -> None:
    src = ("def f(events, users):\n    out = []\n    for u in users:\n"
           "        n = len(list(filter(lambda e: e.kind == 'login', events)))\n        out.append(n)\n    return out\n")
    assert inv(src) == [(4, "loop-invariant")]  # one finding for the whole expression, not one per call


def test_not_invariant_when_the_loop_changes_objects_the_lambda_reads() -> None:
    src = ("def f(events, users):\n    for u in users:\n        n = len(list(filter(lambda e: e.kind == 'login', events)))\n"
           "        events[0].kind = u\n")
    assert inv(src) == []


def test_cheap_len_and_unknown_calls_are_not_reported() -> None:
    src = ("def f(rows, by):\n    for r in rows:\n        a = len(by['x'])\n        b = sum(load(by['x']))\n")
    assert inv(src) == []


def test_sorted_keys_of_a_dict_whose_loop_only_updates_existing_values() -> None:
    src = ("import random\ndef f(n):\n    ratings = {i: 1500.0 for i in range(n)}\n    for m in range(1000):\n"
           "        a, b = random.sample(sorted(ratings), 2)\n        ratings[a] += 1\n        ratings[b] -= 1\n"
           "        best = max(ratings, key=lambda p: ratings[p])\n")
    assert inv(src) == [(5, "loop-invariant")]  # the key= reads the changing values: line 8 is not invariant


def test_dict_keys_that_may_be_added_are_not_invariant() -> None:
    src = ("def f(n, xs):\n    seen = {}\n    for x in xs:\n        keys = sorted(seen)\n        seen[x] = 1\n")
    assert inv(src) == []


def test_a_loops_own_iterable_is_evaluated_once() -> None:
    src = ("def f(groups, rows):\n    for r in rows:\n        for g in sorted(groups['a']):\n            print(g, r)\n")
    assert inv(src) == [(3, "loop-invariant")]  # invariant in the outer loop, not "per iteration" of its own
    src = "def f(groups):\n    for g in sorted(groups['a']):\n        print(g)\n"
    assert inv(src) == []


def test_membership_in_a_list_comprehension_in_a_loop() -> None:
    src = ("PROMOS = [{'sku': 1}]\ndef f(lines):\n    n = 0\n    for line in lines:\n"
           "        if line['sku'] in [p['sku'] for p in PROMOS]:\n            n += 1\n        if line['sku'] in (1, 2):\n"
           "            n -= 1\n    return n\n")
    found = [c for c in detect(src) if c.rule == "list-membership"]
    assert [(c.line, c.fix_title) for c in found] == [(5, None)]
    assert "builds the whole list" in found[0].summary and found[0].refusal


def test_string_keys_of_the_outer_item_recomputed_for_every_inner_item() -> None:
    src = ("def dupes(contacts):\n    n = 0\n    for a in contacts:\n        for b in contacts:\n"
           "            if a is not b and a.email.lower() == b.email.lower():\n                n += 1\n    return n\n")
    found = [c for c in detect(src) if c.rule == "loop-invariant"]
    assert [(c.line, c.col, c.data["what"]) for c in found] == [(5, 30, "str-key")]  # `a`'s, not `b`'s


def test_len_of_a_comprehension_builds_it_but_len_of_a_subscript_does_not() -> None:
    src = ("def f(users, events):\n    for u in users:\n        a = len([e for e in events if e.ok])\n"
           "        b = len(events[0])\n")
    assert inv(src) == [(3, "loop-invariant")]


def test_membership_on_a_growing_list_attribute_or_global_in_a_method_called_per_item() -> None:
    src = ("SEEN = []\nclass Log:\n    def __init__(self):\n        self.lines = []\n        self.fixed = ['a', 'b']\n"
           "    def add(self, line):\n        if line not in self.lines:\n            self.lines.append(line)\n"
           "        if line in self.fixed:\n            return\n\ndef note(x):\n    if x in SEEN:\n        return\n"
           "    SEEN.append(x)\n\ndef local(x):\n    SEEN = ['q']\n    return x in SEEN\n")
    found = [(c.line, c.summary.split(",")[0]) for c in detect(src) if c.rule == "list-membership"]
    # `self.fixed` never grows, and the local `SEEN` is not the global one
    assert found == [(7, "membership test on list `self.lines`"), (13, "membership test on list `SEEN`")]


def test_priority_queue_kept_by_rescanning_with_min_and_removing() -> None:
    src = ("def dijkstra(graph, src):\n    dist = {n: 1e9 for n in graph}\n    todo = set(graph)\n    while todo:\n"
           "        u = min(todo, key=lambda n: dist[n])\n        todo.remove(u)\n        for v in graph[u]:\n"
           "            dist[v] = min(dist[v], dist[u] + 1)\n    return dist\n\n"
           "def best(xs, ys):\n    for y in ys:\n        m = min(xs)\n        print(m + y)\n")
    found = [(c.line, c.rule, c.fix_title) for c in detect(src) if c.rule == "rescan-priority-queue"]
    assert found == [(5, "rescan-priority-queue", None)]  # `min(xs)` with nothing removed is not a queue


def test_membership_in_dict_values_in_a_loop_but_not_in_keys() -> None:
    src = ("def f(rows, owners):\n    n = 0\n    for r in rows:\n        if r in owners.values():\n            n += 1\n"
           "        if r in owners.keys():\n            n -= 1\n    return n\n")
    assert [(c.line, c.rule) for c in detect(src) if c.rule == "list-membership"] == [(4, "list-membership")]
