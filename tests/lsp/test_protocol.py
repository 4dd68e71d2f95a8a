"""Every custom message named in docs/protocol.md has its wire types."""

from __future__ import annotations

from heatlens.lsp import protocol as hp


def test_every_request_in_the_doc_has_a_type() -> None:
    assert set(hp.REQUESTS) == {hp.PROFILE, hp.PROCESSES, hp.CANCEL, hp.CLEAR, hp.RUNS, hp.REPORT, hp.FLAMEGRAPH, hp.COMPARE, hp.HISTORY,
                                 hp.EXPORT, hp.EXPORT_FORMATS}
    assert set(hp.NOTIFICATIONS) == {hp.HEAT, hp.HEAT_DELTA, hp.STATE}
