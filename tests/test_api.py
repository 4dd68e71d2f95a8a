"""The Python API profiles real regions of a real process and stores them where history/the editor look."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from pathlib import Path
from typing import Dict

import pytest

import heatlens
from heatlens.model import Profile
from heatlens.store import open_store

# Two functions that burn a known amount of *CPU* time (by the process clock, so a busy machine cannot
# change the ratio): burn_big 3x burn_small.
PROGRAM = textwrap.dedent('''
    import sys, time
    import heatlens

    def spin(seconds):
        end = time.process_time() + seconds
        x = 0
        while time.process_time() < end:
            x += 1
        return x

    def burn_big():
        return spin(0.45)

    def burn_small():
        return spin(0.15)

    @heatlens.profile("decorated")
    def work():
        burn_big()
        burn_small()

    work()
    with heatlens.profile("block", metadata={"rows": 3, "obj": object()}):
        burn_small()
    print("done")
''')


def _self_shares(profile: Profile) -> Dict[str, float]:
    total = sum(f.self_time for f in profile.functions) or 1.0
    return {f.qualname: f.self_time / total for f in profile.functions}


def _run(tmp_path: Path, env_value: str) -> "subprocess.CompletedProcess[str]":
    script = tmp_path / "prog.py"
    script.write_text(PROGRAM)
    env = {**os.environ, "HEATLENS_PROJECT_ROOT": str(tmp_path)}
    env.pop("HEATLENS_PROFILE", None)
    if env_value:
        env["HEATLENS_PROFILE"] = env_value
    return subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_env_switch_profiles_regions_into_the_store(tmp_path: Path) -> None:
    proc = _run(tmp_path, "1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "done"  # the program's own output is untouched
    with open_store(str(tmp_path)) as store:
        rows = store.runs()
        assert [r.target for r in rows] == ["block", "decorated"]
        assert all(r.backend == "api" and r.ok for r in rows)
        decorated = store.load(rows[1].id)
        block = store.load(rows[0].id)
    shares = _self_shares(decorated)
    spin = [f for f in decorated.functions if f.qualname == "spin"]
    assert spin and spin[0].file == str(tmp_path / "prog.py")
    by_total = {f.qualname: f.total_time for f in decorated.functions}
    # ground truth: burn_big 75 % / burn_small 25 % of the region's CPU (both via spin)
    ratio = by_total["burn_big"] / (by_total["burn_big"] + by_total["burn_small"])
    assert 0.65 < ratio < 0.85, by_total
    assert shares["spin"] > 0.8
    assert 0.4 < decorated.meta.cpu_time < 2.0
    assert block.extras["api"]["metadata"]["rows"] == 3
    assert block.extras["api"]["metadata"]["obj"].startswith("<object object")
    assert "burn_big" not in {f.qualname for f in block.functions}
    assert decorated.meta.peak_rss_mb is not None and decorated.meta.peak_rss_mb > 1


def test_regions_are_noops_without_the_switch(tmp_path: Path) -> None:
    for value in ("", "0"):
        proc = _run(tmp_path, value)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == "done"
    assert not (tmp_path / ".heatlens").exists()


def test_explicit_profiler_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEATLENS_PROFILE", raising=False)

    def hot_function() -> int:
        end = time.process_time() + 0.3
        n = 0
        while time.process_time() < end:
            n += 1
        return n

    p = heatlens.Profiler("explicit", project_root=str(tmp_path))
    assert p.enabled  # an explicit Profiler is on without the environment switch
    p.start()
    inner = heatlens.Profiler("nested", project_root=str(tmp_path)).start()
    assert not inner.running  # regions do not nest: the outer one measures this time
    hot_function()
    assert inner.stop() is None
    profile = p.stop()
    assert profile is not None and p.run_id is not None
    hot = [f for f in profile.functions if f.qualname.endswith("hot_function")]
    assert hot and hot[0].file == __file__
    assert hot[0].self_time / max(sum(f.self_time for f in profile.functions), 1e-9) > 0.7
    with open_store(str(tmp_path)) as store:
        assert store.load(p.run_id).meta.target == "explicit"
    assert p.stop() is None  # stopping twice is harmless


def test_env_zero_turns_explicit_profilers_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HEATLENS_PROFILE", "0")
    p = heatlens.Profiler("off", project_root=str(tmp_path)).start()
    assert not p.running and p.stop() is None
    assert heatlens.api.env_switch() is False


def test_worker_thread_gets_a_warning_not_a_crash(tmp_path: Path) -> None:
    caught = []

    def worker() -> None:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with heatlens.profile("thread", enabled=True, project_root=str(tmp_path)) as p:
                sum(range(1000))
            caught.extend(w)
            caught.append(p)

    t = threading.Thread(target=worker)
    t.start()
    t.join(30)
    assert any("main thread" in str(w.message) for w in caught[:-1])
    assert caught[-1].profile is None and not (tmp_path / ".heatlens").exists()


def test_bare_decorator_keeps_the_function_working(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEATLENS_PROFILE", raising=False)

    @heatlens.profile
    def add(a: int, b: int) -> int:
        return a + b

    assert add(2, 3) == 5 and add.__name__ == "add"


def test_repeated_regions_leak_no_file_descriptors() -> None:
    @heatlens.profile("tiny", enabled=True, store=False)
    def tiny() -> int:
        return sum(range(1000))

    before = len(os.listdir("/proc/self/fd"))
    for _ in range(50):
        assert tiny() == 499500
    assert len(os.listdir("/proc/self/fd")) <= before + 2  # pytest may open a file meanwhile; not 150
