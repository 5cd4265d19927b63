"""Read a DREAM extract into compact person × week and person × month arrays (the Register).

A national extract is ~5.3 million rows × ~1,700 columns, so only the columns the definitions
need are read (`dream_columns.Plan`), in batches of rows (`batches`), and each batch is
converted at once to int16 codes / float32 employment degrees (`dream_values`). Weeks map to
months by their Thursday (ISO day 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toolkit.core.errors import DataError
from toolkit.read.batches import batches
from toolkit.read.dream_ids import IdKeys
from toolkit.read.dream_columns import Plan, Request, WeekColumn, plan_extract
from toolkit.read.dream_values import (
    MAX_CODE,
    birth_months,
    codes_rows,
    first_bad_row,
    grad_rows,
    blank_values,
    refuse_unread,
    small_int,
)
from toolkit.read.tabular import _existing

if TYPE_CHECKING:  # the extract's column names come from the definitions (config), passed in
    from toolkit.config.definitions import Columns

# persons per batch: a batch's codes (CUBB's 209 weeks × 50,000 int16 = 21 MB) stay under glibc's 32 MB
# mmap limit, so their buffers are reused instead of mapped and faulted in afresh each batch
# (measured: 100,000 cost 2.8 s of system time per 300,000 persons, 50,000 0.5 s)
CHUNK_ROWS = 50_000
SENIORITY_WEEKS = 260  # default seniority lookback: five years of weeks before the start


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
    path: Path | None = None
    row0: int = 0  # the extract row of the first person (a batch of a streamed read)

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


def read_dream(path: str | Path, cols: Columns, request: Request = Request(), *, chunk_rows: int = CHUNK_ROWS) -> Register:
    """Read a DREAM extract (.csv, .parquet, .sas7bdat) for the request's months into a Register.

    Only the needed columns are read, batch by batch; ids must be present and unique; codes must be
    whole numbers 1-999 (blank = none); `grad` must be numeric (blank = 0).
    """
    p = _existing(path)
    return read_plan(p, cols, plan_extract(p, cols, request), chunk_rows=chunk_rows)


def read_plan(path: str | Path, cols: Columns, plan: Plan, *, chunk_rows: int = CHUNK_ROWS) -> Register:
    """Read the columns a Plan names (made by `plan_extract`, or several merged) into one Register
    (the whole extract in memory: for small extracts; the register pipeline streams `read_batches`)."""
    return concat_registers(list(read_batches(path, cols, plan, chunk_rows=chunk_rows)))


def read_batches(path: str | Path, cols: Columns, plan: Plan, *, chunk_rows: int = CHUNK_ROWS,
                 done: Callable[[int], None] | None = None) -> Iterator[Register]:
    """The columns a Plan names as one Register per batch of `chunk_rows` persons, in file order.

    Every batch has the plan's weeks and months; `Register.row0` is its first row. Ids are checked
    for blanks per batch and for duplicates across batches after the last one (then the error).
    `done(persons)` is told each batch's size as it is read (a progress bar).
    """
    p = _existing(path)
    for batch, offset in raw_batches(p, cols, plan, chunk_rows=chunk_rows):
        reg = to_register(batch, p, cols, plan, offset)
        if done is not None:
            done(reg.n)
        yield reg
        del reg


def raw_batches(path: str | Path, cols: Columns, plan: Plan, *, chunk_rows: int = CHUNK_ROWS) -> Iterator[list[Any]]:
    """The columns a Plan names, batch by batch as read, each as [table, its first row], not yet
    converted: `to_register` converts one, so that conversion can run on other threads while the
    next batch is read. The reader keeps no reference to a batch it has handed on: a consumer that
    empties the list frees the table once converted. Duplicate ids across batches are an error
    after the last batch."""
    p = _existing(path)
    read = plan.columns(cols.id)
    read = [c for c in read if c]
    # codes as float32 (exact for any code): 730.0 and 40000 then get their own messages in codes_array
    types: dict[str, pa.DataType] = {w.name: pa.float32() for w in plan.weeks}
    # grad as text in CSV: the decimal mark (',' or '.') is resolved per value in grad_array
    types.update({g: pa.string() if p.suffix.lower() in {".csv", ".txt", ".tsv"} else pa.float64() for g in plan.grad if g})
    types[cols.id] = pa.string()
    for name in list(plan.municipality.values()) + list(plan.visitation.values()):
        types[name] = pa.float64()
    offset = 0
    ids = IdKeys()
    try:
        for batch in batches(p, read, types, chunk_rows):
            if batch.num_rows == 0:
                continue
            ids.add(batch.column(cols.id))
            item, n = [batch, offset], batch.num_rows
            del batch  # not held while the next batch is read
            yield item
            del item
            offset += n
        if offset == 0:
            raise DataError("the extract has no rows", p)
        ids.check(p, cols.id)
    finally:
        ids.close()  # the spilled ids removed, also when the pass stops early


def to_register(batch: pa.Table, p: Path, cols: Columns, plan: Plan, offset: int) -> Register:
    """One batch of `raw_batches` (rows offset…) converted to a Register of those persons."""
    W, M, b = len(plan.weeks), len(plan.grad), batch.num_rows
    block = np.empty((W, b), dtype=np.int16)  # week-major: codes[:, w] (a column of the transpose) is contiguous
    codes_rows(batch, [w.name for w in plan.weeks], block, p, offset)
    g = np.zeros((M, b), dtype=np.float32)
    grad_rows(batch, plan.grad, g, p, offset)
    _check_blank_ids(batch.column(cols.id), p, cols.id, offset)
    ids = batch.column(cols.id).to_pandas()
    attrs = pd.DataFrame({k: batch.column(v).to_pandas() for k, v in plan.attrs.items()})
    muni = (np.array([small_int(batch.column(v), v, p, offset, "municipality") for v in plan.municipality.values()],
                     dtype=np.int16).reshape(len(plan.municipality), b).T if plan.municipality else np.zeros((b, 1), np.int16))
    vis = (np.array([small_int(batch.column(v), v, p, offset, "visitation") for v in plan.visitation.values()],
                    dtype=np.int8).reshape(len(plan.visitation), b).T if plan.visitation else None)
    return Register(
        ids=ids.to_numpy(),
        weeks=plan.weeks,
        week_month=np.array([w.month for w in plan.weeks], dtype=np.int32),
        month0=plan.month0,
        codes=block.T,
        grad=g.T,
        persons=_persons(attrs, p, cols, offset),
        municipality=muni,
        municipality_years=sorted(plan.municipality) if plan.municipality else [0],
        visitation=vis,
        visitation_quarters=sorted(plan.visitation),
        path=p,
        row0=offset,
    )


def concat_registers(parts: Sequence[Register]) -> Register:
    """Batches of one read (same plan, in file order) joined into one Register of all their persons."""
    first = parts[0]
    if len(parts) == 1:
        return replace(first, row0=0)
    cat = lambda name: np.concatenate([getattr(r, name) for r in parts])  # noqa: E731
    return replace(
        first, ids=cat("ids"), codes=np.concatenate([r.codes.T for r in parts], axis=1).T,
        grad=np.concatenate([r.grad.T for r in parts], axis=1).T,
        persons=pd.concat([r.persons for r in parts], ignore_index=True), municipality=cat("municipality"),
        visitation=cat("visitation") if first.visitation is not None else None,
        row0=0)


def _check_blank_ids(ids: pa.ChunkedArray, p: Path, name: str, offset: int) -> None:
    """Refuse a batch with a missing id: null, NaN, or text of only spaces (in arrow: 2 → 0.3 ms a batch)."""
    blank = pc.is_null(ids, nan_is_null=True)
    if pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type):
        blank = pc.or_kleene(blank, pc.equal(pc.utf8_trim_whitespace(ids), ""))
    if pc.any(blank).as_py():
        raise DataError("missing person id", p, row=first_bad_row(pc.fill_null(blank, True).to_numpy(zero_copy_only=False), offset),
                        column=name)


SEX_TEXT = {"M": "1", "MAND": "1", "MALE": "1", "MAN": "1", "K": "2", "KVINDE": "2", "F": "2", "FEMALE": "2", "WOMAN": "2"}


PERSON_FIELDS = {"sex": "sex", "origin": "origin", "match": "match group"}
EXPECTED_CODES = {"sex": "DST's 1 (man) / 2 (woman), or M/K, Mand/Kvinde, Male/Female",
                  "origin": "DST's numeric origin codes (1, 2, 3)", "match": "numeric match group codes"}


def _persons(attrs: pd.DataFrame, p: Path, cols: Columns, offset: int = 0) -> pd.DataFrame:
    """Person attributes by row: kon, birth_month, herkomst, match, seniority (absent → unknown)."""
    n = len(attrs)
    out: dict[str, Any] = {}  # the frame made once at the end: pandas' column inserts were half of this
    for key, target in (("sex", "kon"), ("origin", "herkomst"), ("match", "match")):
        if key not in attrs:
            out[target] = np.zeros(n, np.int16)
            continue
        raw = values = attrs[key]
        if key == "sex" and not pd.api.types.is_numeric_dtype(values):
            # some deliveries code sex as text: M/K, Mand/Kvinde or Male/Female → DST's 1/2
            values = values.astype("string").str.strip().str.upper().replace(SEX_TEXT)
        num = pd.to_numeric(values, errors="coerce")
        refuse_unread(raw, num.isna().to_numpy() & ~blank_values(raw), PERSON_FIELDS[key],
                      ("codes", EXPECTED_CODES[key]), p, getattr(cols, key), offset)
        out[target] = num.fillna(0).to_numpy().astype(np.int16)
    if "birth" in attrs:
        out["birth_month"] = birth_months(attrs["birth"], p, str(cols.birth), offset)
    elif "age" in attrs:
        if not cols.age_at:
            raise DataError("columns.age_at (YYYY-MM, the month the age refers to) is needed with columns.age", p, column=cols.age)
        from toolkit.core.calendar import month_index

        age = pd.to_numeric(attrs["age"], errors="coerce")
        refuse_unread(attrs["age"], age.isna().to_numpy() & ~blank_values(attrs["age"]), "age", ("numbers", "whole years"), p, str(cols.age), offset)
        # age in whole years at age_at: birth is assumed mid-way through that year of age
        bm = month_index(cols.age_at) - age * 12 - 6
        out["birth_month"] = bm.fillna(-1).to_numpy().astype(np.int32)
    else:
        out["birth_month"] = np.full(n, -1, np.int32)
    out["seniority"] = pd.to_numeric(attrs["seniority"], errors="coerce") if "seniority" in attrs else np.full(n, np.nan)
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def code_counts(reg: Register) -> np.ndarray:
    """Person-weeks per code (index = code) in the register's weeks."""
    return np.bincount(reg.codes.ravel(), minlength=MAX_CODE + 1)


def unknown_codes(counts: Register | np.ndarray, known: Any) -> dict[int, int]:
    """Codes in the extract (a Register or its `code_counts`) that the code list lacks, with their person-weeks."""
    if isinstance(counts, Register):
        counts = code_counts(counts)
    return {int(c): int(counts[c]) for c in np.flatnonzero(counts) if c and not known(int(c))}
