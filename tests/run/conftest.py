from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("heatlens_test_plain_backend", Path(__file__).parent / "plain_backend.py")
plain_backend = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plain_backend)


@pytest.fixture
def plain_backends(monkeypatch):
    """Backends "plain", "plain-silent" and "missing" (see plain_backend.py) for the runner."""
    plain_backend.install(monkeypatch)
