"""Chrome trace export: every event has ph, ts, dur, pid, tid and name; timeline and stack sources."""

from __future__ import annotations

import json

import pytest

from heatlens.reports.export import export

REQUIRED = ("ph", "ts", "dur", "pid", "tid", "name")


def _events(profile, tmp_path):
    out = tmp_path / "run.trace.json"
    export(profile, "chrome", str(out))
    doc = json.loads(out.read_text())
    for ev in doc["traceEvents"]:
        assert all(k in ev for k in REQUIRED), ev
        assert ev["dur"] >= 0 and ev["ts"] >= 0
    return doc


def test_from_timeline(timeline_profile, tmp_path):
    doc = _events(timeline_profile, tmp_path)
    assert doc["otherData"]["source"] == "timeline"
    xs = [e for e in doc["traceEvents"] if e["ph"] == "X"]
    join = next(e for e in xs if e["name"] == "join_orders")
    assert (join["ts"], join["dur"], join["pid"]) == (1e6, 6e6, 77)
    load = next(e for e in xs if e["name"] == "load" and e["tid"] == join["tid"])
    assert load["args"]["args"] == {"text": "'[1]'"} and load["args"]["return_value"] == "[1]"
    threads = {e["args"]["name"]: e["tid"] for e in doc["traceEvents"] if e["name"] == "thread_name"}
    assert set(threads) == {"MainThread", "worker"} and threads["MainThread"] != threads["worker"]


def test_synthesized_from_stacks(profile, tmp_path):
    doc = _events(profile, tmp_path)
    assert doc["otherData"]["source"] == "stacks"
    xs = [e for e in doc["traceEvents"] if e["ph"] == "X"]
    main = [e for e in xs if e["name"] == "main"]
    assert len(main) == 1 and main[0]["dur"] == pytest.approx(10e6)  # the common root is merged
    join = [e for e in xs if e["name"] == "join_orders"]
    assert len(join) == 1 and join[0]["dur"] == pytest.approx(7.5e6)
    for child in xs:  # children lie inside their parent on the same thread
        if child["args"]["depth"] == 1:
            assert main[0]["ts"] <= child["ts"] and child["ts"] + child["dur"] <= main[0]["ts"] + main[0]["dur"] + 1e-6
