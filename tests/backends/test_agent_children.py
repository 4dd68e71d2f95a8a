"""Child processes under the built-in agent: real runs of programs whose CPU per function and process is
known (tests/fixtures/children print their own process_time measurements), and the merge of the agent's
per-process files.

Shares, not durations: each program burns a fixed amount of CPU per function, and the tolerances are on
shares of the sampled CPU, which contention on a shared machine does not move.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from heatlens.backends import agent_children as ac
from heatlens.backends.base import BackendOptions, Target
from heatlens.model import Profile, RunMeta
from heatlens.reports import processes
from heatlens.run import RunOptions, RunResult, profile_target_sync

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "children"
SHARE_TOLERANCE = 0.08  # percentage points of the run's sampled CPU

pytestmark = pytest.mark.slow


def run(name: str, *args: str, children: bool = True) -> RunResult:
    result = profile_target_sync(
        Target(kind="script", value=str(FIX / name), args=list(args), cwd=str(FIX)),
        RunOptions(backend="agent", timeout=120, backend_options=BackendOptions(children=children)))
    assert result.failure.ok, (result.failure, result.stderr)
    assert result.profile is not None
    return result


def truth(result: RunResult) -> Dict[str, Any]:
    return json.loads(result.stdout.strip().splitlines()[-1])


def sampled_cpu(profile: Profile) -> float:
    return sum(s.cpu_python + s.cpu_native for f in profile.files for s in f.lines)


def self_cpu(profile: Profile, path: Path, name: str) -> float:
    """Time in function `name` of `path` itself, summed over every process that ran it (a busy loop: CPU)."""
    return sum(f.self_time for f in profile.functions if f.file == str(path) and f.qualname == name)


def check_shares(profile: Profile, path: Path, expected: Dict[str, float], total_truth: float,
                 total: float) -> Dict[str, Any]:
    """Each function's share of the processes' CPU (as they measured it) against the program's own truth."""
    got = {}
    for name, seconds in expected.items():
        measured = self_cpu(profile, path, name) / total
        want = seconds / total_truth
        got[name] = (round(measured, 3), round(want, 3))
        assert abs(measured - want) <= SHARE_TOLERANCE, (name, got, total, total_truth)
    return got


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_pool_workers_are_profiled_and_merged(method: str) -> None:
    result = run("pool_workers.py", method)
    t, p = truth(result), result.profile
    assert p.processes is not None
    workers = [pr for pr in p.processes if pr.name.endswith("PoolWorker-1") or pr.name.endswith("PoolWorker-2")]
    assert len(workers) == 2, p.processes
    assert {pr.start for pr in workers} == {"exec" if method == "spawn" else "fork"}
    assert set(t["pids"]) <= {pr.pid for pr in workers}
    main = p.processes[0]
    assert main.start == "main" and main.pid == p.meta.pid and all(pr.parent_pid == main.pid for pr in workers)
    # the truth: all CPU the program's processes used (the pool's helper processes aside)
    total_truth = t["parent_cpu"] + t["children_cpu"]
    total = main.cpu_time + sum(pr.cpu_time for pr in workers if pr.pid in t["pids"])
    shares = check_shares(p, FIX / "pool_workers.py",
                          {"parent_work": t["parent_work"], "child_work": t["child_work"]}, total_truth, total)
    print(method, "shares (measured, truth):", shares)
    # per process: each worker's sampled CPU is its own, close to what it measured itself
    for pr in workers:
        assert pr.complete and pr.sampled_cpu <= pr.cpu_time * 1.05 + 0.01, pr
        assert pr.samples > 0 or pr.pid not in t["pids"], pr  # a worker that got no task may have no sample
    report = processes.summarize(p)
    assert report is not None and len(report["processes"]) == len(p.processes)
    assert abs(sum(r["share"] for r in report["processes"]) - 1.0) < 1e-6


def test_no_children_leaves_the_children_out() -> None:
    result = run("pool_workers.py", "spawn", children=False)
    p = result.profile
    assert p.processes is not None and [pr.start for pr in p.processes] == ["main"]
    assert self_cpu(p, FIX / "pool_workers.py", "child_work") == 0.0
    assert self_cpu(p, FIX / "pool_workers.py", "parent_work") > 0.5 * sampled_cpu(p)
    assert truth(result)["child_work"] > 0.4  # the children ran all the same
    assert processes.summarize(p) is None  # one process: no section


def test_subprocess_python_child_is_profiled() -> None:
    result = run("run_child.py")
    t, p = truth(result), result.profile
    kids = [pr for pr in p.processes or [] if pr.pid == t["child_pid"]]
    assert len(kids) == 1 and kids[0].start == "exec" and str(FIX / "child.py") in kids[0].argv, p.processes
    total_truth = t["parent_cpu"] + t["child_cpu"]
    total = p.processes[0].cpu_time + kids[0].cpu_time
    shares = check_shares(p, FIX / "run_child.py", {"parent_work": t["parent_work"]}, total_truth, total)
    shares.update(check_shares(p, FIX / "child.py", {"child_work": t["child_work"]}, total_truth, total))
    print("subprocess shares (measured, truth):", shares)
    assert any(s.thread == f"pid {t['child_pid']}/MainThread" for s in p.stacks)


def test_killed_child_keeps_its_last_periodic_write() -> None:
    result = run("killed_child.py")
    t, p = truth(result), result.profile
    assert t["returncode"] == -9
    kid = [pr for pr in p.processes or [] if pr.pid == t["child_pid"]]
    assert len(kid) == 1 and not kid[0].complete and kid[0].samples > 0, p.processes
    assert self_cpu(p, FIX / "child.py", "child_work") > 0.2  # it had run >= 0.8 s of CPU before the kill
    assert any("ended before their final write" in n for n in p.meta.notes), p.meta.notes


# ---- the merge itself, on hand-made agent outputs ------------------------------------------------------

def _out(pid: int, frames: List[List[str]], stacks: List[Dict[str, Any]], **meta: Any) -> Dict[str, Any]:
    m = {"pid": pid, "cpu": 1.0, "wall": 2.0, "samples": 10, "complete": True, "role": "main", "argv": ["x.py"]}
    m.update(meta)
    return {"format": "heatlens-agent", "version": 1, "meta": m, "frames": frames, "stacks": stacks}


def test_merge_adds_up_the_same_line_across_processes(tmp_path: Path) -> None:
    src = tmp_path / "w.py"
    src.write_text("def f():\n    return 1\n\ndef g():\n    return 2\n")
    main = _out(1, [[str(src), "f"]], [{"thread": "MainThread", "frames": [[0, 2]], "python": 0.3, "native": 0.0,
                                        "blocked": 0.0, "samples": 3}])
    kid = _out(2, [[str(src), "g"], [str(src), "f"]],
               [{"thread": "MainThread", "frames": [[1, 2]], "python": 0.2, "native": 0.1, "blocked": 0.0, "samples": 2},
                {"thread": "MainThread", "frames": [[0, 5]], "python": 0.4, "native": 0.0, "blocked": 0.0, "samples": 4}],
               role="exec", kind="child", ppid=1, complete=False, cmdline=["python", "w.py"])
    from heatlens.backends.agent import convert

    p = convert(ac.merge(main, [kid]), RunMeta())
    line2 = p.file(str(src)).by_line()[2]
    assert line2.cpu_python == pytest.approx(0.5) and line2.cpu_native == pytest.approx(0.1) and line2.samples == 5
    assert {f.qualname: f.self_time for f in p.functions} == {"f": pytest.approx(0.6), "g": pytest.approx(0.4)}
    assert {s.thread for s in p.stacks} == {"MainThread", "pid 2/MainThread"}
    info = ac.process_info(kid)
    assert (info.pid, info.parent_pid, info.start, info.complete, info.argv) == (2, 1, "exec", False, ["python", "w.py"])
    assert info.sampled_cpu == pytest.approx(0.7)


def test_read_latest_prefers_the_final_write_then_the_newest_snapshot(tmp_path: Path) -> None:
    out = tmp_path / "7.json"
    (tmp_path / "7.json.part-main").write_text(json.dumps(_out(7, [], [], wall=1.5, complete=False)))
    (tmp_path / "7.json.part-wall").write_text(json.dumps(_out(7, [], [], wall=1.0, complete=False)))
    (tmp_path / "8.json.part-wall").write_text("{not json")
    assert ac.read_latest(out)["meta"]["wall"] == 1.5
    out.write_text(json.dumps(_out(7, [], [], wall=0.5)))
    assert ac.read_latest(out)["meta"]["complete"] is True
    assert [d["meta"]["pid"] for d in ac.read_children(tmp_path)] == [7]  # 8 has nothing readable


def test_cli_reports_processes_and_no_children_turns_them_off(tmp_path: Path) -> None:
    import subprocess
    import sys

    def cli(*extra: str) -> Dict[str, Any]:
        out = tmp_path / ("r%d.json" % len(extra))
        argv = [sys.executable, "-m", "heatlens", "run", "--backend", "agent", "--no-store", "--output", str(out), *extra,
                str(FIX / "run_child.py")]
        done = subprocess.run(argv, cwd=str(FIX), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return json.loads(out.read_text())

    on = cli()["processes"]
    assert on is not None and [r["start"] for r in on["processes"]] == ["main", "exec"]
    assert cli("--no-children")["processes"] is None


def test_children_keep_the_users_sitecustomize_and_pythonpath(tmp_path: Path) -> None:
    user = tmp_path / "userpath"
    user.mkdir()
    (user / "sitecustomize.py").write_text("import builtins\nbuiltins.USER_SITE_RAN = True\n")
    (user / "usermod.py").write_text("X = 42\n")
    prog = tmp_path / "parent.py"
    prog.write_text(
        "import subprocess, sys\n"
        "code = 'import builtins, sys, usermod; print(getattr(builtins, \"USER_SITE_RAN\", False), usermod.X, "
        "any(\"childsite\" in p for p in sys.path))'\n"
        "print(subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.strip())\n")
    result = profile_target_sync(Target(kind="script", value=str(prog), cwd=str(tmp_path),
                                        env={"PYTHONPATH": str(user)}), RunOptions(backend="agent", timeout=120))
    assert result.failure.ok, result.stderr
    assert result.stdout.strip() == "True 42 False"  # the user's sitecustomize ran; heatlens's is off sys.path
    kids = [pr for pr in result.profile.processes or [] if pr.start == "exec"]
    assert len(kids) == 1 and kids[0].argv[1] == "-c", result.profile.processes


def test_processes_survive_the_store_format_and_old_profiles_still_load() -> None:
    from heatlens import model

    p = Profile(processes=[model.ProcessInfo(pid=1, argv=["python", "x.py"], cpu_time=1.5),
                           model.ProcessInfo(pid=2, parent_pid=1, start="fork", complete=False)])
    back = model.loads(model.dumps(p))
    assert back.processes == p.processes
    old = model.to_dict(Profile())
    del old["processes"]  # a profile stored before the field existed
    assert model.from_dict(old).processes is None


def test_os_fork_child_is_profiled_through_os_exit() -> None:
    result = run("fork_child.py")
    t, p = truth(result), result.profile
    kid = [pr for pr in p.processes or [] if pr.pid == t["child_pid"]]
    assert len(kid) == 1 and kid[0].start == "fork" and kid[0].complete, p.processes
    assert kid[0].exit_code == 0  # its final write came from the os._exit it left by
    total = p.processes[0].cpu_time + kid[0].cpu_time
    # burn() runs in both processes: child_work and parent_work call it, so compare their inclusive times
    got = {}
    for name in ("parent_work", "child_work"):
        fn = [f for f in p.functions if f.qualname == name and f.file == str(FIX / "fork_child.py")]
        measured, want = fn[0].total_time / total, t[name] / (t["parent_cpu"] + t["child_cpu"])
        got[name] = (round(measured, 3), round(want, 3))
        assert abs(measured - want) <= SHARE_TOLERANCE, got
    print("os.fork shares (measured, truth):", got)
