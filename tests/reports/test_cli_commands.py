"""`heatlens report` and `heatlens export` as a user runs them (the handlers in heatlens.commands)."""

from __future__ import annotations

import argparse
import json
import os
import pstats
import subprocess
import sys

import pytest

from heatlens.commands import export as export_cmd
from heatlens.commands import report as report_cmd
from heatlens.model import dumps
from heatlens.store import open_store


def _main(argv):
    parser = argparse.ArgumentParser(prog="heatlens")
    sub = parser.add_subparsers(dest="command")
    report_cmd.register(sub)
    export_cmd.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def profile_file(profile, tmp_path):
    path = tmp_path / "run.msgpack"
    path.write_bytes(dumps(profile))
    return str(path)


def test_report_to_terminal_from_a_profile_file(profile_file, capsys):
    assert _main(["report", "--profile", profile_file]) == 0
    out = capsys.readouterr().out
    assert "heatlens summary" in out and "join_orders" in out and "60.0%" in out


def test_report_kind_and_format_from_output_extension(profile_file, tmp_path):
    out = tmp_path / "r.json"
    assert _main(["report", "--profile", profile_file, "--kind", "libraries", "--output", str(out)]) == 0
    assert json.loads(out.read_text())["packages"][0]["name"] == "numpy"
    md = tmp_path / "r.md"
    assert _main(["report", "--profile", profile_file, "--kind", "all", "-o", str(md)]) == 0
    assert "## heatlens raw" in md.read_text()


def test_report_user_code_glob(profile_file, capsys):
    assert _main(["report", "--profile", profile_file, "--kind", "details", "--format", "json",
                  "--user-code", "*/site-packages/numpy/*"]) == 0
    functions = [f["function"] for m in json.loads(capsys.readouterr().out)["modules"] for f in m["functions"]]
    assert "dot" in functions and "join_orders" in functions


def test_report_from_the_store(profile, paths, capsys, monkeypatch):
    with open_store(paths["root"]) as st:
        st.save(profile)
    monkeypatch.chdir(paths["root"])
    assert _main(["report", "latest", "--kind", "raw", "--format", "md"]) == 0
    assert "app.py:4(join_orders)" in capsys.readouterr().out


def test_report_errors_are_one_line_and_exit_2(tmp_path, capsys, profile_file):
    assert _main(["report", "--project-root", str(tmp_path)]) == 2
    assert "no heatlens runs stored" in capsys.readouterr().err
    assert _main(["report", "--profile", profile_file, "-o", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_export_every_format_from_the_store(profile, paths, tmp_path):
    with open_store(paths["root"]) as st:
        run_id = st.save(profile)
    out = tmp_path / "out.prof"
    assert _main(["export", str(run_id), "-o", str(out), "--project-root", paths["root"]]) == 0
    assert pstats.Stats(str(out)).total_calls == 1013  # type: ignore[attr-defined]
    trace = tmp_path / "t.json"
    assert _main(["export", "latest", "--format", "chrome", "-o", str(trace), "--project-root", paths["root"]]) == 0
    assert "traceEvents" in json.loads(trace.read_text())


def test_export_needs_a_format_it_can_tell(profile_file, tmp_path, capsys):
    assert _main(["export", "--profile", profile_file, "-o", str(tmp_path / "x.json")]) == 2
    assert "cannot tell the format" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()
    assert _main(["export", "--profile", profile_file, "-f", "json", "-o", str(tmp_path / "no" / "x.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_the_installed_cli(profile_file, tmp_path):
    """Through the real entry point (`python -m heatlens`), once every subcommand module exists."""
    try:
        from heatlens.cli import build_parser

        build_parser()
    except ImportError as exc:
        pytest.skip(f"another subcommand is not there yet: {exc}")
    out = tmp_path / "r.html"
    proc = subprocess.run(
        [sys.executable, "-m", "heatlens", "export", "--profile", profile_file, "-o", str(out)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "join_orders" in out.read_text()
    proc = subprocess.run([sys.executable, "-m", "heatlens", "report", "--profile", profile_file, "--kind", "details"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0 and "app.py — 7.50 s self, 75.0%" in proc.stdout
    ascii_env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    proc = subprocess.run([sys.executable, "-m", "heatlens", "report", "--profile", profile_file],
                          capture_output=True, timeout=120, cwd=tmp_path, env=ascii_env)
    assert proc.returncode == 0 and b"join_orders" in proc.stdout  # an ASCII-only terminal still gets the report
