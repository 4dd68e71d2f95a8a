"""benchmarks/pyspy_rate.py: the table and the per-rate medians it writes (the runs themselves are too long
for the tests; `python -m benchmarks.pyspy_rate --limit 1` runs one program)."""

from __future__ import annotations

from benchmarks.pyspy_rate import render


def test_render_gives_each_rate_its_medians_and_skips_failed_runs() -> None:
    nan = float("nan")
    rows = [{"program": "a", "tv_500": 0.02, "cpu_500": 0.10, "tv_250": 0.03, "cpu_250": 0.05},
            {"program": "b", "tv_500": 0.04, "cpu_500": 0.12, "tv_250": nan, "cpu_250": nan},
            {"program": "c", "tv_500": 0.10, "cpu_500": 0.08, "tv_250": 0.05, "cpu_250": 0.07}]
    text = render(rows, [500, 250], "dev")
    assert "| b | 0.040 | 12.0% | nan | nan% |" in text
    assert "**500 Hz**: line TV median 0.040, worst 0.100; sampler CPU median 10.0% of a core" in text
    assert "**250 Hz**: line TV median 0.040, worst 0.050; sampler CPU median 6.0% of a core" in text
