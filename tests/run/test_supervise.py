"""Supervision of real misbehaving processes: caps, limits, timeouts, cancel, and no process left behind."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path
from typing import List

import psutil
import pytest

from heatlens.run.argv import build_env
from heatlens.run.supervise import CappedBuffer, supervise

TARGETS = Path(__file__).resolve().parents[1] / "fixtures" / "targets"


def leftovers(marker: str) -> List[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        if marker in (p.info["cmdline"] or []):
            found.append(p)
    return found


async def run(args: List[str], **kw):
    token = uuid.uuid4().hex
    env = build_env(os.environ, {}, {}, token)
    return await supervise([sys.executable, *args], env=env, cwd=str(TARGETS), token=token, **kw)


def test_capped_buffer_keeps_head_and_tail():
    buf = CappedBuffer(10)
    for chunk in (b"abc", b"defgh", b"ijklmnop", b"qrstuvwxyz"):
        buf.add(chunk)
    assert buf.truncated and buf.total == 26
    text = buf.text()
    assert text.startswith("abcde") and text.endswith("vwxyz") and "16 bytes omitted" in text
    small = CappedBuffer(100)
    small.add("héllo".encode())
    assert small.text() == "héllo" and not small.truncated


async def test_100mb_of_stdout_is_capped_and_streamed():
    streamed = {"stdout": 0, "stderr": 0}

    def stream(name: str, chunk: bytes) -> None:
        streamed[name] += len(chunk)

    sup = await run(["print_100mb.py"], output_cap=1 << 16, stream=stream, timeout=120)
    assert sup.returncode == 0
    assert sup.stdout.total == streamed["stdout"] >= 100 << 20
    assert sup.stdout.truncated
    text = sup.stdout.text()
    assert len(text) < (1 << 16) + 200 and text.startswith("xxx") and text.rstrip().endswith("END OF OUTPUT")


async def test_stdin_is_at_eof():
    sup = await run(["reads_stdin.py"], timeout=60)
    assert sup.returncode == 1 and "EOFError" in sup.stderr.text()


async def test_timeout_kills_a_busy_loop():
    sup = await run(["forever.py"], timeout=2)
    assert sup.timed_out and not sup.cancelled
    assert sup.returncode is not None and sup.returncode < 0
    assert "looping forever" in sup.stdout.text()
    assert not psutil.pid_exists(sup.pid) or psutil.Process(sup.pid).status() == psutil.STATUS_ZOMBIE


async def test_setsid_grandchild_is_killed_after_a_normal_exit():
    marker = f"heatlens-marker-{uuid.uuid4().hex}"
    sup = await run(["daemon_grandchild.py", marker], timeout=60)
    assert sup.returncode == 0 and "target done" in sup.stdout.text()
    assert sup.leftovers_killed >= 1
    assert leftovers(marker) == []


async def test_cancel_event_mid_run_kills_the_tree():
    marker = f"heatlens-marker-{uuid.uuid4().hex}"
    cancel = asyncio.Event()

    def stream(name: str, chunk: bytes) -> None:
        if b"daemon started" in chunk:
            cancel.set()

    sup = await run(["daemon_grandchild.py", marker, "60"], timeout=120, cancel=cancel, stream=stream)
    assert sup.cancelled and not sup.timed_out and sup.returncode < 0
    assert leftovers(marker) == []


async def test_task_cancellation_kills_at_once_and_reraises():
    marker = f"heatlens-marker-{uuid.uuid4().hex}"
    started = asyncio.Event()

    def stream(name: str, chunk: bytes) -> None:
        if b"daemon started" in chunk:
            started.set()

    task = asyncio.ensure_future(run(["daemon_grandchild.py", marker, "60"], timeout=120, stream=stream))
    await asyncio.wait_for(started.wait(), 60)
    assert leftovers(marker)  # the daemon really is running
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(50):  # SIGKILL was sent; give the kernel a moment to finish them
        if not leftovers(marker):
            break
        await asyncio.sleep(0.02)
    assert leftovers(marker) == []


async def test_memory_limit_makes_allocation_fail():
    sup = await run(["allocate_forever.py"], memory_limit_mb=300, timeout=60)
    assert sup.returncode == 1 and "MemoryError" in sup.stderr.text()


async def test_segfault_exit_status_is_the_signal():
    sup = await run(["segfault.py"], timeout=60)
    assert sup.returncode == -11
    assert "Fatal Python error: Segmentation fault" in sup.stderr.text()  # PYTHONFAULTHANDLER from build_env


async def test_cpu_time_and_peak_rss_of_the_tree():
    code = (
        "import subprocess, sys, time\n"
        "burn = 'import time\\nt=time.process_time()\\nwhile time.process_time()-t<0.3: pass'\n"
        "subprocess.run([sys.executable, '-c', burn])\n"
        "t = time.process_time()\n"
        "while time.process_time() - t < 0.3: pass\n"
        "block = b'x' * (120 << 20)\n"
        "time.sleep(0.6)\n"
    )
    sup = await run(["-c", code], timeout=120)
    assert sup.returncode == 0
    assert sup.cpu_time >= 0.55  # 0.3 s in the target + 0.3 s in its child, both counted
    assert sup.peak_rss_mb is not None and sup.peak_rss_mb >= 100
    assert sup.wall_time > 0 and sup.started_at > 0


async def test_missing_interpreter_raises_oserror():
    with pytest.raises(OSError):
        await supervise(["/nonexistent/python"], env=dict(os.environ), cwd=str(TARGETS), token="t")


def test_victims_found_by_token_outside_the_tree_and_only_those():
    """A process that escaped the tree (not a descendant, own session) is still found by its token."""
    import subprocess
    import time as _time

    from heatlens.run.argv import RUN_TOKEN_VAR
    from heatlens.run.supervise import TreeWatch

    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    since = _time.time()
    root = subprocess.Popen(sleeper, start_new_session=True)
    ours = subprocess.Popen(sleeper, env=dict(os.environ, **{RUN_TOKEN_VAR: "tok-ours"}), start_new_session=True)
    other = subprocess.Popen(sleeper, env=dict(os.environ, **{RUN_TOKEN_VAR: "tok-other"}), start_new_session=True)
    try:
        watch = TreeWatch(root.pid, "tok-ours", since)
        pids = {p.pid for p in watch.victims()}
        assert ours.pid in pids and root.pid in pids  # the root: its own process group
        assert other.pid not in pids and os.getpid() not in pids
    finally:
        for p in (root, ours, other):
            p.kill()
            p.wait()


async def test_a_target_that_ignores_sigterm_is_killed_after_the_grace():
    code = "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\nwhile True: pass\n"
    cancel = asyncio.Event()

    def stream(name: str, chunk: bytes) -> None:
        if b"ready" in chunk:  # its SIGTERM handler is in place
            cancel.set()

    sup = await run(["-c", code], timeout=120, grace=0.3, cancel=cancel, stream=stream)
    assert sup.cancelled and sup.returncode == -9


def test_target_dies_with_a_supervisor_killed_by_sigkill(tmp_path: Path):
    # SIGKILL leaves the supervisor no chance to clean up: the child's parent-death signal must do it
    import signal
    import subprocess
    import time

    marker = f"heatlens-marker-{uuid.uuid4().hex}"
    cli = subprocess.Popen(
        [sys.executable, "-m", "heatlens", "run", "--no-store", "--timeout", "120", str(TARGETS / "forever.py"),
         "--", marker],
        cwd=str(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        def target() -> List[psutil.Process]:  # the CLI's own argv carries the marker too
            return [p for p in leftovers(marker) if p.pid != cli.pid]

        deadline = time.monotonic() + 60
        while not target() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert target(), "the target never started"
        time.sleep(0.5)  # let it get going under the agent
        cli.send_signal(signal.SIGKILL)
        cli.wait(10)
        deadline = time.monotonic() + 10
        while leftovers(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert leftovers(marker) == []
    finally:
        cli.kill()
        for p in leftovers(marker):
            p.kill()


def test_descendants_from_proc_are_psutils_whole_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tree poll reads the tree's own /proc entries, not every process's; it finds the same processes,
    grandchildren and children of other threads included."""
    from heatlens.backends.pyspy_children import children_listed
    from heatlens.run.supervise import descendants

    if not children_listed(os.getpid()):
        pytest.skip("/proc lists no children here")

    code = ("import subprocess, sys, threading\n"
            "sleep = [sys.executable, '-c', 'import subprocess, sys, time; "
            "subprocess.Popen([sys.executable, \"-c\", \"import time; time.sleep(30)\"]); time.sleep(30)']\n"
            "threading.Thread(target=lambda: subprocess.run(sleep)).start()\n"
            "subprocess.Popen(sleep); print('up', flush=True); threading.Event().wait()\n")
    proc = psutil.Popen([sys.executable, "-c", code], stdout=-1)
    try:
        assert proc.stdout.readline().strip() == b"up"
        for _ in range(200):  # two children, each starting a grandchild
            if len(proc.children(recursive=True)) == 4:
                break
            asyncio.run(asyncio.sleep(0.02))
        expected = sorted(p.pid for p in proc.children(recursive=True))
        with monkeypatch.context() as m:  # psutil's way: a map of every process's parent
            m.setattr(psutil, "_ppid_map", lambda: pytest.fail("read every process of the machine"))
            found = sorted(p.pid for p in descendants(proc))
        assert len(expected) == 4 and found == expected
    finally:
        for p in proc.children(recursive=True):
            p.kill()
        proc.kill()
        proc.wait(10)


def test_an_inline_script_runs_in_the_reapers_own_forked_child(tmp_path: Path) -> None:
    """--inline: no second interpreter starts; the script sees the reaper's -I -S interpreter (a new one would
    not be isolated), gets its arguments, and its main's return value is the exit status."""
    script = tmp_path / "inline_main.py"
    script.write_text("import os, sys\n"
                      "def main(argv):\n"
                      "    print('flags', sys.flags.isolated, sys.flags.no_site, argv[1:], flush=True)\n"
                      "    os.write(2, b'to stderr')\n"
                      "    return 7\n")
    inline = asyncio.run(run([str(script), "a", "b"], inline=True))
    assert inline.returncode == 7
    assert inline.stdout.text() == "flags 1 1 ['a', 'b']\n" and inline.stderr.text() == "to stderr"
    started = asyncio.run(run(["-c", f"import runpy, sys; sys.argv = [{str(script)!r}, 'a']; "
                                     f"sys.exit(runpy.run_path({str(script)!r})['main'](sys.argv))"]))
    assert started.stdout.text() == "flags 0 0 ['a']\n"  # what the same script sees when exec'd


def test_an_inline_script_that_raises_or_dies_of_a_signal(tmp_path: Path) -> None:
    script = tmp_path / "inline_bad.py"
    script.write_text("import os, signal\n"
                      "def main(argv):\n"
                      "    if argv[1] == 'raise':\n"
                      "        raise ValueError('boom')\n"
                      "    os.kill(os.getpid(), signal.SIGTERM)\n")
    raised = asyncio.run(run([str(script), "raise"], inline=True))
    assert raised.returncode == 1 and "ValueError: boom" in raised.stderr.text()
    killed = asyncio.run(run([str(script), "die"], inline=True))
    assert killed.returncode == -15  # the signal's default action, as in a new interpreter


def test_started_since_finds_a_new_process_and_not_an_older_one() -> None:
    """The sweep's candidates (token carriers that left the tree): the processes started since the run did."""
    import time

    from heatlens.run.supervise import started_since

    since = time.time() - 1.0  # the boot time is whole seconds: start times are up to 1 s early (as psutil's)
    child = psutil.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        found = started_since(since)
        assert child.pid in {p.pid for p in found} and 1 not in {p.pid for p in found}
        assert all(p.create_time() >= since for p in found if p.is_running())  # psutil agrees
        assert child.pid not in {p.pid for p in started_since(time.time() + 60)}
    finally:
        child.kill()
        child.wait(10)


def test_psutil_is_imported_once_the_target_started_not_before() -> None:
    """Its import (~5-8 ms) overlaps the target's start instead of delaying it (run.resources.LazyModule)."""
    import subprocess

    code = ("import asyncio, os, sys\nfrom heatlens.run.argv import build_env\n"
            "from heatlens.run.supervise import supervise\nseen = []\n"
            "env = build_env(os.environ, {}, {}, 'tok')\n"
            "sup = asyncio.run(supervise([sys.executable, '-c', 'pass'], env=env, cwd='.', token='tok',\n"
            "                            on_started=lambda pid: seen.append('psutil' in sys.modules)))\n"
            "print(sup.returncode, seen, 'psutil' in sys.modules, sup.peak_rss_mb is not None)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.stdout.split() == ["0", "[False]", "True", "True"], proc.stderr
