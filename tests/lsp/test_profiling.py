"""Pure helpers of the profile request: names shown to the user."""

from __future__ import annotations

import pytest

from heatlens.lsp.profiling import readable


@pytest.mark.parametrize("qualname,shown", [
    ("hot", "hot"),
    ("Cart.add", "Cart.add"),
    ("hot.<locals>.<listcomp>", "hot (list comprehension)"),
    ("Cart.total.<locals>.<genexpr>", "Cart.total (generator expression)"),
    ("outer.<locals>.inner", "outer.inner"),
    ("outer.<locals>.inner.<locals>.<lambda>", "outer.inner (lambda)"),
    ("<dictcomp>", "dict comprehension"),
])
def test_readable_names(qualname: str, shown: str) -> None:
    assert readable(qualname) == shown
