"""benchmarks/thread_attribution.py: the score of one run against a program's own truth, and a real run of one
blind program (the whole corpus takes minutes: `python -m benchmarks.thread_attribution --runs 1`)."""

from __future__ import annotations

import pytest

from benchmarks.thread_attribution import CORPUS, run_in, score, summary, truth_of


def test_the_score_compares_shares_and_seconds() -> None:
    truth = truth_of('noise\nGROUND_TRUTH {"a": 1.0, "b": 3.0}\n')
    assert truth == {"a": 1.0, "b": 3.0}
    same_shares = score(truth, {"a": 0.5, "b": 1.5})
    assert same_shares["tv"] == pytest.approx(0.0) and same_shares["rel"] == {"a": -0.5, "b": -0.5}
    swapped = score(truth, {"a": 3.0, "b": 1.0})
    assert swapped["tv"] == pytest.approx(0.5)
    assert score(truth, {})["tv"] == 1.0  # nothing seen
    rows = [swapped, same_shares, {"failed": "timeout"}]
    assert summary(rows) == {"runs": 3, "failed": 1, "median_tv": pytest.approx(0.25), "max_tv": pytest.approx(0.5),
                             "median_rel_err": pytest.approx(7 / 12), "max_rel_err": pytest.approx(2.0)}


@pytest.mark.slow
def test_a_blind_program_runs_through_the_default_mode_and_is_scored() -> None:
    row = run_in(None, CORPUS / "bt_threadpool_idle.py")
    assert "failed" not in row, row
    assert set(row["got"]) == set(row["truth"]) == {"sum_squares", "collatz_steps", "build_strings"}
    assert 0.0 <= row["tv"] < 0.5 and all(v > 0 for v in row["got"].values()), row
