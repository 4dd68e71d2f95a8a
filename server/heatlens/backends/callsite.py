"""Which line of the program pays for time spent in code it calls: a sampler's leaf line in numpy's
`fromnumeric.py` or the stdlib's `copy.py` is not where the user can act; the innermost line of the
program's own code on the same stack is (Scalene charges library time to it the same way).

"The program's own code" is decided without a project root, so every backend can use it while parsing:
anything that is not a library, the stdlib, heatlens itself, native code or a frozen module. `<string>`
(a `-c` snippet) and notebook cells are the user's.
"""

from __future__ import annotations

from typing import Callable, Dict, Optional, Sequence, Tuple

from heatlens import classify

_OUTSIDE = {classify.LIBRARY, classify.STDLIB, classify.NATIVE, classify.HEATLENS}


def make_is_outside() -> Callable[[str], bool]:
    """A memoized predicate: is this file someone else's code (a library, the stdlib, native, frozen)?"""
    cache: Dict[str, bool] = {}

    def is_outside(path: str) -> bool:
        hit = cache.get(path)
        if hit is None:
            hit = cache[path] = (not path or path.startswith("<frozen")
                                 or classify.classify_path(path, None) in _OUTSIDE)
        return hit

    return is_outside


def paying_line(frames: Sequence[Tuple[str, int]], is_outside: Callable[[str], bool]) -> Optional[Tuple[str, int]]:
    """(file, line) of the innermost frame of the program's own code when the leaf frame is outside it
    (that line pays for the leaf's time); None when the leaf is the program's own or no frame is.
    `frames`: (file, line executing) root → leaf, Python frames only."""
    if not frames or not is_outside(frames[-1][0]):
        return None
    for file, line in reversed(frames[:-1]):
        if line > 0 and not is_outside(file):
            return file, line
    return None
