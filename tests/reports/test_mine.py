"""What the user asked to run is their code (`-c` snippet, `-m` module), and an empty "your code" says why."""

from __future__ import annotations

import json

from heatlens.classify import target_code
from heatlens.model import FileProfile, FunctionStats, LineStats, Profile, RunMeta
from heatlens.reports import render


def _profile(target: str, path: str, root: str = "/proj") -> Profile:
    return Profile(
        meta=RunMeta(target=target, project_root=root, cwd=root, wall_time=1.0, cpu_time=1.0),
        files=[FileProfile(path, None, [LineStats(3, cpu_python=0.9, samples=90)])],
        functions=[FunctionStats(qualname="<module>", file=path, line=1, self_time=0.9, total_time=0.9)],
    )


def test_a_code_snippet_is_your_code() -> None:
    data = json.loads(render(_profile("-c", "<string>"), "summary", "json"))
    assert data["split"]["user"]["share"] == 1.0 and data["top_lines"][0]["path"] == "<string>"
    assert data["why_nothing_mine"] is None
    details = render(_profile("-c", "<string>"), "details", "text")
    assert "No function of your code" not in details and "<module>" in details


def test_a_module_run_with_m_is_your_code_even_outside_the_root() -> None:
    prof = _profile("-m pkg.work", "/src/app/pkg/work.py", root="/somewhere/else")
    data = json.loads(render(prof, "summary", "json"))
    assert data["split"]["user"]["share"] == 1.0
    assert target_code("-m pkg.work", ["/src/app/pkg/work.py"]) == ((), ("/src/app/pkg",))
    assert target_code("-m tool", ["/src/tool.py"]) == ((), ("/src/tool.py",))
    assert target_code("-m json.tool", []) == ((), ())


def test_a_library_run_with_m_stays_a_library() -> None:
    lib = "/venv/lib/python3.11/site-packages/pkg/work.py"
    data = json.loads(render(_profile("-m pkg.work", lib), "summary", "json"))
    assert data["split"]["user"]["share"] == 0.0 and data["split"]["library"]["share"] == 1.0


def test_nothing_of_yours_says_why_and_what_to_do() -> None:
    prof = _profile("script.py", "/elsewhere/script.py")
    details = render(prof, "details", "text")
    assert "No function of your code was measured. Your code is what lies under the project root /proj" in details
    assert "files outside the project 100.0% (e.g. /elsewhere/script.py)" in details
    assert "--project-root DIR" in render(prof, "summary", "text")


def test_the_example_of_code_outside_the_project_is_named_beside_its_own_share() -> None:
    # before: "libraries 84.4%, files outside the project 10.6%, the stdlib 5.0% (e.g. <string>)", as if <string>,
    # code a library made with exec (dataclasses' methods), were the stdlib's
    prof = _profile("app.py", "/venv/lib/python3.11/site-packages/lib/main.py")
    prof.files.append(FileProfile("<string>", None, [LineStats(2, cpu_python=0.3, samples=30)]))
    prof.files.append(FileProfile("/usr/lib/python3.11/json/decoder.py", None, [LineStats(5, cpu_python=0.1, samples=10)]))
    hint = json.loads(render(prof, "summary", "json"))["why_nothing_mine"]
    assert "libraries 69.2%, files outside the project 23.1% (e.g. <string>, code without a file), the stdlib 7.7%." in hint
