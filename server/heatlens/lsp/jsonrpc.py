"""JSON-RPC plumbing of heatlens' custom messages: typed envelopes for pygls, the camelCase converter, and
the protocol class that answers malformed traffic as JSON-RPC 2.0 asks. Unlike lsprotocol's own types,
every field is always written (no "omit if default"), so that clients see `runId: null` and `stale: false`
rather than a missing key."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
import logging
from typing import Any, Dict, Optional, Type, Union

import attrs
import cattrs
from cattrs.v import format_exception
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest
from lsprotocol.types import ResponseError, ResponseErrorMessage
from pygls.exceptions import JsonRpcInternalError
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol, default_converter
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage

from heatlens.lsp import envelope
from heatlens.lsp.protocol import NOTIFICATIONS, REQUESTS, WIRE_TYPES

log = logging.getLogger(__name__)

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


INT_MIN, INT_MAX = -2**31, 2**31 - 1  # LSP's `integer`


def _lsp_int(value: Any, _: Any) -> Optional[int]:
    """An integer as LSP defines it: no bool, float or string passed off as one, 32 bits (a limit of 2^63
    reached SQLite as an OverflowError)."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not INT_MIN <= value <= INT_MAX:
        raise ValueError(f"expected an integer in [{INT_MIN}, {INT_MAX}], got {value!r:.40}")
    return value


def register_wire_types(converter: cattrs.Converter) -> cattrs.Converter:
    """camelCase both ways and never omit a field, for our types and their envelopes; strict integers
    in our params."""
    for cls in [*WIRE_TYPES, *MESSAGE_TYPES.values(), *RESULT_TYPES.values()]:
        fields = attrs.fields(cls)
        renames: Dict[str, Any] = {a.name: override(rename=_camel(a.name)) for a in fields}
        converter.register_unstructure_hook(cls, make_dict_unstructure_fn(cls, converter, **renames))
        strict = {a.name: override(rename=_camel(a.name), struct_hook=_lsp_int) for a in fields if a.type in (int, Optional[int], "int", "Optional[int]")}
        converter.register_structure_hook(cls, make_dict_structure_fn(cls, converter, **{**renames, **strict}))
    return converter


def heatlens_converter() -> cattrs.Converter:
    return register_wire_types(default_converter())


@attrs.frozen
class RawJson:
    """A handler's result already encoded as JSON text: written into the response as is. For big answers
    that are cached encoded (the code lenses of a 5,000-line file: unstructuring and encoding a thousand
    lenses again on every request cost tens of milliseconds)."""

    text: str


class HeatlensProtocol(LanguageServerProtocol):
    """pygls protocol that knows the types of heatlens' custom messages and answers malformed or
    out-of-turn traffic as JSON-RPC 2.0 and LSP ask (envelope.py decides; this class sends)."""

    def __init__(self, server: Any, converter: cattrs.Converter) -> None:
        super().__init__(server, converter)
        self.initialized = False

    def new_session(self) -> None:
        """A new client (TCP): its life cycle starts over; the old one's pending requests are dropped."""
        for future in list(self._request_futures.values()):
            future.cancel()
        self._request_futures.clear()
        self._shutdown = self.initialized = False

    def get_message_type(self, method: str) -> Optional[Type[Any]]:  # type: ignore[override]
        return MESSAGE_TYPES.get(method) or super().get_message_type(method)

    def _send_response(self, msg_id: Any, result: Any = None, error: Optional[ResponseError] = None) -> None:
        if error is not None or not isinstance(result, RawJson):
            super()._send_response(msg_id, result, error)
            return
        self._result_types.pop(msg_id, None)
        self.write_body(f'{{"id": {json.dumps(msg_id)}, "jsonrpc": "2.0", "result": {result.text}}}')

    def write_body(self, body: str) -> None:
        """Frame and write one encoded message, as pygls' `_send_data` does after encoding."""
        if self.writer is None:
            return
        data = body.encode(self.CHARSET)
        if getattr(self, "_include_headers", True):
            header = f"Content-Length: {len(data)}\r\nContent-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
            data = header.encode("ascii") + data
        res = self.writer.write(data)
        if inspect.isawaitable(res):
            asyncio.ensure_future(res)

    def get_result_type(self, method: str) -> Optional[Type[Any]]:  # type: ignore[override]
        return RESULT_TYPES.get(method) or super().get_result_type(method)

    def handle_body(self, body: bytes) -> None:
        """One frame's body: decoded once (only the top-level object is a message), checked, structured
        and handled; every request among them is answered exactly once."""
        data, rejection = envelope.decode(body)
        rejection = rejection or envelope.check(data) or envelope.gate(data, self.initialized, self._shutdown)
        if rejection is None and "method" in data and "id" in data and envelope.lone_surrogate(body, data):
            rejection = envelope.Rejection(envelope.INVALID_PARAMS, "Invalid params: a string holds a lone UTF-16 surrogate", data["id"])
        if rejection is not None:
            self.reject(rejection, data)
            return
        try:
            message = self.structure_message(data)
        except JsonRpcException as exc:
            log.warning("invalid message %r: %s", data.get("method", "(response)"), exc.message)
            if "method" in data and "id" in data:
                self._send_response(data["id"], None, exc.to_response_error())
            return
        if data.get("method") == "initialize":
            self.initialized = True
        self.handle_message(message)

    def reject(self, rejection: envelope.Rejection, data: Any) -> None:
        method = data.get("method") if isinstance(data, dict) else None
        log.warning("rejected message %s: %s", repr(method)[:80] if method else "", rejection.message[:200])
        if not rejection.answer:
            return
        if rejection.id is None:
            send_null_id_error(self, JsonRpcException(rejection.message, rejection.code))
        else:
            self._send_response(rejection.id, None, ResponseError(code=rejection.code, message=rejection.message))

    def structure_message(self, data: Dict[str, Any]) -> Any:
        """The typed message of a checked envelope (pygls' version logs a traceback for each bad one)."""
        method = data.get("method")
        try:
            if "id" in data and "error" in data:
                return self._converter.structure(data, ResponseErrorMessage)
            if "id" in data and method is None:
                return self._converter.structure(data, self._result_types.pop(data["id"], None) or JsonRPCResponseMessage)
            default = JsonRPCRequestMessage if "id" in data else JsonRPCNotification
            message = self._converter.structure(data, self.get_message_type(method or "") or default)
        except RecursionError as exc:
            raise JsonRpcInvalidParams(f"Invalid params for {method!r}: nested too deeply") from exc
        except Exception as exc:
            raise JsonRpcInvalidParams(f"Invalid params for {method!r}: {_why(exc)}") from exc
        if "id" in data and not hasattr(message, "id"):
            # a request (it has an id) for a notification method: pygls would run it and never answer
            raise JsonRpcInvalidRequest(f"{method!r} is a notification, not a request")
        return message

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        if not envelope.valid_id(msg_id):  # lsprotocol lets an object through as the id (unhashable)
            log.warning("$/cancelRequest with an invalid id: %.80r", msg_id)
            return
        super()._handle_cancel_notification(msg_id)

    def _handle_request(self, msg_id: Any, method_name: str, params: Any) -> None:
        _METHOD.set(method_name)  # runs in the request's own context, which its result callback shares
        super()._handle_request(msg_id, method_name, params)

    def _send_handler_result(self, future: Any, *, msg_id: Any) -> None:
        """pygls answers any handler exception with -32603 and its traceback (in the answer and the log);
        here an error that bad arguments raise answers -32602 and logs one line, and no answer carries a
        traceback. A true bug still logs its traceback."""
        if future.cancelled() or future.exception() is None:
            super()._send_handler_result(future, msg_id=msg_id)
            return
        self._request_futures.pop(msg_id, None)
        exc, method = future.exception(), _METHOD.get()
        if isinstance(exc, JsonRpcException):
            log.warning("request %r (%s) failed: %s", msg_id, method, exc.message)
            error = exc.to_response_error()
        elif bad_arguments(method, exc):
            log.warning("request %r (%s): invalid params: %s", msg_id, method, _why(exc))
            error = ResponseError(code=envelope.INVALID_PARAMS, message=f"Invalid params for {method!r}: {_why(exc)}")
        else:
            log.error("request %r (%s) failed", msg_id, method, exc_info=exc)
            error = ResponseError(code=JsonRpcInternalError.CODE, message=f"{type(exc).__name__}: {exc}"[:500])
        self._send_response(msg_id, None, error)


_METHOD: contextvars.ContextVar[str] = contextvars.ContextVar("heatlens_method", default="")
# What a handler raises on arguments of the wrong shape, count or size (a command's are untyped).
ARGUMENT_ERRORS = (TypeError, ValueError, IndexError, KeyError, AttributeError)


def bad_arguments(method: str, exc: BaseException) -> bool:
    if isinstance(exc, (OverflowError, UnicodeError)):  # a number or a string no file or database takes
        return True
    return method == "workspace/executeCommand" and isinstance(exc, ARGUMENT_ERRORS)


def _why(exc: BaseException) -> str:
    """One line on why structuring or a handler failed (cattrs nests the reasons)."""
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(exc, format_exception=_reason))[:300]
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]


def _reason(exc: BaseException, type_: Any) -> str:
    # our own checks (_lsp_int) say what they expected; cattrs' default would say "expected Optional"
    return str(exc) if type(exc) is ValueError else format_exception(exc, type_)


def send_null_id_error(protocol: JsonRPCProtocol, error: JsonRpcException) -> None:
    # pygls' own response type omits a None id, but JSON-RPC wants `"id": null` when the id is unknown
    protocol._send_data({"jsonrpc": "2.0", "id": None, "error": {"code": error.code, "message": error.message}})
