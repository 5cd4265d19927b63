"""DREAM values converted a batch at a time: weekly codes → int16, employment degrees → float32,
attributes → int32 and birth dates → absolute months; a bad value names its row and column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toolkit.core.errors import DataError
from toolkit.read.tabular import data_row

MAX_CODE = 999  # DREAM codes are three digits


def first_bad_row(mask: np.ndarray, offset: int) -> int:
    """Spreadsheet row of the first True of a batch's mask (the batch starts at data row `offset`)."""
    return data_row(offset + int(np.flatnonzero(mask)[0]))


def codes_array(arr: pa.Array | pa.ChunkedArray, name: str, path: Path, offset: int) -> np.ndarray:
    """A weekly code column → int16 (blank = 0); text, fractions and codes outside 1-999 are errors."""
    t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        s = pc.utf8_trim_whitespace(arr)
        s = pc.if_else(pc.equal(s, ""), pa.scalar(None, s.type), s)
        try:
            arr = pc.cast(s, pa.int32())
        except pa.ArrowInvalid:
            vals = s.to_numpy(zero_copy_only=False)
            bad = np.array([v is not None and not str(v).isdigit() for v in vals])
            raise DataError(f"non-numeric benefit code '{vals[bad][0]}'", path, row=first_bad_row(bad, offset), column=name) from None
    v = pc.fill_null(arr, 0).to_numpy(zero_copy_only=False) if arr.null_count else arr.to_numpy(zero_copy_only=False)
    if v.dtype.kind == "f":
        v = np.nan_to_num(v, nan=0.0)
        frac = v != np.round(v)
        if frac.any():
            raise DataError(f"benefit code {v[frac][0]} is not a whole number", path, row=first_bad_row(frac, offset), column=name)
    if len(v) and (v.min() < 0 or v.max() > MAX_CODE):
        out_of_range = (v < 0) | (v > MAX_CODE)
        raise DataError(f"benefit code {v[out_of_range][0]:g} outside 1-{MAX_CODE}", path, row=first_bad_row(out_of_range, offset), column=name)
    return v.astype(np.int16, copy=False)


def grad_array(arr: pa.Array | pa.ChunkedArray, name: str, path: Path, offset: int) -> np.ndarray:
    """A monthly employment-degree column → float32 (blank = 0); text or negatives are errors."""
    t = arr.type
    if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_null(t) or pa.types.is_decimal(t)):
        s = pc.utf8_trim_whitespace(pc.cast(arr, pa.string()))
        s = pc.replace_substring(s, ",", ".")
        s = pc.if_else(pc.equal(s, ""), pa.scalar(None, pa.string()), s)
        try:
            arr = pc.cast(s, pa.float64())
        except pa.ArrowInvalid:
            vals = s.to_numpy(zero_copy_only=False)
            bad = np.array([v is not None and pd.isna(pd.to_numeric(v, errors="coerce")) for v in vals])
            raise DataError(f"non-numeric employment degree '{vals[bad][0]}'", path, row=first_bad_row(bad, offset), column=name) from None
    v = arr.to_numpy(zero_copy_only=False).astype(np.float32) if not pa.types.is_null(arr.type) else np.zeros(len(arr), np.float32)
    v = np.nan_to_num(v, nan=0.0, copy=False)
    if len(v) and v.min() < 0:
        raise DataError(f"negative employment degree {v[v < 0][0]:g}", path, row=first_bad_row(v < 0, offset), column=name)
    return v


def small_int(arr: pa.Array | pa.ChunkedArray, name: str, path: Path, offset: int, what: str) -> np.ndarray:
    """A code column (municipality, visitation) → int32 with 0 for blank; text such as municipality
    *names* is refused with the count and first rows (it would silently empty the programme columns)."""
    raw = pd.Series(arr.to_pandas() if hasattr(arr, "to_pandas") else arr)
    s = pd.to_numeric(raw, errors="coerce")
    blank = raw.isna().to_numpy() | (raw.astype("string").str.strip().fillna("") == "").to_numpy()
    bad = s.isna().to_numpy() & ~blank
    if bad.any():
        idx = np.flatnonzero(bad)
        shown = ", ".join(f"'{v}'" for v in list(dict.fromkeys(str(raw.iloc[i]) for i in idx[:50]))[:3])
        rows = ", ".join(str(data_row(offset + int(i))) for i in idx[:5]) + (", …" if len(idx) > 5 else "")
        raise DataError(f"{len(idx)} values in {what} column are not codes ({shown}; rows {rows}); "
                        f"expected numeric {what} codes (e.g. 101), not names", path, row=data_row(offset + int(idx[0])), column=name)
    return s.fillna(0).to_numpy().astype(np.int32)


def birth_months(values: pd.Series) -> np.ndarray:
    """Birth dates (date, 'YYYY-MM-DD', YYYYMMDD number or text, DD-MM-YYYY) → absolute month
    index; -1 unknown. Parsed with pyarrow's strptime (millions of rows)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        d = pa.array(values)
    else:
        txt = pa.array(values.astype("Int64").astype("string") if pd.api.types.is_numeric_dtype(values) else values.astype("string"))
        txt = pc.utf8_trim_whitespace(txt)
        d = pc.strptime(txt, format="%Y-%m-%d", unit="s", error_is_null=True)
        for fmt in ("%Y%m%d", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S"):
            if d.null_count > txt.null_count:
                d = pc.coalesce(d, pc.strptime(txt, format=fmt, unit="s", error_is_null=True))
    months = pc.add(pc.multiply(pc.year(d), 12), pc.subtract(pc.month(d), 1))
    return pc.fill_null(months, -1).to_numpy(zero_copy_only=False).astype(np.int32)
