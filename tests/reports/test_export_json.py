"""JSON export: the whole model, JSON-safe, read back by heatlens.model.from_dict."""

from __future__ import annotations

import base64
import json

from heatlens.model import from_dict, to_dict
from heatlens.reports.export import export


def test_round_trips_through_from_dict(profile, tmp_path):
    profile.extras["pstats"] = b"\x00\xffraw"
    profile.extras["ratio"] = float("nan")
    out = tmp_path / "run.json"
    export(profile, "json", str(out))
    data = json.loads(out.read_text())  # strict JSON: no NaN, no bytes
    assert data["extras"]["pstats"] == {"encoding": "base64", "data": base64.b64encode(b"\x00\xffraw").decode()}
    assert data["extras"]["ratio"] is None
    back = from_dict(data)
    assert back.functions == profile.functions and back.files == profile.files and back.stacks == profile.stacks
    assert back.findings == profile.findings and back.meta == profile.meta
    expected = to_dict(profile)
    expected["extras"] = data["extras"]
    assert to_dict(back) == expected
