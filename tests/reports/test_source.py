"""Source context for advice: enclosing function (decorators included) and loop depth; edited files distrusted."""

from __future__ import annotations

import hashlib

from heatlens.reports.source import SourceCache, line_context, load_source

CODE = '''import functools


class Shop:
    @functools.lru_cache
    def price(self, items):
        total = 0
        for a in items:
            for b in items:
                total += a * b
        return [x * y for x in items
                for y in items]


def outer():
    def inner():
        return sum(i for i in range(3))
    while True:
        return inner
'''


def test_line_context(tmp_path):
    path = tmp_path / "shop.py"
    path.write_text(CODE)
    src = load_source(str(path))
    assert src is not None
    ctx = {n: line_context(src, n) for n in range(1, 20)}
    assert ctx[1].function is None
    assert ctx[5].function == "Shop.price" and ctx[5].loop_depth == 0  # the decorator line
    assert (ctx[8].loop_depth, ctx[9].loop_depth, ctx[10].loop_depth) == (1, 2, 2)
    assert ctx[12].loop_depth == 2  # a two-level comprehension over two lines
    assert ctx[17].function == "outer.<locals>.inner" and ctx[17].loop_depth == 1  # a generator expression
    assert ctx[19].function == "outer" and ctx[19].loop_depth == 1
    assert src.text(10).strip() == "total += a * b" and src.text(999) == ""


def test_hash_mismatch_or_missing_file(tmp_path):
    path = tmp_path / "shop.py"
    path.write_text(CODE)
    good = hashlib.sha256(CODE.encode()).hexdigest()
    cache = SourceCache()
    assert cache.get(str(path), good) is not None
    assert cache.get(str(path), "0" * 64) is None
    assert load_source(str(tmp_path / "gone.py")) is None and load_source("<string>") is None


def test_unparsable_source_still_gives_lines(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("def f(:\n    pass\n")
    src = load_source(str(path))
    assert src is not None and src.tree is None and src.text(2) == "    pass"
    assert line_context(src, 2).function is None
