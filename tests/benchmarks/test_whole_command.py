"""benchmarks/whole_command.py: ratios over the program alone and their geometric mean (the runs themselves
take minutes: `python -m benchmarks.whole_command --reps 1 --tools py-spy`)."""

from __future__ import annotations

from benchmarks.whole_command import render


def test_render_divides_each_tools_median_by_the_programs_own() -> None:
    table = {"a": {"none": [1.0, 1.2, 1.1], "heatlens (default)": [1.21, 1.32, 1.43], "py-spy": [1.1, 9.0, 1.1]},
             "b": {"none": [2.0], "heatlens (default)": [2.0], "py-spy": []}}
    text = render(table, "## CPU")
    assert text.startswith("## CPU\n")
    assert "| a | 1.10 | 1.20× | 1.00× |" in text  # medians: 1.32 / 1.1, 1.1 / 1.1
    assert "| b | 2.00 | 1.00× | failed |" in text
    assert "| **geomean** | | **1.10×** | **1.00×** |" in text  # a failed run is left out


def test_the_empty_program_is_in_seconds_and_out_of_the_geomean() -> None:
    from benchmarks.whole_command import EMPTY, programs

    assert programs()[0] == ("empty", [str(EMPTY)]) and EMPTY.is_file()
    table = {"empty": {"none": [0.02, 0.01, 0.03], "heatlens (default)": [0.25, 0.2, 0.3]},
             "a": {"none": [1.0], "heatlens (default)": [1.5]}}
    text = render(table)
    assert "| empty (s) | 0.020 | 0.250 s |" in text
    assert "| **geomean** | | **1.50×** |" in text
