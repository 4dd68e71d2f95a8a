"""The argument probe, the running half: run the target once under `heatlens_probe_args.py` (a separate
process of the target's interpreter, supervised like any run: timeout, cancel, the whole tree stopped) and
read what it recorded. Judging the report is `analysis/argprobe.py`.

    await run_probe(target, watches, timeout, cancel) -> ProbeReport
    run_probe_sync(...)                                   # the same for callers without an event loop
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import tempfile
from typing import List, Optional, Sequence

from heatlens.analysis.argprobe import ProbeReport, Watch, parse_report
from heatlens.backends.base import Target
from heatlens.defaults import DEFAULT_TIMEOUT
from heatlens.run import argv as argv_mod
from heatlens.run.supervise import supervise

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "backends", "_agent",
                      "heatlens_probe_args.py")


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


async def run_probe(target: Target, watches: Sequence[Watch], timeout: Optional[float] = DEFAULT_TIMEOUT,
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


def run_probe_sync(target: Target, watches: Sequence[Watch], timeout: Optional[float] = DEFAULT_TIMEOUT) -> ProbeReport:
    return asyncio.run(run_probe(target, watches, timeout))


if __name__ == "__main__":  # pragma: no cover - a manual check: python -m heatlens.jobs.argprobe script.py name
    rep = run_probe_sync(Target("script", sys.argv[1], cwd=os.getcwd()), [Watch(os.path.abspath(sys.argv[1]), 0, sys.argv[2])])
    print(rep)
