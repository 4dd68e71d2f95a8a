"""Run every registered rule over a parsed file: the candidates of one source text.

    detect(source_text, path) -> [Candidate]   # pure; never raises on bad source (returns [])
    analysed(source_text) -> Analysis          # the same plus each candidate's function, cached per version

The rule modules are imported here, which registers them (`candidates.rule`); they import only the
candidate types, so the registry has no circle.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import List

import attrs

from heatlens.analysis import (  # noqa: F401  (importing a rule module registers its rules)
    rules_calls, rules_idioms, rules_loops, rules_numpy, rules_rebuilt, rules_sequences, rules_templates)
from heatlens.analysis.candidates import RULES, Candidate, Module, parse
from heatlens.analysis.cstutil import children_cached


def detect_module(mod: Module) -> List[Candidate]:
    out: List[Candidate] = []
    with children_cached(mod.kids):
        for fn in RULES.values():
            out.extend(fn(mod))
    out.sort(key=lambda c: (c.line, c.col, c.rule))
    # two detectors may recognise the same construct: the first (in registration order) wins, and a
    # candidate that names a more general rule it refines (`data["supersedes"]`) replaces that rule's
    seen: set = {f"{c.data['supersedes']}:{c.line}:{c.col}" for c in out if c.data.get("supersedes")}
    unique = []
    for c in out:
        if c.key not in seen:
            seen.add(c.key)
            unique.append(c)
    return unique


def detect(source: str, path: str = "") -> List[Candidate]:
    """All candidates in `source` (`path` is for messages only). Unparsable source gives []."""
    mod = parse(source)
    return detect_module(mod) if mod is not None else []


@attrs.define(eq=False)
class Analysis:
    """The static half of one file version's findings, without the parsed tree (a fix re-parses)."""

    candidates: List[Candidate]
    owners: List[str]  # qualname of the function around each candidate ("<module>" outside any)


_analyses: "OrderedDict[str, Analysis]" = OrderedDict()
_analyses_lock = threading.Lock()


def analysed(source: str) -> Analysis:
    """`detect` plus each candidate's function, cached per file version (sha256 of the text): a new run of
    an unchanged file, or the CLI and the editor on the same file, parse it once. Edit plans are dropped
    from the cached candidates so no tree stays in memory."""
    key = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
    with _analyses_lock:
        hit = _analyses.get(key)
        if hit is not None:
            _analyses.move_to_end(key)
            return hit
    mod = parse(source)
    cands = detect_module(mod) if mod is not None else []
    owners = [mod.function_at(c.line) for c in cands] if mod is not None else []
    result = Analysis([attrs.evolve(c, plan=None) for c in cands], owners)
    with _analyses_lock:
        _analyses[key] = result
        while len(_analyses) > 32:
            _analyses.popitem(last=False)
    return result
