"""Number formatting shared by lenses, hovers and hints: one place decides how a share or a size reads."""

from __future__ import annotations

from typing import Optional

from heatlens.reports.document import seconds  # noqa: F401  (one number style for reports and editor)


def pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def mb(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:.0f} MB"
    if abs(value) >= 1:
        return f"{value:.1f} MB"
    return f"{value:.2f} MB"


def count(value: Optional[int]) -> str:
    return "—" if value is None else f"{value:,}"
