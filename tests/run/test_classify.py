"""Failure classification on stderr texts and exit statuses (pure), and on the real stderr of the
misbehaving fixture targets run by a plain interpreter."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from heatlens.model import FailureKind
from heatlens.run.classify import (
    Outcome,
    backend_failed,
    classify,
    innermost_user_frame,
    is_user_file,
    parse_fatal_stack,
    parse_traceback,
)

TARGETS = Path(__file__).resolve().parents[1] / "fixtures" / "targets"
ROOT = "/home/u/proj"

VALUE_ERROR = f"""Traceback (most recent call last):
  File "<frozen runpy>", line 291, in run_path
  File "/usr/lib/python3.11/site-packages/someprof/main.py", line 40, in run
    exec(code, globs)
  File "{ROOT}/app.py", line 13, in <module>
    main()
  File "{ROOT}/app.py", line 10, in main
    parse("ff")
  File "{ROOT}/app.py", line 6, in parse
    raise ValueError(f"bad record {{value}}")
  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads
    return _default_decoder.decode(s)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^
ValueError: bad record 255
"""

SYNTAX_BARE = f"""  File "{ROOT}/bad.py", line 4
    def broken(:
               ^
SyntaxError: invalid syntax
"""

SYNTAX_IN_TRACEBACK = f"""Traceback (most recent call last):
  File "<string>", line 12, in <module>
  File "<frozen runpy>", line 290, in run_path
  File "<frozen runpy>", line 254, in _get_code_from_file
  File "{ROOT}/bad.py", line 7
    if x
        ^
SyntaxError: expected ':'
"""

CHAINED = f"""Traceback (most recent call last):
  File "{ROOT}/app.py", line 3, in <module>
    open("missing")
FileNotFoundError: [Errno 2] No such file or directory: 'missing'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "{ROOT}/app.py", line 5, in <module>
    raise RuntimeError("config missing")
RuntimeError: config missing
"""

SEGFAULT = f"""crashing now
Fatal Python error: Segmentation fault

Thread 0x00007fcea83b36c0 (most recent call first):
  File "/usr/lib/python3.11/threading.py", line 324 in wait
  File "{ROOT}/worker.py", line 9 in run

Current thread 0x00007f2704c5eb80 (most recent call first):
  File "/usr/lib/python3.11/ctypes/__init__.py", line 519 in string_at
  File "{ROOT}/seg.py", line 5 in <module>

Extension modules: numpy.core._multiarray_umath (total: 1)
"""


def outcome(rc, stderr="", **kw):
    kw.setdefault("target", "app.py")
    kw.setdefault("project_root", ROOT)
    return Outcome(returncode=rc, stderr=stderr, **kw)


def test_parse_traceback_frames_type_message():
    tb = parse_traceback(VALUE_ERROR)
    assert tb is not None
    assert tb.exc_type == "ValueError" and tb.exc_message == "bad record 255"
    assert tb.frames[0] == ("<frozen runpy>", 291, "run_path")
    assert tb.frames[-1][0].endswith("json/__init__.py")
    assert tb.at_end


def test_innermost_user_frame_skips_stdlib_and_libraries():
    tb = parse_traceback(VALUE_ERROR)
    assert innermost_user_frame(tb.frames, ROOT) == (f"{ROOT}/app.py", 6)
    # Without a project root, anything outside the stdlib/site-packages shape counts as user code.
    assert innermost_user_frame(tb.frames, None) == (f"{ROOT}/app.py", 6)


@pytest.mark.parametrize(
    "path, root, user",
    [
        (f"{ROOT}/pkg/mod.py", ROOT, True),
        ("/other/place/mod.py", ROOT, False),
        (f"{ROOT}/.venv/lib/python3.11/site-packages/x.py", ROOT, False),
        ("<frozen runpy>", None, False),
        ("/usr/lib/python3.11/json/decoder.py", None, False),
        ("/somewhere/script.py", None, True),
        (f"{ROOT}/heatlens/agent.py", ROOT, False),  # backend marker
    ],
)
def test_is_user_file(path, root, user):
    assert is_user_file(path, root, (f"{ROOT}/heatlens/",)) is user


def test_exception_names_type_message_and_innermost_user_line():
    f = classify(outcome(1, VALUE_ERROR))
    assert f.kind is FailureKind.EXCEPTION
    assert (f.exc_type, f.exc_message, f.file, f.line) == ("ValueError", "bad record 255", f"{ROOT}/app.py", 6)
    assert "ValueError: bad record 255" in f.message and f"{ROOT}/app.py:6" in f.message


def test_chained_exception_reports_the_last_one():
    f = classify(outcome(1, CHAINED))
    assert (f.kind, f.exc_type, f.line) == (FailureKind.EXCEPTION, "RuntimeError", 5)


@pytest.mark.parametrize("text, line", [(SYNTAX_BARE, 4), (SYNTAX_IN_TRACEBACK, 7)])
def test_syntax_error_location(text, line):
    f = classify(outcome(1, text))
    assert f.kind is FailureKind.SYNTAX_ERROR
    assert (f.file, f.line) == (f"{ROOT}/bad.py", line)
    assert f"bad.py:{line}" in f.message


def test_indentation_error_is_a_syntax_error():
    text = SYNTAX_BARE.replace("SyntaxError: invalid syntax", "IndentationError: unexpected indent")
    assert classify(outcome(1, text)).kind is FailureKind.SYNTAX_ERROR


def test_import_error_names_the_module():
    text = f"""Traceback (most recent call last):
  File "{ROOT}/app.py", line 4, in <module>
    import requests
ModuleNotFoundError: No module named 'requests'
"""
    f = classify(outcome(1, text))
    assert f.kind is FailureKind.IMPORT_ERROR
    assert "'requests'" in f.message and (f.file, f.line) == (f"{ROOT}/app.py", 4)
    cannot = text.replace("ModuleNotFoundError: No module named 'requests'", "ImportError: cannot import name 'Foo' from 'pkg.sub' (/x/pkg/sub.py)")
    f = classify(outcome(1, cannot))
    assert f.kind is FailureKind.IMPORT_ERROR and "'pkg.sub'" in f.message


def test_missing_module_target_is_target_not_found():
    runpy_text = "/venv/bin/python: No module named mytool\n"
    f = classify(outcome(1, runpy_text, target="-m mytool", target_kind="module", target_value="mytool"))
    assert f.kind is FailureKind.TARGET_NOT_FOUND and "'mytool'" in f.message
    # Through a backend's runpy: a traceback naming the target's own package.
    tb = """Traceback (most recent call last):
  File "<frozen runpy>", line 222, in run_module
ImportError: No module named mytool
"""
    f = classify(outcome(1, tb, target_kind="module", target_value="mytool.cli"))
    assert f.kind is FailureKind.TARGET_NOT_FOUND
    # A module the target imports is an import error, not a missing target.
    f = classify(outcome(1, tb.replace("mytool", "yaml"), target_kind="module", target_value="mytool"))
    assert f.kind is FailureKind.IMPORT_ERROR


def test_cannot_open_file_is_target_not_found():
    text = "/usr/bin/python3: can't open file '/x/gone.py': [Errno 2] No such file or directory\n"
    assert classify(outcome(2, text)).kind is FailureKind.TARGET_NOT_FOUND


def test_nonzero_exit_keeps_code_and_last_words():
    f = classify(outcome(3, "warming up\nconfig invalid: port missing\n"))
    assert f.kind is FailureKind.NONZERO_EXIT and f.exit_code == 3
    assert "code 3" in f.message and "port missing" in f.message


def test_handled_traceback_followed_by_other_exit_is_nonzero_exit():
    text = CHAINED + "retrying failed, giving up\n"
    assert classify(outcome(4, text)).kind is FailureKind.NONZERO_EXIT


def test_signal_with_faulthandler_location():
    f = classify(outcome(-signal.SIGSEGV, SEGFAULT))
    assert f.kind is FailureKind.SIGNAL and f.signal == "SIGSEGV"
    assert (f.file, f.line) == (f"{ROOT}/seg.py", 5)
    assert "SIGSEGV" in f.message and "seg.py:5" in f.message
    assert parse_fatal_stack(SEGFAULT)[0][2] == "string_at"


def test_a_crash_inside_the_in_process_agent_is_not_blamed_on_the_program():
    agent = "/site/heatlens/backends/_agent/heatlens_agent_frames.py"
    dump = ("Fatal Python error: Segmentation fault\n\nCurrent thread 0x1 (most recent call first):\n"
            f'  File "{agent}", line 40 in thread_cpu\n  File "{ROOT}/app.py", line 9 in main\n')
    f = classify(outcome(-signal.SIGSEGV, dump, backend="agent", backend_markers=("/site/heatlens/",)))
    assert f.kind is FailureKind.SIGNAL and "inside heatlens's agent backend, not in your code" in f.message
    plain = classify(outcome(-signal.SIGSEGV, SEGFAULT, backend="agent", backend_markers=("/site/heatlens/",)))
    assert "not in your code" not in plain.message  # the program's own crash stays the program's


def test_sigkill_is_out_of_memory_only_when_the_oom_killer_fired():
    assert classify(outcome(-9, "", oom_killed=True)).kind is FailureKind.OUT_OF_MEMORY
    f = classify(outcome(-9, ""))
    assert f.kind is FailureKind.SIGNAL and "out-of-memory" in f.message


def test_memory_error_is_out_of_memory_with_the_limit():
    text = f"""Traceback (most recent call last):
  File "{ROOT}/grow.py", line 4, in <module>
    chunks.append(b"x" * (10 << 20))
MemoryError
"""
    f = classify(outcome(1, text, memory_limit_mb=300))
    assert f.kind is FailureKind.OUT_OF_MEMORY and (f.file, f.line) == (f"{ROOT}/grow.py", 4)
    assert "300 MB" in f.message
    numpy_text = text.replace("MemoryError", "numpy.core._exceptions._ArrayMemoryError: Unable to allocate 8.0 GiB")
    assert classify(outcome(1, numpy_text)).kind is FailureKind.OUT_OF_MEMORY


def test_native_allocation_failure_under_a_limit_is_out_of_memory():
    text = "terminate called after throwing an instance of 'std::bad_alloc'\n"
    assert classify(outcome(1, text, memory_limit_mb=100)).kind is FailureKind.OUT_OF_MEMORY


def test_timeout_and_cancel_win_over_the_exit_status():
    f = classify(outcome(-15, "", timed_out=True, timeout=2.0))
    assert f.kind is FailureKind.TIMEOUT and "2 s" in f.message
    assert classify(outcome(-9, VALUE_ERROR, cancelled=True)).kind is FailureKind.CANCELLED


def test_crash_inside_the_backend_is_backend_failed():
    text = """Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/someprof/__main__.py", line 5, in <module>
    main()
  File "/venv/lib/python3.11/site-packages/someprof/cli.py", line 90, in main
    raise RuntimeError("cannot set up sampler")
RuntimeError: cannot set up sampler
"""
    f = classify(outcome(1, text, backend="someprof", backend_markers=("/someprof/",)))
    assert f.kind is FailureKind.BACKEND_FAILED and "someprof" in f.message


def test_ok_and_backend_failed_after_ok():
    ok = classify(outcome(0, VALUE_ERROR))  # a traceback the program printed and survived
    assert ok.ok
    assert backend_failed(ok, "plain", "no output").kind is FailureKind.BACKEND_FAILED
    exc = classify(outcome(1, VALUE_ERROR))
    assert backend_failed(exc, "plain", "no output") is exc


REAL_CASES = [
    ("syntax_error.py", FailureKind.SYNTAX_ERROR, 4),
    ("import_unknown.py", FailureKind.IMPORT_ERROR, 4),
    ("exit_3.py", FailureKind.NONZERO_EXIT, None),
    ("os_exit_7.py", FailureKind.NONZERO_EXIT, None),
    ("raises_value_error.py", FailureKind.EXCEPTION, 6),
    ("reads_stdin.py", FailureKind.EXCEPTION, 2),
    ("segfault.py", FailureKind.SIGNAL, 5),
]


@pytest.mark.parametrize("name, kind, line", REAL_CASES)
def test_real_stderr_of_plain_python(name, kind, line):
    script = TARGETS / name
    env = dict(os.environ, PYTHONFAULTHANDLER="1")
    proc = subprocess.run([sys.executable, str(script)], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=60)
    f = classify(Outcome(returncode=proc.returncode, stderr=proc.stderr, target=name, project_root=str(TARGETS)))
    assert f.kind is kind, proc.stderr
    if line is not None:
        assert (f.file, f.line) == (str(script), line)


def test_messages_show_paths_relative_to_the_cwd_but_keep_them_absolute():
    f = classify(outcome(1, VALUE_ERROR, cwd=ROOT))
    assert " at app.py:6." in f.message and f.file == f"{ROOT}/app.py"
    elsewhere = classify(outcome(1, VALUE_ERROR, cwd="/srv"))
    assert f"{ROOT}/app.py:6" in elsewhere.message
