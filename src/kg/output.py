"""Shared output formats for every command that prints rows: table, csv, tsv, json.

Tables align by terminal display width, so Chinese text (two columns a character) lines up.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable, Sequence

from wcwidth import wcswidth

FORMATS = ("table", "csv", "tsv", "json")


def display_width(text: str) -> int:
    w = wcswidth(text)
    return w if w >= 0 else len(text)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def render_table(rows: Sequence[Sequence[Any]], columns: Sequence[str], max_width: int = 60) -> str:
    """A plain-text table; cells longer than `max_width` display columns are cut with '…'."""
    def clip(s: str) -> str:
        s = s.replace("\n", " ")
        if display_width(s) <= max_width:
            return s
        out, w = "", 0
        for ch in s:
            cw = max(display_width(ch), 0)
            if w + cw > max_width - 1:
                break
            out += ch
            w += cw
        return out + "…"

    cells = [[clip(_cell(v)) for v in row] for row in rows]
    widths = [display_width(c) for c in columns]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], display_width(c))
    lines = [
        "  ".join(_pad(c, widths[i]) for i, c in enumerate(columns)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(_pad(c, widths[i]) for i, c in enumerate(row)).rstrip() for row in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines) + "\n"


def render_delimited(rows: Iterable[Sequence[Any]], columns: Sequence[str], delimiter: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buf.getvalue()


def render_json(rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> str:
    """A JSON list of objects, one per row (plain values, not SPARQL-results JSON)."""
    return json.dumps([dict(zip(columns, row)) for row in rows], ensure_ascii=False, indent=2) + "\n"


def render(rows: Sequence[Sequence[Any]], columns: Sequence[str], fmt: str = "table") -> str:
    if fmt == "table":
        return render_table(rows, columns)
    if fmt == "csv":
        return render_delimited(rows, columns, ",")
    if fmt == "tsv":
        return render_delimited(rows, columns, "\t")
    if fmt == "json":
        return render_json(rows, columns)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
