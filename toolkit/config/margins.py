"""Population margins for raking: read and validate `variable, category, target` (CSV or YAML).

A target is a population count or a share (a fraction such as 0.25, or a percentage written with
a sign, "25 %"). Counts fix the population total and must agree between variables; shares are
normalised to sum to 1 and scaled to that total (or to the sample's total when no variable has
counts).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit.config.yaml import read_yaml
from toolkit.core.codes import show_code
from toolkit.core.errors import ConfigError
from toolkit.read.tabular import data_row, read_csv

COLUMNS = ["variable", "category", "target"]
YAML_SUFFIXES = {".yaml", ".yml"}
SHARE_SUM_LIMIT = 1.01  # targets summing to at most this are shares: no population has ≤ 1 person
COUNT_TOLERANCE = 1e-6  # relative difference allowed between the count totals of two variables
SHARE_WARNING = 0.005  # shares off 1 by more than half a percentage point: more than rounding, say so


@dataclass
class Margin:
    """One weighting variable: its categories as written in the file and their targets."""

    variable: str
    categories: list[str]
    targets: list[float]
    shares: bool  # True when the targets are shares (normalised), False for counts
    rows: list[int | None] = field(default_factory=list)  # file row of each category (CSV)

    @property
    def total(self) -> float:
        return float(sum(self.targets))


@dataclass
class Margins:
    """All weighting variables of a margins file, in file order."""

    margins: list[Margin]
    source: str = "<margins>"
    normalised: dict[str, float] = field(default_factory=dict)  # variable → its shares' sum, when far from 1

    @property
    def warnings(self) -> list[str]:
        """What the user should know about the file (shares that did not sum to 1)."""
        return [f"the shares of '{v}' sum to {s:.4g}, not 1; they are normalised" for v, s in self.normalised.items()]

    @property
    def variables(self) -> list[str]:
        return [m.variable for m in self.margins]

    def count_total(self) -> float | None:
        """The population total the counts give (None when every variable is given in shares)."""
        counts = [m for m in self.margins if not m.shares]
        return counts[0].total if counts else None

    def scaled(self, total: float) -> list[list[float]]:
        """Every variable's targets as counts summing to `total` (shares normalised first)."""
        return [[t / m.total * total for t in m.targets] for m in self.margins]


_PERCENT = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*%\s*$")


def _parse_target(raw: Any) -> tuple[float | None, bool]:
    """(value, is_percent) of a target cell; None when it is not a number."""
    if isinstance(raw, bool):
        return None, False
    if isinstance(raw, (int, float)):
        return (None if math.isnan(raw) else float(raw)), False
    text = str(raw).strip()
    m = _PERCENT.match(text)
    if m:
        return float(m.group(1).replace(",", ".")) / 100, True
    if re.fullmatch(r"-?\d+,\d+", text):  # Danish decimal comma
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None, False
    return (None if math.isnan(value) else value), False


def _records_from_csv(path: Path) -> list[tuple[int | None, Any, Any, Any]]:
    df = read_csv(path, dtype=str, keep_default_na=False)
    cols = [c.strip().lower() for c in df.columns]
    if cols != COLUMNS:
        raise ConfigError(
            f"a margins file needs exactly the columns variable, category, target (in that order); it has {', '.join(df.columns)}",
            path,
        )
    return [(data_row(i), v, c, t) for i, (v, c, t) in enumerate(df.itertuples(index=False, name=None))]


def _records_from_yaml(path: Path) -> list[tuple[int | None, Any, Any, Any]]:
    doc = read_yaml(path)
    if isinstance(doc, dict) and set(doc) == {"margins"}:
        doc = doc["margins"]
    if not isinstance(doc, dict) or not doc:
        raise ConfigError("a margins YAML file maps each variable to {category: target, …}", path)
    out: list[tuple[int | None, Any, Any, Any]] = []
    for var, cats in doc.items():
        if not isinstance(cats, dict) or not cats:
            raise ConfigError(f"variable '{var}' must map its categories to targets, e.g. {{Mand: 6608, Kvinde: 5392}}", path, column=str(var))
        out.extend((None, var, c, t) for c, t in cats.items())
    return out


def read_margins(path: str | Path) -> Margins:
    """Read a margins file (.csv, or .yaml/.yml) and validate every line."""
    p = Path(path)
    records = _records_from_yaml(p) if p.suffix.lower() in YAML_SUFFIXES else _records_from_csv(p)
    return margins_from_records(records, str(p))


def margins_from_frame(df: pd.DataFrame, source: str = "<margins>") -> Margins:
    """Margins from a data frame with the columns variable, category, target (rows as in a file)."""
    return margins_from_records([(data_row(i), v, c, t) for i, (v, c, t) in enumerate(df[COLUMNS].itertuples(index=False, name=None))], source)


def margins_from_records(records: list[tuple[int | None, Any, Any, Any]], source: str) -> Margins:
    """Validate (row, variable, category, target) records into Margins."""
    if not records:
        raise ConfigError("the margins file has no lines", source)
    by_var: dict[str, Margin] = {}
    percent_vars: dict[str, set[bool]] = {}
    for row, var_raw, cat_raw, target_raw in records:
        var = "" if var_raw is None else str(var_raw).strip()
        cat = "" if cat_raw is None else show_code(cat_raw)
        if not var:
            raise ConfigError("blank variable name", source, row=row, column="variable")
        if not cat:
            raise ConfigError(f"blank category for variable '{var}'", source, row=row, column="category")
        value, pct = _parse_target(target_raw)
        if value is None:
            raise ConfigError(f"target for {var} = '{cat}' is not a number: '{target_raw}'", source, row=row, column="target")
        if value <= 0:
            raise ConfigError(
                f"target for {var} = '{cat}' is {value:g}; targets must be positive (drop a category nobody belongs to, "
                "or merge it with a neighbour in the data and the margins)",
                source, row=row, column="target",
            )
        m = by_var.setdefault(var, Margin(var, [], [], shares=False))
        if cat.casefold() in (c.casefold() for c in m.categories):
            raise ConfigError(f"category '{cat}' of variable '{var}' is listed twice", source, row=row, column="category")
        m.categories.append(cat)
        m.targets.append(value)
        m.rows.append(row)
        percent_vars.setdefault(var, set()).add(pct)
    out = Margins(list(by_var.values()), source)
    for m in out.margins:
        if percent_vars[m.variable] == {True, False}:
            raise ConfigError(f"variable '{m.variable}' mixes percentages and plain numbers; write all its targets the same way",
                              source, row=m.rows[0], column="target")
        m.shares = percent_vars[m.variable] == {True} or m.total <= SHARE_SUM_LIMIT
        if m.shares and abs(m.total - 1) > SHARE_WARNING:
            out.normalised[m.variable] = m.total
    _check_count_totals(out)
    return out


def _check_count_totals(margins: Margins) -> None:
    counts = [m for m in margins.margins if not m.shares]
    if len(counts) < 2:
        return
    first = counts[0]
    for m in counts[1:]:
        if abs(m.total - first.total) > COUNT_TOLERANCE * max(first.total, m.total):
            listing = ", ".join(f"{c.variable} {c.total:,.10g}" for c in counts)
            raise ConfigError(
                f"the population totals differ between variables ({listing}); the counts of every variable must add up "
                "to the same population (or give shares)",
                margins.source, row=m.rows[0], column="target",
            )
