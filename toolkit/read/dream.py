"""Read a DREAM extract into compact person × week and person × month arrays.

A national extract is ~5.3 million rows × ~1,700 columns, so only the columns the definitions
need are read, in batches of rows (CSV and Parquet through pyarrow's streaming readers,
.sas7bdat/.xpt through pyreadstat's chunked reader), and each batch is converted at once to
int16 codes / float32 employment degrees. Weeks map to months by their Thursday (ISO day 4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toolkit.core.calendar import month_label
from toolkit.core.errors import DataError, InputError
from toolkit.read.tabular import _existing, csv_dialect, read_columns

if TYPE_CHECKING:  # the extract's column names come from the definitions (config), passed in
    from toolkit.config.definitions import Columns

MAX_CODE = 999  # DREAM codes are three digits
WEEK_RE = re.compile(r"^(\d{2})(\d{2})$")
GRAD_RE = re.compile(r"^(\d{4})_(\d{2})$")
CHUNK_ROWS = 100_000
SENIORITY_WEEKS = 260  # default seniority lookback: five years of weeks before the start


def full_year(yy: int) -> int:
    """Two-digit DREAM year → four digits (DREAM starts in 1991: 91-99 are the 1990s)."""
    return 1900 + yy if yy >= 90 else 2000 + yy


def weeks_in_year(year: int) -> int:
    """52 or 53: the ISO week of 28 December."""
    return date(year, 12, 28).isocalendar()[1]


def thursday_month(year: int, week: int) -> int:
    """Absolute month index of the ISO week's Thursday – the month the week belongs to."""
    d = date.fromisocalendar(year, week, 4)
    return d.year * 12 + d.month - 1


@dataclass(frozen=True)
class WeekColumn:
    name: str
    year: int
    week: int

    @property
    def month(self) -> int:
        return thursday_month(self.year, self.week)

    @property
    def key(self) -> int:
        return self.year * 100 + self.week


def parse_week_columns(names: Iterable[str], prefix: str, path: Path | str | None = None) -> list[WeekColumn]:
    """The weekly code columns (`y_YYWW`) in order; a malformed name is an error naming it."""
    out = []
    for n in names:
        if not n.startswith(prefix):
            continue
        m = WEEK_RE.match(n[len(prefix):])
        if not m:
            raise DataError(f"malformed week column name '{n}': expected {prefix}YYWW (two-digit year, ISO week 01-53)", path, column=n)
        year, week = full_year(int(m.group(1))), int(m.group(2))
        if not 1 <= week <= weeks_in_year(year):
            raise DataError(f"week column '{n}': {year} has no ISO week {week} (it has {weeks_in_year(year)})", path, column=n)
        out.append(WeekColumn(n, year, week))
    return sorted(out, key=lambda w: w.key)


def parse_grad_columns(names: Iterable[str], prefix: str, path: Path | str | None = None) -> dict[int, str]:
    """Monthly employment-degree columns (`grad_YYYY_MM`) by absolute month index."""
    out: dict[int, str] = {}
    for n in names:
        if not n.startswith(prefix):
            continue
        m = GRAD_RE.match(n[len(prefix):])
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise DataError(f"malformed employment column name '{n}': expected {prefix}YYYY_MM", path, column=n)
        out[int(m.group(1)) * 12 + int(m.group(2)) - 1] = n
    return out


def expected_weeks(first_month: int, last_month: int) -> list[tuple[int, int]]:
    """Every (year, ISO week) whose Thursday falls in the month range."""
    out = []
    for year in range(first_month // 12 - 1, last_month // 12 + 2):
        for w in range(1, weeks_in_year(year) + 1):
            if first_month <= thursday_month(year, w) <= last_month:
                out.append((year, w))
    return out


@dataclass
class Register:
    """A DREAM extract in memory: one row per person, int16 weekly codes, float32 monthly grad.

    `codes[i, w]` is person i's benefit code in week `weeks[w]` (0 = blank); `week_month[w]` the
    absolute month index of that week's Thursday. `grad[i, m]` is the employment degree in month
    `month0 + m` (0 when blank). `persons` holds the person attributes by row position:
    kon, birth_month (absolute month index, -1 unknown), herkomst, match, seniority; municipality
    per year is `municipality[:, k]` for `municipality_years[k]`; visitation per quarter is
    `visitation[:, k]` for absolute quarter `visitation_quarters[k]` (0 unknown).
    """

    ids: np.ndarray
    weeks: list[WeekColumn]
    week_month: np.ndarray
    month0: int
    codes: np.ndarray
    grad: np.ndarray
    persons: pd.DataFrame
    municipality: np.ndarray
    municipality_years: list[int]
    visitation: np.ndarray | None = None
    visitation_quarters: list[int] = field(default_factory=list)
    code_counts: np.ndarray | None = None
    path: Path | None = None

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def n_months(self) -> int:
        return self.grad.shape[1]

    @property
    def last_month(self) -> int:
        return self.month0 + self.n_months - 1

    def municipality_in(self, year: np.ndarray | int) -> np.ndarray:
        """Each person's municipality in the given year(s) (nearest year held when outside)."""
        yrs = np.asarray(self.municipality_years)
        k = np.clip(np.searchsorted(yrs, year), 0, len(yrs) - 1)
        k = np.where((k > 0) & (np.abs(yrs[np.maximum(k - 1, 0)] - year) <= np.abs(yrs[k] - year)), k - 1, k)
        if np.ndim(k) == 0:
            return self.municipality[:, int(k)]
        return self.municipality[np.arange(self.n), k]

    def age_at(self, month: np.ndarray | int) -> np.ndarray:
        """Age in whole years at the start of the given absolute month(s); -1 when unknown."""
        b = self.persons["birth_month"].to_numpy()
        age = (np.asarray(month) - b) // 12
        return np.where(b < 0, -1, age)


# --------------------------------------------------------------------------- batch readers


def header_of(p: Path) -> list[str]:
    """Column names of an extract without reading rows (.xpt too, which toolkit.io does not list)."""
    if p.suffix.lower() == ".xpt":
        import pyreadstat

        return list(pyreadstat.read_xport(str(p), metadataonly=True)[0].columns)
    return read_columns(p)


def _csv_batches(p: Path, cols: list[str], types: dict[str, pa.DataType], chunk_rows: int) -> Iterator[pa.RecordBatch]:
    import pyarrow.csv as pcsv

    enc, sep, _ = csv_dialect(p)
    enc = "utf-8" if enc == "utf-8-sig" else enc
    header = header_of(p)
    block = max(1 << 20, min(64 << 20, chunk_rows * 8 * max(len(cols), 1)))
    try:
        reader = pcsv.open_csv(
            p,
            read_options=pcsv.ReadOptions(encoding=enc, block_size=block),
            parse_options=pcsv.ParseOptions(delimiter=sep),
            convert_options=pcsv.ConvertOptions(include_columns=cols, column_types=types, strings_can_be_null=True),
        )
        for batch in reader:
            yield batch
    except pa.ArrowInvalid as e:
        raise _arrow_error(e, p, header, enc, sep) from None


def _arrow_error(e: Exception, p: Path, header: list[str], enc: str, sep: str) -> DataError:
    """pyarrow's 'In CSV column #5: CSV conversion error to double: invalid value 'x'' → an error
    naming the column and (found by re-reading that one column) the row."""
    msg = str(e)
    m = re.search(r"column #(\d+)", msg)
    col = header[int(m.group(1))] if m and int(m.group(1)) < len(header) else None
    bad = re.search(r"invalid value '([^']*)'", msg)
    if not (bad and col):
        return DataError(f"cannot read the CSV: {msg}", p, column=col)
    values = pd.read_csv(p, sep=sep, encoding=enc, usecols=[col], dtype=str, keep_default_na=False)[col]
    rows = np.flatnonzero((values == bad.group(1)).to_numpy())
    what = "a numeric code" if col.startswith("y_") else "a number"
    return DataError(f"non-numeric value '{bad.group(1)}' where {what} is expected", p, row=int(rows[0]) + 2 if len(rows) else None, column=col)


def _parquet_batches(p: Path, cols: list[str], chunk_rows: int) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(p)
    except Exception as e:
        raise InputError(f"cannot read as Parquet: {e}", p) from None
    yield from pf.iter_batches(batch_size=chunk_rows, columns=cols)


def _stat_batches(p: Path, cols: list[str], chunk_rows: int) -> Iterator[pa.RecordBatch]:
    import pyreadstat

    reader = pyreadstat.read_sas7bdat if p.suffix.lower() == ".sas7bdat" else pyreadstat.read_xport
    try:
        for df, _meta in pyreadstat.read_file_in_chunks(reader, str(p), chunksize=chunk_rows, usecols=cols):
            yield pa.RecordBatch.from_pandas(df, preserve_index=False)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as e:
        raise InputError(f"cannot read as {p.suffix} file: {e}", p) from None


def _batches(p: Path, cols: list[str], types: dict[str, pa.DataType], chunk_rows: int) -> Iterator[pa.RecordBatch]:
    ext = p.suffix.lower()
    if ext in {".csv", ".txt", ".tsv"}:
        return _csv_batches(p, cols, types, chunk_rows)
    if ext == ".parquet":
        return _parquet_batches(p, cols, chunk_rows)
    if ext in {".sas7bdat", ".xpt"}:
        return _stat_batches(p, cols, chunk_rows)
    raise InputError(f"unsupported DREAM extract type '{ext or p.name}'; use .csv, .parquet or .sas7bdat", p)


# --------------------------------------------------------------------------- conversions


def _first_bad(mask: np.ndarray, offset: int) -> int:
    return offset + int(np.flatnonzero(mask)[0]) + 2


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
            raise DataError(f"non-numeric benefit code '{vals[bad][0]}'", path, row=_first_bad(bad, offset), column=name) from None
    v = pc.fill_null(arr, 0).to_numpy(zero_copy_only=False) if arr.null_count else arr.to_numpy(zero_copy_only=False)
    if v.dtype.kind == "f":
        v = np.nan_to_num(v, nan=0.0)
        frac = v != np.round(v)
        if frac.any():
            raise DataError(f"benefit code {v[frac][0]} is not a whole number", path, row=_first_bad(frac, offset), column=name)
    if len(v) and (v.min() < 0 or v.max() > MAX_CODE):
        out_of_range = (v < 0) | (v > MAX_CODE)
        raise DataError(f"benefit code {v[out_of_range][0]:g} outside 1-{MAX_CODE}", path, row=_first_bad(out_of_range, offset), column=name)
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
            raise DataError(f"non-numeric employment degree '{vals[bad][0]}'", path, row=_first_bad(bad, offset), column=name) from None
    v = arr.to_numpy(zero_copy_only=False).astype(np.float32) if not pa.types.is_null(arr.type) else np.zeros(len(arr), np.float32)
    v = np.nan_to_num(v, nan=0.0, copy=False)
    if len(v) and v.min() < 0:
        raise DataError(f"negative employment degree {v[v < 0][0]:g}", path, row=_first_bad(v < 0, offset), column=name)
    return v


def _small_int(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An attribute column (municipality, visitation, sex …) → int32 with 0 for blank/non-numeric."""
    s = pd.to_numeric(pd.Series(arr.to_pandas() if hasattr(arr, "to_pandas") else arr), errors="coerce")
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


# --------------------------------------------------------------------------- the reader


@dataclass
class Plan:
    """Which columns to read: weeks, grad months, attributes, municipality and visitation columns."""

    weeks: list[WeekColumn]
    grad: list[str]
    month0: int
    attrs: dict[str, str]
    municipality: dict[int, str]
    visitation: dict[int, str]

    def columns(self, id_col: str) -> list[str]:
        cols = [id_col] + [w.name for w in self.weeks] + self.grad + list(self.attrs.values())
        cols += list(self.municipality.values()) + list(self.visitation.values())
        return list(dict.fromkeys(cols))


def plan_columns(
    header: list[str],
    cols: Columns,
    first_month: int,
    last_month: int,
    path: Path,
    weeks_before: int = 0,
    need: Iterable[str] = (),
    visitation: bool = False,
) -> Plan:
    """Decide and validate the columns to read for months first..last, plus up to `weeks_before`
    earlier weeks (history for cohort rules and seniority; only those the extract has)."""
    need = set(need)
    if cols.id not in header:
        raise DataError(f"id column '{cols.id}' not found; set columns.id in the definitions", path, column=cols.id)
    weeks = parse_week_columns(header, cols.weeks, path)
    have = {(w.year, w.week) for w in weeks}
    for y, wk in expected_weeks(first_month, last_month):
        if (y, wk) not in have:
            name = f"{cols.weeks}{y % 100:02d}{wk:02d}"
            raise DataError(f"week column '{name}' not found; the definitions need weeks from {month_label(first_month)} to {month_label(last_month)}", path, column=name)
    inside = [w for w in weeks if first_month <= w.month <= last_month]
    earlier = [w for w in weeks if w.month < first_month]
    keep: list[WeekColumn] = []
    for w in reversed(earlier[-weeks_before:] if weeks_before else []):  # the unbroken run just before
        nxt = keep[0] if keep else inside[0]
        step = (w.year, w.week + 1) if w.week < weeks_in_year(w.year) else (w.year + 1, 1)
        if step != (nxt.year, nxt.week):
            break
        keep.insert(0, w)
    weeks = keep + inside
    month0 = min(w.month for w in weeks)
    grad_cols = parse_grad_columns(header, cols.grad, path)
    grad = []
    for m in range(month0, last_month + 1):
        if m not in grad_cols:
            if m < first_month:  # months before the window only need weeks
                grad.append("")
                continue
            name = f"{cols.grad}{month_label(m).replace('-', '_')}"
            raise DataError(f"employment column '{name}' not found; the definitions need months from {month_label(first_month)} to {month_label(last_month)}", path, column=name)
        grad.append(grad_cols[m])
    attrs: dict[str, str] = {}
    for key in ("sex", "birth", "age", "origin", "match", "seniority"):
        name = getattr(cols, key)
        if name and name in header:
            attrs[key] = name
        elif key in need and name:
            raise DataError(f"column '{name}' ({key}) not found; set columns.{key} in the definitions", path, column=name)
    if "age" in need and "birth" not in attrs and "age" not in attrs:
        name = cols.birth or cols.age or "foed_dato"
        raise DataError(f"column '{name}' (birth date or age) not found; the age criterion needs columns.birth or columns.age", path, column=name)
    muni: dict[int, str] = {}
    if "{yyyy}" in cols.municipality:
        rx = re.compile("^" + re.escape(cols.municipality).replace(r"\{yyyy\}", r"(\d{4})") + "$")
        for h in header:
            m = rx.match(h)
            if m:
                muni[int(m.group(1))] = h
    elif cols.municipality in header:
        muni[0] = cols.municipality
    if not muni and "municipality" in need:
        name = cols.municipality.replace("{yyyy}", str(last_month // 12))
        raise DataError(f"municipality column '{name}' not found; set columns.municipality in the definitions", path, column=name)
    vis: dict[int, str] = {}
    if visitation:
        if not cols.visitation:
            raise DataError("the target group uses visitation but columns.visitation is not set", path)
        for q in range(month0 // 3, last_month // 3 + 1):
            name = cols.visitation.replace("{yyyy}", str(q // 4)).replace("{q}", str(q % 4 + 1))
            if name in header:
                vis[q] = name
            elif q >= first_month // 3:
                raise DataError(f"visitation column '{name}' not found", path, column=name)
    return Plan(weeks, grad, month0, attrs, muni, vis)


def plan_extract(
    p: Path,
    cols: Columns,
    first_month: int | None = None,
    last_month: int | None = None,
    weeks_before: int = 0,
    need: Iterable[str] = (),
    visitation: bool = False,
) -> Plan:
    """Validate the extract's header and decide which columns to read (no rows are read)."""
    header = header_of(p)
    grad_months = parse_grad_columns(header, cols.grad, p)
    week_cols = parse_week_columns(header, cols.weeks, p)
    if not week_cols:
        raise DataError(f"no weekly benefit columns ({cols.weeks}YYWW) found", p)
    if first_month is None:
        first_month = min(grad_months) if grad_months else week_cols[0].month
    if last_month is None:
        last_month = max(grad_months) if grad_months else week_cols[-1].month
    return plan_columns(header, cols, first_month, last_month, p, weeks_before, need, visitation)


def read_dream(
    path: str | Path,
    cols: Columns,
    first_month: int | None = None,
    last_month: int | None = None,
    weeks_before: int = 0,
    need: Iterable[str] = (),
    visitation: bool = False,
    chunk_rows: int = CHUNK_ROWS,
) -> Register:
    """Read a DREAM extract (.csv, .parquet, .sas7bdat) for months first..last into a Register.

    Only the needed columns are read, batch by batch; ids must be present and unique; codes must be
    whole numbers 1-999 (blank = none); `grad` must be numeric (blank = 0).
    """
    p = _existing(path)
    plan = plan_extract(p, cols, first_month, last_month, weeks_before, need, visitation)
    read = plan.columns(cols.id)
    read = [c for c in read if c]
    types: dict[str, pa.DataType] = {w.name: pa.int16() for w in plan.weeks}
    # grad as text in CSV: the decimal mark (',' or '.') is resolved per value in grad_array
    types.update({g: pa.string() if p.suffix.lower() in {".csv", ".txt", ".tsv"} else pa.float64() for g in plan.grad if g})
    types[cols.id] = pa.string()
    for name in list(plan.municipality.values()) + list(plan.visitation.values()):
        types[name] = pa.float64()

    W, M = len(plan.weeks), len(plan.grad)
    code_parts, grad_parts, id_parts, attr_parts, muni_parts, vis_parts = [], [], [], [], [], []
    offset = 0
    counts = np.zeros(MAX_CODE + 1, dtype=np.int64)
    rows = _row_count(p)  # known up front for Parquet: fill the final arrays, no concatenation copy
    if rows is not None:
        all_codes = np.empty((W, rows), dtype=np.int16)
        all_grad = np.zeros((M, rows), dtype=np.float32)
    for batch in _batches(p, read, types, chunk_rows):
        b = batch.num_rows
        block = all_codes[:, offset:offset + b] if rows is not None else np.empty((W, b), dtype=np.int16)
        for k, w in enumerate(plan.weeks):
            block[k] = codes_array(batch.column(w.name), w.name, p, offset)
            counts += np.bincount(block[k], minlength=MAX_CODE + 1)
        g = all_grad[:, offset:offset + b] if rows is not None else np.zeros((M, b), dtype=np.float32)
        for k, name in enumerate(plan.grad):
            if name:
                g[k] = grad_array(batch.column(name), name, p, offset)
        if rows is None:
            code_parts.append(block)
            grad_parts.append(g)
        id_parts.append(batch.column(cols.id).to_pandas())
        attr_parts.append(pd.DataFrame({k: batch.column(v).to_pandas() for k, v in plan.attrs.items()}))
        muni_parts.append(np.array([_small_int(batch.column(v)) for v in plan.municipality.values()], dtype=np.int16).reshape(len(plan.municipality), b))
        if plan.visitation:
            vis_parts.append(np.array([_small_int(batch.column(v)) for v in plan.visitation.values()], dtype=np.int8).reshape(len(plan.visitation), b))
        offset += b
    if offset == 0:
        raise DataError("the extract has no rows", p)
    ids = pd.concat(id_parts, ignore_index=True)
    _check_ids(ids, p, cols.id)
    if rows is not None:
        codes, grad = all_codes[:, :offset].T, all_grad[:, :offset].T
    else:
        codes = np.concatenate(code_parts, axis=1).T
        del code_parts
        grad = np.concatenate(grad_parts, axis=1).T
    attrs = pd.concat(attr_parts, ignore_index=True)
    persons = _persons(attrs, p, cols)
    muni = np.concatenate(muni_parts, axis=1).T if plan.municipality else np.zeros((offset, 1), np.int16)
    vis = np.concatenate(vis_parts, axis=1).T if plan.visitation else None
    counts[0] = 0
    return Register(
        ids=ids.to_numpy(),
        weeks=plan.weeks,
        week_month=np.array([w.month for w in plan.weeks], dtype=np.int32),
        month0=plan.month0,
        codes=codes,
        grad=grad,
        persons=persons,
        municipality=muni,
        municipality_years=sorted(plan.municipality) if plan.municipality else [0],
        visitation=vis,
        visitation_quarters=sorted(plan.visitation),
        code_counts=counts,
        path=p,
    )


def _row_count(p: Path) -> int | None:
    """Rows of a Parquet file from its metadata (None for formats that need a full pass)."""
    if p.suffix.lower() != ".parquet":
        return None
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(p).metadata.num_rows)
    except Exception:
        return None


def _check_ids(ids: pd.Series, p: Path, name: str) -> None:
    blank = ids.isna() | (ids.astype("string").str.strip() == "")
    if blank.any():
        raise DataError("missing person id", p, row=_first_bad(blank.to_numpy(), 0), column=name)
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup)[:5] + 2
        raise DataError(f"duplicate person id '{ids.iloc[rows[0] - 2]}' (rows {', '.join(map(str, rows))})", p, row=int(rows[0]), column=name)


SEX_TEXT = {"M": "1", "MAND": "1", "K": "2", "KVINDE": "2"}


def _persons(attrs: pd.DataFrame, p: Path, cols: Columns) -> pd.DataFrame:
    """Person attributes by row: kon, birth_month, herkomst, match, seniority (absent → unknown)."""
    n = len(attrs)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    for key, target in (("sex", "kon"), ("origin", "herkomst"), ("match", "match")):
        if key not in attrs:
            out[target] = np.int16(0)
            continue
        values = attrs[key]
        if key == "sex" and not pd.api.types.is_numeric_dtype(values):
            # some deliveries code sex as text: M/K or Mand/Kvinde → DST's 1/2
            values = values.astype("string").str.strip().str.upper().replace(SEX_TEXT)
        out[target] = pd.to_numeric(values, errors="coerce").fillna(0).astype(np.int16)
    if "birth" in attrs:
        out["birth_month"] = birth_months(attrs["birth"])
    elif "age" in attrs:
        if not cols.age_at:
            raise DataError("columns.age_at (YYYY-MM, the month the age refers to) is needed with columns.age", p, column=cols.age)
        from toolkit.core.calendar import month_index

        age = pd.to_numeric(attrs["age"], errors="coerce")
        # age in whole years at age_at: birth is assumed mid-way through that year of age
        bm = month_index(cols.age_at) - age * 12 - 6
        out["birth_month"] = bm.fillna(-1).astype(np.int32)
    else:
        out["birth_month"] = np.int32(-1)
    out["seniority"] = pd.to_numeric(attrs["seniority"], errors="coerce") if "seniority" in attrs else np.nan
    return out


def unknown_codes(reg: Register, known: Any) -> dict[int, int]:
    """Codes in the extract that the code list lacks, with their number of person-weeks."""
    counts = reg.code_counts if reg.code_counts is not None else np.bincount(reg.codes.ravel(), minlength=MAX_CODE + 1)
    return {int(c): int(counts[c]) for c in np.flatnonzero(counts) if c and not known(int(c))}
