"""The argument probe, host side: run the target under `heatlens_probe_args.py` (a separate process,
supervised like any run: timeout, cancel, the whole tree stopped) and judge whether caching is safe.

    watches_for(findings) -> [Watch]                       # the repeated-call findings worth probing
    await run_probe(target, watches, timeout, cancel) -> ProbeReport
    run_probe_sync(...)                                   # the same for callers without an event loop
    judge(stats) -> Judgement                             # ok: offer lru_cache; evidence: for the message

`judge` offers a cache only when the run saw enough calls, at most `MAX_DISTINCT_SHARE` of them with new
arguments, every argument hashable and repr-able, every repeated argument tuple giving the same result
repr, no exception and no mutable result (a cached list would be shared by callers).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import tempfile
from typing import Any, Dict, List, Optional, Sequence

import attrs
import cattrs

from heatlens.backends.base import Target
from heatlens.model import Finding
from heatlens.run import argv as argv_mod
from heatlens.run.supervise import supervise

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "backends", "_agent",
                      "heatlens_probe_args.py")
MIN_CALLS = 20
MAX_DISTINCT_SHARE = 0.5


@attrs.define
class Watch:
    file: str
    line: int  # first line of the `def`
    qualname: str


@attrs.define
class ArgStats:
    file: str
    line: int
    qualname: str
    calls: int = 0
    distinct: int = 0
    unknown: int = 0  # calls whose arguments could not be repr'd
    unhashable: int = 0
    raised: int = 0
    mutable_results: int = 0
    consistent: int = 0  # repeated calls that gave the first call's result
    inconsistent: int = 0
    overflow: int = 0
    top: List[List[Any]] = attrs.Factory(list)  # [[args repr, count], ...] most repeated first
    mismatches: List[List[str]] = attrs.Factory(list)  # [[args, first result, later result], ...]


@attrs.define
class ProbeReport:
    ok: bool
    functions: List[ArgStats] = attrs.Factory(list)
    mechanism: str = ""  # "sys.monitoring" | "sys.setprofile"
    exit_code: Optional[int] = None
    stdout: str = ""
    message: str = ""  # why not ok

    def stats_for(self, file: str, qualname: str) -> Optional[ArgStats]:
        for s in self.functions:
            if s.qualname == qualname and _same(s.file, file):
                return s
        return None


@attrs.define
class Judgement:
    ok: bool
    evidence: str  # "12.0 k calls, 40 distinct arguments, same result each time"
    reason: str = ""  # why caching is not offered


def _same(a: str, b: str) -> bool:
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def _count(n: int) -> str:
    return f"{n:,}"


def judge(s: ArgStats) -> Judgement:
    repeats = s.consistent + s.inconsistent
    same = "same result each time" if s.inconsistent == 0 and repeats else (
        f"different results for the same arguments {s.inconsistent} times" if s.inconsistent else "no repeated arguments")
    evidence = f"{_count(s.calls)} calls, {_count(s.distinct)} distinct arguments, {same}"
    if s.calls < MIN_CALLS:
        return Judgement(False, evidence, f"only {s.calls} calls measured")
    if s.unhashable:
        return Judgement(False, evidence, f"unhashable arguments in {_count(s.unhashable)} calls")
    if s.unknown:
        return Judgement(False, evidence, f"arguments that cannot be compared in {_count(s.unknown)} calls")
    if s.inconsistent:
        return Judgement(False, evidence, "it is not pure: the same arguments gave different results")
    if s.raised:
        return Judgement(False, evidence, f"it raised in {_count(s.raised)} calls")
    if s.mutable_results:
        return Judgement(False, evidence, "it returns mutable objects (a cached one would be shared by callers)")
    if s.distinct > MAX_DISTINCT_SHARE * s.calls or not repeats:
        return Judgement(False, evidence, "its arguments rarely repeat: a cache would not pay")
    return Judgement(True, evidence)


def watches_for(findings: Sequence[Finding]) -> List[Watch]:
    """One watch per repeated-call finding (the function's `def` line and name)."""
    out: List[Watch] = []
    for f in findings:
        if f.rule == "repeated-call" and f.data.get("function"):
            w = Watch(os.path.abspath(f.file), int(f.data.get("def_line", f.line)), str(f.data["function"]))
            if w not in out:
                out.append(w)
    return out


def probe_argv(python: str, target: Target, watches: Sequence[Watch], out: str) -> List[str]:
    argv = [python, SCRIPT, "--out", out]
    for w in watches:
        argv += ["--watch", f"{w.file}:{w.line}:{w.qualname}"]
    argv.append("--")
    if target.kind == "module":
        argv += ["-m", target.value]
    elif target.kind == "script":
        argv.append(target.value)
    else:
        raise ValueError("the argument probe runs scripts and modules, not -c code")
    return argv + list(target.args)


def parse_report(data: Dict[str, Any], stdout: str = "") -> ProbeReport:
    conv = cattrs.Converter()
    funcs = [conv.structure(f, ArgStats) for f in data.get("functions", [])]
    return ProbeReport(True, funcs, str(data.get("mechanism", "")), data.get("exit_code"), stdout)


async def run_probe(target: Target, watches: Sequence[Watch], timeout: Optional[float] = 300.0,
                    cancel: Optional[asyncio.Event] = None) -> ProbeReport:
    """Run `target` once under the probe (never in this process) and read what it recorded."""
    if not watches:
        return ProbeReport(False, message="no functions to probe")
    t = argv_mod.absolute_target(target)
    missing = argv_mod.check_target(t)
    if missing is not None:
        return ProbeReport(False, message=missing.message)
    try:
        python = argv_mod.resolve_interpreter(t.python, t.cwd)
    except argv_mod.InterpreterNotFound as exc:
        return ProbeReport(False, message=str(exc))
    with tempfile.TemporaryDirectory(prefix="heatlens-probe-") as tmp:
        out = os.path.join(tmp, "probe.json")
        try:
            argv = probe_argv(python, t, watches, out)
        except ValueError as exc:
            return ProbeReport(False, message=str(exc))
        token = secrets.token_hex(16)
        env = argv_mod.build_env(os.environ, t.env, {}, token)
        sup = await supervise(argv, env=env, cwd=t.cwd or os.getcwd(), token=token, timeout=timeout, cancel=cancel)
        stdout = sup.stdout.text()
        if sup.cancelled:
            return ProbeReport(False, stdout=stdout, message="the probe was cancelled")
        if sup.timed_out:
            return ProbeReport(False, stdout=stdout, message=f"the probe run timed out after {timeout} s")
        try:
            with open(out, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return ProbeReport(False, stdout=stdout, exit_code=sup.returncode,
                               message=f"the probe wrote no result: {sup.stderr.text()[-400:]}")
        return parse_report(data, stdout)


def run_probe_sync(target: Target, watches: Sequence[Watch], timeout: Optional[float] = 300.0) -> ProbeReport:
    return asyncio.run(run_probe(target, watches, timeout))


def to_data(s: ArgStats) -> Dict[str, Any]:
    return attrs.asdict(s)


def from_data(d: Dict[str, Any]) -> ArgStats:
    return cattrs.Converter().structure(d, ArgStats)


if __name__ == "__main__":  # pragma: no cover - a manual check: python -m heatlens.analysis.argprobe script.py name
    rep = run_probe_sync(Target("script", sys.argv[1], cwd=os.getcwd()), [Watch(os.path.abspath(sys.argv[1]), 0, sys.argv[2])])
    print(rep)
