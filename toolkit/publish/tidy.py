"""Tidy long CSV: one line per number shown in the workbook, unrounded.

Columns exactly ``table, number, group, row, column, stat, value``: `table` is the table's key
(unique in the run, e.g. ``7/1/maal1_kommuner``), `number` the workbook's "Tabel 2.4" / "Figur 5.1"
(empty when unnumbered), `stat` what the number is (`Kind`). Percentages are written on a 0-100
scale; `group` joins the outer row and column headers (empty when the table has none).
Suppressed register cells keep their line with an empty value, so nothing silently disappears.
Every CSV the toolkit writes goes through `safe_cell` (spreadsheet-injection guard).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import pandas as pd

from toolkit.core.table import Kind, Table, require_unique
from toolkit.publish.atomic import atomic_path

COLUMNS = ["table", "number", "group", "row", "column", "stat", "value"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (starts with =, +, -, @, tab or CR: OWASP's
    rule) gets a leading `'`; numbers, also negative ones, and all other values are unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a frame as CSV (UTF-8, no index) with every text cell and header passed through `safe_cell`."""
    out = frame.rename(columns=lambda c: safe_cell(str(c)))
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(safe_cell)
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def format_value(value: float | int) -> str:
    """Shortest round-trip text for a number (deterministic, no rounding)."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    return repr(float(value))


def tidy_rows(tables: Iterable[Table]) -> Iterator[list[str]]:
    """The tidy lines of the given tables, in table, row, column order; two tables with one key are refused."""
    tables = list(tables)
    require_unique(tables, "the tidy CSV")
    for t in tables:
        for i, j, cell in t.iter_cells():
            if cell.kind == Kind.TEXT:
                continue
            group = " | ".join(g for g in (t.row_groups[i], t.column_groups[j]) if g)
            base = [t.key, t.number, group, t.row_labels[i], t.column_labels[j], cell.kind.value]
            if cell.suppressed:
                yield base + [""]
            elif cell.is_number:
                v = float(cell.value) * 100 if cell.kind == Kind.PERCENT else cell.value  # type: ignore[arg-type]
                yield base + [format_value(v)]  # type: ignore[arg-type]


def write_tidy(tables: Sequence[Table], path: str | Path) -> Path:
    """Write the tidy CSV atomically (UTF-8, comma-separated, '\\n' line ends)."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(COLUMNS)
            w.writerows([safe_cell(c) for c in row] for row in tidy_rows(tables))
    return Path(path)
