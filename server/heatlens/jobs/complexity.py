"""Big-O measurement, the running half: time one function at growing sizes in a subprocess of the target's
interpreter (`complexity_driver.py`, supervised: timeout, cancel, the whole tree stopped), then fit what it
timed (`analysis/complexity.py`: hints, models, the verdict).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

from heatlens.analysis.complexity import (
    DEFAULT_BUDGET,
    DEFAULT_REPEAT,
    DEFAULT_SIZES,
    ComplexityError,
    ComplexityResult,
    analyze,
    failure_message,
    locate,
)
from heatlens.defaults import DEFAULT_TIMEOUT
from heatlens.run.argv import build_env
from heatlens.run.supervise import supervise

DRIVER = Path(__file__).with_name("complexity_driver.py")


async def measure(
    path: str, qualname: str, *, python: str = "", sizes: Optional[Sequence[int]] = None,
    factory: Optional[str] = None, unpack: Optional[bool] = None, repeat: Optional[int] = None,
    budget: float = DEFAULT_BUDGET, timeout: Optional[float] = DEFAULT_TIMEOUT, cancel: Optional[asyncio.Event] = None,
) -> ComplexityResult:
    """Time `qualname` of `path` in a subprocess and fit it. Arguments override the file's hints. Setting
    `cancel` (or cancelling the task) stops the timing process's whole tree."""
    path = os.path.abspath(path)
    line, hints = locate(path, qualname)
    factory = factory if factory is not None else hints.factory
    spec: Dict[str, Any] = {
        "file": path, "qualname": qualname,
        "factory": factory,
        "unpack": unpack if unpack is not None else hints.unpack,
        "sizes": list(sizes or hints.sizes or DEFAULT_SIZES),
        "repeat": repeat or hints.repeat or DEFAULT_REPEAT, "budget": budget,
    }
    with tempfile.TemporaryDirectory(prefix="heatlens-bigo-") as tmp:
        spec_path, out_path = os.path.join(tmp, "spec.json"), os.path.join(tmp, "out.json")
        with open(spec_path, "w") as f:
            json.dump(spec, f)
        token = secrets.token_hex(16)
        sup = await supervise(
            [python or sys.executable, str(DRIVER), spec_path, out_path],
            env=build_env(os.environ, {}, {}, token), cwd=os.path.dirname(path), token=token, timeout=timeout,
            cancel=cancel,
        )
        if sup.cancelled:
            raise ComplexityError(f"timing {qualname} was cancelled")
        if sup.timed_out:
            raise ComplexityError(f"timing {qualname} took longer than {timeout:.0f}s; use smaller sizes")
        try:
            with open(out_path) as f:
                out: Dict[str, Any] = json.load(f)
        except (OSError, ValueError):
            raise ComplexityError(f"the timing process failed (exit {sup.returncode}): {sup.stderr.text()[-2000:]}")
    if out.get("error"):
        raise ComplexityError(failure_message(qualname, str(out["error"]), factory))
    return analyze(qualname, path, line, out["runs"])


def measure_sync(path: str, qualname: str, **kw: Any) -> ComplexityResult:
    return asyncio.run(measure(path, qualname, **kw))
