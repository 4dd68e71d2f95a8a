"""Typed custom messages of the heatlens LSP protocol (docs/protocol.md), camelCase on the wire.

The classes are attrs; `HeatlensProtocol` (a pygls `LanguageServerProtocol`) tells pygls which class
structures each custom request/notification and which one serializes each result. Unlike lsprotocol's
own types, every field is always written (no "omit if default"), so that clients see `runId: null` and
`stale: false` rather than a missing key.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Type, Union

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from lsprotocol import types as lsp
from pygls.protocol import LanguageServerProtocol, default_converter
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest, JsonRpcParseError
from pygls.protocol import JsonRPCProtocol

PROFILE = "heatlens/profile"
CANCEL = "heatlens/cancel"
CLEAR = "heatlens/clear"
RUNS = "heatlens/runs"
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


# ---- JSON-RPC envelopes (pygls builds and reads these by field name) -------------------------------


def _request(name: str, params_type: Any) -> type:
    return attrs.make_class(
        name,
        {
            "id": attrs.field(type=Union[int, str]),  # type: ignore[call-overload]
            "params": attrs.field(type=Optional[params_type], default=None),  # type: ignore[call-overload]
            "method": attrs.field(type=str, default=""),
            "jsonrpc": attrs.field(type=str, default="2.0"),
        },
    )


def _response(name: str, result_type: Any) -> type:
    return attrs.make_class(
        name,
        {
            "id": attrs.field(type=Union[int, str]),  # type: ignore[call-overload]
            "result": attrs.field(type=Optional[result_type], default=None),  # type: ignore[call-overload]
            "jsonrpc": attrs.field(type=str, default="2.0"),
        },
    )


def _notification(name: str, params_type: Any) -> type:
    return attrs.make_class(
        name,
        {
            "params": attrs.field(type=params_type),
            "method": attrs.field(type=str, default=""),
            "jsonrpc": attrs.field(type=str, default="2.0"),
        },
    )


REQUESTS: Dict[str, Any] = {
    PROFILE: (ProfileParams, ProfileSummary),
    CANCEL: (CancelParams, CancelResult),
    CLEAR: (ClearParams, None),
    RUNS: (RunsParams, RunsResult),
    REPORT: (ReportParams, ReportResult),
    FLAMEGRAPH: (FlamegraphParams, FlamegraphResult),
    COMPARE: (CompareParams, CompareResult),
    HISTORY: (HistoryParams, HistoryResult),
    EXPORT: (ExportParams, ExportResult),
    EXPORT_FORMATS: (ExportFormatsParams, ExportFormatsResult),
}
NOTIFICATIONS: Dict[str, Any] = {HEAT: HeatParams, HEAT_DELTA: HeatDeltaParams, STATE: StateParams}

_MESSAGE_TYPES: Dict[str, type] = {}
_RESULT_TYPES: Dict[str, type] = {}
for _method, (_params, _result) in REQUESTS.items():
    _stem = "".join(p.title() for p in _method.split("/")[1:])
    _MESSAGE_TYPES[_method] = _request(f"{_stem}Request", _params)
    if _result is not None:
        _RESULT_TYPES[_method] = _response(f"{_stem}Response", _result)
for _method, _params in NOTIFICATIONS.items():
    _stem = "".join(p.title() for p in _method.split("/")[1:])
    _MESSAGE_TYPES[_method] = _notification(f"{_stem}Notification", _params)

WIRE_TYPES: List[type] = [
    ProfileParams, FailureInfo, Hotspot, ProfileSummary, CancelParams, CancelResult, ClearParams,
    RunsParams, RunInfo, RunsResult, ReportParams, ReportResult, FlamegraphParams, FlamegraphResult,
    HeatLine, HeatParams, HeatEdit, HeatDeltaParams, StateParams,
    CompareParams, ChangeInfo, FunctionChange, CompareResult, HistoryParams, HistoryRun, HistoryResult,
    ExportParams, ExportResult, ExportFormatsParams, ExportFormatsResult,
]


def _camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(p.title() for p in rest)


def register_wire_types(converter: cattrs.Converter) -> cattrs.Converter:
    """camelCase both ways and never omit a field, for our types and their envelopes."""
    for cls in [*WIRE_TYPES, *_MESSAGE_TYPES.values(), *_RESULT_TYPES.values()]:
        renames: Dict[str, Any] = {a.name: override(rename=_camel(a.name)) for a in attrs.fields(cls)}
        converter.register_unstructure_hook(cls, make_dict_unstructure_fn(cls, converter, **renames))
        converter.register_structure_hook(cls, make_dict_structure_fn(cls, converter, **renames))
    return converter


def heatlens_converter() -> cattrs.Converter:
    return register_wire_types(default_converter())  # type: ignore[no-untyped-call]


class HeatlensProtocol(LanguageServerProtocol):
    """pygls protocol that knows the types of heatlens' custom messages."""

    def get_message_type(self, method: str) -> Optional[Type[Any]]:  # type: ignore[override]
        return _MESSAGE_TYPES.get(method) or super().get_message_type(method)

    def get_result_type(self, method: str) -> Optional[Type[Any]]:  # type: ignore[override]
        return _RESULT_TYPES.get(method) or super().get_result_type(method)

    def structure_message(self, data: Dict[str, Any]) -> Any:
        """pygls drops a request whose params do not fit its type without answering; JSON-RPC wants an
        error with the request's id, so that the client is never left waiting (tests/reliability)."""
        try:
            message = super().structure_message(data)
        except JsonRpcException as exc:
            rid = data.get("id")
            if "method" in data and isinstance(rid, (int, str)) and not isinstance(rid, bool):
                self._send_response(rid, None, JsonRpcInvalidParams(f"Invalid params for {data['method']!r}").to_response_error())
            elif "method" in data and "id" in data:  # a notification (no id) is never answered
                send_null_id_error(self, JsonRpcInvalidRequest("Invalid request id"))
            raise exc
        if "jsonrpc" in data and "method" in data and "id" in data and not hasattr(message, "id"):
            # a request (it has an id) for a notification method: pygls would run it and never answer
            error = JsonRpcInvalidRequest(f"{data['method']!r} is a notification, not a request")
            rid = data["id"]
            if isinstance(rid, (int, str)) and not isinstance(rid, bool):
                self._send_response(rid, None, error.to_response_error())
            else:
                send_null_id_error(self, error)
            raise error
        return message

    def handle_message(self, message: Any) -> None:
        # the body was JSON but no JSON-RPC object (`[1]`, `42`, `{}`): -32600 with id null (JSON-RPC 2.0 §5)
        if not hasattr(message, "jsonrpc"):
            send_null_id_error(self, JsonRpcInvalidRequest("Invalid Request: not a JSON-RPC message object"))
            return
        super().handle_message(message)


def answer_unreadable(protocol: JsonRPCProtocol, error: Exception) -> bool:
    """A body that is not JSON (or not UTF-8) gets `-32700 Parse error` with id null, as JSON-RPC 2.0 asks;
    pygls only logs it. True when `error` was such a parse error."""
    if not isinstance(error, (json.JSONDecodeError, UnicodeDecodeError)):
        return False
    send_null_id_error(protocol, JsonRpcParseError(f"Parse error: {error}"))
    return True


def send_null_id_error(protocol: JsonRPCProtocol, error: JsonRpcException) -> None:
    # pygls' own response type omits a None id, but JSON-RPC wants `"id": null` when the id is unknown
    protocol._send_data({"jsonrpc": "2.0", "id": None, "error": {"code": error.code, "message": error.message}})


def to_wire(converter: cattrs.Converter, value: Any) -> Any:
    """The JSON-ready form of one of our types (for tests and logging)."""
    return converter.unstructure(value)
