"""Custom messages are camelCase on the wire, never omit a field, and structure back to the same types."""

from __future__ import annotations

import json

from heatlens.lsp import jsonrpc, protocol as hp


def test_summary_is_camel_case_with_every_field() -> None:
    conv = jsonrpc.heatlens_converter()
    wire = conv.unstructure(hp.ProfileSummary(target="x.py", hotspots=[hp.Hotspot("file:///x.py", 3, "f", 0.5)]))
    assert wire == {
        "runId": None, "target": "x.py", "backend": "", "duration": 0.0,
        "failure": {"kind": "ok", "message": ""},
        "hotspots": [{"uri": "file:///x.py", "line": 3, "name": "f", "share": 0.5}],
    }
    assert conv.structure(wire, hp.ProfileSummary) == hp.ProfileSummary(target="x.py", hotspots=[hp.Hotspot("file:///x.py", 3, "f", 0.5)])


def test_heat_line_keeps_false_stale() -> None:
    conv = jsonrpc.heatlens_converter()
    wire = conv.unstructure(hp.HeatParams(uri="u", version=None, lines=[hp.HeatLine(2, 0.25, 1.5)]))
    assert wire == {"uri": "u", "version": None, "lines": [{"line": 2, "cpuShare": 0.25, "memMb": 1.5, "stale": False}]}


def test_profile_request_params_from_the_wire() -> None:
    conv = jsonrpc.heatlens_converter()
    msg = conv.structure(
        {"jsonrpc": "2.0", "id": 7, "method": hp.PROFILE, "params": {"uri": "file:///a.py", "args": ["-n", "3"], "workDoneToken": "t"}},
        jsonrpc.MESSAGE_TYPES[hp.PROFILE],
    )
    assert msg.params == hp.ProfileParams(uri="file:///a.py", args=["-n", "3"], work_done_token="t")
    empty = conv.structure({"jsonrpc": "2.0", "id": "x", "method": hp.CANCEL}, jsonrpc.MESSAGE_TYPES[hp.CANCEL])
    assert empty.params is None


class _Writer:
    def __init__(self) -> None:
        self.sent = b""

    def write(self, data: bytes) -> None:
        self.sent += data


def test_an_encoded_result_is_sent_as_is_with_its_byte_length() -> None:
    from heatlens.lsp.app import create_server

    protocol = create_server().protocol
    protocol.set_writer(_Writer())
    protocol._send_response("7", jsonrpc.RawJson('[{"title": "\\u25b2 3%"}, 2]'))
    header, body = protocol.writer.sent.split(b"\r\n\r\n", 1)
    assert header.startswith(b"Content-Length: %d\r\n" % len(body))
    assert json.loads(body) == {"id": "7", "jsonrpc": "2.0", "result": [{"title": "▲ 3%"}, 2]}
    protocol.writer.sent = b""
    protocol._send_response(8, [1])  # any other result: pygls' own encoding
    assert json.loads(protocol.writer.sent.split(b"\r\n\r\n", 1)[1]) == {"id": 8, "jsonrpc": "2.0", "result": [1]}
