"""A LibCST index of one source file: scopes, loops, statement spans and imports.

Built once per (path, sha256) and cached. All lines are 1-based like the model's. A scope's
`start_line` is its first decorator line, which is what CPython reports as `co_firstlineno` and what
profilers use to name functions; LibCST's own position for a `FunctionDef` is the `def` line
(`def_line` here). Source that does not parse (a mid-edit syntax error) yields an index with
`parsed=False` whose queries answer "nothing known" instead of raising, so callers fall back to
plain line-level data.

Size decides how: LibCST (everything) up to CST_MAX_LINES / CST_MAX_CHARS, where it costs about 4 s of
CPU and 270 MB of peak memory (measured: ~500 MB per MB of source, and most of it stayed resident);
above that only functions, classes and statement spans from the tokenizer (`_token_index`, ~0.5 s and
15 MB per MB); above TOKEN_MAX_CHARS nothing (`parsed=False`), so the editor shows line heat only.
`SourceIndex.note` says what a smaller index leaves out.
"""

from __future__ import annotations

import ctypes
import gc
import pickle
import sys
import threading
from collections import OrderedDict
from typing import Callable, Dict, Optional, Tuple

from heatlens.mapping.index_types import (  # noqa: F401  re-exported: the index's types are imported from here
    MODULE_QUALNAME,
    Import,
    Loop,
    Scope,
    SourceIndex,
    count_lines,
    decode_source,
    paint_lines,
    sha256_text,
)

CST_MAX_LINES = 20_000  # beyond either limit LibCST costs seconds and hundreds of MB: see the docstring
CST_MAX_CHARS = 1_000_000
TOKEN_MAX_CHARS = 16_000_000  # beyond it even the tokenizer pass (~8 s) is not worth it: line heat only


def size_note(text: str) -> Optional[str]:
    """Why `text` gets less than the full LibCST index (None: it gets the full one)."""
    lines = count_lines(text)
    if len(text) > TOKEN_MAX_CHARS:
        return (f"{len(text) / 1e6:.0f} MB is too big to index: line heat only, no function roll-ups "
                f"(limit {TOKEN_MAX_CHARS / 1e6:.0f} MB)")
    if lines > CST_MAX_LINES or len(text) > CST_MAX_CHARS:
        return (f"{lines:,} lines is big: functions from a quick scan, no loop or import data "
                f"(full analysis up to {CST_MAX_LINES:,} lines)")
    return None


def build_index(path: str, text: str) -> SourceIndex:
    """Index `text` (uncached): with LibCST up to the size limits, else the cheaper way `size_note` says.
    Never raises on bad source: returns an index with `parsed=False`."""
    note = size_note(text)
    if note is None:
        from heatlens.mapping._cst_index import build  # the LibCST half: LibCST loads only when it is used

        return _compact(build(path, text))
    if len(text) > TOKEN_MAX_CHARS:
        return SourceIndex(path=path, sha256=sha256_text(text), line_count=count_lines(text), parsed=False,
                           error=note, note=note)
    from heatlens.mapping._token_index import build as build_from_tokens

    return build_from_tokens(path, text, note)


def _compact(index: SourceIndex) -> SourceIndex:
    """A copy of `index` in fresh memory, and the parse's freed memory handed back to the system: the
    index's small objects, allocated between the tree's nodes, otherwise keep the tree's memory pages
    resident (measured on a 20k-line file: 70 MB kept, 13 MB after this)."""
    blob = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
    del index
    gc.collect()
    _trim()
    return pickle.loads(blob)


def _load_trim() -> Optional[Callable[[int], int]]:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None


_TRIM = _load_trim()


def _trim() -> None:
    if _TRIM is not None:
        _TRIM(0)


_CACHE_SIZE = 64
_CACHE_LINES = 1_000_000  # lines held by all cached indexes together (their per-line tables dominate)
_cache: "OrderedDict[Tuple[str, str], SourceIndex]" = OrderedDict()
_building: Dict[Tuple[str, str], threading.Lock] = {}  # one lock per key being built
_cache_lock = threading.Lock()


def cached_index(path: str, text: str) -> Optional[SourceIndex]:
    """The index of `text` if it is already built, else None, without building or waiting: lets a
    request answer with line-level data while `index_for` runs in a worker thread."""
    key = (path, sha256_text(text))
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
        return hit


def index_for(path: str, text: str) -> SourceIndex:
    """The index of `text` (the current or profiled source of `path`), from an LRU cache keyed by
    (path, sha256 of text). Thread-safe: a key is built once while cached (concurrent callers of the
    same key wait for that build; other keys do not). A 5,000-line file takes about a second of CPU to
    index, so call it off the event loop (e.g. `asyncio.to_thread`)."""
    key = (path, sha256_text(text))
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
        key_lock = _building.setdefault(key, threading.Lock())
    with key_lock:
        with _cache_lock:
            hit = _cache.get(key)
        if hit is not None:
            return hit
        index = build_index(path, text)
        with _cache_lock:
            _cache[key] = index
            _building.pop(key, None)
            while len(_cache) > 1 and (len(_cache) > _CACHE_SIZE or _cached_lines() > _CACHE_LINES):
                _cache.popitem(last=False)
        return index


def _cached_lines() -> int:
    return sum(index.line_count for index in _cache.values())


def index_for_bytes(path: str, data: bytes) -> SourceIndex:
    """`index_for(path, decode_source(data))`: for source read from disk."""
    return index_for(path, decode_source(data))


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


__all__ = [
    "MODULE_QUALNAME",
    "Import",
    "Loop",
    "Scope",
    "SourceIndex",
    "build_index",
    "cached_index",
    "clear_cache",
    "count_lines",
    "decode_source",
    "index_for",
    "index_for_bytes",
    "sha256_text",
    "size_note",
]
