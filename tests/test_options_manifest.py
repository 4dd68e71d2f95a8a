"""package.json's settings, the settings tables (docs, READMEs) and the TypeScript client's defaults follow
the option schema: the repository is in sync, and a drift in any of them is reported (and `--write` repairs the two
generated ones)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from heatlens import options_manifest as manifest

ROOT = Path(__file__).resolve().parents[1]


def _copy(tmp: Path) -> Path:
    for rel in (manifest.PACKAGE_JSON, manifest.DOCS, manifest.SETTINGS_TS, *manifest.READMES):
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp / rel)
    return tmp


def test_the_repository_is_in_sync_with_the_schema() -> None:
    assert manifest.check(ROOT) == []


def test_the_interval_is_a_setting_with_the_cli_s_range() -> None:
    prop = manifest.manifest_properties()["heatlens.sampleInterval"]
    assert (prop["default"], prop["minimum"], prop["maximum"]) == (0.001, 0.0001, 1)
    assert manifest.manifest_properties()["heatlens.timeout"]["minimum"] == 0  # 0: no limit


def test_a_drifted_manifest_default_is_reported_and_write_repairs_it(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / manifest.PACKAGE_JSON
    package = json.loads(path.read_text())
    package["contributes"]["configuration"]["properties"]["heatlens.timeout"]["default"] = 600
    path.write_text(json.dumps(package, indent=2))
    assert any("heatlens.timeout" in p for p in manifest.check(root))
    assert manifest.main(["--root", str(root), "--write"]) == 0
    assert manifest.check(root) == []


def test_a_drifted_docs_table_is_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    docs = root / manifest.DOCS
    docs.write_text(docs.read_text().replace("| `timeout` | `300` |", "| `timeout` | `60` |"))
    assert any(manifest.DOCS in p for p in manifest.check(root))


def test_a_drifted_typescript_default_or_range_is_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    ts = root / manifest.SETTINGS_TS
    text = ts.read_text()
    ts.write_text(text.replace("  sampleInterval: 0.001,", "  sampleInterval: 0.002,", 1))
    assert any("DEFAULT_SERVER" in p for p in manifest.check(root))
    ts.write_text(text.replace("numIn('sampleInterval', DEFAULT_SERVER.sampleInterval, 0.0001, 1)",
                               "numIn('sampleInterval', DEFAULT_SERVER.sampleInterval, 0.001, 1)"))
    assert any("sampleInterval range" in p for p in manifest.check(root))


def test_drifted_typescript_memory_modes_are_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    ts = root / manifest.SETTINGS_TS
    ts.write_text(ts.read_text().replace("const MEMORY_MODES = ['off', 'sampled', 'full'];",
                                         "const MEMORY_MODES = ['off', 'sampled'];"))
    assert any("MEMORY_MODES" in p for p in manifest.check(root))


def test_a_drifted_readme_table_is_reported_and_write_repairs_it(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    readme = root / "extension" / "README.md"
    text = readme.read_text()
    readme.write_text(text.replace("| `heatlens.timeout` | `300` |", "| `heatlens.timeout` | `30` |"))
    assert any("extension/README.md" in p for p in manifest.check(root))
    assert manifest.main(["--root", str(root), "--write"]) == 0
    assert readme.read_text() == text and manifest.check(root) == []
