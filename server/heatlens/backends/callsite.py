"""Which line of the program pays for time spent in code it calls: a sampler's leaf line in numpy's
`fromnumeric.py` or the stdlib's `copy.py` is not where the user can act; the innermost line of the
program's own code on the same stack is (Scalene charges library time to it the same way).

"The program's own code" is decided without a project root, so every backend can use it while parsing:
anything that is not a library, the stdlib, heatlens itself, native code or a frozen module, and always the
files beside the script that was run (even a script inside site-packages, such as a pyperformance
benchmark, is the program). `<string>` (a `-c` snippet) and notebook cells are the user's.
"""

from __future__ import annotations

import os
from typing import Callable, Dict, Optional, Sequence, Tuple

from heatlens import classify
from heatlens.model import RunMeta

_OUTSIDE = {classify.LIBRARY, classify.STDLIB, classify.NATIVE, classify.HEATLENS}


def program_dirs(meta: RunMeta) -> Tuple[str, ...]:
    """The folder of the script a run started (none for `-m`, `-c` or an attached process)."""
    if not meta.argv or meta.target != meta.argv[0] or meta.target.startswith(("-", "pid ")) or not meta.target:
        return ()
    return (os.path.dirname(os.path.normpath(os.path.join(meta.cwd or "", meta.argv[0]))),)


def make_is_outside(own_dirs: Sequence[str] = ()) -> Callable[[str], bool]:
    """A memoized predicate: is this file someone else's code (a library, the stdlib, native, frozen)?
    Files directly in `own_dirs` (the script's folder) never are."""
    cache: Dict[str, bool] = {}
    own = {os.path.normpath(d) for d in own_dirs}

    def is_outside(path: str) -> bool:
        hit = cache.get(path)
        if hit is None:
            hit = cache[path] = (not path or path.startswith("<frozen")
                                 or (classify.classify_path(path, None) in _OUTSIDE
                                     and os.path.dirname(path) not in own))
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
