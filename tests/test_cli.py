"""heatlens.cli: only the subcommand on the command line is imported, and a run with nothing to analyse
imports no analysis (LibCST), no other subcommand and no store."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from heatlens import cli

# Modules a `heatlens run --no-store` of an empty program has no use for (the cost issue #16 measured:
# LibCST's codemod and matcher modules alone were 0.6 s of a 0.79 s run).
NOT_FOR_AN_EMPTY_RUN = ["libcst", "heatlens.analysis.findings", "heatlens.analysis.fixes", "heatlens.api",
                        "heatlens.commands.test", "heatlens.commands.export", "heatlens.commands.compare",
                        "heatlens.commands.serve", "heatlens.store.db", "sqlite3", "cattrs", "msgpack", "pygls",
                        "ssl", "_ssl",  # asyncio's TLS (cli.import_asyncio_without_tls)
                        "secrets"]  # --repeat's group id and the run token come from os.urandom (~3 ms before the program starts)


def test_command_named_is_the_first_word_that_is_not_an_option():
    assert cli.command_named(["run", "--backend", "agent", "x.py"]) == "run"
    assert cli.command_named(["--version"]) is None
    assert cli.command_named(["nonsense", "run"]) is None  # argparse then lists the real ones
    assert cli.command_named(["--", "run"]) is None
    assert cli.command_named([]) is None


def test_only_the_named_subcommand_gets_a_parser():
    choices = cli.build_parser("history")._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert list(choices) == ["history"]
    every = cli.build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert list(every) == cli.SUBCOMMANDS


def test_an_unknown_subcommand_still_lists_them_all(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["nonsense"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'nonsense'" in err and "callgraph" in err


def test_run_of_an_empty_program_imports_no_analysis_and_no_other_command(tmp_path):
    (tmp_path / "empty.py").write_text("")
    report = tmp_path / "modules.json"
    # a user's program that ends before the analysis would be preloaded (analysis/preload.py; here: never)
    code = ("import json, sys\nfrom heatlens import cli\nfrom heatlens.analysis import preload\n"
            "preload.PRELOAD_DELAY = 600\nrc = cli.main(['run', '--no-store', 'empty.py'])\n"
            f"json.dump({{'rc': rc, 'modules': sorted(sys.modules)}}, open({str(report)!r}, 'w'))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(report.read_text())
    assert seen["rc"] == 0, proc.stderr
    assert "heatlens.commands.run" in seen["modules"]  # it did run through the CLI
    loaded = [m for m in seen["modules"] if any(m == n or m.startswith(n + ".") for n in NOT_FOR_AN_EMPTY_RUN)]
    assert loaded == []


def test_heatlens_run_as_the_process_entry_ends_without_the_interpreter_s_teardown(tmp_path):
    """`heatlens run` ends the process once its report is flushed (module teardown costs 10-40 ms after the
    work is done): an atexit handler does not run, the report is complete and the exit code is the run's;
    called with an argv (in-process, as here) main returns normally."""
    (tmp_path / "prog.py").write_text("raise SystemExit(3)\n")
    code = ("import atexit, sys\natexit.register(lambda: print('TEARDOWN', flush=True))\nfrom heatlens import cli\n"
            "sys.argv = ['heatlens'] + sys.argv[1:]\nprint('returned', cli.main(sys.argv[1:]), flush=True)\ncli.main()\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-c", code, "run", "--no-store", "--backend", "agent", "prog.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 10, proc.stderr  # nonzero-exit
    returned, entry = proc.stdout.split("returned 10\n")
    headings = [[ln for ln in part.splitlines() if ln and not ln.startswith(" ")][:1] for part in (returned, entry)]
    assert headings == [["heatlens summary"]] * 2
    # the whole report, to its last note; a busy machine adds one to either run (its start-up before sampling took
    # longer: CPU "not attributed to any line"), so that one is not counted
    notes = [[n for n in part.split("\nNotes\n-----\n")[1].split("\n  * ") if "not attributed to any line" not in n]
             for part in (returned, entry)]
    assert len(notes[0]) == len(notes[1]) > 1 and entry.endswith("\n"), notes
    assert "TEARDOWN" not in proc.stdout


def test_asyncio_without_tls_leaves_ssl_importable() -> None:
    """Only asyncio's modules go without ssl; `import ssl` afterwards is the real module (a fresh process:
    this one has asyncio already)."""
    code = ("import sys\nfrom heatlens import cli\ncli.import_asyncio_without_tls()\n"
            "import asyncio.sslproto\nassert 'ssl' not in sys.modules and asyncio.sslproto.ssl is None\n"
            "import ssl\nprint(ssl.OPENSSL_VERSION.split()[0])\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.returncode == 0 and proc.stdout.strip() in ("OpenSSL", "LibreSSL"), proc.stderr
