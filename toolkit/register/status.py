"""Monthly status from DREAM: each person's predominant code group, benefit, employment and activation per month.

Works on the Register's integer arrays a month at a time over all persons, so a national extract
never becomes a long frame. Pure functions: no file access, no printing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from toolkit.config.codes import CodeList
from toolkit.config.definitions import Employment
from toolkit.read.dream import Register


class OnDemand:
    """A person × month array whose cells are computed when indexed, for the persons and months
    asked for only: the predominant group of a month is needed at exit months and reference
    months, not in all 48 months of every person (computing it everywhere was most of a CUBB run).

    Supports what the analyses use: `[rows, j]` (one month, rows any index), `[rows, cols]` (one
    month per row), `[:, a:b]` (a view of some months) and `np.asarray` (every cell)."""

    def __init__(self, cells: "Callable[[np.ndarray, np.ndarray], np.ndarray]", n: int, months: int, offset: int = 0,
                 columns: "dict[int, np.ndarray] | None" = None, whole: "Callable[[int], np.ndarray] | None" = None) -> None:
        self._cells, self._n, self._months, self._offset = cells, n, months, offset
        self._columns = {} if columns is None else columns  # whole months already computed (shared by views)
        self._whole = whole  # a whole month at once (else the cells of every person in it)

    @property
    def shape(self) -> tuple[int, int]:
        return self._n, self._months

    def column(self, j: int) -> np.ndarray:
        """Every person's value in month j (of this view)."""
        k = self._offset + j
        if k not in self._columns:
            self._columns[k] = self._whole(k) if self._whole else self._cells(np.arange(self._n), np.full(self._n, k))
        return self._columns[k]

    def __getitem__(self, key: tuple[Any, Any]) -> Any:
        rows, cols = key
        if isinstance(cols, slice):
            if rows != slice(None) or cols.step not in (None, 1):
                raise IndexError("OnDemand: only [:, a:b] slices")
            a, b, _ = cols.indices(self._months)
            return OnDemand(self._cells, self._n, max(b - a, 0), self._offset + a, self._columns, self._whole)
        if np.ndim(cols) == 0:
            return self.column(int(cols))[rows]
        r = np.arange(self._n)[rows] if isinstance(rows, slice) else np.asarray(rows)
        r, c = np.broadcast_arrays(r, np.asarray(cols))
        return self._cells(r.ravel(), c.ravel() + self._offset).reshape(r.shape)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = np.stack([self.column(j) for j in range(self._months)], axis=1) if self._months else np.zeros((self._n, 0), np.uint8)
        return out if dtype is None else out.astype(dtype)


@dataclass
class Status:
    """Monthly status of every person (n × months of the register).

    `group`: the month's predominant code group (most weeks; ties → the group listed first in
    the code list; 0 = no code any week). `benefit`: some week of the month holds a public
    benefit. `employed`: grad above the threshold (blank and 0 are both "not employed").
    `activation`: the month's predominant activation type by the same rule, the weeks holding a
    code but no activation type counted as passive (0 = passive or no code; ties → the type
    listed first, and an activation type before passive). `group` and `activation` are
    computed on demand (`OnDemand`), `benefit` and `employed` for every month at once.
    """

    group: Any  # OnDemand or an array, indexed [rows, months]
    benefit: np.ndarray
    employed: np.ndarray
    activation: Any
    month0: int

    def at(self, month: int) -> int:
        """Column index of an absolute month."""
        return month - self.month0


def predominant(values: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Per row, the most frequent non-zero value of a (n, k) uint8 array; ties → higher `rank`."""
    n, k = values.shape
    if k == 0:
        return np.zeros(n, np.uint8)
    # column by column: k is 4-5 weeks, n is millions (axis-1 reductions over 5 are slow)
    hi = values[:, 0].copy()
    lo = np.where(hi > 0, hi, np.uint8(255))
    for j in range(1, k):
        col = values[:, j]
        np.maximum(hi, col, out=hi)
        np.minimum(lo, np.where(col > 0, col, np.uint8(255)), out=lo)
    out = hi  # rows holding at most one distinct non-zero value (the vast majority)
    mixed = np.flatnonzero((hi > 0) & (lo != hi))
    if len(mixed):
        v = values[mixed]
        score = np.zeros(v.shape, np.int32)
        for j in range(k):
            vj = v[:, j]
            cnt = (v == vj[:, None]).sum(axis=1)
            score[:, j] = np.where(vj > 0, cnt * 1024 + rank[vj], 0)
        out[mixed] = v[np.arange(len(mixed)), score.argmax(axis=1)]
    return out


def week_slices(reg: Register) -> dict[int, slice]:
    """Absolute month → the slice of week columns whose Thursday falls in it."""
    out: dict[int, slice] = {}
    for m in np.unique(reg.week_month):
        idx = np.flatnonzero(reg.week_month == m)
        out[int(m)] = slice(int(idx[0]), int(idx[-1]) + 1)
    return out


def week_rows(reg: Register, ws: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    """The codes of weeks `ws` as (weeks, persons): every person, or only `rows` (the cohort members:
    a frame of the cohort computes nothing for the other persons of the extract)."""
    by_week = reg.codes.T  # week-major: a week's codes are contiguous
    if len(ws) and ws[-1] - ws[0] + 1 == len(ws):  # a run of weeks (always, here): a view
        by_week, ws = by_week[ws[0]:ws[-1] + 1], slice(None)
    return by_week[ws] if rows is None else by_week[ws][:, rows]


def month_weeks(reg: Register) -> np.ndarray:
    """(months of the register, 5) week column of each month's weeks, -1 padding (a month has 4-5
    Thursdays; a month the read holds no weeks of is all -1)."""
    out = np.full((reg.n_months, 5), -1, np.int64)
    for m, sl in week_slices(reg).items():
        j = m - reg.month0
        if 0 <= j < reg.n_months:
            out[j, : sl.stop - sl.start] = np.arange(sl.start, sl.stop)
    return out


# a per-code bool lookup → (persons, months) bool: some week of the month holds a code it marks
# (`any_week`, or a batch's `week_marks` of every lookup its analyses use, computed in one pass)
Marks = Callable[[np.ndarray], np.ndarray]


def any_week(reg: Register, week_lut: np.ndarray) -> np.ndarray:
    """(n, months) bool: some week of the month has a code the per-code lookup marks."""
    months, _ = week_marks(reg, [week_lut])
    return months.view(bool)


def week_marks(reg: Register, luts: Sequence[np.ndarray], *, history: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Several per-code bool lookups over the weeks in one pass: bit k of `months[i, j]` is set when
    a week of register month j holds a code `luts[k]` marks for person i, bit k of `outside[i]` the
    same over the weeks outside the register's months (`history`; else not looked at). One gather
    per week of the packed lookups, however many (a gather is 14 ms per 50,000 persons × 209 weeks)."""
    if not 1 <= len(luts) <= 64:
        raise ValueError(f"week_marks packs 1-64 lookups, not {len(luts)}")
    dtype = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if len(luts) <= 8 * np.dtype(t).itemsize)
    packed = np.zeros(len(luts[0]), dtype)
    for k, lut in enumerate(luts):
        packed |= np.asarray(lut, bool).astype(dtype) << dtype(k)
    months = np.zeros((reg.n, reg.n_months), dtype, order="F")
    outside = np.zeros(reg.n, dtype)
    by_week = reg.codes.T  # week-major: a month's weeks are contiguous rows
    for m, sl in week_slices(reg).items():
        j = m - reg.month0
        if not (0 <= j < reg.n_months or history):
            continue
        # one gather of the month's 4-5 weeks, OR-ed down (np.take: 40 % faster than lut[codes]); a gather
        # per week column held the GIL: two batches on two threads took 1.8× one batch, now 1.1×
        marked = np.bitwise_or.reduce(np.take(packed, by_week[sl]), axis=0)
        if 0 <= j < reg.n_months:
            months[:, j] = marked
        else:
            outside |= marked
    return months, outside


def employed(grad: np.ndarray, emp: Employment) -> np.ndarray:
    """Employment from the monthly degree: grad > min_grad and hours ≥ min_hours."""
    ok = grad > emp.min_grad
    if emp.min_hours > 0:
        ok &= grad * emp.hours_per_grad >= emp.min_hours
    return ok


def _predominant_of(reg: Register, weeks: np.ndarray, lut: np.ndarray, rank: np.ndarray,
                    after: "Callable[[np.ndarray], np.ndarray] | None" = None) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """The cells function of an OnDemand: for persons `rows` in months `cols` (register columns),
    the predominant value of `lut` over each month's weeks (padding weeks count as blank)."""
    def cells(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0, np.uint8)
        wk = weeks[np.clip(cols, 0, len(weeks) - 1)]  # (pairs, 5)
        wk = np.where(((cols >= 0) & (cols < len(weeks)))[:, None], wk, -1)
        v = np.take(lut, reg.codes[rows[:, None], np.maximum(wk, 0)])
        v[wk < 0] = 0
        out = predominant(np.asfortranarray(v), rank)
        return out if after is None else after(out)
    return cells


def _predominant_month(reg: Register, weeks: np.ndarray, lut: np.ndarray, rank: np.ndarray,
                       after: "Callable[[np.ndarray], np.ndarray] | None" = None) -> Callable[[int], np.ndarray]:
    """The whole-month function of an OnDemand: every person's predominant value of `lut` in month k
    (register column), from the month's week columns as they lie (gathering each person's cells was 3× slower)."""
    def whole(k: int) -> np.ndarray:
        ws = weeks[k][weeks[k] >= 0] if 0 <= k < len(weeks) else weeks[:0, 0]
        v = np.empty((reg.n, len(ws)), np.uint8, order="F")
        for j, w in enumerate(ws):
            np.take(lut, reg.codes[:, w], out=v[:, j])
        out = predominant(v, rank)
        return out if after is None else after(out)
    return whole


def benefit_weeks(codes: CodeList) -> np.ndarray:
    """The per-code lookup of a benefit week: the code's group is a public benefit."""
    return codes.benefit_lut()[codes.group_lut()]


def monthly_status(reg: Register, codes: CodeList, emp: Employment, *, marks: Marks | None = None) -> Status:
    """Each person's status in each month of the register (weeks mapped to months by Thursday);
    `marks`: the months a lookup marks, when a batch has them from its one pass (else `any_week`)."""
    glut, alut = codes.group_lut(), codes.activation_lut()
    ng = codes.unknown_id + 1
    grank = np.zeros(ng, np.int32)
    grank[1:] = np.arange(ng - 1, 0, -1)  # first listed group ranks highest
    # a week with a code but no activation type is passive: one more value, ranked after every type,
    # so passive weeks count in the month's majority (0 stays "no code"; PASSIVE → 0 afterwards)
    T = len(codes.activation)
    PASSIVE = T + 1
    alut = np.where(alut > 0, alut, np.uint8(PASSIVE)).astype(np.uint8)
    alut[0] = 0
    arank = np.zeros(T + 2, np.int32)
    arank[1:T + 1] = np.arange(T, 0, -1)  # PASSIVE keeps rank 0
    weeks = month_weeks(reg)
    n, M = reg.n, reg.n_months
    passive = lambda a: np.where(a == PASSIVE, np.uint8(0), a)  # noqa: E731
    group = OnDemand(_predominant_of(reg, weeks, glut, grank), n, M, whole=_predominant_month(reg, weeks, glut, grank))
    activation = OnDemand(_predominant_of(reg, weeks, alut, arank, passive), n, M, whole=_predominant_month(reg, weeks, alut, arank, passive))
    benefit = (marks or (lambda lut: any_week(reg, lut)))(benefit_weeks(codes))
    return Status(group, benefit, np.asarray(employed(reg.grad, emp), order="F"), activation, reg.month0)


def group_mask(codes: CodeList, keys: list[str], where: str) -> np.ndarray:
    """bool lookup over group ids: True for the listed groups."""
    mask = np.zeros(codes.unknown_id + 1, bool)
    mask[codes.group_ids(keys, where)] = True
    return mask
