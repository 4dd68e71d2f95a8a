"""Registers tests/fixtures/pythons.py (other interpreters on this machine) as the importable module
`heatlens_test_pythons` (the tests run with --import-mode=importlib, so `tests` is not a package)."""

import importlib.util
import sys
from pathlib import Path

import pytest

if "heatlens_test_pythons" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("heatlens_test_pythons", Path(__file__).parent / "fixtures" / "pythons.py")
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["heatlens_test_pythons"] = _module
    _spec.loader.exec_module(_module)


@pytest.fixture
def busy_http_server():
    """Start tests/fixtures/attach/http_app.py (its cwd: the `cwd` passed to the returned starter, default its
    folder) with a thread requesting it in a loop; yields start(cwd=None, app=None) -> (process, port)."""
    import shutil
    import subprocess
    import threading
    import urllib.request

    started = []
    stop = threading.Event()

    def start(cwd=None, app=None):
        source = Path(__file__).parent / "fixtures" / "attach" / "http_app.py"
        if app is not None:
            shutil.copy(source, app)
        path = app or source
        proc = subprocess.Popen([sys.executable, str(path)], stdout=subprocess.PIPE, text=True, cwd=cwd or path.parent)
        port = int(proc.stdout.readline())

        def load():
            while not stop.is_set():
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read()

        worker = threading.Thread(target=load, daemon=True)
        worker.start()
        started.append((proc, worker))
        return proc, port

    yield start
    stop.set()
    for proc, worker in started:
        worker.join(15)
        proc.kill()
        proc.wait()
