"""Each thread's CPU, read from outside while the program runs (pyspy_threads.py), and how the reads meet the
launcher's (pyspy.py `read_thread_cpu`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from heatlens.backends import pyspy, pyspy_threads

needs_proc = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="/proc needed")

# a thread that burns 0.3 s of CPU and ends, then the program waits: its CPU is read before it is gone
ENDED = """
import sys, threading, time
def burn():
    t = time.thread_time()
    while time.thread_time() - t < 0.3:
        pass
    print(threading.get_native_id(), flush=True)
worker = threading.Thread(target=burn)
worker.start()
worker.join()
sys.stdin.readline()
"""


@needs_proc
def test_the_cpu_of_a_thread_that_ended_is_the_last_read_of_it(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", ENDED], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    clocks = pyspy_threads.ThreadClocks(proc.pid, str(tmp_path))
    clocks.start()
    try:
        assert proc.stdout is not None
        tid = int(proc.stdout.readline())
    finally:
        proc.communicate("\n", timeout=30)
        clocks.stop()
    written = {int(k): v for k, v in json.loads((tmp_path / pyspy_threads.OUTPUT).read_text()).items()}
    # ticks of 10 ms, the last interval taken at the rate before it: at most two intervals over
    assert 0.28 <= written[tid] <= 0.3 + 2 * pyspy_threads.INTERVAL + 0.02, written
    assert written[proc.pid] < 0.15, written  # the main thread waited


def test_a_thread_read_by_the_launcher_as_the_program_ended_is_taken_from_it(tmp_path: Path) -> None:
    (tmp_path / pyspy_threads.OUTPUT).write_text(json.dumps({"5": 1.0, "6": 0.25, "7": 0.5}))
    (tmp_path / pyspy.STATUS).write_text("5 0 250 2.0 1000 0.0 5:1.2,6:0.3\n")
    assert pyspy.read_thread_cpu(tmp_path) == {5: 1.2, 6: 0.3, 7: 0.5}
    (tmp_path / pyspy.STATUS).write_text("5 0 250 2.0 1000 0.0 -\n")  # no thread clocks there
    assert pyspy.read_thread_cpu(tmp_path) == {5: 1.0, 6: 0.25, 7: 0.5}


def test_the_last_interval_is_taken_at_the_rate_of_the_one_before() -> None:
    clocks = pyspy_threads.ThreadClocks(0, "/nonexistent")
    clocks.seen = {1: (0.50, 0.45), 2: (0.01, 0.01)}  # one busy to its last read, one idle
    assert clocks.cpu() == {1: pytest.approx(0.55), 2: pytest.approx(0.01)}
