"""Registers tests/fixtures/pythons.py (other interpreters on this machine) as the importable module
`heatlens_test_pythons` (the tests run with --import-mode=importlib, so `tests` is not a package)."""

import importlib.util
import sys
from pathlib import Path

if "heatlens_test_pythons" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("heatlens_test_pythons", Path(__file__).parent / "fixtures" / "pythons.py")
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["heatlens_test_pythons"] = _module
    _spec.loader.exec_module(_module)
