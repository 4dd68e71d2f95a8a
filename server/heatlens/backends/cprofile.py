"""cProfile adapter (stdlib, zero install): `python -m cProfile -o out.pstats script.py args` (or `-m mod`).

The pstats file is a marshalled dict `{(file, line, name): (primitive calls, calls, self s, cumulative s,
{caller key: (pcalls, calls, self s, cumulative s)})}`. `line` is the code object's `co_firstlineno`
(the first decorator line of a decorated function: checked), `name` its `co_name` (no class: a method
is `step`, not `Worker.step`). Built-ins are `('~', 0, "<built-in method builtins.sum>")`. Files are as
the target typed them (relative to its cwd). The raw bytes are kept in `extras["pstats"]` so that
`pstats`/snakeviz users can open exactly what cProfile wrote.
"""

from __future__ import annotations

import marshal
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from heatlens.backends.base import Backend, BackendOptions, BackendOutputError, Target, UnsupportedTarget, resolve_path
from heatlens.model import FunctionStats, Profile, RunMeta

OUTPUT = "profile.pstats"

NOTES = [
    "cProfile traces every call: call counts are exact, but its per-call overhead makes call-dense "
    "code look slower than it is (by up to ~17 pp of the total here).",
    "cProfile names functions by their bare name (no class), and gives no line-level data.",
]

_BUILTIN = re.compile(r"^<built-in method (?P<name>.+)>$")
_METHOD = re.compile(r"^<method '(?P<name>.+)' of '(?P<type>.+)' objects>$")
_PROFILER_SELF = "<method 'disable' of '_lsprof.Profiler' objects>"
_HARNESS = "<built-in method builtins.exec>"

Key = Tuple[str, int, str]


def native_name(name: str) -> str:
    """`builtins.sum` for `<built-in method builtins.sum>`, `dict.update` for `<method 'update' of 'dict' objects>`."""
    m = _BUILTIN.match(name)
    if m:
        return m["name"]
    m = _METHOD.match(name)
    if m:
        return f"{m['type']}.{m['name']}"
    return name.strip("<>")


def _locate(key: Key, cwd: Optional[str]) -> Tuple[str, int, str]:
    file, line, name = key
    if file == "~":
        return "", 0, native_name(name)
    return resolve_path(file, cwd), int(line), name


def parse_stats(stats: Dict[Key, Any], cwd: Optional[str]) -> List[FunctionStats]:
    """FunctionStats (exact calls, self/total, callers/callees with cumulative seconds) from a pstats dict."""
    out: Dict[Key, FunctionStats] = {}
    for key, (_pcalls, calls, self_s, cum_s, _callers) in stats.items():
        if key[0] == "~" and (key[2] == _PROFILER_SELF or (key[2] == _HARNESS and not _callers)):
            continue  # the profiler's own calls: disable(), and the exec() that ran the program
        file, line, name = _locate(key, cwd)
        out[key] = FunctionStats(
            qualname=name, file=file, line=line, self_time=float(self_s), total_time=float(cum_s), calls=int(calls)
        )
    for key, fn in out.items():
        for caller, value in stats[key][4].items():
            if caller not in out:
                continue
            seconds = float(value[3]) if isinstance(value, tuple) else 0.0
            fn.callers[out[caller].key] = seconds
            out[caller].callees[fn.key] = seconds
    return sorted(out.values(), key=lambda f: -f.total_time)


def load_pstats(blob: bytes) -> Dict[Key, Any]:
    try:
        stats = marshal.loads(blob)
    except (EOFError, ValueError, TypeError) as exc:
        raise BackendOutputError(f"cProfile's output is not a pstats file: {exc}") from exc
    if not isinstance(stats, dict):
        raise BackendOutputError("cProfile's output is not a pstats table")
    return stats


class CProfileBackend(Backend):
    name = "cprofile"
    module = ""  # stdlib
    requirement = ""
    summary = "stdlib deterministic profiler: exact call counts, function times (no install)"

    def command(self, target: Target, python: str, out_dir: Path, options: BackendOptions) -> List[str]:
        if target.kind == "code":
            raise UnsupportedTarget("cProfile's command line cannot run a -c snippet: save it to a file")
        return [python, "-m", "cProfile", "-o", str(out_dir / OUTPUT), *options.extra_args, *target.python_argv_tail()]

    def version(self, python: str) -> str:
        return ""  # part of the interpreter: RunMeta.python_version says it

    def read(self, out_dir: Path, meta: RunMeta) -> Profile:
        try:
            blob = (out_dir / OUTPUT).read_bytes()
        except OSError as exc:
            raise BackendOutputError(
                f"cProfile wrote no profile ({exc}): it saves one when the program returns, raises or "
                "calls sys.exit, not when the process is killed or calls os._exit"
            ) from exc
        profile = Profile(meta=meta, functions=parse_stats(load_pstats(blob), meta.cwd or None))
        profile.extras["pstats"] = blob
        meta.notes.extend(n for n in NOTES if n not in meta.notes)
        return profile
