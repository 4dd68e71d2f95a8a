"""The backend registry: names, lookup errors, and what `auto` picks, against the real interpreters."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from heatlens import backends
from heatlens.backends import BACKEND_MODULES, BACKENDS, available_backends, choose_auto, get_backend
from heatlens.backends.base import Backend, BackendOptions, Target


def test_every_listed_module_registers_its_backend_under_its_name() -> None:
    assert {"agent", "scalene", "pyinstrument", "viztracer", "cprofile", "pyspy"} <= set(BACKENDS)
    assert len(BACKENDS) == len(BACKEND_MODULES)
    for name, backend in BACKENDS.items():
        assert isinstance(backend, Backend) and backend.name == name
    assert get_backend("agent") is BACKENDS["agent"]


def test_unknown_backend_names_the_known_ones() -> None:
    with pytest.raises(KeyError) as info:
        get_backend("nosuch")
    message = str(info.value)
    assert "nosuch" in message and "agent" in message and "cprofile" in message


def test_auto_is_the_exact_sampler_and_the_agent_needs_nothing_installed(tmp_path: Path) -> None:
    assert choose_auto(sys.executable).name == "pyspy"  # py-spy is installed beside heatlens here
    assert backends.choose_auto_with_reason(sys.executable) == (BACKENDS["pyspy"], None)
    BACKENDS["agent"].check_available("/nonexistent/python")  # stdlib only: nothing to probe
    names = available_backends(sys.executable)
    assert names[:2] == ["pyspy", "agent"] and "cprofile" in names


def test_auto_falls_back_to_the_agent_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    from heatlens.backends import pyspy

    monkeypatch.setattr(pyspy, "find_pyspy", lambda: None)
    backend, note = backends.choose_auto_with_reason(sys.executable)
    assert backend.name == "agent" and note is not None
    assert "py-spy is not installed" in note and "approximate" in note
    monkeypatch.undo()
    monkeypatch.setattr(backends, "_ptrace_scope", lambda: 3)
    assert "ptrace_scope = 3" in (backends.exact_sampler_unavailable() or "")


def test_auto_with_full_memory_tracing_is_the_agent_and_says_what_that_costs() -> None:
    backend, note = backends.choose_auto_with_reason(sys.executable, memory="full")
    assert backend.name == "agent" and note is not None and "tracemalloc" in note


def test_a_backend_missing_from_the_interpreter_is_not_available(tmp_path: Path) -> None:
    # An interpreter that cannot import anything but the stdlib: `python -I` through a tiny wrapper script.
    wrapper = tmp_path / "isolated-python"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} -I -S \"$@\"\n")
    wrapper.chmod(0o755)
    names = available_backends(str(wrapper))
    assert "agent" in names and "cprofile" in names
    assert "pyinstrument" not in names and "scalene" not in names
    assert choose_auto(str(wrapper)).name == "pyspy"  # a binary beside heatlens: nothing in the target


def test_agent_command_for_each_target_kind(tmp_path: Path) -> None:
    agent = get_backend("agent")
    opts = BackendOptions(sample_interval=0.002, memory="full")
    head = ["py", "-m", "heatlens_agent", "--out", str(tmp_path / "agent.json"), "--interval", "0.002",
            "--memory", "full"]
    assert agent.command(Target("script", "a.py", ["-m", "x"]), "py", tmp_path, opts) == head + ["--", "a.py", "-m", "x"]
    assert agent.command(Target("module", "pkg.mod", ["1"]), "py", tmp_path, opts) == head + ["-m", "pkg.mod", "1"]
    assert agent.command(Target("code", "print(1)"), "py", tmp_path, opts) == head + ["-c", "print(1)"]
    env = agent.environment(Target("script", "a.py", env={"PYTHONPATH": "/u"}), tmp_path, opts)
    assert Path(env["PYTHONPATH"], "heatlens_agent.py").is_file() and env["HEATLENS_AGENT_PYTHONPATH"] == "/u"
    assert backends.DEFAULT_BACKEND == "pyspy" and backends.FALLBACK_BACKEND == "agent"
