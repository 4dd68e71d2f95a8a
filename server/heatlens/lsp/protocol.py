"""Typed custom messages of the heatlens LSP protocol (docs/protocol.md), camelCase on the wire.

The classes are attrs; `heatlens.lsp.jsonrpc` tells pygls which class structures each custom
request/notification (REQUESTS, NOTIFICATIONS) and which one serializes each result.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

import attrs
from lsprotocol import types as lsp

PROFILE = "heatlens/profile"
CANCEL = "heatlens/cancel"
CLEAR = "heatlens/clear"
RUNS = "heatlens/runs"
PROCESSES = "heatlens/processes"
PROFILE_CELL = "heatlens/profileCell"  # heatlens.lsp.features.notebook_profile: params and result plain dicts  # Python processes to attach to (heatlens/profile {pid})
REPORT = "heatlens/report"
FLAMEGRAPH = "heatlens/flamegraph"
COMPARE = "heatlens/compare"
HISTORY = "heatlens/history"
EXPORT = "heatlens/export"
EXPORT_FORMATS = "heatlens/exportFormats"
CALLGRAPH = "heatlens/callgraph"  # heatlens.lsp.views: results are plain dicts, params untyped
RESOURCES = "heatlens/resources"
HEAT = "heatlens/heat"
HEAT_DELTA = "heatlens/heatDelta"  # sent instead of a full heat after an edit, to clients that opt in
HEAT_DELTAS_CAPABILITY = "heatlensHeatDeltas"  # key of ClientCapabilities.experimental that opts in
STATE = "heatlens/state"
PROFILE_FILE_COMMAND = "heatlens.profileFile"

ProgressToken = Union[int, str]


# ---- params and results -------------------------------------------------------------------------


@attrs.define
class ProfileParams:
    uri: Optional[str] = None
    module: Optional[str] = None
    code: Optional[str] = None
    backend: Optional[str] = None
    args: List[str] = attrs.Factory(list)
    cwd: Optional[str] = None
    env: Dict[str, str] = attrs.Factory(dict)
    timeout: Optional[float] = None
    pid: Optional[int] = None  # attach to this running process instead of starting one
    duration: Optional[float] = None  # seconds to sample an attached process (None: until heatlens/cancel)
    work_done_token: Optional[lsp.ProgressToken] = None


@attrs.define
class FailureInfo:
    kind: str = "ok"
    message: str = ""


@attrs.define
class Hotspot:
    uri: str
    line: int  # 0-based
    name: str
    share: float


@attrs.define
class ProfileSummary:
    run_id: Optional[int] = None
    target: str = ""
    backend: str = ""
    duration: float = 0.0
    failure: FailureInfo = attrs.Factory(FailureInfo)
    hotspots: List[Hotspot] = attrs.Factory(list)


@attrs.define
class CancelParams:
    pass


@attrs.define
class CancelResult:
    cancelled: bool = False


@attrs.define
class ClearParams:
    uri: Optional[str] = None


@attrs.define
class RunsParams:
    limit: Optional[int] = None


@attrs.define
class RunInfo:
    run_id: int
    target: str = ""
    backend: str = ""
    started_at: float = 0.0
    duration: float = 0.0
    failure: str = "ok"


@attrs.define
class RunsResult:
    runs: List[RunInfo] = attrs.Factory(list)


@attrs.define
class ProcessesParams:
    pass


@attrs.define
class ProcessInfo:
    pid: int
    command: str = ""
    cwd: str = ""
    in_project: bool = False


@attrs.define
class ProcessesResult:
    processes: List[ProcessInfo] = attrs.Factory(list)


@attrs.define
class ReportParams:
    run_id: Optional[int] = None
    kind: Optional[str] = None


@attrs.define
class ReportResult:
    markdown: str = ""


@attrs.define
class FlamegraphParams:
    run_id: Optional[int] = None


@attrs.define
class FlamegraphResult:
    speedscope: Dict[str, Any] = attrs.Factory(dict)
    name: str = ""


@attrs.define
class ExportParams:
    format: str = ""
    path: str = ""  # absolute, or relative to the project root
    run_id: Optional[int] = None  # default: the latest run


@attrs.define
class ExportResult:
    path: str = ""  # the absolute path written
    bytes: int = 0


@attrs.define
class ExportFormatsParams:
    pass


@attrs.define
class ExportFormatsResult:
    formats: List[str] = attrs.Factory(list)


@attrs.define
class CompareParams:
    baseline: Optional[str] = None  # "previous" (default), "latest", a run id ("12", "#12"), a git ref
    run_id: Optional[int] = None  # the run compared; default the latest


@attrs.define
class ChangeInfo:
    before: float = 0.0  # means over the runs of each side
    after: float = 0.0
    change: Optional[float] = None  # after / before - 1 (+0.3: 30 % more); null when before is 0
    ci_low: Optional[float] = None  # 95 % interval of `change`; null without spread (single runs)
    ci_high: Optional[float] = None
    p_value: Optional[float] = None
    verdict: str = "within noise"  # "regression" | "improvement" | "within noise"
    note: str = ""


@attrs.define
class FunctionChange:
    uri: str
    qualname: str
    line: Optional[int] = None  # 0-based, in the compared run's source
    time: ChangeInfo = attrs.Factory(ChangeInfo)  # inclusive seconds
    self_time: ChangeInfo = attrs.Factory(ChangeInfo)
    memory: ChangeInfo = attrs.Factory(ChangeInfo)  # MB allocated
    share_before: float = 0.0
    share_after: float = 0.0
    is_new: bool = False
    removed: bool = False


@attrs.define
class CompareResult:
    run_id: int
    baseline_run_id: int
    label: str = "previous"
    wall: ChangeInfo = attrs.Factory(ChangeInfo)
    cpu: ChangeInfo = attrs.Factory(ChangeInfo)
    peak_mem: Optional[ChangeInfo] = None
    speedup: Optional[float] = None  # before / after wall time: 2.0 is twice as fast
    regressed: bool = False
    functions: List[FunctionChange] = attrs.Factory(list)
    notes: List[str] = attrs.Factory(list)


@attrs.define
class HistoryParams:
    limit: Optional[int] = None
    target: Optional[str] = None


@attrs.define
class HistoryRun:
    run_id: int
    target: str = ""
    backend: str = ""
    started_at: float = 0.0
    duration: float = 0.0  # wall seconds
    cpu: float = 0.0
    peak_mem_mb: Optional[float] = None
    git_commit: Optional[str] = None
    failure: str = "ok"


@attrs.define
class HistoryResult:
    runs: List[HistoryRun] = attrs.Factory(list)  # newest first


@attrs.define
class HeatLine:
    line: int  # 0-based, in the document as it is now
    cpu_share: float
    mem_mb: float
    stale: bool = False


@attrs.define
class HeatParams:
    uri: str
    version: Optional[int] = None
    lines: List[HeatLine] = attrs.Factory(list)


@attrs.define
class HeatEdit:
    """`removed` lines from `line` (0-based) were replaced by `inserted` lines: the heat of the removed
    lines is dropped, the lines after them move by `inserted - removed`."""

    line: int
    removed: int
    inserted: int


@attrs.define
class HeatDeltaParams:
    """Apply `edits` in order to the heat held for `uri`, then set each of `lines` (by line number)."""

    uri: str
    version: Optional[int] = None
    edits: List[HeatEdit] = attrs.Factory(list)
    lines: List[HeatLine] = attrs.Factory(list)


@attrs.define
class StateParams:
    state: str = "idle"  # "idle" | "profiling"
    target: Optional[str] = None
    last_run: Optional[ProfileSummary] = None


REQUESTS: Dict[str, Any] = {
    PROFILE: (ProfileParams, ProfileSummary),
    CANCEL: (CancelParams, CancelResult),
    CLEAR: (ClearParams, None),
    RUNS: (RunsParams, RunsResult),
    PROCESSES: (ProcessesParams, ProcessesResult),
    REPORT: (ReportParams, ReportResult),
    FLAMEGRAPH: (FlamegraphParams, FlamegraphResult),
    COMPARE: (CompareParams, CompareResult),
    HISTORY: (HistoryParams, HistoryResult),
    EXPORT: (ExportParams, ExportResult),
    EXPORT_FORMATS: (ExportFormatsParams, ExportFormatsResult),
}
NOTIFICATIONS: Dict[str, Any] = {HEAT: HeatParams, HEAT_DELTA: HeatDeltaParams, STATE: StateParams}

WIRE_TYPES: List[type] = [
    ProfileParams, FailureInfo, Hotspot, ProfileSummary, CancelParams, CancelResult, ClearParams,
    RunsParams, RunInfo, RunsResult, ProcessesParams, ProcessInfo, ProcessesResult, ReportParams, ReportResult, FlamegraphParams, FlamegraphResult,
    HeatLine, HeatParams, HeatEdit, HeatDeltaParams, StateParams,
    CompareParams, ChangeInfo, FunctionChange, CompareResult, HistoryParams, HistoryRun, HistoryResult,
    ExportParams, ExportResult, ExportFormatsParams, ExportFormatsResult,
]


