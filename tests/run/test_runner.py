"""The runner end to end on real misbehaving targets: failure class, message, metadata, the profile kept
after a failure, and no process left behind. Uses the minimal "plain" backend (plain_backend.py) so the
runner is tested independently of any profiler."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psutil
import pytest

from heatlens.backends.base import Target
from heatlens.model import FailureKind
from heatlens.run import RunOptions, profile_target, profile_target_sync
from heatlens.run.runner import git_commit

TARGETS = Path(__file__).resolve().parents[1] / "fixtures" / "targets"
pytestmark = pytest.mark.usefixtures("plain_backends")


def script(name: str, *args: str) -> Target:
    return Target("script", str(TARGETS / name), list(args), cwd=str(TARGETS))


def leftovers(marker: str):
    return [p for p in psutil.process_iter(["cmdline"]) if marker in (p.info["cmdline"] or [])]


async def run(target: Target, **kw):
    kw.setdefault("backend", "plain")
    kw.setdefault("timeout", 60)
    return await profile_target(target, RunOptions(**kw))


async def test_ok_run_fills_meta_and_hashes(tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text("import sys\nprint('hi', sys.argv[1:])\n")
    phases = []
    result = await profile_target(Target("script", "prog.py", ["a", "--b"], cwd=str(tmp_path)), RunOptions(backend="plain"), phases.append)
    assert phases == ["starting", "running", "reading"]
    assert result.failure.ok and result.stdout == "hi ['a', '--b']\n"
    meta = result.profile.meta
    assert meta.argv == ["prog.py", "a", "--b"] and meta.target == "prog.py"
    assert meta.interpreter == os.path.abspath(sys.executable) and meta.python_version == "%d.%d.%d" % sys.version_info[:3]
    assert meta.backend == "plain" and meta.cwd == str(tmp_path) and meta.project_root == str(tmp_path)
    assert meta.exit_code == 0 and meta.failure.ok and meta.git_commit is None
    assert meta.pid == result.profile.extras["child_pid"]  # the process the runner started is the target
    assert meta.started_at > 0 and meta.wall_time > 0 and meta.cpu_time > 0
    assert result.profile.files[0].path == str(prog)
    assert result.profile.files[0].sha256 == hashlib.sha256(prog.read_bytes()).hexdigest()


async def test_source_hash_is_taken_before_the_run(tmp_path):
    prog = tmp_path / "selfedit.py"
    original = "open(__file__, 'a').write('# edited while running\\n')\n"
    prog.write_text(original)
    result = await run(Target("script", str(prog)))
    assert prog.read_text() != original
    assert result.profile.files[0].sha256 == hashlib.sha256(original.encode()).hexdigest()


def test_git_commit(tmp_path):
    assert git_commit(str(tmp_path)) is None
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "f.py").write_text("pass\n")
    subprocess.run([*git, "add", "f.py"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], cwd=tmp_path, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True).stdout.strip()
    assert git_commit(str(tmp_path)) == head and len(head) == 40


@pytest.mark.parametrize(
    "name, kind, line, words",
    [
        ("syntax_error.py", FailureKind.SYNTAX_ERROR, 4, ["syntax error", "syntax_error.py:4"]),
        ("import_unknown.py", FailureKind.IMPORT_ERROR, 4, ["'heatlens_fixture_no_such_module'"]),
        ("exit_3.py", FailureKind.NONZERO_EXIT, None, ["code 3"]),
        ("os_exit_7.py", FailureKind.NONZERO_EXIT, None, ["code 7"]),
        ("raises_value_error.py", FailureKind.EXCEPTION, 6, ["ValueError: bad record 255", "raises_value_error.py:6"]),
        ("reads_stdin.py", FailureKind.EXCEPTION, 2, ["EOFError"]),
        ("segfault.py", FailureKind.SIGNAL, 5, ["SIGSEGV", "segfault.py:5"]),
    ],
)
async def test_failure_classes_through_a_backend(name, kind, line, words):
    result = await run(script(name))
    f = result.failure
    assert f.kind is kind, result.stderr
    for word in words:
        assert word in f.message
    if line is not None:
        assert (f.file, f.line) == (str(TARGETS / name), line)
    # What the backend wrote before the failure is kept, with the failure recorded in it.
    assert result.profile is not None and result.profile.meta.failure == f
    assert result.profile.meta.exit_code == f.exit_code


async def test_exit_codes_and_partial_profile():
    result = await run(script("os_exit_7.py"))
    assert result.failure.exit_code == 7 and result.profile.meta.exit_code == 7
    assert result.profile.extras["finished"] is False  # os._exit skipped the backend's atexit


async def test_timeout_keeps_the_partial_profile():
    result = await run(script("forever.py"), timeout=2)
    assert result.failure.kind is FailureKind.TIMEOUT and "2 s" in result.failure.message
    assert result.profile is not None and result.profile.meta.failure.kind is FailureKind.TIMEOUT
    assert "looping forever" in result.stdout


async def test_memory_limit_gives_out_of_memory():
    result = await run(script("allocate_forever.py"), memory_limit_mb=300)
    f = result.failure
    assert f.kind is FailureKind.OUT_OF_MEMORY and "300 MB" in f.message
    assert (f.file, f.line) == (str(TARGETS / "allocate_forever.py"), 4)


async def test_output_cap_and_truncation_flags():
    result = await run(script("print_100mb.py"), output_cap_bytes=1 << 16)
    assert result.failure.ok and result.stdout_truncated and not result.stderr_truncated
    assert len(result.stdout) < (1 << 16) + 200 and "END OF OUTPUT" in result.stdout


async def test_daemon_grandchild_is_gone_after_the_run():
    marker = f"heatlens-marker-{uuid.uuid4().hex}"
    result = await run(script("daemon_grandchild.py", marker))
    assert result.failure.ok
    assert any("left running were stopped" in n for n in result.profile.meta.notes)
    assert leftovers(marker) == []


async def test_cancel_mid_run():
    marker = f"heatlens-marker-{uuid.uuid4().hex}"
    cancel = asyncio.Event()

    def stream(name: str, chunk: bytes) -> None:
        if b"daemon started" in chunk:
            cancel.set()

    result = await profile_target(
        script("daemon_grandchild.py", marker, "60"), RunOptions(backend="plain", timeout=120, stream=stream), cancel=cancel
    )
    assert result.failure.kind is FailureKind.CANCELLED and "cancelled" in result.failure.message
    assert result.profile is not None  # the backend had written its start marker
    assert leftovers(marker) == []


@pytest.mark.parametrize("target, words", [
    (Target("script", str(TARGETS / "no_such_file.py")), ["no_such_file.py", "does not exist"]),
    (Target("script", str(TARGETS)), ["directory", "-m"]),
    (Target("module", "heatlens_no_such_module_xyz", cwd=str(TARGETS)), ["'heatlens_no_such_module_xyz'", "cannot be found"]),
    (Target("code", "pass", python="/nonexistent/bin/python"), ["/nonexistent/bin/python"]),
])
async def test_target_not_found(target, words):
    result = await run(target)
    assert result.failure.kind is FailureKind.TARGET_NOT_FOUND
    for word in words:
        assert word in result.failure.message


async def test_another_interpreter_path(tmp_path):
    link = tmp_path / "venv" / "bin" / "python"
    link.parent.mkdir(parents=True)
    link.symlink_to(sys.executable)
    result = await run(Target("code", "import sys; print(sys.executable)", python=str(link)))
    assert result.failure.ok and result.stdout.strip() == str(link)
    assert result.profile.meta.interpreter == str(link)


async def test_module_and_code_targets_get_args_and_env():
    code = "import os, sys; print(sys.argv[1:], os.environ['MY_VAR'], os.environ['PYTHONUNBUFFERED'], len(os.environ['HEATLENS_RUN_TOKEN']))"
    result = await run(Target("code", code, ["x", "-y"], env={"MY_VAR": "hello"}))
    assert result.failure.ok and result.stdout.strip() == "['x', '-y'] hello 1 32"
    assert result.profile.meta.target == "-c"
    mod = await run(Target("module", "json.tool", ["--compact", str(TARGETS / "data.json")], cwd=str(TARGETS)))
    assert mod.failure.ok, mod.stderr
    assert mod.stdout.strip() == '{"a":[1,2]}' and mod.profile.meta.argv[:2] == ["-m", "json.tool"]


async def test_backend_missing_names_the_install_command():
    result = await run(Target("code", "pass"), backend="missing")
    f = result.failure
    assert f.kind is FailureKind.BACKEND_MISSING and result.profile is None
    assert f.install_command == f"{sys.executable} -m pip install 'heatlens-no-such-profiler==1.0'"
    assert f.install_command in f.message


async def test_backend_failed_only_when_the_target_was_fine():
    result = await run(Target("code", "print('fine')"), backend="plain-silent")
    assert result.failure.kind is FailureKind.BACKEND_FAILED and "plain" in result.failure.message
    assert result.profile is None and result.stdout == "fine\n"
    failed = await run(script("exit_3.py"), backend="plain-silent")
    assert failed.failure.kind is FailureKind.NONZERO_EXIT  # the target's failure explains the rest


def test_sync_wrapper():
    result = profile_target_sync(script("exit_3.py"), RunOptions(backend="plain", timeout=60))
    assert result.failure.kind is FailureKind.NONZERO_EXIT and "about to exit with 3" in result.stdout
    assert os.path.isabs(result.profile.meta.cwd)


# With the real default backend (py-spy from outside, chosen by "auto"), and the in-process agent.
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hot_loops.py"


async def test_bundled_example_is_hot_where_it_says():
    result = await run(Target("script", str(EXAMPLE)), backend="auto", timeout=120)
    assert result.failure.ok, result.stderr
    profile = result.profile
    assert profile.meta.backend == "pyspy" and profile.meta.python_version
    self_time = {f.qualname: f.self_time for f in profile.functions if f.file == str(EXAMPLE)}
    total = sum(f.self_time for f in profile.functions)
    assert max(self_time, key=self_time.get) == "join_orders", self_time
    assert self_time["join_orders"] / total > 0.5, (self_time, total)  # ~80 % measured; shares, not times
    assert self_time.get("load_settings", 0.0) / total < 0.02, (self_time, total)
    assert profile.meta.peak_rss_mb and profile.meta.peak_rss_mb > 60, profile.meta  # build_history keeps ~100 MB
    example = profile.file(str(EXAMPLE))
    assert example.sha256 == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()


async def test_timeout_keeps_what_the_default_sampler_recorded():
    result = await run(script("forever.py"), backend="auto", timeout=3)
    assert result.failure.kind is FailureKind.TIMEOUT
    assert result.profile is not None and result.profile.meta.backend == "pyspy"
    lines = result.profile.file(str(TARGETS / "forever.py")).lines
    assert sum(s.samples for s in lines) > 0  # py-spy ignores the stop signal and writes once the program is gone


async def test_timeout_keeps_what_the_agent_recorded():
    result = await run(script("forever.py"), backend="agent", timeout=3)
    assert result.failure.kind is FailureKind.TIMEOUT
    assert result.profile is not None and result.profile.meta.failure.kind is FailureKind.TIMEOUT
    lines = result.profile.file(str(TARGETS / "forever.py")).lines
    assert sum(s.samples for s in lines) > 0  # the busy loop was sampled before the kill
    # the runner's SIGTERM (before its SIGKILL) let the agent write its final profile
    assert any("stopped by SIGTERM" in n for n in result.profile.meta.notes), result.profile.meta.notes


REFUSING_PYSPY = '''#!{python}
import sys
sys.stderr.write("Error: Failed to suspend process\\nCaused by:\\n    EPERM: Operation not permitted\\n")
sys.exit(1)
'''


@pytest.mark.parametrize("backend", ["auto", "pyspy"])
def test_a_sampler_refused_at_run_time_falls_back_to_the_agent_under_auto(tmp_path, monkeypatch, backend) -> None:
    # ptrace denied only when py-spy tries (a container's seccomp, a debugger or strace on heatlens): the wrapper
    # crashed ("the backend crashed"), then said "the target ran to the end" of a program that never started
    from heatlens.backends import pyspy

    fake = tmp_path / "py-spy"
    fake.write_text(REFUSING_PYSPY.format(python=sys.executable))
    fake.chmod(0o755)
    monkeypatch.setattr(pyspy, "find_pyspy", lambda: str(fake))
    ran = tmp_path / "ran.txt"
    prog = tmp_path / "prog.py"
    prog.write_text(f"with open({str(ran)!r}, 'a') as f:\n    f.write('ran\\n')\nprint('done')\n")
    result = profile_target_sync(Target("script", str(prog), cwd=str(tmp_path)), RunOptions(backend=backend, timeout=60))
    if backend == "pyspy":  # asked for by name: no other backend, and a failure that says what happened
        assert result.failure.kind is FailureKind.BACKEND_FAILED and not ran.exists()
        assert "could not attach" in result.failure.message and "ran to the end" not in result.failure.message
        return
    assert result.failure.ok, result.failure.message
    assert ran.read_text() == "ran\n" and result.stdout == "done\n"  # run once, by the agent
    assert result.profile is not None and result.profile.meta.backend == "agent"
    note = result.profile.meta.notes[0]
    assert note.startswith("Lines are approximate: the exact sampler could not attach") and "EPERM" in note
