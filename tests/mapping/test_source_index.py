"""SourceIndex against what CPython itself reports for the same source."""

from __future__ import annotations

import sys
import types as pytypes
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

from heatlens.mapping.source_index import (
    build_index,
    cached_index,
    clear_cache,
    decode_source,
    index_for,
    index_for_bytes,
    sha256_text,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"

SOURCE = '''\
import functools
import os.path as osp
from collections import (
    OrderedDict,
    deque,
)


def plain(x):
    return x + 1


@functools.lru_cache(
    maxsize=None,
)
# a comment between decorator and def
@staticmethod
def decorated(n):
    total = 0
    for i in range(n):
        for j in range(i):
            total += (i *
                      j)
    return total


async def fetch(urls):
    async for u in urls:
        await u
    return [await x for x in urls]


class Outer:
    attr = [k for k in range(3)]

    class Inner:
        def method(self):
            def helper():
                class Local:
                    def deep(self):
                        return 1
                return Local
            return helper

    @property
    def prop(self):
        return lambda: self.attr

    def uses_global(self):
        global made_global
        def made_global():
            return 2
        return made_global


def outer_fn():
    def closure():
        while True:
            break
    class InFunc:
        def m(self):
            pass
    return closure, InFunc


if os.environ.get("X"):
    def conditional():
        return 1
else:
    def conditional():
        return 2

value = plain(
    1,
); other = 2
'''


def code_objects(code: pytypes.CodeType) -> Iterator[pytypes.CodeType]:
    for const in code.co_consts:
        if isinstance(const, pytypes.CodeType):
            yield const
            yield from code_objects(const)


def cpython_scopes(source: str) -> List[Tuple[str, int]]:
    """(co_qualname, co_firstlineno) of every def/class body CPython compiles (lambdas and
    comprehensions excluded)."""
    if sys.version_info < (3, 11):
        pytest.skip("code objects carry co_qualname from Python 3.11")
    out = []
    for code in code_objects(compile(source, "snippet.py", "exec")):
        if code.co_name.startswith("<"):
            continue
        out.append((code.co_qualname, code.co_firstlineno))
    return sorted(out, key=lambda t: t[1])


def test_scopes_match_cpython_code_objects() -> None:
    index = build_index("snippet.py", SOURCE)
    assert index.parsed
    ours = sorted(((s.qualname, s.start_line) for s in index.scopes), key=lambda t: t[1])
    assert ours == cpython_scopes(SOURCE)
    for qualname, first in cpython_scopes(SOURCE):
        scope = index.function_by_first_line(first)
        assert scope is not None and scope.qualname == qualname


def test_qualnames_match_executed_objects() -> None:
    namespace: Dict[str, object] = {"__name__": "snippet"}
    exec(compile(SOURCE.replace("os.environ", "osp.os.environ"), "snippet.py", "exec"), namespace)
    index = build_index("snippet.py", SOURCE)
    by_name = {s.qualname: s for s in index.scopes}
    decorated = namespace["decorated"].__wrapped__.__func__  # type: ignore[attr-defined]
    outer = namespace["Outer"]
    helper = outer.Inner().method()  # type: ignore[attr-defined]
    local = helper()
    closure, in_func = namespace["outer_fn"]()  # type: ignore[operator]
    objects = [
        decorated,
        namespace["fetch"],
        outer,
        outer.Inner,  # type: ignore[attr-defined]
        outer.Inner.method,  # type: ignore[attr-defined]
        helper,
        local,
        local.deep,
        outer.prop.fget,  # type: ignore[attr-defined]
        closure,
        in_func,
        in_func.m,
    ]
    for obj in objects:
        scope = by_name[obj.__qualname__]
        code = getattr(obj, "__code__", None)
        if code is not None:
            assert scope.start_line == code.co_firstlineno
    outer().uses_global()  # type: ignore[operator]
    assert namespace["made_global"].__qualname__ == "made_global"  # type: ignore[attr-defined]
    assert "made_global" in by_name


def test_decorated_function_spans() -> None:
    index = build_index("snippet.py", SOURCE)
    lines = SOURCE.splitlines()
    (dec,) = index.scopes_by_qualname("decorated")
    assert lines[dec.start_line - 1].startswith("@functools.lru_cache(")
    assert lines[dec.def_line - 1].startswith("def decorated")
    assert lines[dec.body_start - 1].strip() == "total = 0"
    assert lines[dec.end_line - 1].strip() == "return total"
    assert dec.header_end == dec.def_line
    assert index.function_by_first_line(dec.def_line) is dec  # backends that report the def line
    assert dec.kind == "function" and index.scopes_by_qualname("fetch")[0].kind == "async function"
    assert index.statement_span(dec.start_line + 1) == (dec.start_line, dec.start_line + 2)  # the decorator


def test_scope_queries() -> None:
    index = build_index("snippet.py", SOURCE)
    lines = SOURCE.splitlines()
    deep = lines.index("                        return 1") + 1
    assert [s.qualname for s in index.scopes_at(deep)] == [
        "Outer",
        "Outer.Inner",
        "Outer.Inner.method",
        "Outer.Inner.method.<locals>.helper",
        "Outer.Inner.method.<locals>.helper.<locals>.Local",
        "Outer.Inner.method.<locals>.helper.<locals>.Local.deep",
    ]
    assert index.function_at(deep).qualname == "Outer.Inner.method"  # type: ignore[union-attr]
    assert index.innermost_function_at(deep).qualname.endswith("Local.deep")  # type: ignore[union-attr]
    attr = lines.index("    attr = [k for k in range(3)]") + 1
    assert index.scope_at(attr).qualname == "Outer"  # type: ignore[union-attr]
    assert index.function_at(attr) is None
    assert index.scope_at(1) is None and index.function_at(len(lines)) is None
    lam = lines.index("        return lambda: self.attr") + 1
    assert index.scope_at(lam).qualname == "Outer.prop"  # type: ignore[union-attr]
    assert [s.qualname for s in index.functions][:2] == ["plain", "decorated"]
    assert {s.qualname for s in index.classes} >= {"Outer", "Outer.Inner", "outer_fn.<locals>.InFunc"}
    assert len(index.scopes_by_qualname("conditional")) == 2


def test_loops_and_nesting() -> None:
    index = build_index("snippet.py", SOURCE)
    lines = SOURCE.splitlines()
    inner_body = lines.index("            total += (i *") + 1
    chain = index.loops_at(inner_body)
    assert [(lp.kind, lp.depth) for lp in chain] == [("for", 1), ("for", 2)]
    assert chain[1].parent == chain[0].index and chain[0].function == "decorated"
    assert index.loops_at(inner_body + 1) == chain  # the statement's second line
    assert chain[0].end_line == inner_body + 1
    kinds = {(lp.kind, lp.function) for lp in index.loops}
    assert ("async for", "fetch") in kinds
    assert ("comprehension", "fetch") in kinds
    assert ("comprehension", "Outer") in kinds
    assert ("while", "outer_fn.<locals>.closure") in kinds
    assert index.loops_at(1) == []


def test_loop_does_not_own_functions_defined_in_it() -> None:
    src = "for i in range(3):\n    x = i\n    def f():\n        return i\n    y = f()\n"
    index = build_index("t.py", src)
    assert [lp.kind for lp in index.loops_at(2)] == ["for"]
    assert index.loops_at(4) == []  # runs when f is called, in f's frame
    assert [lp.kind for lp in index.loops_at(5)] == ["for"]


def test_statement_spans() -> None:
    index = build_index("snippet.py", SOURCE)
    lines = SOURCE.splitlines()
    imp = lines.index("from collections import (") + 1
    assert index.statement_span(imp + 2) == (imp, imp + 3)
    value = lines.index("value = plain(") + 1
    assert index.statement_span(value + 1) == (value, value + 2)  # `a(...); b` shares the span
    assert index.statement_span(value) == (value, value + 2)
    assert index.statement_span(2) == (2, 2)
    assert (imp, imp + 3) in index.multiline_statements()
    src = "if (a and\n        b):  # why\n    pass\nwith open(x) as f, \\\n        open(y) as g:\n    pass\n"
    spans = build_index("t.py", src)
    assert spans.statement_span(2) == (1, 2) and spans.statement_span(3) == (3, 3)
    assert spans.statement_span(5) == (4, 5)
    sig = build_index("t.py", "@dec\ndef f(\n    a,\n    b,\n) -> int:\n    return a\n")
    (f,) = sig.scopes
    assert (f.start_line, f.def_line, f.header_end, f.body_start, f.end_line) == (1, 2, 5, 6, 6)
    assert sig.statement_span(3) == (2, 5) and sig.statement_span(1) == (1, 1)


def test_imports() -> None:
    index = build_index("snippet.py", SOURCE)
    found = [(i.line, i.end_line, i.module, i.names) for i in index.imports]
    assert found == [
        (1, 1, "functools", ()),
        (2, 2, "os.path", ()),
        (3, 6, "collections", ("OrderedDict", "deque")),
    ]
    rel = build_index("t.py", "def f():\n    from ..pkg import *\n").imports[0]
    assert (rel.module, rel.names, rel.function) == ("..pkg", ("*",), "f")


def test_syntax_error_degrades() -> None:
    broken = SOURCE.replace("def plain(x):", "def plain(x:")
    index = build_index("snippet.py", broken)
    assert not index.parsed and index.error
    assert index.line_count == len(broken.splitlines())
    assert index.scopes == [] and index.scope_at(10) is None and index.function_at(10) is None
    assert index.loops_at(20) == [] and index.statement_span(20) == (20, 20)
    assert index.function_by_first_line(9) is None


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbfdef f():\n    return 1\n",  # BOM
        b"def f():\r\n    x = (1,\r\n         2)\r\n    return x\r\n",  # CRLF
        b"def f():\n\tif True:\n\t\treturn 1\n",  # tabs
        b"# -*- coding: latin-1 -*-\ndef f():\n    return '\xe9'\n",  # cookie
        b"def f():\n    return '\xff\xfe broken'\n",  # not UTF-8
        b"def f():\r    return 1\r",  # old Mac line ends
    ],
)
def test_odd_encodings_and_line_ends(data: bytes) -> None:
    text = decode_source(data)
    index = index_for_bytes("odd.py", data)
    assert index.parsed, index.error
    (f,) = index.scopes
    assert [(f.qualname, f.start_line)] == cpython_scopes(text)
    assert f.end_line == index.line_count
    if b"coding: latin-1" in data:
        assert "é" in text
    if b"\xff" in data:
        assert "\ufffd" in text
    assert not text.startswith("\ufeff")
    assert text.replace("\r\n", "\n").replace("\r", "\n").count("\n") == index.line_count


def test_cache_is_keyed_by_content() -> None:
    clear_cache()
    a = index_for("m.py", SOURCE)
    assert index_for("m.py", SOURCE) is a
    b = index_for("m.py", SOURCE + "\n\ndef more():\n    pass\n")
    assert b is not a and b.sha256 != a.sha256 and a.sha256 == sha256_text(SOURCE)
    assert index_for("other.py", SOURCE) is not a  # same text, another path


def test_concurrent_callers_share_one_build() -> None:
    clear_cache()
    text = SOURCE + "\n# concurrent\n"
    assert cached_index("c.py", text) is None
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: index_for("c.py", text), range(8)))
    assert all(r is results[0] for r in results)
    assert cached_index("c.py", text) is results[0]


def test_groundtruth_fixture_functions() -> None:
    """The real ground-truth program: every function CPython compiles is indexed at its co_firstlineno."""
    for path in sorted((FIXTURES / "groundtruth").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        index = index_for(str(path), text)
        assert index.parsed
        for qualname, first in cpython_scopes(text):
            scope = index.function_by_first_line(first)
            assert scope is not None and scope.qualname == qualname, (path.name, qualname)


def test_large_file_indexes() -> None:
    """5,000 lines of mixed code index completely (time is measured in the report, not asserted)."""
    chunk = "@d\ndef f{i}(a):\n    for x in a:\n        y = [z for z in x]\n    return (a,\n            1)\n\n"
    src = "def d(f):\n    return f\n\n" + "".join(chunk.format(i=i) for i in range(715))
    index = build_index("big.py", src)
    assert index.parsed and len(index.functions) == 716 and len(index.loops) == 1430
    assert index.function_by_first_line(4).qualname == "f0"  # type: ignore[union-attr]
    last = index.scopes[-1]
    assert last.qualname == "f714" and [lp.depth for lp in index.loops_at(last.start_line + 3)] == [1, 2]
