"""The store's pure helpers: blob codecs, target identity, peak memory."""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import pytest

from heatlens.model import FunctionStats, MemorySample, Profile, RunMeta, SchemaError, dumps
from heatlens.store import queries


def test_codec_compresses_only_when_it_pays() -> None:
    noise = Profile(extras={"raw": os.urandom(20000)})  # incompressible: stored as plain msgpack
    codec, blob = queries.encode(noise)
    assert codec == "msgpack" and blob == dumps(noise)
    big = Profile(functions=[FunctionStats(f"f{k}", "/a/very/long/path/module.py", k) for k in range(300)])
    codec, blob = queries.encode(big)
    assert codec == "msgpack+zlib" and zlib.decompress(blob) == dumps(big)
    assert queries.decode(codec, blob) == big


def test_decode_rejects_unknown_codec_and_garbage() -> None:
    with pytest.raises(SchemaError):
        queries.decode("lz4", b"x")
    with pytest.raises(Exception):
        queries.decode("msgpack+zlib", b"not zlib")


def test_target_key_uses_real_path_for_existing_scripts(tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text("")
    assert queries.target_key("s.py", str(tmp_path)) == os.path.realpath(tmp_path / "s.py")
    assert queries.target_key("missing.py", str(tmp_path)) == "missing.py"
    assert queries.target_key("-m pkg.tool", str(tmp_path)) == "-m pkg.tool"
    assert queries.target_key("-c", str(tmp_path)) == "-c"


def test_peak_memory_prefers_rss_then_series() -> None:
    assert queries.peak_memory(Profile(meta=RunMeta(peak_rss_mb=12.0))) == 12.0
    series = Profile(memory_series=[MemorySample(0.0, 5.0, 9.0), MemorySample(1.0, 3.0, 4.0, rss_mb=20.0)])
    assert queries.peak_memory(series) == 20.0
    assert queries.peak_memory(Profile()) is None
