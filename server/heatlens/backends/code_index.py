"""Where a sampled (file, function name, line) belongs: the function's qualified name and first line, from
the code objects compiled from the file (samplers that see only the executing line: py-spy, the agent)."""

from __future__ import annotations

import functools
import os
from typing import Any, Dict, List, Optional, Set, Tuple

_CO_NEWLOCALS = 0x2

Index = Dict[str, List[Tuple[int, Set[int], str]]]


def _code_lines(code: Any) -> Set[int]:
    if hasattr(code, "co_lines"):
        return {ln for _, _, ln in code.co_lines() if ln is not None}
    import dis

    return {ln for _, ln in dis.findlinestarts(code)}


def code_index(source: Any, path: str) -> Optional[Index]:
    """co_name -> [(co_firstlineno, lines, qualname)] for every code object compiled from `source`."""
    try:
        top = compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, TypeError):
        return None
    return _index_of(top)


def _index_of(top: Any) -> Index:
    index: Index = {}
    todo: List[Tuple[Any, str, bool]] = [(top, "", False)]
    while todo:
        code, parent, in_function = todo.pop()
        if code is top:
            qual = "<module>"
        else:  # co_qualname exists from 3.11; rebuild it the same way before
            qual = getattr(code, "co_qualname", None) or (
                code.co_name if not parent else parent + (".<locals>." if in_function else ".") + code.co_name
            )
        index.setdefault(code.co_name, []).append((code.co_firstlineno, _code_lines(code), qual))
        for const in code.co_consts:
            if hasattr(const, "co_code"):
                todo.append((const, "" if code is top else qual, bool(code.co_flags & _CO_NEWLOCALS)))
    return index


@functools.lru_cache(maxsize=512)
def file_index(path: str, mtime: float) -> Optional[Index]:
    """`code_index` of the file at `path` (cached per file and mtime). From the file's up-to-date bytecode
    cache where there is one: compiling the standard library modules a run touched cost ~0.1 s after every
    run, loading their .pyc ~10x less."""
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError:
        return None
    top = _cached_code(path, len(source))
    return code_index(source, path) if top is None else _index_of(top)


def _cached_code(path: str, size: int) -> Any:
    """The module code object in `path`'s .pyc when it was written for this source (its timestamp header
    matches the file's mtime and size, as the import system checks it); else None."""
    import importlib.util
    import marshal

    try:
        pyc = importlib.util.cache_from_source(path)
        with open(pyc, "rb") as f:
            data = f.read()
        mtime = int(os.stat(path).st_mtime) & 0xFFFFFFFF
    except (OSError, ValueError, NotImplementedError):
        return None
    header = (importlib.util.MAGIC_NUMBER, 0, mtime, size & 0xFFFFFFFF)
    if len(data) < 16 or (data[:4], *(int.from_bytes(data[i:i + 4], "little") for i in (4, 8, 12))) != header:
        return None
    try:
        return marshal.loads(data[16:])
    except (EOFError, ValueError, TypeError):
        return None


def resolve(index: Optional[Index], name: str, line: int) -> Tuple[str, int]:
    """(qualname, co_firstlineno) of the code object called `name` that contains `line`; the innermost wins.
    Without source: (name, line)."""
    candidates = (index or {}).get(name, [])
    inside = [c for c in candidates if line in c[1]] or [c for c in candidates if c[0] <= line]
    if not inside:
        return name, line
    first, _, qual = max(inside, key=lambda c: c[0])
    return qual, first


def anchor_function(path: str, name: str, line: int) -> Tuple[str, int]:
    """(qualname, co_firstlineno) of the function `name` (a co_name or a qualname) running at `line` of the
    file at `path`, compiled from its source on disk; (name, line) when the source is not readable. For
    samplers that see only the executing line (py-spy)."""
    try:
        index = file_index(path, os.stat(path).st_mtime)
    except OSError:
        return name, line
    return resolve(index, name.rsplit(".", 1)[-1], line)


def containing(index: Optional[Index], line: int) -> Optional[Tuple[str, int]]:
    """The innermost function whose code has `line`."""
    best: Optional[Tuple[int, str]] = None
    for entries in (index or {}).values():
        for first, lines, qual in entries:
            if line in lines and (best is None or first > best[0]):
                best = (first, qual)
    return (best[1], best[0]) if best else None
