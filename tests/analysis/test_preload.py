"""analysis/preload.py: the analysis is imported during the run only for a program that is the user's file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from heatlens.analysis.preload import will_analyse
from heatlens.backends.base import Target


def test_only_a_script_among_the_users_files_is_analysed(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    assert will_analyse(Target("script", "app.py", cwd=str(tmp_path)), None)
    assert will_analyse(Target("script", str(tmp_path / "app.py")), str(tmp_path))
    assert not will_analyse(Target("script", json.__file__, cwd=str(tmp_path)), None)  # the standard library
    assert not will_analyse(Target("module", "json.tool", cwd=str(tmp_path)), None)
    assert not will_analyse(Target("code", "pass", cwd=str(tmp_path)), None)
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    assert not will_analyse(Target("script", str(tmp_path / "app.py")), str(elsewhere))  # outside the project


def test_a_script_outside_the_working_directory_is_analysed_and_preloaded(tmp_path: Path) -> None:
    """With no project root given, the run's root is the script's folder when the script is outside the cwd
    (run/argv.default_project_root), so the pipeline analyses it: the preload must say the same (it said no,
    and the user waited ~0.4 s for LibCST's import after the run)."""
    scripts, cwd = tmp_path / "scripts", tmp_path / "cwd"
    scripts.mkdir()
    cwd.mkdir()
    (scripts / "app.py").write_text("x = 1\n")
    assert will_analyse(Target("script", str(scripts / "app.py"), cwd=str(cwd)), None)
    assert will_analyse(Target("script", "../scripts/app.py", cwd=str(cwd)), None)


def test_the_analysis_is_imported_while_the_users_program_runs(tmp_path: Path) -> None:
    """The program waits (up to 20 s) until heatlens has the analysis loaded; a watcher in the heatlens
    process lets it go once it sees the module. Without the preload that is only after the run."""
    (tmp_path / "app.py").write_text(
        "import os, time\n"
        "end = time.time() + 20\n"
        "while not os.path.exists('go') and time.time() < end:\n"
        "    time.sleep(0.02)\n"
        "print('released' if os.path.exists('go') else 'never released')\n")
    code = ("import asyncio, json, sys\nfrom heatlens import cli\nimport heatlens.pipeline as p\n"
            "seen = {}\n"
            "real = p.profile\n"
            "async def watched(*a, **k):\n"
            "    async def look():\n"
            "        while 'heatlens.analysis.findings' not in sys.modules:\n"
            "            await asyncio.sleep(0.02)\n"

            "        open('go', 'w').close()\n"
            "    task = asyncio.ensure_future(look())\n"
            "    try:\n"
            "        return await real(*a, **k)\n"
            "    finally:\n"
            "        task.cancel()\n"
            "p.profile = watched\n"
            "rc = cli.main(['run', '--no-store', '--backend', 'agent', '--memory', 'off', 'app.py'])\n"
            "json.dump({'rc': rc, **seen}, open('seen.json', 'w'))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    seen = json.loads((tmp_path / "seen.json").read_text())
    assert seen["rc"] == 0, proc.stderr
    assert "released" in proc.stdout.splitlines(), proc.stdout  # seen while the program ran, not after
