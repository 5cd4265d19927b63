"""Survey answers → one value per municipality (share answering given codes, or mean score).

Each leader/staff/politician questionnaire has a municipality column; an indicator is a
per-municipality aggregate of one question, the unit the municipality model works on.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from toolkit.config.model import IndicatorSpec, ModelSpec
from toolkit.core.errors import ConfigError, DataError
from toolkit.read.tabular import Dataset, first_rows

DONT_KNOW = re.compile(r"^\s*ved ikke", re.IGNORECASE)


@dataclass
class Indicator:
    """One concrete indicator: a variable of one instrument and how it is aggregated."""

    name: str
    instrument: str
    variable: str
    stat: str  # "share" | "mean"
    codes: list[Any] = field(default_factory=list)  # resolved codes counted (share)
    exclude: list[Any] = field(default_factory=list)  # resolved codes left out of the base
    label: str = ""
    description: str = ""  # "andel i nogen grad/i høj grad", "gennemsnit (ekskl. ved ikke)"


def municipality_codes(values: pd.Series, where: str, column: str) -> pd.Series:
    """Municipality codes as nullable integers; a non-integer code is a DataError naming rows."""
    num = pd.to_numeric(values, errors="coerce")
    bad = values.notna() & (num.isna() | (num.fillna(0) % 1 != 0))
    if bad.any():
        raise DataError(
            f"municipality code must be a whole number (e.g. 657), found '{values[bad].iloc[0]}' in rows {first_rows(bad)}",
            where, column=column,
        )
    return num.astype("Int64")


def _resolve(ds: Dataset, variable: str, wanted: list[Any], key: str) -> list[Any]:
    """Codes for labels or codes given in the config (labels matched case-insensitively)."""
    labels = ds.value_labels.get(variable, {})
    by_label = {str(v).strip().lower(): k for k, v in labels.items()}
    text_data = not pd.api.types.is_numeric_dtype(ds.data[variable])
    out = []
    for w in wanted:
        if isinstance(w, str) and not text_data:
            k = by_label.get(w.strip().lower())
            if k is None:
                if not labels:
                    raise ConfigError(
                        f"'{key}' gives the label '{w}', but variable '{variable}' in {ds.name} has no value labels; give numeric codes"
                    )
                raise ConfigError(
                    f"'{key}': variable '{variable}' has no answer labelled '{w}'; its labels are "
                    + ", ".join(f"{v!s}" for v in labels.values())
                )
            out.append(k)
        else:
            out.append(w)
    return out


def _short_label(ds: Dataset, variable: str) -> str:
    lab = ds.label(variable)
    return lab.rsplit(" – ", 1)[-1].strip() if " – " in lab else lab


def _label_text(ds: Dataset, variable: str, codes: list[Any]) -> str:
    labels = ds.value_labels.get(variable, {})
    return "/".join(str(labels.get(c, c)).lower() for c in codes)


def expand(spec: ModelSpec, surveys: Mapping[str, Dataset]) -> list[Indicator]:
    """Concrete indicators from the spec: globs expanded, labels resolved to codes, names made."""
    out: list[Indicator] = []
    seen: dict[str, str] = {}
    for i, ispec in enumerate(spec.indicators):
        if ispec.instrument not in surveys:
            raise ConfigError(f"indicators[{i}]: no survey data for instrument '{ispec.instrument}'")
        ds = surveys[ispec.instrument]
        ds.require([spec.municipality], what="municipality column")
        for var in _variables(ds, ispec, i):
            out.append(_one(ds, ispec, var, spec, i))
            if out[-1].name in seen:
                raise ConfigError(
                    f"indicators[{i}]: the indicator name '{out[-1].name}' is used twice ({seen[out[-1].name]}); give 'name'"
                )
            seen[out[-1].name] = f"{ispec.instrument}.{var}"
    return out


def _variables(ds: Dataset, ispec: IndicatorSpec, i: int) -> list[str]:
    found: list[str] = []
    for pat in ispec.variables:
        if any(ch in pat for ch in "*?["):
            hits = [c for c in ds.data.columns if fnmatch.fnmatchcase(str(c), pat)]
            if not hits:
                raise ConfigError(f"indicators[{i}]: no variable in {ds.name} matches '{pat}'")
            found += [h for h in hits if h not in found]
        else:
            ds.require([pat], what="indicator variable")
            if pat not in found:
                found.append(pat)
    return found


def _one(ds: Dataset, ispec: IndicatorSpec, var: str, spec: ModelSpec, i: int) -> Indicator:
    key = f"indicators[{i}]"
    codes = _resolve(ds, var, list(ispec.codes), f"{key}.codes")
    if ispec.exclude is None:
        labels = ds.value_labels.get(var, {})
        exclude = [k for k, v in labels.items() if DONT_KNOW.match(str(v))] if ispec.stat == "mean" else []
    else:
        exclude = _resolve(ds, var, list(ispec.exclude), f"{key}.exclude")
    if ispec.stat == "share":
        desc = f"andel {_label_text(ds, var, codes)}"
    else:
        if not pd.api.types.is_numeric_dtype(ds.data[var]):
            raise DataError(f"stat 'mean' needs numeric answers, but variable '{var}' holds text", ds.name, column=var)
        desc = "gennemsnit"
    if exclude:
        desc += f", ekskl. {_label_text(ds, var, exclude)}"
    name = ispec.name or f"{ispec.instrument}_{var}"
    label = ispec.label or spec.labels.get(name) or f"{spec.title(ispec.instrument)}: {_short_label(ds, var)} ({desc})"
    return Indicator(name, ispec.instrument, var, ispec.stat, codes, exclude, label, desc)


def aggregate(ds: Dataset, ind: Indicator, municipality: str, min_respondents: int = 1) -> pd.DataFrame:
    """Per municipality: the indicator value and the number of respondents it rests on.

    Missing answers and excluded codes (e.g. "Ved ikke" in a mean) leave the base; a
    municipality with fewer than `min_respondents` answers in the base gets NaN.
    """
    d = ds.data
    kom = municipality_codes(d[municipality], ds.name, municipality)
    s = d[ind.variable]
    if not pd.api.types.is_numeric_dtype(s):
        s = s.astype("string").str.strip().str.lower()
        codes = [str(c).strip().lower() for c in ind.codes]
        excl = [str(c).strip().lower() for c in ind.exclude]
    else:
        codes, excl = list(ind.codes), list(ind.exclude)
    valid = s.notna() & ~s.isin(excl) & kom.notna()
    if ind.stat == "share":
        val = s.isin(codes).astype(float)
    else:
        val = pd.to_numeric(s, errors="coerce").astype(float)
    g = val[valid.to_numpy()].groupby(kom[valid.to_numpy()].astype(int))
    out = pd.DataFrame({"value": g.mean(), "n": g.size()})
    out.loc[out["n"] < min_respondents, "value"] = np.nan
    return out


def respondents(ds: Dataset, municipality: str) -> pd.Series:
    """Number of respondents per municipality (rows with a municipality code)."""
    kom = municipality_codes(ds.data[municipality], ds.name, municipality).dropna().astype(int)
    return kom.value_counts().sort_index()


def indicator_frame(
    surveys: Mapping[str, Dataset], indicators: list[Indicator], municipality: str, min_respondents: int = 1
) -> pd.DataFrame:
    """One column per indicator, one row per municipality that answered any of the instruments."""
    cols = {ind.name: aggregate(surveys[ind.instrument], ind, municipality, min_respondents)["value"] for ind in indicators}
    frame = pd.DataFrame(cols)
    frame.index.name = "kommune"
    return frame.sort_index()
