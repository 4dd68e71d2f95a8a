"""Hand-built profiles whose every share is known, over real files in a temporary project."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest

from heatlens.model import (
    Failure,
    FailureKind,
    FileProfile,
    Finding,
    Frame,
    FunctionStats,
    LineStats,
    MemorySample,
    Profile,
    RunMeta,
    StackSample,
    TimelineEvent,
)

APP_SOURCE = '''import json


def join_orders(orders, customers):
    out = []
    for o in orders:
        for c in customers:
            if o["cid"] == c["id"]:
                out.append((o, c))
    return out


def load(text):
    return json.loads(text)


def main():
    data = load("[1, 2]")
    join_orders([], [])


main()
'''


@pytest.fixture
def paths(tmp_path: Path) -> Dict[str, str]:
    project = tmp_path / "proj"
    project.mkdir()
    app = project / "app.py"
    app.write_text(APP_SOURCE)
    lib = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "numpy" / "core.py"
    std = tmp_path / "pyroot" / "lib" / "python3.11" / "json" / "decoder.py"
    return {"root": str(project), "app": str(app), "lib": str(lib), "std": str(std)}


@pytest.fixture
def profile(paths: Dict[str, str]) -> Profile:
    """10 s of CPU: app.py line 8 = 60 %, your code 75 %, native 15 %, numpy 5 %, json (stdlib) 5 %."""
    app, lib, std = paths["app"], paths["lib"], paths["std"]
    frames = [
        Frame("main", app, 17),
        Frame("join_orders", app, 4),
        Frame("load", app, 13),
        Frame("JSONDecoder.decode", std, 20),
        Frame("dot", lib, 10),
        Frame("<built-in method builtins.len>", "", 0, native=True),
    ]
    return Profile(
        meta=RunMeta(target="app.py", backend="handmade", project_root=paths["root"], cwd=paths["root"],
                     wall_time=12.0, cpu_time=10.0, peak_rss_mb=180.0, pid=4242),
        files=[
            FileProfile(app, None, [
                LineStats(7, cpu_python=1.0, samples=100),
                LineStats(8, cpu_python=6.0, samples=600, hits=1000),
                LineStats(9, mem_alloc_mb=50.0, mem_peak_mb=30.0, mem_net_mb=20.0),
                LineStats(14, cpu_python=0.5, cpu_native=0.5, samples=100),
            ]),
            FileProfile(lib, None, [LineStats(10, cpu_python=0.5, cpu_native=1.0, samples=150)]),
            FileProfile(std, None, [LineStats(20, cpu_python=0.5, samples=50)]),
        ],
        functions=[
            FunctionStats("join_orders", app, 4, self_time=7.0, total_time=7.5, calls=3,
                          mem_alloc_mb=50.0, callers={f"{app}:17:main": 7.5}),
            FunctionStats("load", app, 13, self_time=0.5, total_time=2.5, calls=2),
            FunctionStats("main", app, 17, self_time=0.0, total_time=10.0, calls=1),
            FunctionStats("JSONDecoder.decode", std, 20, self_time=0.5, total_time=0.5, calls=2),
            FunctionStats("dot", lib, 10, self_time=1.5, total_time=1.5, calls=5),
            FunctionStats("<built-in method builtins.len>", "", 0, self_time=0.5, total_time=0.5, calls=1000),
        ],
        frames=frames,
        stacks=[
            StackSample([0, 1], 7.0),
            StackSample([0, 1, 5], 0.5),
            StackSample([0, 2], 0.5),
            StackSample([0, 2, 3], 0.5),
            StackSample([0, 2, 4], 1.5),
        ],
        memory_series=[MemorySample(0.0, 1.0, 1.0, 50.0), MemorySample(1.0, 40.0, 55.0, 200.0)],
        findings=[Finding("nested-loop-join", "nested loop: index customers by id", app, 6, 9)],
    )


@pytest.fixture
def timeline_profile(paths: Dict[str, str]) -> Profile:
    """A tracer-style profile: main (0-10 s) calls work (1-7 s) which calls len (2-3 s); a worker thread."""
    app = paths["app"]
    return Profile(
        meta=RunMeta(target="app.py", backend="tracer", project_root=paths["root"], pid=77,
                     failure=Failure(FailureKind.EXCEPTION, "ValueError: boom", exc_type="ValueError")),
        timeline=[
            TimelineEvent("main", 0.0, 10.0, app, 17),
            TimelineEvent("join_orders", 1.0, 6.0, app, 4, depth=1),
            TimelineEvent("builtins.len", 2.0, 1.0, "", 0, depth=2),
            TimelineEvent("load", 8.0, 1.0, app, 13, depth=1, args={"text": "'[1]'"}, return_value="[1]"),
            TimelineEvent("load", 0.5, 2.0, app, 13, thread="worker"),
        ],
    )
