"""Months, quarters and ISO weeks: the one place that parses and prints them ('2023-12', '2022Q4', 'dec. 2023').

Months are absolute numbers (year*12 + month-1) and quarters likewise (year*4 + q-1), so every
axis in the register pipeline is plain integer arithmetic.
"""

from __future__ import annotations

import re
from datetime import date

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def month_index(text: str) -> int:
    """'2023-12' → an absolute month number (year*12 + month-1) used for every month axis."""
    m = MONTH_RE.match(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def month_label(index: int) -> str:
    """The inverse of month_index: 24287 → '2023-12'."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


DANISH_MONTHS = ["jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."]


def month_text(index: int) -> str:
    """A month as the seeds write it: 'dec. 2023'."""
    return f"{DANISH_MONTHS[index % 12]} {index // 12}"


def quarter_text(quarter: int) -> str:
    """Absolute quarter number (year*4 + q-1) → '3. kvt. 2006'."""
    return f"{quarter % 4 + 1}. kvt. {quarter // 4}"


def quarter_end(quarter: int) -> int:
    """The absolute month a quarter ends in (its last month): the month quarterly status is read at."""
    return 3 * quarter + 2


QUARTER_RE = re.compile(r"^(\d{4})\s*[-/ ]?\s*[Qq]?([1-4])$")


def parse_quarter(text: str) -> int:
    """'2022-4', '2022Q4' or '2022-Q4' → absolute quarter (year*4 + q-1)."""
    m = QUARTER_RE.match(str(text).strip())
    if not m:
        raise ValueError(f"expected a quarter as YYYY-Q (e.g. 2022-4), got {text!r}")
    return int(m.group(1)) * 4 + int(m.group(2)) - 1


def weeks_in_year(year: int) -> int:
    """52 or 53: the ISO week of 28 December."""
    return date(year, 12, 28).isocalendar()[1]


def thursday_month(year: int, week: int) -> int:
    """Absolute month index of the ISO week's Thursday – the month the week belongs to."""
    d = date.fromisocalendar(year, week, 4)
    return d.year * 12 + d.month - 1
