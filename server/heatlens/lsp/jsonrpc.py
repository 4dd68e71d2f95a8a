"""JSON-RPC plumbing of heatlens' custom messages: typed envelopes for pygls, the camelCase converter, and
the protocol class that answers malformed traffic as JSON-RPC 2.0 asks. Unlike lsprotocol's own types,
every field is always written (no "omit if default"), so that clients see `runId: null` and `stale: false`
rather than a missing key."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Type, Union

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest, JsonRpcParseError
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol, default_converter

from heatlens.lsp.protocol import NOTIFICATIONS, REQUESTS, WIRE_TYPES

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


MESSAGE_TYPES: Dict[str, type] = {}
RESULT_TYPES: Dict[str, type] = {}
for _method, (_params, _result) in REQUESTS.items():
    _stem = "".join(p.title() for p in _method.split("/")[1:])
    MESSAGE_TYPES[_method] = _request(f"{_stem}Request", _params)
    if _result is not None:
        RESULT_TYPES[_method] = _response(f"{_stem}Response", _result)
for _method, _params in NOTIFICATIONS.items():
    _stem = "".join(p.title() for p in _method.split("/")[1:])
    MESSAGE_TYPES[_method] = _notification(f"{_stem}Notification", _params)

def _camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(p.title() for p in rest)


def register_wire_types(converter: cattrs.Converter) -> cattrs.Converter:
    """camelCase both ways and never omit a field, for our types and their envelopes."""
    for cls in [*WIRE_TYPES, *MESSAGE_TYPES.values(), *RESULT_TYPES.values()]:
        renames: Dict[str, Any] = {a.name: override(rename=_camel(a.name)) for a in attrs.fields(cls)}
        converter.register_unstructure_hook(cls, make_dict_unstructure_fn(cls, converter, **renames))
        converter.register_structure_hook(cls, make_dict_structure_fn(cls, converter, **renames))
    return converter


def heatlens_converter() -> cattrs.Converter:
    return register_wire_types(default_converter())  # type: ignore[no-untyped-call]


class HeatlensProtocol(LanguageServerProtocol):
    """pygls protocol that knows the types of heatlens' custom messages."""

    def get_message_type(self, method: str) -> Optional[Type[Any]]:  # type: ignore[override]
        return MESSAGE_TYPES.get(method) or super().get_message_type(method)

    def get_result_type(self, method: str) -> Optional[Type[Any]]:  # type: ignore[override]
        return RESULT_TYPES.get(method) or super().get_result_type(method)

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

