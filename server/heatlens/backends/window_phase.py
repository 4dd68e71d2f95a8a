"""Whether an allocation window ran in the same phase of the program as a memory step was read in.

A window that did not run during a step can still speak for it (pyspy_memory.py: the windows on both sides of it,
or one very close by), where the program did then what it did during the step: a loop whose computing line the
step was read on while another line of it kept memory. Across a phase's end it speaks for the wrong code: a blind
ETL program's dict of 60 000 customers, built by one comprehension and read there with the program stopped, went
to the export line of the batch loop a window saw 37 ms later (1 run in 4; benchmarks/MEMORY.md, session 24).

Two stacks (outermost first, (file, line) a frame) are in the same phase where one is the other's start, or where
they part in one function at two lines of the same loop of its body (its outermost one there), or at two calls of
one line. Lines in no loop of the frame they part in are two steps of a sequence: two phases."""

from __future__ import annotations

import ast
import os
from functools import lru_cache
from typing import Dict, Optional, Sequence, Tuple

Frame = Tuple[str, int]
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def same_phase(step: Sequence[Frame], window: Sequence[Frame]) -> bool:
    """Whether `window` (where an allocation window began) is in the phase `step` (where a step was read) is."""
    for (file, line), (other_file, other_line) in zip(step, window):
        if (file, line) == (other_file, other_line):
            continue
        if file != other_file:
            return True  # two calls made from one line (the frames before were the same)
        places = _places(file)
        here, there = places.get(line), places.get(other_line)
        if here is None or there is None or here[0] != there[0]:
            return True  # unknown lines, or two functions called from one line
        return here[1] is not None and here[1] == there[1]
    return True  # one stack is where the other began


def _places(file: str) -> Dict[int, Tuple[int, Optional[int]]]:
    """Each line of a source file: (the first line of its innermost function, or 0 in the module's body; the first
    line of the outermost loop of that function's body it is in, or None). Empty where the file cannot be read."""
    try:
        stat = os.stat(file)
    except (OSError, ValueError):
        return {}
    return _parsed(file, stat.st_mtime_ns, stat.st_size)  # the daemon lives on: a file edited is read again


@lru_cache(maxsize=64)
def _parsed(file: str, _mtime: int, _size: int) -> Dict[int, Tuple[int, Optional[int]]]:
    try:
        with open(file, "rb") as source:
            tree = ast.parse(source.read())
    except (OSError, SyntaxError, ValueError):
        return {}
    places: Dict[int, Tuple[int, Optional[int]]] = {}

    def visit(node: ast.AST, scope: int, loop: Optional[int]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _SCOPES):
                inner, inner_loop = child.lineno, None
            else:
                inner, inner_loop = scope, loop
                if loop is None and isinstance(child, _LOOPS):
                    inner_loop = child.lineno
            first, last = getattr(child, "lineno", None), getattr(child, "end_lineno", None)
            if first is not None and last is not None and not isinstance(child, _SCOPES):
                for number in range(first, last + 1):
                    places.setdefault(number, (inner, inner_loop))
            visit(child, inner, inner_loop)

    visit(tree, 0, None)
    return places
