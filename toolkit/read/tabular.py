"""Read any input into a DataFrame plus its labels, with errors that name the file.

Supported: .csv/.txt (separator `;`/`,`/tab and encoding UTF-8/cp1252 detected, Danish decimal
comma with `;`), .xlsx, .sav/.zsav/.dta/.sas7bdat (pyreadstat, keeping variable and value
labels), .parquet, and YAML for configuration files.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from toolkit.core.errors import DataError, InputError

SPSS_LIKE = {".sav", ".zsav", ".dta", ".sas7bdat", ".por"}
CSV_LIKE = {".csv", ".txt", ".tsv"}


@dataclass
class Dataset:
    """A data frame with the labels its file carried (or a codebook supplied)."""

    data: pd.DataFrame
    path: Path | None = None
    variable_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    # answers the file declares user-missing (SPSS): per column, row index → code; blank in `data`
    user_missing: dict[str, pd.Series] = field(default_factory=dict)
    # the user-missing declarations themselves (SPSS), per column as (low, high) ranges – `toolkit
    # codebook` carries them over, so a CSV export of the same file is read alike
    missing_ranges: dict[str, list[tuple[Any, Any]]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.path) if self.path else "<data>"

    def label(self, column: str) -> str:
        """The variable label, or the column name when there is none."""
        return self.variable_labels.get(column) or column

    def require(self, columns: Iterable[str], what: str = "column") -> None:
        """Raise a DataError naming the first column the file lacks."""
        for c in columns:
            if c not in self.data.columns:
                raise DataError(
                    f"{what} '{c}' not found; the file has {_preview(self.data.columns)}",
                    self.name,
                    column=c,
                )


def _preview(items: Iterable[Any], k: int = 8) -> str:
    items = list(items)
    shown = ", ".join(str(x) for x in items[:k])
    return shown + (f", … ({len(items)} in all)" if len(items) > k else "")


# 32 MB per read: hashing releases the GIL per call, and taking it back can wait a switch interval
# (5 ms) behind the threads analysing the extract – with 1 MB blocks the hash of a 1.2 GB extract
# outlasted the whole pass by 2 s; one buffer, reused (no allocation per block)
HASH_BLOCK = 32 << 20


def sha256(path: str | Path) -> str:
    """SHA-256 of a file, read in large blocks into one buffer (register extracts are gigabytes)."""
    h = hashlib.sha256()
    buf = bytearray(min(HASH_BLOCK, max(1, Path(path).stat().st_size)))
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(view[:n])
    return h.hexdigest()


def _existing(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", p)
    if p.is_dir():
        raise InputError("expected a file but found a folder", p)
    return p


def detect_encoding(raw: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as such, else cp1252 (Danish Windows)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as e:
        # a multi-byte character cut at the end of the sample is still UTF-8
        if e.start >= len(raw) - 3 and e.reason == "unexpected end of data":
            return "utf-8"
        return "cp1252"


def detect_separator(sample: str) -> str:
    """The field separator of a CSV sample: `;`, `,`, tab or `|`."""
    lines = [ln for ln in sample.splitlines() if ln.strip()][:20]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=";,\t|").delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in ";,\t|"}
        return max(counts, key=lambda d: counts[d]) if max(counts.values()) else ","


def csv_dialect(path: Path) -> tuple[str, str, str]:
    """(encoding, separator, decimal) of a CSV file, from its first 64 KB."""
    with open(path, "rb") as f:
        raw = f.read(1 << 16)
    enc = detect_encoding(raw)
    if b"\x00" in raw:
        raise InputError("not a text (CSV) file: it holds binary data; export it as CSV, or give the original file", path)
    try:
        text = raw.decode("utf-8" if enc == "utf-8-sig" else enc)
    except UnicodeDecodeError as e:
        if enc != "cp1252" or e.start < len(raw) - 3:
            raise InputError(f"not a text (CSV) file: byte 0x{raw[e.start]:02x} at position {e.start} is neither UTF-8 nor "
                             "Windows-1252 text; export it as CSV (UTF-8)", path) from None
        text = raw.decode(enc, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    sep = detect_separator(text)
    return enc, sep, "," if sep == ";" else "."


def _decimal_comma_to_float(df: pd.DataFrame) -> pd.DataFrame:
    """Columns of text like "1,5" (Danish decimals in a ','-separated or quoted file) → float."""
    for c in df.columns:
        s = df[c]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            nonblank = s.dropna().astype(str).str.strip()
            nonblank = nonblank[nonblank != ""]
            if len(nonblank) and nonblank.str.fullmatch(r"-?\d+(\.\d{3})*,\d+|-?\d+").all() and (
                nonblank.str.contains(",").any()
            ):
                df[c] = pd.to_numeric(
                    s.astype(str).str.strip().str.replace(".", "", regex=False).str.replace(",", ".", regex=False).replace({"": None, "nan": None, "None": None}),
                    errors="coerce",
                )
    return df


def read_csv(path: Path, columns: list[str] | None = None, *, text: Sequence[str] = (), **kw: Any) -> pd.DataFrame:
    """A CSV file as a frame; `text` columns (ids) are kept exactly as written (`0161…` stays so)."""
    enc, sep, dec = csv_dialect(path)
    if text:
        kw["dtype"] = {c: str for c in text}
    try:
        df = pd.read_csv(path, sep=sep, decimal=dec, encoding=enc, usecols=columns, **kw)
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty", path) from None
    except ValueError as e:
        if columns and "Usecols" in str(e):
            have = pd.read_csv(path, sep=sep, encoding=enc, nrows=0).columns
            missing = [c for c in columns if c not in have]
            raise DataError(f"column '{missing[0]}' not found; the file has {_preview(have)}", path, column=missing[0]) from None
        raise InputError(f"cannot read as CSV: {e}", path) from None
    except pd.errors.ParserError as e:
        raise InputError(f"malformed CSV: {e}", path) from None
    df.columns = [str(c).strip() for c in df.columns]
    keep = df[[c for c in text if c in df.columns]]
    df = _decimal_comma_to_float(df)
    df[keep.columns] = keep
    return df


def read_columns(path: str | Path) -> list[str]:
    """The column names of a file without reading its rows."""
    p = _existing(path)
    ext = p.suffix.lower()
    if ext in CSV_LIKE:
        enc, sep, _ = csv_dialect(p)
        return [str(c).strip() for c in pd.read_csv(p, sep=sep, encoding=enc, nrows=0).columns]
    if ext == ".parquet":
        return _parquet_columns(p)
    if ext in SPSS_LIKE:
        return list(_read_stat(p, metadataonly=True)[0].columns)
    return list(read_data(p).data.columns)


def _parquet_columns(p: Path) -> list[str]:
    """A Parquet file's column names from its footer, parsed by polars where it can: pyarrow's parse
    of a national-shaped extract's footer (1,928 columns × its row groups) stayed in the allocator
    for the rest of the run – 12 MB at 1 M persons, 25 MB at 2 M – where polars gives its memory
    back. pyarrow reads what polars cannot, or names the damage."""
    try:
        import polars as pl

        return list(pl.scan_parquet(p, glob=False).collect_schema().names())  # the path as it is, no pattern
    except Exception:  # polars missing, or a file it cannot read
        pass
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(p).names)
    except Exception as e:  # truncated or not Parquet at all
        raise InputError(f"cannot read as Parquet (truncated or not a Parquet file): {e}", p) from None


def _read_stat(path: Path, **kw: Any) -> tuple[pd.DataFrame, Any]:
    import pyreadstat

    readers = {
        ".sav": pyreadstat.read_sav,
        ".zsav": pyreadstat.read_sav,
        ".por": pyreadstat.read_por,
        ".dta": pyreadstat.read_dta,
        ".sas7bdat": pyreadstat.read_sas7bdat,
    }
    try:
        return readers[path.suffix.lower()](str(path), **kw)
    except pyreadstat.ReadstatError as e:
        raise InputError(f"cannot read as {path.suffix} file: {e}", path) from None
    except pyreadstat.PyreadstatError as e:
        msg = str(e)
        raise InputError(f"cannot read as {path.suffix} file: {msg}", path) from None


def read_data(path: str | Path, columns: list[str] | None = None, *, text: Sequence[str] = ()) -> Dataset:
    """Read a data file of any supported format; `columns` limits what is read.

    `text` names columns (respondent ids) kept as written in CSV and Excel files, so `01612910137588`
    keeps its leading zero; files that store types (.sav, .parquet) keep theirs anyway."""
    p = _existing(path)
    ext = p.suffix.lower()
    var_labels: dict[str, str] = {}
    val_labels: dict[str, dict[Any, str]] = {}
    user_missing: dict[str, pd.Series] = {}
    declared: dict[str, list[tuple[Any, Any]]] = {}
    if ext in CSV_LIKE:
        df = read_csv(p, columns, text=text)
    elif ext in {".xlsx", ".xlsm"}:
        try:
            df = pd.read_excel(p, usecols=columns, engine="openpyxl", dtype={c: str for c in text} or None)
        except ValueError as e:
            raise DataError(f"cannot read the requested columns: {e}", p) from None
        except Exception as e:  # zip/xml errors from a corrupt workbook
            raise InputError(f"cannot read as Excel workbook: {e}", p) from None
        df.columns = [str(c).strip() for c in df.columns]
    elif ext == ".parquet":
        try:
            df = pd.read_parquet(p, columns=columns)
        except Exception as e:
            if columns:
                have = read_columns(p)
                missing = [c for c in columns if c not in have]
                if missing:
                    raise DataError(f"column '{missing[0]}' not found; the file has {_preview(have)}", p, column=missing[0]) from None
            raise InputError(f"cannot read as Parquet: {e}", p) from None
    elif ext in SPSS_LIKE:
        if columns:
            have = read_columns(p)
            missing = [c for c in columns if c not in have]
            if missing:
                raise DataError(f"column '{missing[0]}' not found; the file has {_preview(have)}", p, column=missing[0])
        spss = ext in {".sav", ".zsav", ".por"}
        df, meta = _read_stat(p, usecols=columns, **({"user_missing": True} if spss else {}))
        ranges = (getattr(meta, "missing_ranges", None) or {}) if spss else {}
        user_missing = _blank_user_missing(df, ranges)
        declared = {name: [(r["lo"], r["hi"]) for r in rs] for name, rs in ranges.items()}
        var_labels = {k: v for k, v in zip(meta.column_names, meta.column_labels or []) if v}
        val_labels = {k: dict(v) for k, v in (meta.variable_value_labels or {}).items()}
    else:
        raise InputError(
            f"unsupported file type '{ext or p.name}'; use .csv, .xlsx, .sav, .dta, .sas7bdat or .parquet", p
        )
    if df.shape[1] == 0:
        raise DataError("the file has no columns", p)
    return Dataset(df, p, var_labels, val_labels, user_missing, declared)


def _blank_user_missing(df: pd.DataFrame, ranges: dict[str, list[dict[str, Any]]]) -> dict[str, pd.Series]:
    """Blank the answers inside each column's declared missing ranges; return them (row → code) per column."""
    out = {}
    for name, rs in ranges.items():
        if name not in df.columns:
            continue
        col = df[name]
        num = pd.to_numeric(col, errors="coerce") if col.dtype != object else None
        mask = np.zeros(len(col), bool)
        for r in rs:
            mask |= ((num >= r["lo"]) & (num <= r["hi"])).to_numpy() if num is not None else (col == r["lo"]).to_numpy()
        if mask.any():
            out[name] = col[mask].copy()
            df[name] = col.where(~mask)
    return out


def data_row(index: int) -> int:
    """Row number a spreadsheet user sees for the 0-based data index (header is row 1)."""
    return int(index) + 2


def first_row(mask: np.ndarray | pd.Series) -> int:
    """Spreadsheet row of the first True position of a mask (the row an error points at)."""
    return data_row(int(np.flatnonzero(np.asarray(mask))[0]))


def first_rows(mask: np.ndarray | pd.Series, k: int = 5) -> str:
    """'3, 7, 12' for the first k True positions of a mask (spreadsheet numbering), ', …' if more."""
    idx = np.flatnonzero(np.asarray(mask))
    shown = ", ".join(str(data_row(i)) for i in idx[:k])
    return shown + (", …" if len(idx) > k else "")


def rows_text(mask: np.ndarray | pd.Series) -> str:
    """'row 4' or 'rows 3, 7, …' for the True positions of a mask."""
    return ("row " if int(np.sum(mask)) == 1 else "rows ") + first_rows(mask)
