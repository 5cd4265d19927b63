"""The person frame of the residual-group profile validated and normalised: groups, sex, origin and
match group as labels (Statistics Denmark's codes accepted), numbers, offer flags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from toolkit.core.codes import per_value, show_code
from toolkit.core.errors import DataError
from toolkit.core.tally import Tally, tally
from toolkit.read.tabular import first_row, first_rows
from toolkit.register.features import OFFER_PREFIX

REST = "Restgruppen"
EMPLOYED = "Beskæftigelsesgruppen"
GROUPS = (REST, EMPLOYED)
SEXES = ("Kvinde", "Mand")
ORIGINS = ("Dansker", "Efterkommer", "Indvandrer")
MATCH_GROUPS = (1, 2, 3, 4, 5, 25)
OFFER_COUNTS = ("Ingen aktiveringstilbud", "1 aktiveringstilbud", "2 aktiveringstilbud", "3+ aktiveringstilbud")

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


def _group(s: pd.Series, source: str | None) -> pd.Series:
    groups = _keys(s).map({x.lower(): x for x in GROUPS})
    if groups.isna().any():
        raise _bad(groups.isna(), s, "gruppe", f"'{REST}' or '{EMPLOYED}'", source)
    return groups


def _status(s: pd.Series, source: str | None) -> pd.Series:
    status = s.astype("string").str.strip()
    return status.where(status != "").astype(object).where(status.notna(), np.nan)


# each column of a person frame as the profile reads it (labels, numbers, NaN for not registered);
# a register's tally is normalised with the same functions, on its distinct values
NORMALISE: dict[str, Callable[[pd.Series, str | None], pd.Series]] = {
    "gruppe": _group,
    "kon": lambda s, src: _labelled(s, SEX_CODES, "kon", src, "Kvinde/Mand (K/M, 2/1) or blank"),
    "herkomst": lambda s, src: _labelled(s, ORIGIN_CODES, "herkomst", src, "Dansker/Efterkommer/Indvandrer (1/3/2) or blank"),
    "match": lambda s, src: pd.to_numeric(_labelled(s, {str(x): str(x) for x in MATCH_GROUPS}, "match", src,
                                                    "a match group 1-5 or 25, or blank")).astype(float),
    "alder": lambda s, src: _numeric(s, "alder", src),
    "anciennitet": lambda s, src: _numeric(s, "anciennitet", src),
    "status": _status,
}


def validate_persons(df: pd.DataFrame, offers: Sequence[tuple[str, str]] | None = None, source: str | None = None) -> Persons:
    """Check and normalise a person frame; a problem names the value, the first row and the column."""
    col = {name: NORMALISE[name](_column(df, name, source), source)
           for name in ("gruppe", "kon", "herkomst", "match", "alder", "anciennitet", "status")}
    offers = list(offers) if offers is not None else offer_columns(df)
    if not offers:
        raise DataError(f"no activation-offer columns ({OFFER_PREFIX}<type>, 0/1) found", source)
    flags = {}
    for c, label in offers:
        if c not in df.columns:
            raise DataError(f"offer column '{c}' not found", source, column=c)
        flags[label] = (_counts(df[c], c, source, "0 or 1") > 0).to_numpy()
    flag_frame = pd.DataFrame(flags, index=df.index)
    if "antal_tilbud" in df.columns:  # offers counted as spells (the register glue): may exceed the types
        n_off = _counts(df["antal_tilbud"], "antal_tilbud", source, "a number of offers (0, 1, 2, …)")
    else:
        n_off = flag_frame.sum(axis=1)
    p = Persons(col["gruppe"], col["kon"], col["alder"], col["herkomst"], col["match"], col["anciennitet"], col["status"],
                flag_frame, n_off.astype(int))
    return p.subset(np.ones(len(df), bool))


# ------------------------------------------------------------------ the persons as counts
KEYS = ["gruppe", "status", "kon", "herkomst"]  # the group and the columns a sub-group is chosen by
VALUES = ["alder", "match", "anciennitet", "antal_tilbud"]
OFFER_SUM = "tilbud: "  # the summed column of an offer type is this + its label


def persons_tally(p: Persons) -> Tally:
    """The validated persons as a `Tally` by KEYS (with the persons who took each offer type summed)
    and VALUES: what every table and test of the profile is computed from."""
    frame = pd.DataFrame({"gruppe": p.group, "status": p.status, "kon": p.sex, "herkomst": p.origin, "alder": p.age,
                          "match": p.match, "anciennitet": p.seniority, "antal_tilbud": p.n_offers})
    for lab in p.offers.columns:
        frame[OFFER_SUM + lab] = p.offers[lab].to_numpy()
    return tally(frame, KEYS, VALUES, [OFFER_SUM + lab for lab in p.offers.columns])


def offer_types(t: Tally) -> list[str]:
    """The offer types' labels of a profile tally, in order."""
    return [c[len(OFFER_SUM):] for c in t.sums]
