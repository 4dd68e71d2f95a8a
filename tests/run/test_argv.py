"""argv/env building and pre-flight checks of the target (pure, plus one real interpreter probe)."""

from __future__ import annotations

import os
import sys

import pytest

from heatlens.backends.base import Target
from heatlens.model import FailureKind
from heatlens.run import argv


def test_resolve_interpreter_default_path_and_name(tmp_path):
    assert argv.resolve_interpreter("") == os.path.abspath(sys.executable)
    # A venv's python is a symlink: it must not be resolved to the base interpreter.
    link = tmp_path / "bin" / "python"
    link.parent.mkdir()
    link.symlink_to(sys.executable)
    assert argv.resolve_interpreter("bin/python", str(tmp_path)) == str(link)
    assert os.path.isabs(argv.resolve_interpreter("sh"))  # a bare name is looked up on PATH
    with pytest.raises(argv.InterpreterNotFound):
        argv.resolve_interpreter(str(tmp_path / "nope" / "python"))
    with pytest.raises(argv.InterpreterNotFound):
        argv.resolve_interpreter("heatlens-no-such-python-3.99")



def test_build_env_order_and_additions():
    base = {"PATH": "/bin", "PYTHONPATH": "/user/lib", "KEEP": "1", "OVER": "base"}
    env = argv.build_env(base, {"OVER": "target", "MINE": "x"}, {"PYTHONPATH": "/agent", "OVER": "backend"}, "tok")
    assert env["KEEP"] == "1" and env["MINE"] == "x"
    assert env["OVER"] == "backend"  # the backend's own settings win over the user's
    assert env["PYTHONPATH"] == os.pathsep.join(["/agent", "/user/lib"])  # prepended, never replaced
    assert env["PYTHONUNBUFFERED"] == "1" and env["PYTHONFAULTHANDLER"] == "1"
    assert env[argv.RUN_TOKEN_VAR] == "tok"
    assert base["PYTHONPATH"] == "/user/lib"  # the caller's mapping is not modified


def test_merge_pythonpath_deduplicates():
    assert argv.merge_pythonpath("/a", None) == "/a"
    assert argv.merge_pythonpath("/a", os.pathsep.join(["/b", "/a", ""])) == os.pathsep.join(["/a", "/b"])


def test_absolute_target_resolves_script_against_cwd(tmp_path):
    t = argv.absolute_target(Target("script", "sub/../prog.py", ["-v"], cwd=str(tmp_path)))
    assert t.value == str(tmp_path / "prog.py") and t.cwd == str(tmp_path) and t.args == ["-v"]
    m = argv.absolute_target(Target("module", "pkg.tool", cwd=str(tmp_path)))
    assert m.value == "pkg.tool"
    assert argv.absolute_target(Target("code", "pass")).cwd == os.getcwd()


def test_check_target(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text("pass\n")
    assert argv.check_target(argv.absolute_target(Target("script", str(script)))) is None
    missing = argv.check_target(argv.absolute_target(Target("script", str(tmp_path / "gone.py"))))
    assert missing.kind is FailureKind.TARGET_NOT_FOUND and "does not exist" in missing.message
    folder = argv.check_target(argv.absolute_target(Target("script", str(tmp_path))))
    assert folder.kind is FailureKind.TARGET_NOT_FOUND and "directory" in folder.message and "-m" in folder.message
    bad_cwd = argv.check_target(argv.absolute_target(Target("code", "pass", cwd=str(tmp_path / "nowhere"))))
    assert bad_cwd.kind is FailureKind.TARGET_NOT_FOUND and "working directory" in bad_cwd.message
    assert argv.check_target(Target("module", " ")).kind is FailureKind.TARGET_NOT_FOUND
    assert argv.check_target(Target("module", "json")) is None


def test_default_project_root(tmp_path):
    inside = tmp_path / "proj"
    inside.mkdir()
    t = argv.absolute_target(Target("script", "tool.py", cwd=str(inside)))
    assert argv.default_project_root(t) == str(inside)
    outside = argv.absolute_target(Target("script", str(tmp_path / "elsewhere" / "x.py"), cwd=str(inside)))
    assert argv.default_project_root(outside) == str(tmp_path / "elsewhere")


def test_an_allow_list_keeps_only_its_names_and_what_a_program_needs() -> None:
    from heatlens.run.argv import allowed_env

    base = {"PATH": "/bin", "HOME": "/h", "LC_ALL": "C", "AWS_SECRET_ACCESS_KEY": "s", "MYAPP_MODE": "x", "TOKEN": "t"}
    assert allowed_env(base, None) == base  # the default: as when you run it yourself
    assert allowed_env(base, []) == base
    assert allowed_env(base, ["MYAPP_*"]) == {"PATH": "/bin", "HOME": "/h", "LC_ALL": "C", "MYAPP_MODE": "x"}
