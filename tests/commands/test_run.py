"""`heatlens run` on real misbehaving targets: the message paragraph, the exit code per failure class,
the live output, the report, and no process left behind (Ctrl-C included)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest

from heatlens.commands import run as run_cmd

TESTS = Path(__file__).resolve().parents[1]
TARGETS = TESTS / "fixtures" / "targets"
PLAIN = TESTS / "run" / "plain_backend.py"
_spec = importlib.util.spec_from_file_location("heatlens_test_plain_backend_cli", PLAIN)
plain_backend = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plain_backend)


@pytest.fixture(autouse=True)
def backends(monkeypatch):
    from heatlens import backends as registry

    plain_backend.install(monkeypatch)
    for name in ("plain", "plain-silent", "missing"):  # known names for --backend; the runner picks them
        monkeypatch.setitem(registry.BACKENDS, name, registry.BACKENDS["agent"])


def leftovers(marker: str):
    return [p for p in psutil.process_iter(["cmdline"]) if marker in (p.info["cmdline"] or [])]


def cli(capfd, *argv: str, backend: str = "plain"):
    code = run_cmd.main(["--backend", backend, "--timeout", "60", "--no-store", *argv])
    out, err = capfd.readouterr()
    return code, out, err


@pytest.mark.parametrize("text, mb", [("2GiB", 2048), ("1.5G", 1536), ("300", 300), ("512MiB", 512), ("512MB", 488), ("1gb", 954), ("2048k", 2)])
def test_parse_size_mb(text, mb):
    assert run_cmd.parse_size_mb(text) == mb


@pytest.mark.parametrize("text", ["", "lots", "2GiBs", "-1G", "0", "iB"])
def test_parse_size_mb_rejects(text):
    with pytest.raises(argparse.ArgumentTypeError):
        run_cmd.parse_size_mb(text)


@pytest.mark.parametrize("text,seconds", [("0.005", 0.005), ("5ms", 0.005), ("200us", 0.0002), ("1s", 1.0)])
def test_parse_interval(text, seconds):
    assert run_cmd.parse_interval(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["0", "fast", "2s", "10us"])
def test_parse_interval_rejects(text):
    with pytest.raises(argparse.ArgumentTypeError):
        run_cmd.parse_interval(text)


def test_interval_reaches_the_agent(tmp_path):
    # the agent records the interval it was asked for; 20 ms is above the kernel's timer tick
    prog = tmp_path / "spin.py"
    prog.write_text("import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5:\n    pass\n")
    store, out = tmp_path / "h.db", tmp_path / "run.json"
    done = subprocess.run([sys.executable, "-m", "heatlens", "run", "--store", str(store), "--backend", "agent",
                           "--interval", "20ms", str(prog)], cwd=str(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([sys.executable, "-m", "heatlens", "export", "latest", "--store", str(store), "--format", "json",
                           "-o", str(out)], cwd=str(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    meta = json.loads(out.read_text())["meta"]
    assert meta["sample_interval"] == pytest.approx(0.02, rel=0.35)  # measured: CPU per sample


def test_parse_timeout():
    assert run_cmd.parse_timeout("2.5") == 2.5
    assert run_cmd.parse_timeout("0") is None and run_cmd.parse_timeout("none") is None
    with pytest.raises(argparse.ArgumentTypeError):
        run_cmd.parse_timeout("-3")


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    run_cmd.register(parser.add_subparsers())
    return parser.parse_args(["run", *argv])


def target(*argv: str):
    args = run_cmd.apply_trailing_options(parse(*argv))
    return run_cmd.target_from_args(args), args


def test_heatlens_options_after_the_target_and_the_rest_to_the_target():
    t, args = target("--timeout", "5", "prog.py", "in.csv", "--report", "all", "-v", "--output=r.md", "--limit", "3")
    assert (t.kind, t.value, t.args) == ("script", "prog.py", ["in.csv", "-v", "--limit", "3"])
    assert (args.timeout, args.report, args.output) == (5.0, "all", "r.md")
    t, args = target("--cwd", "/tmp", "-m", "pkg.tool", "--backend", "cprofile", "x")
    assert (t.kind, t.value, t.args, t.cwd, args.backend) == ("module", "pkg.tool", ["x"], "/tmp", "cprofile")
    t, args = target("-c", "print(1)", "a", "--memory-limit", "1GiB")
    assert (t.kind, t.value, t.args, args.memory_limit) == ("code", "print(1)", ["a"], 1024)
    args = parse("--memory-limit", "2GiB", "--memory", "full", "--report", "raw", "x.py")
    assert (args.memory_limit, args.memory, args.report, args.timeout) == (2048, "full", "raw", 300.0)


def test_double_dash_passes_everything_to_the_target():
    t, args = target("prog.py", "--report", "raw", "--", "--report", "x", "--help")
    assert t.args == ["--report", "x", "--help"] and args.report == "raw"
    t, args = target("--python", "py3", "--", "-odd.py", "--report", "raw")
    assert (t.value, t.args, t.python, args.report) == ("-odd.py", ["--report", "raw"], "py3", "summary")
    t, _ = target("prog.py", "--help", "-m", "x")  # not heatlens's: -h/--help and short options stay
    assert t.args == ["--help", "-m", "x"]
    again = run_cmd.apply_trailing_options(_)  # idempotent (the store's --repeat re-enters the command)
    assert run_cmd.target_from_args(again).args == ["--help", "-m", "x"]


def test_bad_trailing_option_value_is_a_usage_error():
    with pytest.raises(SystemExit) as exc:
        target("prog.py", "--timeout", "soon")
    assert exc.value.code == 2


@pytest.mark.parametrize("argv", [[], ["-m"], ["--"]])
def test_nothing_to_run_is_a_usage_error(capfd, argv):
    code, _out, err = cli(capfd, *argv)
    assert code == run_cmd.EXIT_USAGE and "heatlens run: error" in err


def test_ok_streams_output_then_reports(capfd, tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text("import sys\nprint('out line')\nprint('err line', file=sys.stderr)\n")
    code, out, err = cli(capfd, str(prog))
    assert code == 0
    assert out.startswith("out line\n") and "heatlens summary" in out  # output first, then the report
    assert "err line" in err and "plain backend" in err and "· ok" in err


def test_report_to_a_file_by_extension(capfd, tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text("print('x')\n")
    md = tmp_path / "report.md"
    code, out, err = cli(capfd, "--report", "all", "--output", str(md), str(prog))
    assert code == 0 and out == "x\n" and f"written to {md}" in err
    assert md.read_text().startswith("#")
    js = tmp_path / "report.json"
    assert cli(capfd, "--output", str(js), str(prog))[0] == 0
    assert isinstance(json.loads(js.read_text()), dict)
    code, _out, err = cli(capfd, "--output", str(tmp_path / "report.docx"), str(prog))
    assert code == run_cmd.EXIT_USAGE and ".md" in err


CASES = [
    (["syntax_error.py"], 12, ["syntax-error", "syntax_error.py:4"]),
    (["import_unknown.py"], 13, ["import-error", "heatlens_fixture_no_such_module", "--python"]),
    (["exit_3.py"], 10, ["nonzero-exit", "code 3"]),
    (["os_exit_7.py"], 10, ["nonzero-exit", "code 7"]),
    (["raises_value_error.py"], 11, ["exception", "ValueError: bad record 255", "raises_value_error.py:6"]),
    (["reads_stdin.py"], 11, ["EOFError"]),
    (["segfault.py"], 14, ["signal", "SIGSEGV", "segfault.py:5"]),
    (["--timeout", "2", "forever.py"], 15, ["timeout", "2 s", "--timeout"]),
    (["--memory-limit", "300MiB", "allocate_forever.py"], 16, ["out-of-memory", "300 MB", "allocate_forever.py:4"]),
    (["no_such_script.py"], 17, ["target-not-found", "does not exist"]),
    ([str(TARGETS)], 17, ["target-not-found", "directory"]),
    (["-m", "heatlens_no_such_module_xyz"], 17, ["target-not-found", "heatlens_no_such_module_xyz"]),
]


@pytest.mark.parametrize("argv, exit_code, words", CASES, ids=[" ".join(c[0])[-40:] for c in CASES])
def test_failure_classes_with_the_default_backend(capfd, monkeypatch, argv, exit_code, words):
    monkeypatch.chdir(TARGETS)
    code, _out, err = cli(capfd, *argv, backend="auto")
    assert code == exit_code, err
    paragraph = [line for line in err.splitlines() if line.startswith("heatlens: ") and ": " in line[10:]]
    assert paragraph, err
    for word in words:
        assert word in err


@pytest.mark.parametrize("backend, exit_code, words", [
    ("missing", 18, ["backend-missing", "pip install 'heatlens-no-such-profiler==1.0'", "--backend"]),
    ("plain-silent", 19, ["backend-failed", "--backend"]),
])
def test_backend_failure_classes(capfd, backend, exit_code, words):
    code, _out, err = cli(capfd, "-c", "pass", backend=backend)
    assert code == exit_code, err
    for word in words:
        assert word in err


def test_unknown_backend_is_a_usage_error_before_the_target_is_looked_at(capfd):
    with pytest.raises(SystemExit) as exc:
        run_cmd.main(["--backend", "nosuch", "no_such_file.py"])
    err = capfd.readouterr().err
    assert exc.value.code == run_cmd.EXIT_USAGE
    assert "unknown backend 'nosuch'; known: auto, agent, " in err and "target-not-found" not in err


def test_heatlens_options_after_the_program_are_named_in_a_warning(capsys):
    t, args = target("bench.py", "--output", "x.json", "-n", "3", "--report=all")
    assert t.args == ["-n", "3"] and args.output == "x.json"
    err = capsys.readouterr().err
    assert "warning: --output, --report after the program were taken as heatlens's own options" in err
    assert "after `--` (heatlens run SCRIPT -- --output ...)" in err
    target("bench.py", "-n", "3", "--", "--output", "x.json")
    assert capsys.readouterr().err == ""  # nothing taken, nothing to warn about


def test_exit_codes_are_distinct():
    codes = list(run_cmd.EXIT_CODES.values()) + [run_cmd.EXIT_USAGE, run_cmd.EXIT_REPORT_FAILED]
    assert len(codes) == len(set(codes))


def test_daemon_grandchild_left_nothing(capfd):
    marker = f"heatlens-marker-{uuid.uuid4().hex}"
    code, out, _err = cli(capfd, str(TARGETS / "daemon_grandchild.py"), marker, backend="auto")
    assert code == 0 and "target done" in out
    assert leftovers(marker) == []


def test_through_the_heatlens_dispatcher(capfd):
    from heatlens import cli as heatlens_cli

    code = heatlens_cli.main(["run", "--backend", "plain", "--no-store", str(TARGETS / "exit_3.py")])
    _out, err = capfd.readouterr()
    assert code == 10 and "code 3" in err


def _start_cli(*argv: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "heatlens", "run", "--timeout", "120", "--no-store", *argv],
        cwd=TARGETS, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
    )


def test_ctrl_c_cancels_and_leaves_nothing():
    marker = f"heatlens-marker-{uuid.uuid4().hex}"
    proc = _start_cli("daemon_grandchild.py", marker, "60")
    try:
        assert proc.stdout.readline() == b"daemon started\n"  # streamed live, before the target ends
        assert leftovers(marker)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert b"cancelled" in err
    deadline = time.monotonic() + 5
    while leftovers(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leftovers(marker) == []


def test_100mb_of_output_passes_through():
    proc = subprocess.run(
        [sys.executable, "-m", "heatlens", "run", "--no-store", "print_100mb.py", "--memory", "off"],
        cwd=TARGETS, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout) > 100 << 20 and b"END OF OUTPUT" in proc.stdout
    assert b"print_100mb.py" in proc.stderr and b"\xc2\xb7 ok" in proc.stderr


def test_env_allow_keeps_secrets_from_the_profiled_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prog = tmp_path / "env_probe.py"
    prog.write_text("import os, time\nt = time.time()\nwhile time.time() - t < 0.1:\n    pass\n"
                    "print('secret' if 'HEATLENS_TEST_SECRET' in os.environ else 'clean', os.environ.get('MYAPP_MODE'))\n")
    monkeypatch.setenv("HEATLENS_TEST_SECRET", "s3cr3t")
    monkeypatch.setenv("MYAPP_MODE", "fast")
    run = lambda *extra: subprocess.run([sys.executable, "-m", "heatlens", "run", "--no-store", *extra, str(prog)],
                                        capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run().stdout.splitlines()[0] == "secret fast"  # the default: everything, as when you run it yourself
    assert run("--env-allow", "MYAPP_*").stdout.splitlines()[0] == "clean fast"
