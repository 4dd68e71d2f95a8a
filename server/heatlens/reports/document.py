"""A tiny document model (headings, paragraphs, key/value lists, bullet lists, tables) and its two
plain renderers: aligned terminal text and Markdown. Report kinds build blocks; they never format."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple, Union

import attrs


@attrs.define
class Heading:
    text: str
    level: int = 1


@attrs.define
class Para:
    text: str


@attrs.define
class KeyValues:
    items: List[Tuple[str, str]]


@attrs.define
class Bullets:
    items: List[str]


@attrs.define
class Table:
    columns: List[str]
    rows: List[List[str]]
    # "l" or "r" per column; numbers read best right-aligned
    align: Optional[List[str]] = None
    empty: str = "(nothing measured)"


Block = Union[Heading, Para, KeyValues, Bullets, Table]


def to_text(blocks: Sequence[Block]) -> str:
    out: List[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            if out:
                out.append("")
            out.append(block.text)
            out.append(("=" if block.level == 1 else "-") * len(block.text))
        elif isinstance(block, Para):
            out.append(block.text)
        elif isinstance(block, KeyValues):
            width = max((len(k) for k, _ in block.items), default=0)
            out.extend(f"  {k + ':':<{width + 1}} {v}" for k, v in block.items)
        elif isinstance(block, Bullets):
            out.extend(f"  * {item}" for item in block.items)
        elif isinstance(block, Table):
            out.extend(_text_table(block))
    return "\n".join(out) + "\n"


def _text_table(table: Table) -> List[str]:
    if not table.rows:
        return [f"  {table.empty}"]
    align = table.align or ["l"] * len(table.columns)
    widths = [len(c) for c in table.columns]
    for row in table.rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(cells, widths, align)]
        return ("  " + "  ".join(parts)).rstrip()

    return [line(table.columns), "  " + "  ".join("-" * w for w in widths)] + [line(r) for r in table.rows]


def to_markdown(blocks: Sequence[Block]) -> str:
    out: List[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append("#" * (block.level + 1) + " " + block.text)
        elif isinstance(block, Para):
            out.append(block.text)
        elif isinstance(block, KeyValues):
            out.append("\n".join(f"- **{k}**: {v}" for k, v in block.items))
        elif isinstance(block, Bullets):
            out.append("\n".join(f"- {item}" for item in block.items))
        elif isinstance(block, Table):
            out.append(_md_table(block))
    return "\n\n".join(out) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> str:
    if not table.rows:
        return f"_{table.empty}_"
    align = table.align or ["l"] * len(table.columns)
    head = "| " + " | ".join(_md_cell(c) for c in table.columns) + " |"
    rule = "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"
    body = ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join([head, rule] + body)


# Number formatting shared by the report kinds.
def seconds(value: Optional[float]) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f} s"
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 0.001:
        return f"{value * 1e3:.1f} ms"
    if value > 0:
        return f"{value * 1e6:.0f} µs"
    return "0 s"


def percent(share: Optional[float]) -> str:
    return "-" if share is None else f"{share * 100:.1f}%"


def megabytes(value: Optional[float]) -> str:
    if not value:
        return "-"
    return f"{value:,.1f} MB" if abs(value) >= 0.1 else f"{value * 1024:.0f} KB"


def count(value: Optional[int]) -> str:
    return "-" if value is None else f"{value:,}"
