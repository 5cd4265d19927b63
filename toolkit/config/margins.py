"""Population margins for raking: read and validate `variable, category, target` (CSV or YAML).

A target is a population count or a share (a fraction such as 0.25, or a percentage written with
a sign, "25 %"). Counts fix the population total and must agree between variables; shares are
normalised to sum to 1 and scaled to that total (or to the sample's total when no variable has
counts). Ambiguous writings are decided from the whole file and stated as warnings: `7.448` is
Danish thousands when no target has other decimals (else refused), targets all below 1 are shares
whatever their sum, decimals summing to 100 are percentages. Every line is validated by one strict model (`MarginLine`); all problems of a file are
listed, each with its spreadsheet row and column (CSV) or its key path (YAML).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError, ValidationInfo, field_validator

from toolkit.config.base import Problem, Strict, key_path, problems_of, raise_problems
from toolkit.config.yaml import YamlFloat, read_yaml
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
    readings: list[str] = field(default_factory=list)  # how ambiguous targets were read (thousands, bare percentages)

    @property
    def warnings(self) -> list[str]:
        """What the user should know about the file: the readings chosen, shares that did not sum to 1."""
        return self.readings + [f"the shares of '{v}' sum to {s:.4g}, not 1; they are normalised" for v, s in self.normalised.items()]

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
    elif _THOUSANDS.fullmatch(text):  # 1.234,5: Danish thousands and decimal comma
        text = text.replace(".", "").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None, False
    return (None if not math.isfinite(value) else value), False


_THOUSANDS = re.compile(r"-?[1-9]\d{0,2}(\.\d{3})+,\d+")  # 1.234,5 (7.448 alone is decided file-wide)
_DOTTED = re.compile(r"[1-9]\d{0,2}(\.\d{3})+")  # 7.448: seven thousand or seven point four?


def _written(target: Any) -> str | None:
    """A target as the file wrote it (CSV text, a YAML number's text), None for other values."""
    if isinstance(target, YamlFloat):
        return target.text
    return target.strip() if isinstance(target, str) else None


def _thousands_reading(records: list["Record"], source: str) -> tuple[list["Record"], list[str]]:
    """Decide from the whole file whether `7.448` means 7448 (Danish thousands): yes when every target
    is a whole number or in that form and at least one is > 1 as written; refused when the file also
    has other decimals (ambiguous). The reading used is returned as a note."""
    texts = [w for *_, t in records if (w := _written(t)) is not None]
    dotted = [t for t in texts if _DOTTED.fullmatch(t)]
    if not dotted:
        return records, []
    others = [t for t in texts if not _DOTTED.fullmatch(t) and not re.fullmatch(r"\d+", t)]
    if others:
        raise ConfigError(f"targets such as '{dotted[0]}' could be thousands (Danish 7.448 = 7448) or decimals, and the file also has "
                          f"'{others[0]}'; write counts without a thousands separator and shares as 0.25 or 25 %", source)
    fixed = [(r, k, v, c, str(_written(t)).replace(".", "") if _DOTTED.fullmatch(str(_written(t))) else t) for r, k, v, c, t in records]
    return fixed, [f"targets such as '{dotted[0]}' are read as Danish thousands ({dotted[0].replace('.', '')})"]


Record = tuple[int | None, str, Any, Any, Any]  # (CSV row or None, YAML key path, variable, category, target)


class MarginLine(Strict):
    """One line of a margins file: a variable, one of its categories and its target."""

    variable: str
    category: str
    target: tuple[float, bool]  # (value, written as a percentage)

    @field_validator("variable", mode="before")
    @classmethod
    def _variable(cls, v: Any) -> str:
        text = "" if v is None else str(v).strip()
        if not text:
            raise ValueError("blank variable name")
        return text

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, v: Any, info: ValidationInfo) -> str:
        text = "" if v is None else show_code(v)
        if not text:
            raise ValueError(f"blank category for variable '{info.data.get('variable', '')}'")
        return text

    @field_validator("target", mode="before")
    @classmethod
    def _target(cls, v: Any, info: ValidationInfo) -> tuple[float, bool]:
        var, cat = info.data.get("variable", "?"), info.data.get("category", "?")
        value, pct = _parse_target(v)
        if value is None:
            raise ValueError(f"target for {var} = '{cat}' is not a number: '{v.text if isinstance(v, YamlFloat) else v}'")
        if value <= 0:
            raise ValueError(f"target for {var} = '{cat}' is {value:g}; targets must be positive (drop a category nobody belongs "
                             "to, or merge it with a neighbour in the data and the margins)")
        return value, pct


def _records_from_csv(path: Path) -> list[Record]:
    df = read_csv(path, dtype=str, keep_default_na=False)
    cols = [c.strip().lower() for c in df.columns]
    if cols != COLUMNS:
        raise ConfigError(
            f"a margins file needs exactly the columns variable, category, target (in that order); it has {', '.join(df.columns)}",
            path,
        )
    return [(data_row(i), "", v, c, t) for i, (v, c, t) in enumerate(df.itertuples(index=False, name=None))]


def _records_from_yaml(path: Path) -> list[Record]:
    raw = read_yaml(path)
    doc, prefix = (raw["margins"], ("margins",)) if isinstance(raw, dict) and set(raw) == {"margins"} else (raw, ())
    if not isinstance(doc, dict) or not doc:
        raise ConfigError("a margins YAML file maps each variable to {category: target, …}", path)
    bad = [Problem("must map its categories to targets, e.g. {Mand: 6608, Kvinde: 5392}", str(path), key_path((*prefix, var), raw))
           for var, cats in doc.items() if not isinstance(cats, dict) or not cats]
    raise_problems(bad)
    return [(None, key_path((*prefix, var, c), raw), var, c, t) for var, cats in doc.items() for c, t in cats.items()]


def read_margins(path: str | Path) -> Margins:
    """Read a margins file (.csv, or .yaml/.yml) and validate every line; every problem is listed."""
    p = Path(path)
    if p.suffix.lower() not in YAML_SUFFIXES | {".csv", ".txt", ".tsv"}:
        raise ConfigError(f"a margins file must be .csv or .yaml, not {p.suffix or 'a file without extension'}; "
                          "save the sheet as CSV (columns variable, category, target)", p)
    records = _records_from_yaml(p) if p.suffix.lower() in YAML_SUFFIXES else _records_from_csv(p)
    return margins_from_records(records, str(p))


def margins_from_frame(df: pd.DataFrame, source: str = "<margins>") -> Margins:
    """Margins from a data frame with the columns variable, category, target (rows as in a file)."""
    return margins_from_records([(data_row(i), "", v, c, t) for i, (v, c, t) in enumerate(df[COLUMNS].itertuples(index=False, name=None))],
                                source)


def margins_from_records(records: list[Record], source: str) -> Margins:
    """Validate (row, key, variable, category, target) records into Margins, listing every problem."""
    if not records:
        raise ConfigError("the margins file has no lines", source)
    records, readings = _thousands_reading(records, source)
    by_var: dict[str, Margin] = {}
    percent_vars: dict[str, set[bool]] = {}
    keys: dict[tuple[str, int], str] = {}  # (variable, position) → YAML key path
    problems: list[Problem] = []

    def problem(msg: str, row: int | None, key: str, column: str) -> Problem:
        return Problem(msg, source, key, row, column if row is not None else None)

    for row, key, var_raw, cat_raw, target_raw in records:
        try:
            line = MarginLine.model_validate({"variable": var_raw, "category": cat_raw, "target": target_raw})
        except ValidationError as e:
            found = problems_of(e, None, source, row=row)
            problems += found if row is not None else [Problem(p.message, source, key) for p in found]
            continue
        m = by_var.setdefault(line.variable, Margin(line.variable, [], [], shares=False))
        if line.category.casefold() in (c.casefold() for c in m.categories):
            problems.append(problem(f"category '{line.category}' of variable '{line.variable}' is listed twice", row, key, "category"))
            continue
        keys[(line.variable, len(m.categories))] = key
        m.categories.append(line.category)
        m.targets.append(line.target[0])
        m.rows.append(row)
        percent_vars.setdefault(line.variable, set()).add(line.target[1])
    raise_problems(problems)
    out = Margins(list(by_var.values()), source)
    for m in out.margins:
        if percent_vars[m.variable] == {True, False}:
            problems.append(problem(f"variable '{m.variable}' mixes percentages and plain numbers; write all its targets the same way",
                                    m.rows[0], keys[(m.variable, 0)], "target"))
        written_pct = percent_vars[m.variable] == {True}
        fractions = all(t < 1 for t in m.targets)  # no category of a population has less than one person
        bare_pct = not written_pct and not fractions and any(t != round(t) for t in m.targets) and abs(m.total - 100) <= 100 * SHARE_WARNING
        if bare_pct:  # 62,1 / 37,9: percentages without the sign
            m.targets = [t / 100 for t in m.targets]
            readings.append(f"the targets of '{m.variable}' sum to {m.total * 100:.4g} and have decimals: read as percentages (write % to say so)")
        m.shares = written_pct or bare_pct or fractions or m.total <= SHARE_SUM_LIMIT
        if m.shares and abs(m.total - 1) > SHARE_WARNING:
            out.normalised[m.variable] = m.total
    out.readings = readings
    problems += _count_total_problems(out, keys)
    raise_problems(problems)
    return out


def _count_total_problems(margins: Margins, keys: dict[tuple[str, int], str]) -> list[Problem]:
    counts = [m for m in margins.margins if not m.shares]
    first = counts[0] if counts else None
    for m in counts[1:]:
        assert first is not None
        if abs(m.total - first.total) > COUNT_TOLERANCE * max(first.total, m.total):
            listing = ", ".join(f"{c.variable} {c.total:,.10g}" for c in counts)
            return [Problem(f"the population totals differ between variables ({listing}); the counts of every variable must add up "
                            "to the same population (or give shares)", margins.source, keys[(m.variable, 0)], m.rows[0],
                            "target" if m.rows[0] is not None else None)]
    return []
