"""Big-O measurement for real: functions whose complexity is known (tests/fixtures/deeper/known_complexity.py)
timed in a subprocess; errors in the timed function reported; a cancel stops the timing process."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from heatlens.analysis import complexity as cx
from heatlens.jobs.complexity import measure, measure_sync

FIXTURE = Path(__file__).parent.parent / "fixtures" / "deeper" / "known_complexity.py"


@pytest.mark.parametrize("function,expected", [
    ("linear_sum", "O(n)"),
    ("quadratic_pairs", "O(n²)"),
    ("sort_copy", "O(n log n)"),
    ("lookup", "O(1)"),
])
def test_known_functions_in_a_subprocess(function: str, expected: str) -> None:
    result = measure_sync(str(FIXTURE), function, timeout=240)
    assert result.label == expected, (cx.summary_text(result), [(f.label, round(f.rel_error, 3)) for f in result.fits])
    assert len(result.runs) >= 4 and all(r.best > 0 for r in result.runs)
    assert cx.summary_text(result).startswith(f"≈ {expected} (")


def test_errors_are_reported() -> None:
    with pytest.raises(cx.ComplexityError, match="no function 'missing'"):
        measure_sync(str(FIXTURE), "missing")
    with pytest.raises(cx.ComplexityError, match="TypeError"):  # linear_sum(n) with an int: not iterable
        measure_sync(str(FIXTURE), "linear_sum", factory="", sizes=[1, 2, 3], timeout=120)


async def test_cancel_stops_the_timing_within_a_second(tmp_path: Path) -> None:
    prog = tmp_path / "slow.py"
    prog.write_text("import time\n\n\ndef spin(n):\n    time.sleep(30)\n")
    cancel = asyncio.Event()
    task = asyncio.ensure_future(measure(str(prog), "spin", sizes=[1, 2, 3, 4], timeout=120, cancel=cancel))
    await asyncio.sleep(1.5)  # the timing process is started and inside spin()
    assert not task.done()
    started = time.monotonic()
    cancel.set()
    with pytest.raises(cx.ComplexityError, match="cancelled"):
        await asyncio.wait_for(task, 10)
    assert time.monotonic() - started < 1.0
