"""Reading py-spy's raw records (pyspy_parse.py): threads seen running in a wait are left out, and samples weigh
at most the CPU each group of processes used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from heatlens.backends import pyspy
from heatlens.backends.base import BackendOptions, Target
from heatlens.backends.pyspy_parse import CHILDREN, PROGRAM, SCALED, parse_raw
from heatlens.model import FailureKind, RunMeta

import heatlens_backend_harness as H  # noqa: E402  (registered by conftest.py)

WAITING = Path(__file__).parents[1] / "fixtures" / "exact" / "waiting_threads.py"
needs_pyspy = pytest.mark.skipif(pyspy.find_pyspy() is None, reason="py-spy binary not installed")

# the program (pid 5) ran alone, then two workers (pids 6 and 7) beside each other and their samplers
POOL = (
    'process 5:"python app.py";thread (5);<module> (/p/app.py:3);parent_work (/p/app.py:9) 400\n'
    'process 5:"python app.py";process 6:"python app.py";thread (6);worker (/p/app.py:14) 500\n'
    'process 5:"python app.py";process 7:"python app.py";thread (7);worker (/p/app.py:14) 500\n'
)


def _lines(profile):
    return profile.files[0].by_line()


def test_each_group_of_processes_is_scaled_to_its_own_cpu() -> None:
    # seen 1 s in the program and 2 s in its workers, which used 1 s of CPU between them: the workers' waits
    # for a core go, the program's time stays (scaled together, it would lose a third)
    profile = parse_raw(POOL, 400.0, "/", 5, launcher=False, cpu={PROGRAM: 1.0, CHILDREN: 1.0})
    assert (_lines(profile)[9].cpu, _lines(profile)[14].cpu) == (pytest.approx(1.0), pytest.approx(1.0))
    assert sum(s.weight for s in profile.stacks) == pytest.approx(2.0)
    assert profile.extras[SCALED] == {CHILDREN: [pytest.approx(2.5), 1.0]}
    assert _lines(profile)[14].samples == 1000  # what its noise is judged by


def test_samples_within_the_cpu_used_or_of_unknown_cpu_are_kept() -> None:
    for cpu in (None, {PROGRAM: 1.01, CHILDREN: 2.55}, {PROGRAM: 1.0}):
        profile = parse_raw(POOL, 400.0, "/", 5, launcher=False, cpu=cpu)
        assert (_lines(profile)[9].cpu, _lines(profile)[14].cpu) == (pytest.approx(1.0), pytest.approx(2.5))
        assert SCALED not in profile.extras


def test_samples_a_little_over_the_cpu_used_are_scaled_to_it_without_a_word() -> None:
    # a paused read is seen as activity (~5 % at 250 reads a second): the lines never hold more than the CPU used,
    # and a note is for more than that
    profile = parse_raw(POOL, 400.0, "/", 5, launcher=False, cpu={PROGRAM: 0.97, CHILDREN: 2.45})
    assert (_lines(profile)[9].cpu, _lines(profile)[14].cpu) == (pytest.approx(0.97), pytest.approx(2.45))
    assert SCALED not in profile.extras


def test_a_line_that_waits_in_c_is_a_wait_and_one_that_computes_is_not(tmp_path: Path) -> None:
    source = tmp_path / "app.py"
    source.write_text("import time\n"
                      "def fetch(sock, lock):\n"
                      "    time.sleep(0.5)\n"
                      "    data = sock.recv(4096)\n"
                      "    lock.acquire()\n"
                      "    return sum(x * x for x in data)\n")
    text = "".join(f"thread (5);fetch ({source}:{line}) 10\n" for line in (3, 4, 5, 6))
    profile = parse_raw(text, 100.0, "/", 5, launcher=False)
    assert {s.line: s.samples for s in _lines(profile).values()} == {6: 10}
    kept = parse_raw(text, 100.0, "/", 5, launcher=False, idle=True)  # --idle: the waits asked for
    assert sorted(_lines(kept)) == [3, 4, 5, 6]


def test_each_thread_the_launcher_read_is_scaled_to_its_own_cpu() -> None:
    text = ("thread (5): MainThread;<module> (/p/x.py:3) 300\n"
            "thread (6): Thread-1;nap (/p/x.py:9) 20\n"  # asleep in C, seen running
            "thread (7): Thread-2;work (/p/x.py:12) 50\n")  # ended before the program: not read
    profile = parse_raw(text, 100.0, "/", 5, launcher=False,
                        cpu=pyspy.cpu_groups(3.62, 0.0, {5: 3.0, 6: 0.01}))
    assert {n: round(s.cpu, 3) for n, s in _lines(profile).items()} == {3: 3.0, 9: 0.01, 12: 0.5}
    assert profile.extras[SCALED] == {PROGRAM: [pytest.approx(0.2), pytest.approx(0.01)]}  # only the sleeper's
    assert pyspy.cpu_groups(1.0, 0.25, {5: 0.8}) == {5: 0.8, PROGRAM: 0.75, CHILDREN: 0.25}


def test_threads_named_by_their_pthread_ids_are_matched_and_the_rest_keeps_the_process_s_cpu() -> None:
    # py-spy reading 3.9/3.10 unpaused names threads by pthread id: the launcher writes each thread's CPU under
    # both ids; only the ids sampled come off the process's CPU (before, none matched and the rest weighed 0)
    text = ("thread (0x7F00AA00): MainThread;<module> (/p/x.py:3) 300\n"
            "thread (0x7F00BB00): Thread-1;nap (/p/x.py:9) 20\n")
    both = {5: 3.0, 0x7F00AA00: 3.0, 6: 0.01, 0x7F00BB00: 0.01}
    profile = parse_raw(text, 100.0, "/", 5, launcher=False, cpu=pyspy.cpu_groups(3.02, 0.0, both))
    assert {n: round(s.cpu, 3) for n, s in _lines(profile).items()} == {3: 3.0, 9: 0.01}
    unmatched = parse_raw(text, 100.0, "/", 5, launcher=False, cpu=pyspy.cpu_groups(3.02, 0.0, {5: 3.0, 6: 0.01}))
    assert sum(s.cpu for s in _lines(unmatched).values()) == pytest.approx(3.02)  # the process's CPU, not 0


def test_the_launcher_writes_each_live_thread_s_cpu(tmp_path) -> None:
    import subprocess
    import sys
    status = tmp_path / pyspy.STATUS
    code = ("import threading, time\n"
            "def spin():\n    t = time.thread_time()\n    while time.thread_time() - t < 0.2: pass\n    time.sleep(60)\n"
            "threading.Thread(target=spin, daemon=True).start()\ntime.sleep(0.5)\n")
    subprocess.run([sys.executable, "-c", pyspy.LAUNCHER, str(status), "100", "code", code], check=True, timeout=60)
    threads = pyspy.read_thread_cpu(tmp_path)
    pid = pyspy.read_status(tmp_path)[0]
    # each of the two threads under its system id (the main thread's is the process's) and its pthread id
    assert pid in threads and len(threads) == 4, threads
    main, _, spun, _ = sorted(threads.values())
    assert 0.2 <= spun < 0.3 and main == pytest.approx(threads[pid], abs=1e-3) and main < 0.2, threads


def test_a_program_without_children_is_scaled_to_its_cpu_and_told() -> None:
    text = "thread (5);<module> (/p/x.py:3) 800\nthread (5);f (/p/x.py:7) 400\n"
    profile = parse_raw(text, 100.0, "/", 5, launcher=False, cpu={PROGRAM: 6.0, CHILDREN: 0.0})
    assert (_lines(profile)[3].cpu, _lines(profile)[7].cpu) == (pytest.approx(4.0), pytest.approx(2.0))  # shares kept
    profile.meta = RunMeta()
    pyspy.note_scaled(profile)
    assert SCALED not in profile.extras
    assert profile.meta.notes == ["py-spy saw 12.00 s of activity in the program for 6.00 s of CPU used (a thread "
                                  "waiting for a core, or woken in its wait by a read, looks active from outside): "
                                  "their line times were scaled to the CPU time, thread by thread where known."]


# one thread computing, three seen in their waits, as py-spy 0.4 names the frames on 3.11+
THREADS = (
    "thread (5): MainThread;<module> (/p/app.py:30);burn (/p/app.py:12) 300\n"
    "thread (6): Thread-1;Thread.run (/py/threading.py:982);f (/p/app.py:5);Event.wait (/py/threading.py:629);"
    "Condition.wait (/py/threading.py:327) 40\n"
    "thread (7): Thread-2;Thread.run (/py/threading.py:982);g (/p/app.py:8);EpollSelector.select (/py/selectors.py:468) 30\n"
    "thread (8): Thread-3;Thread.run (/py/threading.py:982);h (/p/app.py:9);Thread.wait (/p/mine.py:3) 20\n"
)


def test_threads_seen_running_in_a_wait_are_left_out_unless_idle_threads_were_asked_for() -> None:
    profile = parse_raw(THREADS, 100.0, "/", 5, launcher=False, cpu={PROGRAM: 3.2, CHILDREN: 0.0})
    assert {s.thread for s in profile.stacks} == {"MainThread", "Thread-3"}  # a wait of the program's own stays
    assert sum(s.weight for s in profile.stacks) == pytest.approx(3.2)  # the waits are not the program's CPU
    assert SCALED not in profile.extras
    idle = parse_raw(THREADS, 100.0, "/", 5, launcher=False, idle=True)
    assert {s.thread for s in idle.stacks} == {"MainThread", "Thread-1", "Thread-2", "Thread-3"}


@needs_pyspy
def test_waiting_threads_take_no_time_from_the_thread_that_computes() -> None:
    # a paused read stops each waiting thread in its wait, and /proc then says it runs: before, each of the
    # four was seen running 40-240 ms of a 2.4 s run
    run = H.run(pyspy.PySpyBackend(), Target("script", str(WAITING), ["1.5"], cwd=str(WAITING.parent)),
                BackendOptions(memory="off"))
    assert run.failure.kind is FailureKind.OK, (run.failure, run.stderr)
    assert run.profile is not None
    truth = json.loads(run.stdout.strip().splitlines()[-1])["burn"]
    times = {f.qualname: f.self_time for f in run.profile.functions}
    assert not [n for n in times if n.endswith((".wait", ".select"))], times
    assert times.get("nap", 0.0) < 0.02, times  # asleep in C, on its own line
    assert times["burn"] == pytest.approx(truth, rel=0.1), times
