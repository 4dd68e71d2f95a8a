"""classify_path: what is "your code", over real interpreter paths and made-up ones of other interpreters."""

from __future__ import annotations

import json
import os
import sysconfig

import heatlens
from heatlens.classify import (
    HEATLENS,
    LIBRARY,
    NATIVE,
    OTHER,
    STDLIB,
    USER,
    classify_path,
    library_package,
    stdlib_module,
)


def test_real_stdlib_and_library_files_of_this_interpreter(tmp_path):
    assert classify_path(json.__file__, str(tmp_path)) == STDLIB
    assert stdlib_module(json.__file__) == "json"
    assert classify_path(os.__file__, str(tmp_path)) == STDLIB
    import attrs  # installed into the venv's site-packages

    assert classify_path(attrs.__file__, str(tmp_path)) == LIBRARY
    assert library_package(attrs.__file__) == "attrs"


def test_native_and_pseudo_files():
    for path in ("", "~", "<built-in>", "<built-in method sum>"):
        assert classify_path(path, "/proj") == NATIVE
    for path in ("<string>", "<frozen importlib._bootstrap>", "<stdin>"):
        assert classify_path(path, "/proj") == OTHER


def test_user_files_are_under_the_root_and_outside_is_other(tmp_path):
    root = tmp_path / "proj"
    assert classify_path(str(root / "app.py"), str(root)) == USER
    assert classify_path(str(root / "pkg" / "mod.py"), str(root)) == USER
    assert classify_path(str(tmp_path / "elsewhere.py"), str(root)) == OTHER
    assert classify_path(str(tmp_path / "proj2" / "x.py"), str(root)) == OTHER  # a sibling, not a prefix match
    assert classify_path(str(tmp_path / "anything.py"), None) == USER  # no root: everything real is yours


def test_a_venv_inside_the_project_is_a_library(tmp_path):
    root = tmp_path / "proj"
    path = root / ".venv" / "lib" / "python3.11" / "site-packages" / "numpy" / "core" / "numeric.py"
    assert classify_path(str(path), str(root)) == LIBRARY
    assert library_package(str(path)) == "numpy"
    debian = "/usr/lib/python3/dist-packages/requests/api.py"
    assert classify_path(debian, str(root)) == LIBRARY and library_package(debian) == "requests"
    ext = str(root / "venv/lib/python3.9/site-packages/_cffi_backend.cpython-39-x86_64-linux-gnu.so")
    assert library_package(ext) == "_cffi_backend"


def test_another_interpreters_stdlib_by_shape_and_by_given_dirs(tmp_path):
    other = "/opt/py39/lib/python3.9/collections/__init__.py"
    assert classify_path(other, str(tmp_path), stdlib_dirs=()) == STDLIB
    assert stdlib_module(other, stdlib_dirs=()) == "collections"
    custom = str(tmp_path / "embedded" / "Lib" / "re.py")
    assert classify_path(custom, str(tmp_path / "proj"), stdlib_dirs=(str(tmp_path / "embedded" / "Lib"),)) == STDLIB
    assert stdlib_module(custom, stdlib_dirs=(str(tmp_path / "embedded" / "Lib"),)) == "re"


def test_defaults_come_from_this_interpreter():
    stdlib = sysconfig.get_paths()["stdlib"]
    assert classify_path(os.path.join(stdlib, "made_up_module.py"), "/proj") == STDLIB


def test_heatlens_own_frames(tmp_path):
    assert classify_path(heatlens.__file__, "/proj") == HEATLENS
    assert classify_path(str(tmp_path / "agent" / "_heatlens_agent.py"), "/proj") == HEATLENS


def test_user_globs_win_over_libraries(tmp_path):
    root = tmp_path / "proj"
    vendored = root / "vendor" / "site-packages" / "mylib" / "core.py"
    assert classify_path(str(vendored), str(root)) == LIBRARY
    assert classify_path(str(vendored), str(root), user_globs=("vendor/*",)) == USER
    shared_glob = str(tmp_path / "shared") + "/*"
    assert classify_path(str(tmp_path / "shared" / "x.py"), str(root), user_globs=(shared_glob,)) == USER
