"""Empirical complexity: pure fitting on synthetic curves, hint parsing, and real timed subprocesses of
functions whose complexity is known (tests/fixtures/deeper/known_complexity.py)."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from heatlens.analysis import complexity as cx
from heatlens.cli import main

FIXTURE = Path(__file__).parent.parent / "fixtures" / "deeper" / "known_complexity.py"
SIZES = [1000, 3000, 10000, 30000, 100000, 300000]


def _curve(f, overhead: float = 2e-6, jitter: float = 0.03, seed: int = 1):
    rng = random.Random(seed)
    return [{"n": n, "times": [(overhead + f(n)) * (1 + rng.uniform(0, jitter)) for _ in range(5)]} for n in SIZES]


@pytest.mark.parametrize("label,f", [
    ("O(1)", lambda n: 1e-4),
    ("O(log n)", lambda n: 1e-5 * math.log(n)),
    ("O(n)", lambda n: 3e-8 * n),
    ("O(n log n)", lambda n: 2e-9 * n * math.log(n)),
    ("O(n²)", lambda n: 1e-11 * n * n),
    ("O(n³)", lambda n: 1e-16 * n ** 3),
])
def test_fit_recovers_synthetic_curves_with_noise(label: str, f) -> None:
    for seed in range(5):
        result = cx.analyze("f", "x.py", 1, _curve(f, seed=seed))
        assert result.label == label, [(x.label, round(x.rel_error, 3)) for x in result.fits]
    assert result.best.r2 > 0.95 or label == "O(1)"


def test_simpler_model_wins_within_noise() -> None:
    fits = [cx.Fit("O(1)", 1, 0, 0.5, 0), cx.Fit("O(log n)", 0, 1, 0.30, 0), cx.Fit("O(n)", 0, 1, 0.031, 0.9),
            cx.Fit("O(n log n)", 0, 1, 0.03, 0.9), cx.Fit("O(n²)", 0, 1, 0.2, 0), cx.Fit("O(n³)", 0, 1, 0.4, 0)]
    assert cx.choose(fits, noise=0.01).label == "O(n)"
    fits[2] = cx.Fit("O(n)", 0, 1, 0.2, 0.5)  # clearly worse than n log n: not chosen
    assert cx.choose(fits, noise=0.01).label == "O(n log n)"


def test_flat_rule() -> None:
    assert cx.is_flat(100, 10_000, 1.0, 1.45) and not cx.is_flat(100, 10_000, 1.0, 1.6)
    assert cx.is_flat(100, 1_000, 1.0, 1.2) and not cx.is_flat(100, 1_000, 1.0, 1.4)
    assert not cx.is_flat(100, 900, 1.0, 1.01)  # less than tenfold: no verdict from flatness


def test_sizes_and_hints() -> None:
    assert cx.parse_sizes("100, 1k,10k") == [100, 1000, 10000]
    assert cx.parse_sizes("100..100k:4") == [100, 1000, 10000, 100000]
    assert len(cx.parse_sizes("1k..1M")) == 8
    with pytest.raises(ValueError):
        cx.parse_sizes("10,20")
    lines = ["# heatlens: sizes=10,20,30", "# plain comment", "# heatlens: args=make repeat=2", "@deco", "def f(a, b):"]
    hints = cx.parse_hints(lines, first_line=4)
    assert hints == cx.Hints(sizes=[10, 20, 30], factory="make", unpack=True, repeat=2)
    assert cx.parse_hints(["x = 1", "def g(): pass"], 2) == cx.Hints()
    assert cx.format_n(100_000) == "100k" and cx.format_n(3100) == "3.1k" and cx.format_n(40) == "40"


def test_hinted_functions_for_code_lenses() -> None:
    found = dict(cx.hinted_functions(str(FIXTURE), FIXTURE.read_text()))
    assert set(found) == {"linear_sum", "quadratic_pairs", "sort_copy", "lookup"}
    assert FIXTURE.read_text().splitlines()[found["lookup"] - 1].startswith("def lookup")


def test_fit_skips_tiny_timings_but_keeps_four_sizes() -> None:
    runs = [cx.SizeRun(n, t, t) for n, t in [(10, 1e-7), (100, 1e-6), (1000, 1e-3), (2000, 2e-3), (3000, 3e-3), (4000, 4e-3)]]
    assert [r.n for r in cx.fitted_runs(runs)] == [1000, 2000, 3000, 4000]
    assert len(cx.fitted_runs(runs[:4])) == 4


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bigo", f"{FIXTURE}::no_hints", "--sizes", "3k..100k:4", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["best"]["label"] == "O(n)"
    assert [r["n"] for r in data["runs"]] == [3000, 9700, 31000, 100000]
    assert data["summary"].startswith("≈ O(n) (R² ")
    assert main(["bigo", "no-separator"]) == 2
