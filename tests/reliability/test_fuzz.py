"""Hypothesis fuzzes one `heatlens serve` with ≥ 10,000 random but well-framed JSON-RPC messages: real LSP
methods, heatlens/* and junk names, params of random JSON shapes, requests and notifications, int and string
ids. The daemon never dies, every request gets exactly one response with its id, and every error is
JSON-RPC 2.0 shaped (integer code, string message)."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from lsprotocol import types as lsp

from heatlens.lsp import protocol as hl
from heatlens_reliability import wire  # type: ignore[import-not-found]

BATCH = 50
BATCHES = 205  # 10,250 messages
NEVER = {"exit", "shutdown", hl.PROFILE}  # stop the daemon (tested in test_hostile_lsp) / would run code

LSP_METHODS = sorted({v for k, v in vars(lsp).items() if k.isupper() and isinstance(v, str)
                      and ("/" in v or v in ("initialize", "initialized"))} - NEVER)
HEATLENS_METHODS = sorted({v for k, v in vars(hl).items() if isinstance(v, str) and v.startswith("heatlens/")} - NEVER)
assert len(LSP_METHODS) > 50 and hl.RUNS in HEATLENS_METHODS

json_leaf = (st.none() | st.booleans() | st.integers(-2**63, 2**63) | st.floats(allow_nan=False, allow_infinity=False)
             | st.text(max_size=12))
json_value = st.recursive(json_leaf, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
                          max_leaves=12)
uris = st.sampled_from(["file:///nowhere/x.py", "untitled:Untitled-1", "", "file:///", "https://example.com/a.py"]) | st.text(max_size=20)
ints = st.integers(-2**31, 2**31 - 1)
position = st.fixed_dictionaries({"line": ints, "character": ints})
# Shapes near the real ones reach deeper into the handlers than pure noise does.
lsp_like = st.fixed_dictionaries({"textDocument": st.fixed_dictionaries({"uri": uris}, optional={"version": ints, "text": st.text(max_size=40)})},
                                 optional={"position": position, "range": st.fixed_dictionaries({"start": position, "end": position}),
                                           "contentChanges": st.lists(st.fixed_dictionaries({"text": st.text(max_size=20)}), max_size=2)})
params = st.none() | json_value | lsp_like | st.dictionaries(st.sampled_from(["uri", "runId", "limit", "kind", "baseline", "target", "settings"]), json_value, max_size=3)
methods = st.sampled_from(LSP_METHODS) | st.sampled_from(HEATLENS_METHODS) | st.text(max_size=16) | st.just(hl.PROFILE)
ids = ints | st.text(max_size=10)
message = st.fixed_dictionaries({"method": methods, "params": params, "request": st.booleans(), "id": ids})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("fuzz")
    w = wire.Wire(str(root))
    w.root = root
    w.initialize(str(root), {"backend": "agent"})
    yield w
    w.close()


def build(w: Any, spec: Dict[str, Any], n: int, used: set) -> Dict[str, Any]:
    msg: Dict[str, Any] = {"jsonrpc": "2.0", "method": spec["method"]}
    if spec["method"] == hl.PROFILE:  # only ever at a file that does not exist: nothing may run
        msg["params"] = {"uri": (Path(w.root) / f"missing_{n}.py").as_uri()}
    elif spec["params"] is not None:
        msg["params"] = spec["params"]
    if spec["request"]:
        rid = spec["id"]
        if rid in used:  # ids must be unique to match answers to requests
            rid = f"dup-{n}" if isinstance(rid, str) else 2**40 + n
        used.add(rid)
        msg["id"] = rid
    return msg


def check_answer(answer: Dict[str, Any]) -> None:
    assert answer.get("jsonrpc") == "2.0", answer
    assert ("result" in answer) != ("error" in answer), answer
    if "error" in answer:
        err = answer["error"]
        assert isinstance(err.get("code"), int) and not isinstance(err["code"], bool), answer
        assert isinstance(err.get("message"), str), answer


def test_ten_thousand_random_messages(server: Any) -> None:
    sent: List[int] = []
    requests: List[Any] = []
    used: set = set()
    start = len(server.answers)  # the answer to `initialize` came before

    @settings(max_examples=BATCHES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(message, min_size=BATCH, max_size=BATCH))
    def batch(specs: List[Dict[str, Any]]) -> None:
        ids = []
        for spec in specs:
            msg = build(server, spec, len(sent), used)
            server.send(msg)
            sent.append(1)
            if "id" in msg:
                ids.append(msg["id"])
        for rid in ids:  # every request of the batch is answered before the next batch
            check_answer(server.wait(rid, timeout=120))
        requests.extend(ids)
        assert server.alive()

    batch()
    assert len(sent) >= 10_000
    assert server.alive()
    # After the storm the daemon still serves a normal request.
    last = server.request("heatlens/runs", {"limit": 1}, id="after-the-storm")
    assert "result" in server.wait(last, timeout=60)
    answers = server.answers[start:]
    counts = collections.Counter(repr(a.get("id")) for a in answers)
    twice = [rid for rid in requests if counts[repr(rid)] != 1]
    assert not twice, f"requests answered other than exactly once: {twice[:10]}"
    stray = [a for a in answers if a.get("id") is None]
    assert not stray, stray[:5]
    assert len(answers) == len(requests) + 1
    for answer in answers:
        check_answer(answer)
    assert server.garbage == []
