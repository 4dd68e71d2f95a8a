"""Registers the shared real-run harness (tests/fixtures/backends/harness.py) as an importable module, so
each adapter's test file can `import heatlens_backend_harness as H`."""

import importlib.util
import sys
from pathlib import Path

_PATH = Path(__file__).parents[1] / "fixtures" / "backends" / "harness.py"
if "heatlens_backend_harness" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("heatlens_backend_harness", _PATH)
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["heatlens_backend_harness"] = _module
    _spec.loader.exec_module(_module)
