"""The launcher the py-spy backend runs the program in (heatlens/backends/pyspy_launcher.py), driven as the wrapper
drives it: it says when it waits for the go, and nothing grows between that and the program's first line (so the
memory poller's base, read then, holds the launcher's own imports, and a burst in the program's first line is the
program's own); a script runs right under the launcher, in the `__main__` runpy would give it."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from heatlens.backends.pyspy_parse import LAUNCHER

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/PID/statm")

FIRST_LINE = """\
with open("/proc/self/statm") as f:  # the program's first line: resident memory as it starts
    print(int(f.read().split()[1]) * {page})
"""


def _resident(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_the_launcher_imports_for_itself_before_it_says_it_waits_and_runs_nothing_before_the_go(tmp_path: Path) -> None:
    prog = tmp_path / "prog.py"
    prog.write_text(FIRST_LINE.format(page=os.sysconf("SC_PAGE_SIZE")))
    (go_read, go_write), (waiting_read, waiting_write) = os.pipe(), os.pipe()
    env = dict(os.environ, HEATLENS_GO_FD=str(go_read), HEATLENS_WAITING_FD=str(waiting_write))
    proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(tmp_path / "status"), "100", "script", str(prog)],
                            pass_fds=(go_read, waiting_write), env=env, stdout=subprocess.PIPE, text=True)
    os.close(go_read)
    os.close(waiting_write)
    try:
        said = select.select([waiting_read], [], [], 10)[0]
        assert said and os.read(waiting_read, 1) == b"w", "the launcher never said it waits for the go"
        base = _resident(proc.pid)
        time.sleep(0.3)
        assert _resident(proc.pid) == base and not (tmp_path / "status").exists()  # nothing runs before the go
        os.write(go_write, b"g")
        out, _ = proc.communicate(timeout=30)
    finally:
        os.close(go_write)
        os.close(waiting_read)
        proc.kill()
    assert proc.returncode == 0
    # what grew between the wait and the program's first line: reading and compiling the file (the launcher's
    # lazy imports, before the change, came here: 1.5-3 MB)
    assert int(out.split()[-1]) - base < 512 << 10, (int(out.split()[-1]) - base) / 2**20


STACK_AND_MAIN = """\
import sys
f, stack = sys._getframe(), []
while f is not None:
    stack.append((f.f_code.co_name, f.f_code.co_filename))
    f = f.f_back
print(stack)
print(__name__, __file__, __spec__, repr(__package__), __loader__, sys.modules["__main__"].__dict__ is globals(), sys.argv)
"""


def _launch(tmp_path: Path, target: Path) -> str:
    out = subprocess.run([sys.executable, "-c", LAUNCHER, str(tmp_path / "status"), "100", "script", str(target), "a"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and out.stderr == "", out.stderr
    return out.stdout


def test_a_script_runs_right_under_the_launcher_with_the_main_module_runpy_would_give_it(tmp_path: Path) -> None:
    # py-spy reads every frame of the stack at each pause (~16 us a frame on the 2-core machine), and runpy's
    # run_path put three frames between the launcher and the program (benchmarks/RESULTS.md, session 20)
    prog = tmp_path / "prog.py"
    prog.write_text(STACK_AND_MAIN)
    stack, main = _launch(tmp_path, prog).splitlines()
    assert eval(stack) == [("<module>", str(prog)), ("<module>", "<string>")]
    assert main == f"__main__ {prog} None '' None True {[str(prog), 'a']}"


def test_a_directory_with_a_main_module_still_runs_as_runpy_runs_it(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "__main__.py").write_text(STACK_AND_MAIN)
    stack, main = _launch(tmp_path, app).splitlines()
    assert eval(stack)[0] == ("<module>", str(app / "__main__.py")) and ("_run_code", "<frozen runpy>") in eval(stack)
    assert main.startswith("__main__ ") and main.endswith(f"True {[str(app), 'a']}")


SPAN = """\
import sys, time
t = time.thread_time()
while time.thread_time() - t < 0.2:  # the program's own CPU
    pass
time.sleep(0.3)  # and its own wait
if sys.argv[1:] == ["thread"]:  # a thread the interpreter waits for, still running as the program's code ends
    import threading
    threading.Thread(target=time.sleep, args=(0.2,)).start()
"""


def test_the_launcher_tells_the_program_s_own_span_from_its_start_up(tmp_path: Path) -> None:
    from heatlens.backends import pyspy
    prog = tmp_path / "prog.py"
    prog.write_text(SPAN)
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", LAUNCHER, str(tmp_path / pyspy.STATUS), "100", "script", str(prog)],
                   check=True, timeout=60)
    whole = time.monotonic() - start
    startup, wall, core_wait = pyspy.read_span(tmp_path)
    _, code, _, cpu, _ = pyspy.read_status(tmp_path)
    assert code == 0 and 0 < startup < cpu - 0.2, (startup, cpu)  # the interpreter's and the launcher's start
    assert 0.5 <= wall < whole, (wall, whole)  # the sleep and the busy loop are inside, the interpreter's start not
    assert core_wait is not None and 0 <= core_wait < wall - 0.3
    main = pyspy.read_thread_cpu(tmp_path)[pyspy.read_status(tmp_path)[0]]
    assert 0.2 <= main <= cpu - startup + 1e-3, (main, cpu, startup)  # the main thread's CPU since the first line


def test_a_program_whose_threads_run_on_past_its_end_has_no_span(tmp_path: Path) -> None:
    from heatlens.backends import pyspy
    prog = tmp_path / "prog.py"
    prog.write_text(SPAN)
    subprocess.run([sys.executable, "-c", LAUNCHER, str(tmp_path / pyspy.STATUS), "100", "script", str(prog), "thread"],
                   check=True, timeout=60)
    startup, wall, core_wait = pyspy.read_span(tmp_path)
    assert pyspy.read_status(tmp_path)[1] == 0 and startup > 0 and wall is None and core_wait is None


def test_a_forked_child_ending_its_copy_of_the_script_leaves_the_program_s_status(tmp_path: Path) -> None:
    from heatlens.backends import pyspy
    prog = tmp_path / "prog.py"
    prog.write_text("import os, time\n"
                    "if os.fork() == 0:\n"
                    "    time.sleep(0.3)  # the child ends its copy of the script after the program\n")
    proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(tmp_path / pyspy.STATUS), "100", "script", str(prog)])
    assert proc.wait(timeout=60) == 0
    time.sleep(1.0)  # the child has ended too
    pid, code, _, cpu, _ = pyspy.read_status(tmp_path)
    assert (pid, code) == (proc.pid, 0) and cpu is not None and pyspy.read_span(tmp_path)[1] is not None
