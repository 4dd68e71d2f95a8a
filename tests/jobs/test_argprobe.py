"""The argument probe, for real: programs whose call arguments are known run under
`heatlens_probe_args.py` in a supervised subprocess; the counts, purity evidence and the judgement."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from heatlens_test_pythons import version_of, with_monitoring

from heatlens.analysis.argprobe import Watch, judge
from heatlens.backends.base import Target
from heatlens.jobs.argprobe import run_probe, run_probe_sync

PROG = '''import sys, time

def sq(n, k=2):
    return n ** k

def stamp(n):
    return n + time.perf_counter_ns() % 2

def span(pair):
    return pair[1] - pair[0]

def pairs(n):
    return [n, n]

def named(a, *rest, scale=1, **opts):
    return a * scale + len(rest) + len(opts)

class Box:
    def area(self, w, h):
        return w * h

class Grid:
    def cell(self, i):
        return i * 2

GRID = Grid()

def unwatched(n):
    return n

total = 0
for i in range(3000):
    total += sq(i % 40) + span([i % 3, 5]) + len(pairs(i % 2)) + unwatched(i)
    total += named(i % 4, 1, 2, scale=2, b=1, a2=2) + named(i % 4, 1, 2, a2=2, b=1, scale=2)
    total += Box().area(i % 3, 2) + GRID.cell(i % 7)
print(sum(stamp(i % 5) for i in range(2000)) > 0)
print(total, sys.argv[1:])
sys.exit(4)
'''


def _lines(src: str) -> dict:
    return {ln.split("(")[0][4:]: i for i, ln in enumerate(src.splitlines(), 1) if ln.lstrip().startswith("def ")}


# this interpreter, and one with sys.monitoring (the probe's 3.12+ mechanism) when this one lacks it
PYTHONS = [sys.executable] + ([with_monitoring()] if sys.version_info < (3, 12) and with_monitoring() else [])


@pytest.fixture(scope="module", params=PYTHONS, ids=lambda p: "py%d.%d" % (version_of(p) or (0, 0)))
def report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    d = tmp_path_factory.mktemp("probe")
    path = d / "prog.py"
    path.write_text(PROG)
    lines = _lines(PROG)
    watches = [Watch(str(path), lines[n], n) for n in ("sq", "stamp", "span", "pairs", "named")]
    watches += [Watch(str(path), 0, "Box.area"), Watch(str(path), 0, "Grid.cell")]  # by qualified name
    target = Target("script", str(path), args=["x", "y"], cwd=str(d), python=request.param)
    return path, run_probe_sync(target, watches, timeout=120), version_of(request.param)


def test_runs_the_program_as_python_would(report) -> None:  # type: ignore[no-untyped-def]
    _, rep, version = report
    assert rep.ok, rep.message
    assert rep.exit_code == 4 and rep.stdout.splitlines()[-1].endswith("['x', 'y']")
    assert rep.mechanism == ("sys.monitoring" if version >= (3, 12) else "sys.setprofile")


def test_pure_function_with_few_arguments_is_cached(report) -> None:  # type: ignore[no-untyped-def]
    path, rep, _ = report
    s = rep.stats_for(str(path), "sq")
    assert s is not None and (s.calls, s.distinct, s.inconsistent, s.unhashable) == (3000, 40, 0, 0)
    assert s.consistent == 3000 - 40 and s.top[0] == ["(0, 2)", 75]
    j = judge(s)
    assert j.ok and j.evidence == "3,000 calls, 40 distinct arguments, same result each time"
    assert rep.stats_for(str(path), "unwatched") is None


def test_impure_unhashable_and_mutable_results_are_refused(report) -> None:  # type: ignore[no-untyped-def]
    path, rep, _ = report
    stamp, span, pairs = (rep.stats_for(str(path), n) for n in ("stamp", "span", "pairs"))
    assert stamp is not None and stamp.calls == 2000 and stamp.distinct == 5 and stamp.inconsistent > 0
    assert stamp.mismatches and not judge(stamp).ok and "not pure" in judge(stamp).reason
    assert span is not None and span.unhashable == 3000 and span.distinct == 3
    assert "unhashable" in judge(span).reason
    assert pairs is not None and pairs.mutable_results == 3000 and "mutable" in judge(pairs).reason


def test_keywords_in_any_order_are_one_argument_tuple(report) -> None:  # type: ignore[no-untyped-def]
    path, rep, _ = report
    s = rep.stats_for(str(path), "named")
    assert s is not None and s.calls == 6000 and s.distinct == 4 and s.inconsistent == 0
    area = rep.stats_for(str(path), "Box.area")
    assert area is not None and area.calls == 3000  # a method matched by qualified name; `self` differs
    # a fresh Box per call is a new argument even where CPython reuses the freed object's address
    assert area.distinct == 3000
    cell = rep.stats_for(str(path), "Grid.cell")
    assert cell is not None and (cell.calls, cell.distinct) == (3000, 7)  # one instance: `self` repeats


def test_module_target_and_timeout(tmp_path: Path) -> None:
    pkg = tmp_path / "pk"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "__main__.py").write_text("def f(n):\n    return n % 3\n\nprint(sum(f(i) for i in range(100)))\n")
    rep = run_probe_sync(Target("module", "pk", cwd=str(tmp_path)), [Watch(str(pkg / "__main__.py"), 1, "f")])
    s = rep.stats_for(str(pkg / "__main__.py"), "f")
    assert rep.ok and rep.stdout.strip() == "99" and s is not None and (s.calls, s.distinct) == (100, 100)

    loop = tmp_path / "loop.py"
    loop.write_text("def f(n):\n    return n\nwhile True:\n    f(1)\n")
    slow = run_probe_sync(Target("script", str(loop), cwd=str(tmp_path)), [Watch(str(loop), 1, "f")], timeout=1.0)
    assert not slow.ok and "timed out" in slow.message


def test_cancel_stops_the_probe(tmp_path: Path) -> None:
    loop = tmp_path / "loop.py"
    loop.write_text("import time\nwhile True:\n    time.sleep(0.01)\n")

    async def go():  # type: ignore[no-untyped-def]
        cancel = asyncio.Event()
        task = asyncio.ensure_future(run_probe(Target("script", str(loop), cwd=str(tmp_path)),
                                               [Watch(str(loop), 1, "f")], timeout=120, cancel=cancel))
        await asyncio.sleep(1.0)
        cancel.set()
        return await asyncio.wait_for(task, 60)

    rep = asyncio.run(go())
    assert not rep.ok and "cancelled" in rep.message
