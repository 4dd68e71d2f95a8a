"""Stack shapes for flame graphs: timeline -> stacks with self times, merged trees, end-to-end layout."""

from __future__ import annotations

import pytest

from heatlens.reports.flame import layout, merged_tree, nested_events, stacks_of


def test_timeline_becomes_stacks_with_self_times(timeline_profile):
    stacks = stacks_of(timeline_profile)
    assert stacks.source == "timeline"
    named = {
        (s.thread, tuple(stacks.frames[i].name for i in s.frames)): s.weight for s in stacks.samples
    }
    assert named == {
        ("MainThread", ("main",)): pytest.approx(3.0),  # 10 - 6 - 1
        ("MainThread", ("main", "join_orders")): pytest.approx(5.0),
        ("MainThread", ("main", "join_orders", "builtins.len")): pytest.approx(1.0),
        ("MainThread", ("main", "load")): pytest.approx(1.0),
        ("worker", ("load",)): pytest.approx(2.0),
    }


def test_overlapping_child_is_clamped_to_its_parent(timeline_profile):
    timeline_profile.timeline[2].duration = 50.0  # len "outlives" join_orders and main
    rows = nested_events(timeline_profile.timeline)["MainThread"]
    ends = {ev.name: (start, end, depth) for ev, start, end, depth in rows}
    assert ends["builtins.len"] == (2.0, 7.0, 2)


def test_merged_tree_and_layout(profile):
    stacks = stacks_of(profile)
    root = merged_tree(stacks)
    assert root.value == pytest.approx(10.0)
    (main,) = root.children.values()
    assert {stacks.frames[c.frame].name: c.value for c in main.children.values()} == {
        "join_orders": pytest.approx(7.5), "load": pytest.approx(2.5)
    }
    rows = layout(stacks)["MainThread"]
    main_rows = [r for r in rows if stacks.frames[r[0]].name == "main"]
    assert main_rows == [(0, 0.0, pytest.approx(10.0), 0)]
    assert sum(r[2] - r[1] for r in rows if r[3] == 1) == pytest.approx(10.0)
