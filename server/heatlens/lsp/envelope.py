"""Pure checks of one decoded JSON-RPC message, before pygls sees it: what JSON-RPC 2.0 and LSP want
answered (and how) when a message is unreadable, malformed, or arrives before `initialize` / after
`shutdown`. Each returns a Rejection or None; the protocol class (jsonrpc.py) sends it."""

from __future__ import annotations

import json
import re
from typing import Any, List, Optional, Tuple, Union

import attrs

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
SERVER_NOT_INITIALIZED = -32002

Id = Union[int, str]

_SURROGATE_HINT = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")  # an escaped or raw UTF-16 surrogate
_SURROGATE = re.compile("[\ud800-\udfff]")


@attrs.frozen
class Rejection:
    code: int
    message: str
    id: Optional[Id] = None  # None: answered with `"id": null`
    answer: bool = True  # False: a notification, dropped (LSP: never answered)


def valid_id(rid: Any) -> bool:
    return isinstance(rid, (int, str)) and not isinstance(rid, bool)


def decode(body: bytes) -> Tuple[Any, Optional[Rejection]]:
    """The message of a frame's body, or why there is none. Only the top-level object is a message:
    pygls' `object_hook` structured every nested object with a "jsonrpc" key as one (and dropped the request)."""
    try:
        return json.loads(body), None
    except RecursionError:  # 100k nested brackets are valid JSON but no message
        return None, Rejection(INVALID_REQUEST, "Invalid Request: nested too deeply")
    except (ValueError, UnicodeDecodeError) as exc:
        return None, Rejection(PARSE_ERROR, f"Parse error: {exc}")


def check(data: Any) -> Optional[Rejection]:
    """JSON-RPC 2.0 §4-5: the envelope of a request, notification or response."""
    if not isinstance(data, dict):
        return Rejection(INVALID_REQUEST, "Invalid Request: not a JSON-RPC message object")
    has_id = "id" in data
    rid = data.get("id")
    # only a request's id is echoed: the id of something response-shaped is in the client's own namespace
    known = rid if valid_id(rid) and "method" in data else None
    if has_id and known is None and "method" in data:
        return Rejection(INVALID_REQUEST, "Invalid Request: id must be an integer or a string")
    if data.get("jsonrpc") != "2.0":
        return Rejection(INVALID_REQUEST, 'Invalid Request: "jsonrpc" must be "2.0"', known)
    if "method" in data:
        if not isinstance(data["method"], str):
            return Rejection(INVALID_REQUEST, "Invalid Request: method must be a string", known)
        return None
    if has_id and ("result" in data or "error" in data):  # a response to one of our requests
        return None if valid_id(rid) or rid is None else Rejection(INVALID_REQUEST, "response with an invalid id", answer=False)
    return Rejection(INVALID_REQUEST, "Invalid Request: neither a request, a notification nor a response", known)


def gate(data: dict, initialized: bool, shut_down: bool) -> Optional[Rejection]:
    """LSP's life cycle: nothing but `initialize` before it, nothing but `exit` after `shutdown`.
    Notifications out of turn are dropped, requests answered."""
    method = data.get("method")
    if method is None or method == "exit":
        return None
    is_request = "id" in data
    if not initialized and method != "initialize":
        return Rejection(SERVER_NOT_INITIALIZED, f"Server not initialized: {method!r} before 'initialize'", data.get("id"), is_request)
    if shut_down:
        return Rejection(INVALID_REQUEST, f"Invalid Request: {method!r} after 'shutdown'", data.get("id"), is_request)
    return None


def lone_surrogate(body: bytes, data: Any) -> bool:
    """Whether a string of the message holds half a UTF-16 pair (`"\\ud800"`): no path, URI or text can be
    built from it (UnicodeEncodeError deep in a handler). Walks the message only when the body hints at one."""
    if not _SURROGATE_HINT.search(body):
        return False
    todo: List[Any] = [data]
    while todo:  # iterative: the message may be nested as deep as json allows
        item = todo.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            todo.extend(item.keys())
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return False
