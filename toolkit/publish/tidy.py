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
import io
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
    """Write a frame as CSV (UTF-8, no index) with every text cell and header passed through `safe_cell`.

    The bytes are those of pandas' `to_csv(index=False, lineterminator="\n")` (minimal quoting,
    floats as numpy prints them), assembled with pyarrow when every column is numbers, booleans or
    text (a 1,000,000-row weights file ×6 faster); any other column goes through pandas."""
    out = frame.rename(columns=lambda c: safe_cell(str(c)))
    cols = [_csv_column(out.iloc[:, k], single=out.shape[1] == 1) for k in range(out.shape[1])] if len(out) else None
    if cols is None or any(c is None for c in cols):
        for c in out.columns:
            if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
                out[c] = out[c].map(safe_cell)
        out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        return
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    header = _csv_line(list(out.columns))
    text = pa.large_string()
    row = pc.binary_join_element_wise(*[c.cast(text) for c in cols], pa.scalar(",", text))
    lines = pc.binary_join_element_wise(row, pa.scalar("", text), pa.scalar("\n", text))  # the body: the data buffer
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    with open(path, "wb") as f:
        f.write(header.encode("utf-8"))
        f.write(memoryview(lines.buffers()[2])[int(offsets[0]):int(offsets[-1])])


def _csv_line(fields: list[str]) -> str:
    """One row as Python's csv writer (QUOTE_MINIMAL, the writer pandas uses) writes it."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(fields)
    return buf.getvalue()


def _csv_column(col: pd.Series, *, single: bool) -> Any:
    """One column as pandas writes it, as a pyarrow string array (None: leave it to pandas)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = col.dtype.kind if isinstance(col.dtype, np.dtype) else None
    if kind in ("i", "u"):
        return pc.cast(pa.array(col.to_numpy()), pa.string())
    if kind == "b":
        return pa.array(np.where(col.to_numpy(), "True", "False"))
    if kind == "f":
        return _float_text(col.to_numpy(), single=single)
    if kind != "O" and not pd.api.types.is_string_dtype(col):
        return None
    try:  # text only (else pandas): missing values are written as empty fields
        arr = pc.fill_null(pa.array(col, type=pa.string(), from_pandas=True), "")
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None
    risky = pc.or_(pc.match_substring_regex(arr, r"^[=+\-@\t\r]"), pc.match_substring_regex(arr, '[,"\n\r]|^\\s|\\s$'))
    if single:
        risky = pc.or_(risky, pc.equal(arr, ""))
    idx = np.flatnonzero(risky.to_numpy(zero_copy_only=False))
    if len(idx):  # formula guard and quoting cell by cell, on the few cells that need either
        fixed = [_csv_line([safe_cell(v)])[:-1] for v in arr.take(pa.array(idx)).to_pylist()]
        arr = pc.replace_with_mask(arr, pa.array(risky.to_numpy(zero_copy_only=False)), pa.array(fixed, pa.string()))
    return arr


def _float_text(v: Any, *, single: bool) -> Any:
    """Floats as numpy's `astype(str)` (what pandas writes): pyarrow's shortest digits where both print
    them positionally (float64, 1e-4 ≤ |v| < 1e16, integral values with '.0'), numpy for the rest; NaN empty."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.cast(pa.array(v, from_pandas=False), pa.string())
    with np.errstate(invalid="ignore"):
        size = np.abs(v)
        plain = (size >= 1e-4) & (size < 1e16) & ~pc.match_substring(text, "e").to_numpy(zero_copy_only=False) & (v.dtype == np.float64)
        integral = plain & (v == np.floor(v))
    text = pc.if_else(pa.array(integral), pc.binary_join_element_wise(text, pa.scalar(""), pa.scalar(".0")), text)
    rest = np.flatnonzero(~plain)
    if len(rest):
        shown = v[rest].astype(str).astype(object)
        shown[np.isnan(v[rest])] = '""' if single else ""
        text = pc.replace_with_mask(text, pa.array(~plain), pa.array(shown.tolist(), pa.string()))
    return text


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
