"""The DREAM extract's columns: week (`y_YYWW`) and employment-degree (`grad_YYYY_MM`) names parsed
and checked, and the Plan of which columns a read needs (validated from the header alone)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from toolkit.core.calendar import month_label, thursday_month, weeks_in_year
from toolkit.core.errors import DataError
from toolkit.read.batches import header_of

if TYPE_CHECKING:  # the extract's column names come from the definitions (config), passed in
    from toolkit.config.definitions import Columns

WEEK_RE = re.compile(r"^(\d{2})(\d{2})$")
GRAD_RE = re.compile(r"^(\d{4})_(\d{2})$")


def full_year(yy: int) -> int:
    """Two-digit DREAM year → four digits (DREAM starts in 1991: 91-99 are the 1990s)."""
    return 1900 + yy if yy >= 90 else 2000 + yy


@dataclass(frozen=True)
class WeekColumn:
    """A weekly code column: its name and ISO year and week."""

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


@dataclass(frozen=True)
class Request:
    """What a read needs: months first..last (None: as far as the extract goes), up to
    `weeks_before` earlier weeks, the person attributes in `need` and the visitation columns."""

    first_month: int | None = None
    last_month: int | None = None
    weeks_before: int = 0
    need: frozenset[str] = frozenset()
    visitation: bool = False


def plan_extract(p: Path, cols: Columns, request: Request = Request()) -> Plan:
    """Validate the extract's header and decide which columns to read (no rows are read)."""
    header = header_of(p)
    grad_months = parse_grad_columns(header, cols.grad, p)
    week_cols = parse_week_columns(header, cols.weeks, p)
    if not week_cols:
        raise DataError(f"no weekly benefit columns ({cols.weeks}YYWW) found", p)
    first_month, last_month = request.first_month, request.last_month
    if first_month is None:
        first_month = min(grad_months) if grad_months else week_cols[0].month
    if last_month is None:
        last_month = max(grad_months) if grad_months else week_cols[-1].month
    return plan_columns(header, cols, first_month, last_month, p, request.weeks_before, request.need, request.visitation)
