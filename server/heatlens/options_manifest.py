"""The settings that other files declare, generated from the option schema (heatlens/options.py):

- package.json's `contributes.configuration.properties` (written by `--write`),
- the settings tables of docs/protocol.md, README.md and extension/README.md (written by `--write`),
- extension/src/settings.ts's `DEFAULT_SERVER` and its range checks (checked only: TypeScript code).

    python -m heatlens.options_manifest --check   # exit 1 and say what drifted
    python -m heatlens.options_manifest --write   # regenerate package.json's settings and the tables
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from heatlens import options as schema

PACKAGE_JSON = "package.json"
DOCS = "docs/protocol.md"
SETTINGS_TS = "extension/src/settings.ts"
DOCS_START = "## Settings (initializationOptions"
READMES = ("README.md", "extension/README.md")  # their user-facing settings tables
README_HEADER = "| setting | default | meaning |"


def plain(value: Any) -> Any:
    """300.0 -> 300: JSON as people write it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def manifest_property(o: schema.Option) -> Dict[str, Any]:
    """One `heatlens.*` property of package.json, as VS Code's settings UI reads it."""
    prop: Dict[str, Any] = {"type": o.kind, "default": plain(o.default)}
    if o.kind == "array":
        prop["items"] = {"type": "string"}
    if o.choices:
        prop["enum"] = list(o.choices)
    if o.minimum is not None:
        prop["minimum"] = plain(o.minimum)
    if o.maximum is not None:
        prop["maximum"] = plain(o.maximum)
    if o.scope:
        prop["scope"] = o.scope
    prop["markdownDescription"] = o.description
    return prop


def manifest_properties() -> Dict[str, Dict[str, Any]]:
    return {f"heatlens.{o.setting}": manifest_property(o) for o in schema.OPTIONS if o.setting and o.manifest}


def docs_table() -> str:
    """The settings table of docs/protocol.md: the settings the language server reads."""
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for o in schema.server_settings():
        rows.append(f"| `{o.setting}` | `{json.dumps(plain(o.default))}` | {o.description} |")
    return "\n".join(rows) + "\n"


def settings_table() -> str:
    """The settings table of the READMEs: every setting a user can set in VS Code."""
    rows = [README_HEADER, "|---|---|---|"]
    for o in schema.OPTIONS:
        if o.setting and o.manifest:
            rows.append(f"| `heatlens.{o.setting}` | `{json.dumps(plain(o.default))}` | {o.description} |")
    return "\n".join(rows) + "\n"


def _docs_section(text: str) -> Optional[Tuple[int, int]]:
    """(start, end) of the table under the settings heading."""
    head = text.find(DOCS_START)
    if head < 0:
        return None
    return _table_at(text, text.find("\n| key |", head))


def _table_at(text: str, newline: int) -> Optional[Tuple[int, int]]:
    """(start, end) of the Markdown table whose header line follows the newline at `newline` (-1: none)."""
    if newline < 0:
        return None
    start = newline + 1
    end = start
    for line in text[start:].splitlines(keepends=True):
        if not line.startswith("|"):
            break
        end += len(line)
    return start, end


def ts_defaults(text: str) -> Dict[str, Any]:
    """settings.ts's DEFAULT_SERVER object literal, read as JSON (it is written as plain literals)."""
    m = re.search(r"DEFAULT_SERVER: ServerSettings = (\{.*?\n\});", text, re.S)
    if m is None:
        raise ValueError("DEFAULT_SERVER not found")
    body = re.sub(r"(\w+):", r'"\1":', m.group(1)).replace("'", '"')
    return dict(json.loads(re.sub(r",(\s*[}\]])", r"\1", body)))


def ts_ranges(text: str) -> Dict[str, Tuple[str, str]]:
    """settings.ts's `numIn('key', default, min, max)` checks: key -> (min, max)."""
    out = {}
    for m in re.finditer(r"numIn\('([\w.]+)',\s*[^,]+,\s*([^,]+),\s*([^)]+)\)", text):
        out[m.group(1)] = (m.group(2).strip(), m.group(3).strip())
    return out


def _wire_defaults() -> Dict[str, Any]:
    from heatlens.lsp.settings import Settings, settings_to_wire

    return settings_to_wire(Settings())


def check(root: Path) -> List[str]:
    """What differs between the schema and the files that declare settings (empty: in sync)."""
    problems: List[str] = []
    package = json.loads((root / PACKAGE_JSON).read_text(encoding="utf-8"))
    declared = package["contributes"]["configuration"]["properties"]
    wanted = manifest_properties()
    for key in sorted(set(declared) | set(wanted)):
        if declared.get(key) != wanted.get(key):
            problems.append(f"{PACKAGE_JSON}: {key}: {json.dumps(declared.get(key))} != schema {json.dumps(wanted.get(key))}")
    docs = (root / DOCS).read_text(encoding="utf-8")
    span = _docs_section(docs)
    if span is None or docs[span[0]:span[1]] != docs_table():
        problems.append(f"{DOCS}: the settings table differs from the schema (run --write)")
    for readme in READMES:
        text = (root / readme).read_text(encoding="utf-8")
        span = _table_at(text, text.find("\n" + README_HEADER))
        if span is None or text[span[0]:span[1]] != settings_table():
            problems.append(f"{readme}: the settings table differs from the schema (run --write)")
    ts = (root / SETTINGS_TS).read_text(encoding="utf-8")
    wire = _wire_defaults()
    wire["clientCommands"] = True  # the VS Code client implements heatlens.profileFile itself
    if ts_defaults(ts) != wire:
        problems.append(f"{SETTINGS_TS}: DEFAULT_SERVER {ts_defaults(ts)} != schema {wire}")
    modes = re.search(r"const MEMORY_MODES = \[([^\]]*)\]", ts)
    if modes is None or re.findall(r"'(\w+)'", modes.group(1)) != list(schema.MEMORY_MODES):
        problems.append(f"{SETTINGS_TS}: MEMORY_MODES differs from the schema's {list(schema.MEMORY_MODES)}")
    for key, (low, high) in ts_ranges(ts).items():
        o = schema.BY_SETTING.get(key)
        if o is None:
            problems.append(f"{SETTINGS_TS}: numIn('{key}') is no setting of the schema")
        elif o.minimum is not None and float(low) != o.minimum or o.maximum is not None and float(high) != o.maximum:
            problems.append(f"{SETTINGS_TS}: {key} range [{low}, {high}] != schema [{o.minimum}, {o.maximum}]")
    return problems


def write(root: Path) -> None:
    path = root / PACKAGE_JSON
    package = json.loads(path.read_text(encoding="utf-8"))
    package["contributes"]["configuration"]["properties"] = manifest_properties()
    path.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    docs_path = root / DOCS
    docs = docs_path.read_text(encoding="utf-8")
    span = _docs_section(docs)
    if span is None:
        raise SystemExit(f"{DOCS}: no settings table under {DOCS_START!r}")
    docs_path.write_text(docs[:span[0]] + docs_table() + docs[span[1]:], encoding="utf-8")
    for readme in READMES:
        path = root / readme
        text = path.read_text(encoding="utf-8")
        span = _table_at(text, text.find("\n" + README_HEADER))
        if span is None:
            raise SystemExit(f"{readme}: no table headed {README_HEADER!r}")
        path.write_text(text[:span[0]] + settings_table() + text[span[1]:], encoding="utf-8")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m heatlens.options_manifest", description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", help="the repository root (default: here)")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="exit 1 when a declaration drifted from the schema")
    mode.add_argument("--write", action="store_true", help="regenerate package.json's settings and the docs table")
    args = parser.parse_args(argv)
    root = Path(args.root)
    if args.write:
        write(root)
    problems = check(root)
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
