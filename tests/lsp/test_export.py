"""`heatlens/export` and `heatlens/exportFormats`: a real run of tests/fixtures/lsp/hot.py exported through
the language server, then read back by the tools the formats are for (pstats, the speedscope schema)."""

from __future__ import annotations

import asyncio
import json
import pstats
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pygls.exceptions import JsonRpcException

from heatlens.lsp import protocol as hp
from heatlens.lsp.export import resolve_path
from heatlens.reports.export import EXPORT_FORMATS

from .conftest import TIMEOUT, HeatClient

SCHEMA = Path(__file__).resolve().parent.parent / "fixtures" / "schemas" / "speedscope-file-format-schema.json"


async def _request(client: HeatClient, method: str, params: Any) -> Any:
    return await asyncio.wait_for(client.protocol.send_request_async(method, params), TIMEOUT)


def test_relative_paths_are_taken_against_the_project(tmp_path: Path) -> None:
    assert resolve_path("out/a.csv", str(tmp_path)) == str(tmp_path / "out" / "a.csv")
    assert resolve_path(str(tmp_path / "b.csv"), "/elsewhere") == str(tmp_path / "b.csv")


@pytest.mark.asyncio
async def test_export_through_the_server_reads_back(client: HeatClient, tmp_path: Path) -> None:
    formats = await _request(client, hp.EXPORT_FORMATS, hp.ExportFormatsParams())
    assert formats.formats == list(EXPORT_FORMATS) and {"speedscope", "pstats", "html"} <= set(formats.formats)

    with pytest.raises(JsonRpcException, match="no runs"):
        await _request(client, hp.EXPORT, hp.ExportParams(format="json", path=str(tmp_path / "none.json")))

    uri = client.open(client.root / "hot.py")
    summary = await client.profile(uri=uri, backend="cprofile")  # exact call counts: `hot` is surely there
    assert summary.failure.kind == "ok", summary.failure

    out = tmp_path / "out"
    out.mkdir()
    prof = await _request(client, hp.EXPORT, hp.ExportParams(format="pstats", path=str(out / "run.pstats")))
    assert isinstance(prof, hp.ExportResult)
    assert prof.path == str(out / "run.pstats") and prof.bytes == (out / "run.pstats").stat().st_size > 0
    names = {func[2] for func in pstats.Stats(prof.path).stats}  # type: ignore[attr-defined]
    assert {"hot", "cold"} <= names, names

    speed = await _request(client, hp.EXPORT, hp.ExportParams(format="speedscope", path=str(out / "run.speedscope.json"),
                                                              run_id=summary.run_id))
    doc = json.loads(Path(speed.path).read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert "hot" in {frame["name"] for frame in doc["shared"]["frames"]}

    rel = await _request(client, hp.EXPORT, hp.ExportParams(format="csv", path="run.csv"))
    assert Path(rel.path) == client.root / "run.csv" and (client.root / "run.csv").stat().st_size == rel.bytes

    with pytest.raises(JsonRpcException, match="unknown export format 'svg'.*speedscope"):
        await _request(client, hp.EXPORT, hp.ExportParams(format="svg", path=str(out / "x.svg")))
    with pytest.raises(JsonRpcException, match="is a directory"):
        await _request(client, hp.EXPORT, hp.ExportParams(format="json", path=str(out)))
    with pytest.raises(JsonRpcException, match="cannot load run 99999"):
        await _request(client, hp.EXPORT, hp.ExportParams(format="json", path=str(out / "a.json"), run_id=99999))
    assert sorted(p.name for p in out.iterdir()) == ["run.pstats", "run.speedscope.json"]  # errors wrote nothing
