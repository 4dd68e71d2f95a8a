"""A big-O result as a stored row, and the function-source hash that says whether a stored result still holds.

The hash covers the function's `# heatlens:` hint block, decorators and body (not the rest of the file),
so editing another function keeps a measurement valid and editing this one marks it stale.
"""

from __future__ import annotations

import hashlib
import os
import time
from typing import Dict, List, Optional

import attrs

from heatlens.analysis.complexity import ComplexityResult, summary_text
from heatlens.store.complexity import ComplexityRow


def function_sources(path: str, text: str) -> Dict[str, str]:
    """qualname → the function's text (comment block right above it included), for every function of `text`."""
    from heatlens.mapping.source_index import index_for

    lines = text.splitlines()
    out: Dict[str, str] = {}
    for scope in index_for(path, text).functions:
        first = scope.start_line - 1  # 0-based first decorator / def line
        while first > 0 and lines[first - 1].strip().startswith("#"):
            first -= 1
        out.setdefault(scope.qualname, "\n".join(lines[first:scope.end_line]))
    return out


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


def function_hash(path: str, text: str, qualname: str) -> Optional[str]:
    """Hash of `qualname`'s source in `text`, None when the function is not there (or the text does not parse)."""
    try:
        src = function_sources(path, text).get(qualname)
    except Exception:  # mid-edit text that does not parse
        return None
    return source_hash(src) if src is not None else None


def to_row(result: ComplexityResult, text: str, origin: str) -> ComplexityRow:
    """The row to store for `result`, measured on the file whose text is `text`."""
    fits: List[Dict[str, object]] = [attrs.asdict(f) for f in result.fits]
    return ComplexityRow(
        file=os.path.realpath(result.file), qualname=result.function,
        source_hash=function_hash(result.file, text, result.function) or "", created_at=time.time(),
        origin=origin, label=result.best.label, r2=result.best.r2, rel_error=result.best.rel_error,
        noise=result.noise, fit_from=result.fit_from, summary=summary_text(result),
        sizes=[r.n for r in result.runs], runs=[attrs.asdict(r) for r in result.runs], fits=fits,
    )


def read_text(path: str) -> str:
    from heatlens.mapping.source_index import decode_source

    with open(path, "rb") as fh:
        return decode_source(fh.read())
