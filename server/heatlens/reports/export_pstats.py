"""pstats export: a file `pstats.Stats(path)` (and snakeviz) loads.

The raw cProfile data in `profile.extras["pstats"]` is written unchanged when the backend kept it. Otherwise
the marshal of `{(file, line, name): (primitive calls, calls, tottime, cumtime, callers)}` is synthesized
from the functions: calls are 0 where the backend did not count them (sampling backends), native
functions use cProfile's `("~", 0, name)`, and callers map to `(0, 0, 0.0, seconds)` edges.
"""

from __future__ import annotations

import marshal
import re
from typing import Dict, Tuple

from heatlens.model import FunctionStats, Profile
from heatlens.reports.attribution import functions, is_native_function

Key = Tuple[str, int, str]
_KEY = re.compile(r"^(.*):(\d+):([^:]*)$")


def _key(fn: FunctionStats) -> Key:
    return ("~", 0, fn.qualname) if is_native_function(fn) else (fn.file, fn.line, fn.qualname)


def stats_dict(profile: Profile) -> Dict[Key, Tuple[int, int, float, float, Dict[Key, Tuple[int, int, float, float]]]]:
    fns = functions(profile)
    by_key = {fn.key: _key(fn) for fn in fns}
    out: Dict[Key, Tuple[int, int, float, float, Dict[Key, Tuple[int, int, float, float]]]] = {}
    for fn in fns:
        callers: Dict[Key, Tuple[int, int, float, float]] = {}
        for caller, seconds in fn.callers.items():
            ckey = by_key.get(caller)
            if ckey is None:
                match = _KEY.match(caller)
                ckey = (match.group(1), int(match.group(2)), match.group(3)) if match else ("~", 0, caller)
            callers[ckey] = (0, 0, 0.0, float(seconds))
        calls = int(fn.calls or 0)
        key = _key(fn)
        if key in out:  # two native functions of one name: add them up
            cc, nc, tt, ct, old = out[key]
            old.update(callers)
            out[key] = (cc + calls, nc + calls, tt + fn.self_time, ct + fn.total_time, old)
        else:
            out[key] = (calls, calls, float(fn.self_time), float(fn.total_time), callers)
    return out


def to_pstats_bytes(profile: Profile) -> bytes:
    raw = profile.extras.get("pstats")
    if isinstance(raw, (bytes, bytearray)) and raw:
        return bytes(raw)
    return marshal.dumps(stats_dict(profile))
