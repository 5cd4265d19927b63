"""Residual-group profile (seed 004 ch. 5): who is left behind at a reference quarter, compared
with those in job or education, plus the full profile of one sub-group (Tabel 5.5).

Two layers. `profile_tables` works on a person-level frame (one row per person in the target
group; columns `REQUIRED` plus 0/1 offer columns `akt_<type>`) and is pure: no file access, no
printing. `register_persons` builds that frame from a DREAM `Register` with
`outcomes.person_frame`, and `profile_from_register` does both. Disclosure control is the caller's
(`disclosure.suppress` with the threshold given as `ProfileSettings.min_cell`).
Group differences are tested in the notes: Pearson chi-square for distributions (scipy
`chi2_contingency`, no continuity correction) and Welch's t-test for means (scipy `ttest_ind`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from toolkit.config.codes import CodeList
from toolkit.config.definitions import Defs
from toolkit.core.calendar import quarter_text
from toolkit.core.errors import DataError
from toolkit.core.fmt import dk, p_text
from toolkit.core.table import Cell, Figure, Kind, Table
from toolkit.read.dream import Register
from toolkit.read.tabular import first_rows
from toolkit.register.outcomes import monthly_status, person_frame, select_cohort

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

MATCH_NOTE = ("Anm.: Matchgruppe 25 omfatter borgere, der er vurderet som værende i kategori 1-3, men hvor "
              "matchvurderingen endnu ikke er fastlagt. Borgeren er arbejdsmarkedsparat.")
MULTI_NOTE = ("Anm.: Bemærk, at den samme borger kan deltage i flere aktiveringstilbud og derved optræde i mere "
              "end en kategori.")


@dataclass(frozen=True)
class Subgroup:
    """Which persons get the full profile (Tabel 5.5): `column` in `values`, within `group`."""

    values: tuple[str, ...] = ("Førtidspension",)
    column: str = "status"
    group: str | None = REST
    title: str = ""

    def label(self) -> str:
        """The table title: 'Profil af borgere i restgruppen på førtidspension'."""
        if self.title:
            return self.title
        where = f" i {self.group.lower()}" if self.group else ""
        return f"Profil af borgere{where} på {' og '.join(v.lower() for v in self.values)}"


@dataclass
class ProfileSettings:
    """Texts and categories of the profile; defaults follow seed 004 chapter 5."""

    reference: str = ""  # the reference quarter in titles, e.g. "3. kvartal 2007"
    start: str = ""  # when seniority is measured, e.g. "3. kvartal 2006"
    source: str = "Kilde: DREAM, egne beregninger."
    chapter: str = "5"
    age_cuts: tuple[int, ...] = (20, 30, 40, 50, 60)
    offers: Sequence[tuple[str, str]] | None = None  # (column, label); None: every akt_* column
    subgroup: Subgroup | None = field(default_factory=Subgroup)
    status_order: Sequence[str] | None = None  # None: most frequent first
    # the disclosure threshold: counts below it are written "færre end 5" in notes, and a test
    # whose table holds such a count only says whether p < 0.05 (an exact statistic could
    # reveal a suppressed cell from the public margins)
    min_cell: int = 5
    id_prefix: str = "profil"
    drop_empty_offers: bool = False  # leave out offer types nobody in the target group took
    group_notes: list[str] = field(default_factory=list)  # extra "Anm.:" lines under Tabel 5.1


# --------------------------------------------------------------------------- the person frame


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
    return DataError(f"{shown} is not {expected}{more}", source, row=int(np.flatnonzero(m)[0]) + 2, column=name)


def _per_value(s: pd.Series, f: Any) -> pd.Series:
    """f applied once per distinct value (register columns hold few distinct values); NaN → f(None)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    table = np.array([f(u) for u in uniques] + [f(None)], dtype=object)
    return pd.Series(table[codes], index=s.index)


def _key(v: Any) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (bool, np.bool_)):
        return str(int(v))
    if isinstance(v, (int, np.integer)) or (isinstance(v, (float, np.floating)) and float(v).is_integer()):
        return str(int(v))
    return str(v).strip().lower()


def _keys(s: pd.Series) -> pd.Series:
    """Values as lower-case text keys: 2, 2.0 and '2' are the same code; blanks become ''."""
    return _per_value(s, _key)


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
    v = pd.to_numeric(s.astype(int) if s.dtype == bool else _per_value(s, lambda x: int(x) if isinstance(x, (bool, np.bool_)) else x),
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


# --------------------------------------------------------------------------- small helpers


def few(k: int, min_cell: int) -> str:
    """A count for a note: small counts are not shown exactly (register output rules)."""
    return f"færre end {min_cell}" if 0 < k < min_cell else dk(k, 0, grouped=True)


def pct(k: int, n: int) -> Cell:
    """A percent cell (fraction) describing k persons out of n."""
    return Cell(float(k / n) if n else None, Kind.PERCENT, n=int(k))


def count(k: int) -> Cell:
    return Cell(int(k), Kind.COUNT, n=int(k))


def age_labels(cuts: Sequence[int]) -> list[str]:
    """(20, 30, 40) → 'Under 20 år', '20-29 år', '30-39 år', '40+ år'."""
    out = [f"Under {cuts[0]} år"]
    out += [f"{a}-{b - 1} år" for a, b in zip(cuts[:-1], cuts[1:])]
    return out + [f"{cuts[-1]}+ år"]


def age_bands(age: pd.Series, cuts: Sequence[int]) -> pd.Series:
    """Age in years → band label (NaN stays NaN)."""
    idx = np.searchsorted(np.asarray(cuts), age.to_numpy(float), side="right")
    labels = np.array(age_labels(cuts), dtype=object)
    return pd.Series(np.where(age.isna(), None, labels[np.minimum(idx, len(labels) - 1)]), index=age.index).where(age.notna())


def offer_count_labels(n: pd.Series) -> pd.Series:
    return pd.Series(np.array(OFFER_COUNTS, dtype=object)[np.minimum(n.to_numpy(int), 3)], index=n.index)


def crosstab(groups: pd.Series, values: pd.Series, categories: Sequence[Any]) -> np.ndarray:
    """Counts, groups (REST, EMPLOYED) × categories; values outside `categories` are left out."""
    out = np.zeros((len(GROUPS), len(categories)), np.int64)
    for i, g in enumerate(GROUPS):
        v = values[groups == g]
        for j, c in enumerate(categories):
            out[i, j] = int((v == c).sum())
    return out


# --------------------------------------------------------------------------- tests in notes


def _small(counts: np.ndarray, min_cell: int) -> bool:
    c = np.asarray(counts)
    return bool(((c > 0) & (c < min_cell)).any())


def _coarse(p: float) -> str:
    return "p < 0,05" if p < 0.05 else "p ≥ 0,05"


def chi2_note(counts: np.ndarray, min_cell: int = 0, what: str = "Forskellen mellem restgruppen og beskæftigelsesgruppen") -> str:
    """Pearson chi-square test of a groups × categories table, as an Anm. line (coarse when a
    count is below `min_cell`)."""
    from scipy import stats  # imported here: scipy.stats costs a second at start-up

    t = np.asarray(counts, float)
    t = t[:, t.sum(axis=0) > 0]
    t = t[t.sum(axis=1) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return f"Anm.: {what} kan ikke testes (en af grupperne eller kategorierne er tom)."
    stat, p, df, expected = stats.chi2_contingency(t, correction=False)
    if _small(counts, min_cell):
        return (f"Anm.: {what} er testet med Pearsons χ²-test: {_coarse(p)} (kun signifikansen vises, "
                f"da tabellen har celler med færre end {min_cell} personer).")
    text = f"Anm.: {what} er testet med Pearsons χ²-test: χ² = {dk(stat, 2, grouped=True)} (df = {df}), {p_text(p)}."
    small = (expected < 5).mean()
    if small > 0.2:
        text += f" Testen er usikker: {dk(100 * small, 0, grouped=True)} % af cellerne har en forventet værdi under 5."
    return text


def offers_chi2_note(counts: np.ndarray, bases: np.ndarray, labels: Sequence[str], min_cell: int = 0) -> str:
    """One 2×2 chi-square test per offer (took it / did not, by group), as one Anm. line."""
    from scipy import stats  # imported here: scipy.stats costs a second at start-up

    parts = []
    for j, lab in enumerate(labels):
        t = np.array([[counts[i, j], bases[i] - counts[i, j]] for i in range(len(GROUPS))], float)
        if (t.sum(axis=0) == 0).any() or (t.sum(axis=1) == 0).any():
            parts.append(f"{lab}: kan ikke testes")
        else:
            p = stats.chi2_contingency(t, correction=False)[1]
            parts.append(f"{lab}: {_coarse(p) if _small(t, min_cell) else p_text(p)}")
    return ("Anm.: Forskellen mellem grupperne i andelen, der har deltaget i hvert tilbud, er testet med Pearsons "
            "χ²-test (df = 1): " + "; ".join(parts) + ".")


def welch_note(a: np.ndarray, b: np.ndarray, min_cell: int = 0, what: str = "Forskellen i gennemsnit") -> str:
    """Welch's t-test (unequal variances) of two means, as an Anm. line (coarse when a group has
    fewer than `min_cell` persons)."""
    from scipy import stats  # imported here: scipy.stats costs a second at start-up

    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) < 2 or len(b) < 2:
        return f"Anm.: {what} kan ikke testes (færre end to personer i en gruppe)."
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scipy warns when one group has no variance
        r = stats.ttest_ind(a, b, equal_var=False)
    if not np.isfinite(r.statistic):
        return f"Anm.: {what} kan ikke testes (ingen variation)."
    if min(len(a), len(b)) < min_cell:
        return f"Anm.: {what} er testet med Welchs t-test: {_coarse(r.pvalue)} (kun signifikansen vises, da en gruppe har færre end {min_cell} personer)."
    return f"Anm.: {what} er testet med Welchs t-test: t = {dk(r.statistic, 2, grouped=True)} (df = {dk(r.df, 1, grouped=True)}), {p_text(r.pvalue)}."


# --------------------------------------------------------------------------- the tables


def _relations(tid: str, cells: Sequence[Sequence[int]]) -> list[tuple[None, list[tuple[str, int, int]]]]:
    """Each given run of (row, column) cells adds up to a public total (a shown N or 100 %)."""
    return [(None, [(tid, i, j) for i, j in run]) for run in cells]


def groups_table(p: Persons, s: ProfileSettings) -> Table:
    """Tabel 5.1: the number and share of persons in each group."""
    k = [int((p.group == g).sum()) for g in GROUPS]
    n = sum(k)
    tid = f"{s.id_prefix}_grupper"
    cells = [[count(x), pct(x, n)] for x in k] + [[Cell(n, Kind.COUNT, n=n), pct(n, n)]]
    title = "Restgruppen" + (f" ({s.reference})" if s.reference else "")
    rel = [((tid, 2, 0), [(tid, 0, 0), (tid, 1, 0)])] + _relations(tid, [[(0, 1), (1, 1)]])
    return Table(tid, title, list(GROUPS) + ["Total"], ["Antal", "Procent"], cells, number=f"Tabel {s.chapter}.1",
                 notes=[s.source] + list(s.group_notes), register=True, relations=rel)  # type: ignore[arg-type]


def groups_as_rows(tid: str, title: str, number: str, counts: np.ndarray, categories: Sequence[str], notes: list[str]) -> Table:
    """Tabel 5.2/5.3 shape: a row per group, Antal/Procent under each category."""
    cells, rel = [], []
    for i in range(len(GROUPS)):
        n = int(counts[i].sum())
        row = []
        for j in range(len(categories)):
            row += [count(counts[i, j]), pct(counts[i, j], n)]
        cells.append(row)
        rel += [[(i, 2 * j) for j in range(len(categories))], [(i, 2 * j + 1) for j in range(len(categories))]]
    return Table(tid, title, list(GROUPS), ["Antal", "Procent"] * len(categories), cells, number=number,
                 column_groups=[c for c in categories for _ in (0, 1)], notes=notes, register=True,
                 relations=_relations(tid, rel))  # type: ignore[arg-type]


def categories_as_rows(tid: str, title: str, number: str, counts: np.ndarray, bases: np.ndarray, categories: Sequence[str],
                       notes: list[str], sums_to_total: bool = True, stub: str = "") -> Table:
    """Figure shape: a row per category, percent of each group (the chart) then the counts."""
    cells = []
    for j in range(len(categories)):
        cells.append([pct(counts[i, j], int(bases[i])) for i in range(len(GROUPS))] + [count(counts[i, j]) for i in range(len(GROUPS))])
    rel = []
    if sums_to_total:
        rel = [[(j, c) for j in range(len(categories))] for c in range(2 * len(GROUPS))]
    return Table(tid, title, list(categories), list(GROUPS) * 2, cells, number=number,
                 column_groups=["Procent"] * len(GROUPS) + ["Antal"] * len(GROUPS), notes=notes, register=True,
                 stub_header=stub, figure=Figure(kind="bar", title=title, columns=list(range(len(GROUPS))), number=number),
                 relations=_relations(tid, rel))  # type: ignore[arg-type]


def persons_text(k: int, min_cell: int) -> str:
    """'1 person', '30 personer', 'færre end 5 personer' (small counts hidden)."""
    return f"{few(k, min_cell)} {'person' if k == 1 and min_cell <= 1 else 'personer'}"


def _missing_note(k: int, what: str, s: ProfileSettings) -> list[str]:
    if not k:
        return []
    return [f"Anm.: {persons_text(k, s.min_cell).capitalize()} har ikke nogen registreret {what}."]


def seniority_table(p: Persons, s: ProfileSettings) -> Table:
    """Tabel 5.4: mean unemployment seniority (weeks) at the start, by group, Welch t-test."""
    tid = f"{s.id_prefix}_anciennitet"
    vals = [p.seniority[p.group == g].to_numpy(float) for g in GROUPS]
    cells = []
    for v in vals:
        known = v[~np.isnan(v)]
        cells.append([Cell(float(known.mean()) if len(known) else None, Kind.MEAN, n=len(known)), Cell(len(known), Kind.BASE, n=len(known))])
    title = "Ledighedsanciennitet" + (f" ({s.start})" if s.start else "")
    notes = [s.source, welch_note(vals[0], vals[1], s.min_cell)] + _missing_note(int(p.seniority.isna().sum()), "ledighedsanciennitet", s)
    return Table(tid, title, list(GROUPS), ["Gennemsnit (antal uger)", "Antal personer"], cells, number=f"Tabel {s.chapter}.4",
                 column_groups=["Ledighedsanciennitet"] * 2, notes=notes, register=True)


def status_categories(p: Persons, s: ProfileSettings) -> list[str]:
    """Status rows: the given order (unlisted ones after it), else the most frequent first."""
    freq = p.status.value_counts(sort=True)
    seen = list(freq.index)
    if s.status_order:
        return [c for c in s.status_order if c in seen] + [c for c in seen if c not in s.status_order]
    return sorted(seen, key=lambda c: (-int(freq[c]), str(c)))


def profile_tables(persons: pd.DataFrame | Persons, settings: ProfileSettings | None = None) -> list[Table]:
    """Every table and figure of the residual-group profile (seed 004 Tabel 5.1-5.5, Figur 5.1-5.5)."""
    s = settings or ProfileSettings()
    p = persons if isinstance(persons, Persons) else validate_persons(persons, s.offers)
    if s.drop_empty_offers:
        taken = p.offers.columns[p.offers.any(axis=0).to_numpy()]
        p.offers = p.offers[taken]
    if len(p.group) == 0:
        raise DataError("the person frame has no rows: nobody is in the target group")
    c, pre = s.chapter, s.id_prefix
    tables = [groups_table(p, s)]

    sex = crosstab(p.group, p.sex, SEXES)
    tables.append(groups_as_rows(f"{pre}_koen", "Køn", f"Tabel {c}.2", sex, SEXES,
                                 [s.source, chi2_note(sex, s.min_cell)] + _missing_note(int(p.sex.isna().sum()), "køn", s)))

    labels = age_labels(s.age_cuts)
    bands = age_bands(p.age, s.age_cuts)
    age = crosstab(p.group, bands, labels)
    tables.append(categories_as_rows(f"{pre}_alder", "Alder", f"Figur {c}.1", age, age.sum(axis=1), labels,
                                     [s.source, chi2_note(age, s.min_cell)] + _missing_note(int(p.age.isna().sum()), "alder", s)))

    origin = crosstab(p.group, p.origin, ORIGINS)
    tables.append(groups_as_rows(f"{pre}_herkomst", "Herkomst", f"Tabel {c}.3", origin, ORIGINS,
                                 [s.source, chi2_note(origin, s.min_cell)] + _missing_note(int(p.origin.isna().sum()), "herkomst", s)))

    match = crosstab(p.group, p.match, MATCH_GROUPS)
    tables.append(categories_as_rows(f"{pre}_match", "Matchkategori", f"Figur {c}.2", match, match.sum(axis=1),
                                     [f"Matchgruppe {m}" for m in MATCH_GROUPS],
                                     [s.source, MATCH_NOTE, chi2_note(match, s.min_cell)] + _missing_note(int(p.match.isna().sum()), "matchgruppe", s)))

    if p.seniority.notna().any():
        tables.append(seniority_table(p, s))

    cats = status_categories(p, s)
    st = crosstab(p.group, p.status, cats)
    title = "Nuværende status" + (f" ({s.reference})" if s.reference else "")
    tables.append(categories_as_rows(f"{pre}_status", title, f"Figur {c}.3", st, st.sum(axis=1), cats,
                                     [s.source, "Anm.: Grupperne er afgrænset ved deres status, så forskellen er ikke testet."]
                                     + _missing_note(int(p.status.isna().sum()), "status", s)))

    n = np.array([int((p.group == g).sum()) for g in GROUPS])
    took = np.array([[int(p.offers.loc[(p.group == g).to_numpy(), lab].sum()) for lab in p.offers.columns] for g in GROUPS])
    tables.append(categories_as_rows(f"{pre}_tilbud", "Aktiveringstilbud", f"Figur {c}.4", took, n, list(p.offers.columns),
                                     [s.source, MULTI_NOTE, offers_chi2_note(took, n, list(p.offers.columns), s.min_cell)], sums_to_total=False))

    nb = offer_count_labels(p.n_offers)
    cnt = crosstab(p.group, nb, OFFER_COUNTS)
    tables.append(categories_as_rows(f"{pre}_antal_tilbud", "Antal af aktiveringstilbud", f"Figur {c}.5", cnt, n, OFFER_COUNTS,
                                     [s.source, chi2_note(cnt, s.min_cell)]))

    if s.subgroup is not None:
        tables.append(subgroup_table(p, s.subgroup, s))
    return tables


def select_subgroup(p: Persons, sub: Subgroup) -> np.ndarray:
    """Mask of the persons in the sub-group."""
    col = {"status": p.status, "gruppe": p.group, "kon": p.sex, "herkomst": p.origin}.get(sub.column)
    if col is None:
        raise DataError(f"a sub-group can be chosen by status, gruppe, kon or herkomst, not '{sub.column}'")
    mask = col.isin(list(sub.values)).to_numpy().copy()
    if sub.group:
        mask &= (p.group == sub.group).to_numpy()
    return mask


def _section(name: str, labels: Sequence[str], values: pd.Series, rows: list, tid: str) -> list[tuple[str, int, int]]:
    """Percent rows of one section of Tabel 5.5 (base = persons with a known value)."""
    known = values.notna()
    n = int(known.sum())
    start = len(rows[0])
    for lab in labels:
        k = int((values == lab).sum())
        rows[0].append(name)
        rows[1].append(lab)
        rows[2].append([pct(k, n)])
    return [(tid, i, 0) for i in range(start, len(rows[0]))]


def subgroup_table(p: Persons, sub: Subgroup, s: ProfileSettings) -> Table:
    """Tabel 5.5: the full profile of one sub-group as one table with sections."""
    tid = f"{s.id_prefix}_delgruppe"
    q = p.subset(select_subgroup(p, sub))
    n = len(q.group)
    rows: list[list] = [["I alt"], ["Antal personer"], [[Cell(n, Kind.COUNT, n=n)]]]
    rel = []
    labels = age_labels(s.age_cuts)
    rel.append(_section("Køn", SEXES, q.sex, rows, tid))
    rel.append(_section("Alder", labels, age_bands(q.age, s.age_cuts), rows, tid))
    rel.append(_section("Herkomst", ORIGINS, q.origin, rows, tid))
    match = q.match.map(lambda m: f"Matchgruppe {int(m)}" if m == m else m)
    rel.append(_section("Matchgruppe", [f"Matchgruppe {m}" for m in MATCH_GROUPS], match, rows, tid))
    for lab in q.offers.columns:
        rows[0].append("Andel af borgere i forskellige aktiveringstilbud")
        rows[1].append(lab)
        rows[2].append([pct(int(q.offers[lab].sum()), n)])
    rel.append(_section("Antal aktiveringstilbud", OFFER_COUNTS, offer_count_labels(q.n_offers), rows, tid))
    notes = [s.source]
    if q.seniority.notna().any() or p.seniority.notna().any():
        known = q.seniority.dropna()
        rows[0].append("Ledighedsanciennitet")
        rows[1].append("Gennemsnit (antal uger)")
        rows[2].append([Cell(float(known.mean()) if len(known) else None, Kind.MEAN, n=len(known))])
    missing = [(what, int(v.isna().sum())) for what, v in (("køn", q.sex), ("alder", q.age), ("herkomst", q.origin),
                                                            ("matchgruppe", q.match), ("ledighedsanciennitet", q.seniority))]
    for what, k in missing:
        notes += _missing_note(k, what, s)
    notes.append("Anm.: Andelene er beregnet blandt personerne med en registreret værdi. " + MULTI_NOTE[len("Anm.: "):])
    label = " og ".join(sub.values)
    return Table(tid, sub.label(), rows[1], [label], rows[2], number=f"Tabel {s.chapter}.5", row_groups=rows[0],
                 notes=notes, register=True, relations=[(None, r) for r in rel])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- from a DREAM register


def offer_labels(codes: CodeList) -> list[tuple[str, str]]:
    """(akt_<key>, label) of the code list's activation types, in the code list's order."""
    return [(f"{OFFER_PREFIX}{a.key}", a.label) for a in codes.activation]


def _check_codes(df: pd.DataFrame, column: str, allowed: Sequence[int], what: str, extract_column: str | None, reg: Register) -> None:
    """A register attribute with a code outside `allowed` (0 = unknown is fine) is an error naming a person."""
    v = df[column].to_numpy()
    bad = ~np.isin(v, [0, *allowed])
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise DataError(f"{int(bad.sum())} persons have {what} {v[k]} (first: person {df['id'].iloc[k]}); "
                        f"expected {', '.join(map(str, allowed))} or blank", reg.path, column=extract_column)


def register_persons(reg: Register, defs: Defs, quarter: int | None = None) -> tuple[pd.DataFrame, int, int, int]:
    """The person frame of the definitions' cohort at a quarter (default: the last observed).

    Built with `outcomes.person_frame`. Persons whose status at the quarter's last month is one of
    the definitions' `exclude_groups` (dead, emigrated, state pension) are left out, as in goal 1's
    denominator, so the employment group's share equals goal 1 for that quarter. In the residual
    group a person's status is the activation type when activated that month, else the benefit
    group (or 'Selvforsørgelse'). Returns the frame, the quarter, the programme start month (when
    seniority is measured) and the number of persons left out.
    """
    gc = select_cohort(reg, defs)
    q = gc.quarters[-1] if quarter is None else quarter
    if q not in gc.quarters:
        raise DataError(f"quarter {quarter_text(q)} is outside the observed quarters "
                        f"{quarter_text(gc.quarters[0])} – {quarter_text(gc.quarters[-1])}", reg.path)
    st = monthly_status(reg, defs.codes, defs.spec.employment)
    df = person_frame(reg, defs, st, quarter=q)
    group = st.group[np.flatnonzero(gc.member), st.at(3 * q + 2)]  # person_frame's rows, in order
    keep = ~np.isin(group, defs.codes.group_ids(defs.spec.exclude_groups, "exclude_groups"))
    df = df[keep].reset_index(drop=True)
    if df.empty:
        raise DataError("nobody in the extract is in the definitions' cohort at the reference quarter", reg.path)
    cols = defs.spec.columns
    _check_codes(df, "kon", (1, 2), "sex code", cols.sex, reg)
    _check_codes(df, "herkomst", (1, 2, 3), "origin code", cols.origin, reg)
    _check_codes(df, "match", MATCH_GROUPS, "match group", cols.match, reg)
    activated = (df["aktivering"].astype(str) != "") & (df["gruppe"] == REST)
    df["status"] = np.where(activated, df["aktivering"], df["status"])
    return df, q, gc.start, int((~keep).sum())


def profile_from_register(reg: Register, defs: Defs, quarter: int | None = None,
                          settings: ProfileSettings | None = None) -> list[Table]:
    """The residual-group profile of a NY CHANCE-style cohort (definitions with programme/cohort/goals).

    Tables are not yet disclosure-controlled: pass them (with the other register tables) through
    `disclosure.suppress` with the same threshold as `settings.min_cell`.
    """
    df, q, start, left_out = register_persons(reg, defs, quarter)
    s = replace(settings or ProfileSettings(), reference=quarter_text(q), start=quarter_text(start // 3),
                source=defs.spec.source, offers=offer_labels(defs.codes), drop_empty_offers=True)
    if left_out:
        labels = [defs.codes.groups[i - 1].label.lower() for i in defs.codes.group_ids(defs.spec.exclude_groups)]
        listed = ", ".join(labels[:-1]) + (" eller " if len(labels) > 1 else "") + labels[-1]
        s.group_notes = [f"Anm.: {persons_text(left_out, s.min_cell).capitalize()} fra målgruppen med status {listed} "
                         f"ved udgangen af {quarter_text(q)} indgår ikke."]
    return profile_tables(df, s)
