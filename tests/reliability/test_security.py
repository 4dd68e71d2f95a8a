"""Security: nothing runs without an explicit request, no socket unless asked (and then loopback only),
no shell anywhere, and the target's environment is the caller's plus the documented additions only."""

from __future__ import annotations

import ast
import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from heatlens_reliability import MISBEHAVING, cli, clean_env, new_marker, wire  # type: ignore[import-not-found]
from heatlens.run.argv import ADDED_ENV, RUN_TOKEN_VAR

SERVER_SRC = Path(__file__).resolve().parents[2] / "server"


def _shell_uses(tree: ast.AST) -> list:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    found.append((node.lineno, "shell="))
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            owner = getattr(f.value, "id", "") if isinstance(f, ast.Attribute) else ""
            if (owner, name) in (("os", "system"), ("os", "popen")) or name in ("create_subprocess_shell", "subprocess_shell", "getoutput", "getstatusoutput"):
                found.append((node.lineno, f"{owner}.{name}"))
            if owner == "subprocess" and name in ("run", "Popen", "call", "check_call", "check_output") and node.args:
                if isinstance(node.args[0], (ast.Constant, ast.JoinedStr, ast.BinOp)):  # a command string
                    found.append((node.lineno, f"subprocess.{name} with a string"))
    return found


def test_no_shell_anywhere_in_the_server() -> None:
    files = list(SERVER_SRC.rglob("*.py"))
    assert len(files) > 30
    bad = {str(f.relative_to(SERVER_SRC)): hits for f in files if (hits := _shell_uses(ast.parse(f.read_text(), str(f))))}
    assert bad == {}


def test_the_scan_catches_a_shell() -> None:
    assert _shell_uses(ast.parse("import os, subprocess\nsubprocess.run('ls', shell=True)\nos.system('x')\n"))


def _listening(pid: int) -> list:
    return [c for c in psutil.Process(pid).net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]


def test_opening_and_editing_runs_nothing_and_no_socket(tmp_path: Path) -> None:
    prog = Path(shutil.copy(MISBEHAVING / "runs_when_executed.py", tmp_path / "prog.py"))
    sentinel = tmp_path / "ran.txt"
    env = clean_env(new_marker(), {"HEATLENS_RELIABILITY_SENTINEL": str(sentinel)})
    w = wire.Wire(str(tmp_path), env=env)
    try:
        w.initialize(str(tmp_path))
        uri = "file://" + str(prog)
        text = prog.read_text()
        w.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}})
        for v in range(2, 30):
            w.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"text": text + f"# {v}\n"}]})
        w.notify("textDocument/didSave", {"textDocument": {"uri": uri}, "text": text})
        for method in ("textDocument/codeLens", "textDocument/hover"):
            w.call(method, {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})
        time.sleep(1.0)
        assert not sentinel.exists()
        assert psutil.Process(w.pid).children(recursive=True) == []
        assert _listening(w.pid) == []
    finally:
        w.close()


def test_tcp_listens_on_loopback_only(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "heatlens", "serve", "--tcp", "--port", str(port)], cwd=str(tmp_path),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        listening = []
        while not listening and time.monotonic() < deadline:
            time.sleep(0.2)
            listening = _listening(proc.pid)
        assert listening, "never listened"
        assert {c.laddr.ip for c in listening} == {"127.0.0.1"}
    finally:
        proc.terminate()
        proc.wait(30)


def test_target_environment_is_the_callers_plus_documented(tmp_path: Path) -> None:
    marker = new_marker()
    out = tmp_path / "env.json"
    env = clean_env(marker, {"HEATLENS_RELIABILITY_USER_VAR": "kept"})
    env.pop("PYTHONPATH", None)
    done = cli(["run", "--backend", "cprofile", "--no-store", str(MISBEHAVING / "dump_env.py"), str(out)], marker, tmp_path, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    child = json.loads(out.read_text())
    added = set(child) - set(env)
    changed = {k for k in env if k in child and child[k] != env[k]}
    missing = set(env) - set(child)
    assert missing == set()
    assert added <= set(ADDED_ENV) | {RUN_TOKEN_VAR}, added
    assert changed <= set(ADDED_ENV), changed
    assert child["HEATLENS_RELIABILITY_USER_VAR"] == "kept"


def test_report_output_goes_exactly_where_pointed(tmp_path: Path) -> None:
    marker = new_marker()
    work = tmp_path / "work"
    work.mkdir()
    dest = tmp_path / "out dir $(x) ü" / "report 'q'.md"
    dest.parent.mkdir()
    done = cli(["run", "--backend", "agent", "--no-store", "--output", str(dest), "-c", "sum(range(1000))"], marker, work)
    assert done.returncode == 0, done.stderr[-2000:]
    assert dest.is_file() and dest.stat().st_size > 0
    assert sorted(p.name for p in work.iterdir()) == []
    assert sorted(p.name for p in dest.parent.iterdir()) == ["report 'q'.md"]
