"""The person frame of the residual-group profile validated and normalised: groups, sex, origin and
match group as labels (Statistics Denmark's codes accepted), numbers, offer flags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from toolkit.core.codes import per_value, show_code
from toolkit.core.errors import DataError
from toolkit.read.tabular import first_row, first_rows

REST = "Restgruppen"
EMPLOYED = "Beskæftigelsesgruppen"
GROUPS = (REST, EMPLOYED)
SEXES = ("Kvinde", "Mand")
ORIGINS = ("Dansker", "Efterkommer", "Indvandrer")
MATCH_GROUPS = (1, 2, 3, 4, 5, 25)
OFFER_COUNTS = ("Ingen aktiveringstilbud", "1 aktiveringstilbud", "2 aktiveringstilbud", "3+ aktiveringstilbud")
OFFER_PREFIX = "akt_"

# Codes accepted besides the labels: Statistics Denmark's KOEN (1 man, 2 woman) and IE_TYPE
# (1 Danish origin, 2 immigrant, 3 descendant); 0 and blank mean "not registered".
SEX_CODES: dict[Any, str] = {"kvinde": "Kvinde", "k": "Kvinde", "2": "Kvinde", "mand": "Mand", "m": "Mand", "1": "Mand"}
ORIGIN_CODES: dict[Any, str] = {"dansker": "Dansker", "1": "Dansker", "indvandrer": "Indvandrer", "2": "Indvandrer",
                                "efterkommer": "Efterkommer", "3": "Efterkommer"}
UNKNOWN = {"", "0", "nan", "none", "<na>", "-1"}


@dataclass
class Persons:
    """The validated person frame: labels as text (NaN = not registered), offers as bools."""

    group: pd.Series  # REST / EMPLOYED
    sex: pd.Series  # SEXES or NaN
    age: pd.Series  # float years, NaN unknown
    origin: pd.Series  # ORIGINS or NaN
    match: pd.Series  # MATCH_GROUPS or NaN
    seniority: pd.Series  # float weeks, NaN unknown
    status: pd.Series  # text or NaN
    offers: pd.DataFrame  # bool, one column per offer label
    n_offers: pd.Series  # int

    def subset(self, mask: np.ndarray) -> "Persons":
        return Persons(*(getattr(self, f)[mask].reset_index(drop=True) for f in self.__dataclass_fields__))


REQUIRED = ("gruppe", "kon", "alder", "herkomst", "match", "anciennitet", "status")
ALIASES = {"herkomst": ("oprindelse",), "kon": ("koen", "køn")}


def _column(df: pd.DataFrame, name: str, source: str | None) -> pd.Series:
    for c in (name,) + ALIASES.get(name, ()):
        if c in df.columns:
            return df[c]
    raise DataError(f"column '{name}' not found; a person file needs {', '.join(REQUIRED)} and offer columns {OFFER_PREFIX}<type>",
                    source, column=name)


def _bad(mask: pd.Series, values: pd.Series, name: str, expected: str, source: str | None) -> DataError:
    """'X' is not Kvinde/Mand (3 rows: 4, 9, 12) – located at the first bad row."""
    m = np.asarray(mask, bool)
    first = values[m].iloc[0]
    shown = "blank" if _keys(pd.Series([first])).iloc[0] in UNKNOWN else f"'{first}'"
    k = int(m.sum())
    more = f" ({k} rows: {first_rows(m)})" if k > 1 else ""
    return DataError(f"{shown} is not {expected}{more}", source, row=first_row(m), column=name)


def _keys(s: pd.Series) -> pd.Series:
    """Values as lower-case text keys: 2, 2.0 and '2' are the same code; blanks become ''."""
    return per_value(s, lambda v: show_code(v).lower())


def _labelled(s: pd.Series, codes: Mapping[str, str], name: str, source: str | None, expected: str) -> pd.Series:
    k = _keys(s)
    known = k.map(codes)
    bad = known.isna() & ~k.isin(UNKNOWN)
    if bad.any():
        raise _bad(bad, s, name, expected, source)
    return known


def _numeric(s: pd.Series, name: str, source: str | None) -> pd.Series:
    """Numbers; blanks and negative values (-1 = unknown in the register) become NaN."""
    v = pd.to_numeric(s, errors="coerce").astype(float)
    bad = v.isna()
    if bad.any():
        bad[bad] = ~_keys(s[bad]).isin(UNKNOWN)
        if bad.any():
            raise _bad(bad, s, name, "a number", source)
    return v.where(v >= 0)


def offer_columns(df: pd.DataFrame, labels: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(column, label) of the activation-offer columns `akt_<key>`; labels by key, else the key."""
    labels = labels or {}
    return [(c, labels.get(c[len(OFFER_PREFIX):], c[len(OFFER_PREFIX):])) for c in df.columns if str(c).startswith(OFFER_PREFIX)]


def _counts(s: pd.Series, name: str, source: str | None, expected: str) -> pd.Series:
    """Whole non-negative numbers (True/False count as 1/0)."""
    v = pd.to_numeric(s.astype(int) if s.dtype == bool else per_value(s, lambda x: int(x) if isinstance(x, (bool, np.bool_)) else x),
                      errors="coerce")
    bad = v.isna() | (v < 0) | (v != np.round(v))
    if bad.any():
        raise _bad(bad, s, name, expected, source)
    return v.astype(int)


def validate_persons(df: pd.DataFrame, offers: Sequence[tuple[str, str]] | None = None, source: str | None = None) -> Persons:
    """Check and normalise a person frame; a problem names the value, the first row and the column."""
    g = _column(df, "gruppe", source)
    groups = _keys(g).map({x.lower(): x for x in GROUPS})
    if groups.isna().any():
        raise _bad(groups.isna(), g, "gruppe", f"'{REST}' or '{EMPLOYED}'", source)
    sex = _labelled(_column(df, "kon", source), SEX_CODES, "kon", source, "Kvinde/Mand (K/M, 2/1) or blank")
    origin = _labelled(_column(df, "herkomst", source), ORIGIN_CODES, "herkomst", source,
                       "Dansker/Efterkommer/Indvandrer (1/3/2) or blank")
    m = _column(df, "match", source)
    match = _labelled(m, {str(x): str(x) for x in MATCH_GROUPS}, "match", source, "a match group 1-5 or 25, or blank")
    status = _column(df, "status", source).astype("string").str.strip()
    status = status.where(status != "").astype(object).where(status.notna(), np.nan)
    offers = list(offers) if offers is not None else offer_columns(df)
    if not offers:
        raise DataError(f"no activation-offer columns ({OFFER_PREFIX}<type>, 0/1) found", source)
    flags = {}
    for col, label in offers:
        if col not in df.columns:
            raise DataError(f"offer column '{col}' not found", source, column=col)
        flags[label] = (_counts(df[col], col, source, "0 or 1") > 0).to_numpy()
    flag_frame = pd.DataFrame(flags, index=df.index)
    if "antal_tilbud" in df.columns:  # offers counted as spells (the register glue): may exceed the types
        n_off = _counts(df["antal_tilbud"], "antal_tilbud", source, "a number of offers (0, 1, 2, …)")
    else:
        n_off = flag_frame.sum(axis=1)
    p = Persons(groups, sex, _numeric(_column(df, "alder", source), "alder", source), origin,
                pd.to_numeric(match).astype(float), _numeric(_column(df, "anciennitet", source), "anciennitet", source),
                status, flag_frame, n_off.astype(int))
    return p.subset(np.ones(len(df), bool))
