"""JSON export: the whole model (`heatlens.model.to_dict`), made JSON-safe.

bytes values (e.g. `extras["pstats"]`, raw cProfile data) become `{"encoding": "base64", "data": "..."}`;
non-finite floats become null. `heatlens.model.from_dict(json.load(f))` reads the file back.
"""

from __future__ import annotations

import base64
import enum
import json
import math
from typing import Any

from heatlens.model import Profile, to_dict


def json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"encoding": "base64", "data": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def to_json(profile: Profile) -> str:
    return json.dumps(json_safe(to_dict(profile)), indent=1, allow_nan=False) + "\n"
