"""Residual-group profile (seed 004 ch. 5): who is left behind at a reference quarter, compared
with those in job or education, plus the full profile of one sub-group (Tabel 5.5).

`profile_tables` works on a person-level frame (one row per person in the target group; columns
`persons.REQUIRED` plus 0/1 offer columns `akt_<type>`) and is pure: no file access, no printing.
`register.profile_from_register` builds that frame from a DREAM `Register`. Disclosure control is
the caller's (`disclosure.suppress` with the threshold given as `ProfileSettings.min_cell`).
Group differences are tested in the notes (`notes.py`).
"""

from __future__ import annotations

import warnings as _warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from toolkit.core.cells import base, count, pct
from toolkit.core.errors import DataError, ToolkitWarning
from toolkit.core.table import Cell, Figure, Kind, Relation, Role, Table, body_then
from toolkit.profile.notes import chi2_note, offers_chi2_note, persons_text, welch_note
from toolkit.core.stats import Moments, moments
from toolkit.core.tally import Tally
from toolkit.profile.persons import (
    GROUPS,
    KEYS,
    MATCH_GROUPS,
    OFFER_COUNTS,
    OFFER_SUM,
    ORIGINS,
    REST,
    SEXES,
    Persons,
    offer_types,
    persons_tally,
    validate_persons,
)

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
    """Number of offers → 'Ingen', '1', '2' or '3+ aktiveringstilbud'."""
    return pd.Series(np.array(OFFER_COUNTS, dtype=object)[np.minimum(n.to_numpy(int), 3)], index=n.index)


def crosstab(t: Tally, column: str, categories: Sequence[Any], label: Callable[[pd.Series], pd.Series] | None = None) -> np.ndarray:
    """Persons, groups (REST, EMPLOYED) × categories of a column (its values mapped by `label`);
    values outside `categories` are left out."""
    f = t.frame(column)
    v = f[column] if label is None else label(f[column])
    out = np.zeros((len(GROUPS), len(categories)), np.int64)
    for i, g in enumerate(GROUPS):
        in_g = (f["gruppe"] == g).to_numpy()
        n, vg = f["n"][in_g], v[in_g]
        for j, c in enumerate(categories):
            out[i, j] = int(n[(vg == c).to_numpy()].sum())
    return out


def group_sizes(t: Tally) -> np.ndarray:
    """Persons in each group (REST, EMPLOYED)."""
    return np.array([t.persons("gruppe", lambda c, g=g: c == g) for g in GROUPS])


def took(t: Tally, offers: Sequence[str]) -> np.ndarray:
    """Persons who took each offer type, groups × offers."""
    f = t.keyed
    return np.array([[int(f[OFFER_SUM + lab][(f["gruppe"] == g).to_numpy()].sum()) for lab in offers] for g in GROUPS], np.int64)


def in_group(t: Tally, group: str) -> Tally:
    return t.where(lambda f: f["gruppe"] == group)


def _public_sums(t: Table, runs: Sequence[Sequence[tuple[int, int]]]) -> Table:
    """The table, each given run of (row, column) cells adding up to a public total (a shown N or 100 %)."""
    t.relations += [Relation(None, [t.ref(i, j) for i, j in run]) for run in runs]
    return t


def groups_table(t: Tally, s: ProfileSettings) -> Table:
    """Tabel 5.1: the number and share of persons in each group."""
    k = [int(x) for x in group_sizes(t)]
    n = sum(k)
    tid = f"{s.id_prefix}_grupper"
    cells = [[count(x), pct(x, n)] for x in k] + [[count(n), pct(n, n)]]
    title = "Restgruppen" + (f" ({s.reference})" if s.reference else "")
    return Table(tid, title, list(GROUPS) + ["Total"], ["Antal", "Procent"], cells, number=f"Tabel {s.chapter}.1",
                 notes=[s.source] + list(s.group_notes), register=True, row_roles=body_then(len(GROUPS), Role.TOTAL))


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
    return _public_sums(Table(tid, title, list(GROUPS), ["Antal", "Procent"] * len(categories), cells, number=number,
                              column_groups=[c for c in categories for _ in (0, 1)], notes=notes, register=True), rel)


def categories_as_rows(tid: str, title: str, number: str, counts: np.ndarray, bases: np.ndarray, categories: Sequence[str],
                       notes: list[str], sums_to_total: bool = True, stub: str = "") -> Table:
    """Figure shape: a row per category, percent of each group (the chart) then the counts."""
    cells = []
    for j in range(len(categories)):
        cells.append([pct(counts[i, j], int(bases[i])) for i in range(len(GROUPS))] + [count(counts[i, j]) for i in range(len(GROUPS))])
    rel = []
    if sums_to_total:
        rel = [[(j, c) for j in range(len(categories))] for c in range(2 * len(GROUPS))]
    return _public_sums(Table(tid, title, list(categories), list(GROUPS) * 2, cells, number=number,
                              column_groups=["Procent"] * len(GROUPS) + ["Antal"] * len(GROUPS), notes=notes, register=True, stub_header=stub,
                              figure=Figure(kind="bar", title=title, columns=list(range(len(GROUPS))), number=number)), rel)


def _missing_note(k: int, what: str, s: ProfileSettings) -> list[str]:
    if not k:
        return []
    return [f"Anm.: {persons_text(k, s.min_cell).capitalize()} har ikke nogen registreret {what}."]


def mean_cell(m: Moments) -> Cell:
    """The mean of the persons with a known value, describing them; None when none is known."""
    return Cell(m.mean if m.n else None, Kind.MEAN, n=m.n)


def seniority_table(t: Tally, s: ProfileSettings) -> Table:
    """Tabel 5.4: mean unemployment seniority (weeks) at the start, by group, Welch t-test."""
    tid = f"{s.id_prefix}_anciennitet"
    ms = [moments(*in_group(t, g).known("anciennitet")) for g in GROUPS]
    cells = [[mean_cell(m), base(m.n)] for m in ms]
    title = "Ledighedsanciennitet" + (f" ({s.start})" if s.start else "")
    notes = [s.source, welch_note(ms[0], ms[1], s.min_cell)] + _missing_note(t.missing("anciennitet"), "ledighedsanciennitet", s)
    return Table(tid, title, list(GROUPS), ["Gennemsnit (antal uger)", "Antal personer"], cells, number=f"Tabel {s.chapter}.4",
                 column_groups=["Ledighedsanciennitet"] * 2, notes=notes, register=True, column_roles=[Role.BODY, Role.BASE])


def status_categories(t: Tally, s: ProfileSettings) -> list[str]:
    """Status rows: the given order (unlisted ones after it), else the most frequent first."""
    values, counts = t.known("status")
    freq = dict(zip(values, counts))
    seen = sorted(freq, key=lambda c: (-int(freq[c]), str(c)))  # the most frequent first
    if s.status_order:
        return [c for c in s.status_order if c in seen] + [c for c in seen if c not in s.status_order]
    return seen


def profile_tables(persons: pd.DataFrame | Persons | Tally, settings: ProfileSettings | None = None) -> list[Table]:
    """Every table and figure of the residual-group profile (seed 004 Tabel 5.1-5.5, Figur 5.1-5.5),
    from a person frame, its validated `Persons` or their tally (`persons_tally`; a register's, added over batches)."""
    s = settings or ProfileSettings()
    if isinstance(persons, pd.DataFrame):
        persons = validate_persons(persons, s.offers)
    t = persons if isinstance(persons, Tally) else persons_tally(persons)
    offers = offer_types(t)
    if s.drop_empty_offers:
        offers = [lab for lab, k in zip(offers, took(t, offers).sum(axis=0)) if k > 0]
    if t.total() == 0:
        raise DataError("the person frame has no rows: nobody is in the target group")
    c, pre = s.chapter, s.id_prefix
    tables = [groups_table(t, s)]

    sex = crosstab(t, "kon", SEXES)
    tables.append(groups_as_rows(f"{pre}_koen", "Køn", f"Tabel {c}.2", sex, SEXES,
                                 [s.source, chi2_note(sex, s.min_cell)] + _missing_note(t.missing("kon"), "køn", s)))

    labels = age_labels(s.age_cuts)
    age = crosstab(t, "alder", labels, lambda a: age_bands(a, s.age_cuts))
    tables.append(categories_as_rows(f"{pre}_alder", "Alder", f"Figur {c}.1", age, age.sum(axis=1), labels,
                                     [s.source, chi2_note(age, s.min_cell)] + _missing_note(t.missing("alder"), "alder", s)))

    origin = crosstab(t, "herkomst", ORIGINS)
    tables.append(groups_as_rows(f"{pre}_herkomst", "Herkomst", f"Tabel {c}.3", origin, ORIGINS,
                                 [s.source, chi2_note(origin, s.min_cell)] + _missing_note(t.missing("herkomst"), "herkomst", s)))

    match = crosstab(t, "match", MATCH_GROUPS)
    tables.append(categories_as_rows(f"{pre}_match", "Matchkategori", f"Figur {c}.2", match, match.sum(axis=1),
                                     [f"Matchgruppe {m}" for m in MATCH_GROUPS],
                                     [s.source, MATCH_NOTE, chi2_note(match, s.min_cell)] + _missing_note(t.missing("match"), "matchgruppe", s)))

    if t.missing("anciennitet") < t.total():
        tables.append(seniority_table(t, s))

    cats = status_categories(t, s)
    st = crosstab(t, "status", cats)
    title = "Nuværende status" + (f" ({s.reference})" if s.reference else "")
    tables.append(categories_as_rows(f"{pre}_status", title, f"Figur {c}.3", st, st.sum(axis=1), cats,
                                     [s.source, "Anm.: Grupperne er afgrænset ved deres status, så forskellen er ikke testet."]
                                     + _missing_note(t.missing("status"), "status", s)))

    n = group_sizes(t)
    k = took(t, offers)
    tables.append(categories_as_rows(f"{pre}_tilbud", "Aktiveringstilbud", f"Figur {c}.4", k, n, offers,
                                     [s.source, MULTI_NOTE, offers_chi2_note(k, n, offers, s.min_cell)], sums_to_total=False))

    cnt = crosstab(t, "antal_tilbud", OFFER_COUNTS, offer_count_labels)
    tables.append(categories_as_rows(f"{pre}_antal_tilbud", "Antal af aktiveringstilbud", f"Figur {c}.5", cnt, n, OFFER_COUNTS,
                                     [s.source, chi2_note(cnt, s.min_cell)]))

    if s.subgroup is not None:
        tables.append(subgroup_table(t, s.subgroup, s, offers))
    return tables


def select_subgroup(t: Tally, sub: Subgroup) -> Tally:
    """The persons in the sub-group (chosen by one of the tally's key columns, `persons.KEYS`)."""
    if sub.column not in KEYS:
        raise DataError(f"a sub-group can be chosen by status, gruppe, kon or herkomst, not '{sub.column}'")
    return t.where(lambda f: f[sub.column].isin(list(sub.values)) & ((f["gruppe"] == sub.group) if sub.group else True))


def _section(name: str, labels: Sequence[str], q: Tally, column: str, rows: list,
             label: Callable[[pd.Series], pd.Series] | None = None) -> list[tuple[int, int]]:
    """Percent rows of one section of Tabel 5.5 (base = persons with a known value)."""
    f = q.frame(column)
    values = f[column] if label is None else label(f[column])
    n = int(f["n"][values.notna().to_numpy()].sum())
    start = len(rows[0])
    for lab in labels:
        k = int(f["n"][(values == lab).to_numpy()].sum())
        rows[0].append(name)
        rows[1].append(lab)
        rows[2].append([pct(k, n)])
    return [(i, 0) for i in range(start, len(rows[0]))]


def subgroup_table(t: Tally, sub: Subgroup, s: ProfileSettings, offers: Sequence[str]) -> Table:
    """Tabel 5.5: the full profile of one sub-group as one table with sections."""
    tid = f"{s.id_prefix}_delgruppe"
    q = select_subgroup(t, sub)
    n = q.total()
    rows: list[list] = [["I alt"], ["Antal personer"], [[count(n)]]]
    rel = []
    labels = age_labels(s.age_cuts)
    rel.append(_section("Køn", SEXES, q, "kon", rows))
    rel.append(_section("Alder", labels, q, "alder", rows, lambda a: age_bands(a, s.age_cuts)))
    rel.append(_section("Herkomst", ORIGINS, q, "herkomst", rows))
    match_label = lambda m: m.map(lambda x: f"Matchgruppe {int(x)}" if x == x else x)  # noqa: E731
    rel.append(_section("Matchgruppe", [f"Matchgruppe {m}" for m in MATCH_GROUPS], q, "match", rows, match_label))
    for lab, k in zip(offers, took(q, offers).sum(axis=0)):
        rows[0].append("Andel af borgere i forskellige aktiveringstilbud")
        rows[1].append(lab)
        rows[2].append([pct(int(k), n)])
    rel.append(_section("Antal aktiveringstilbud", OFFER_COUNTS, q, "antal_tilbud", rows, offer_count_labels))
    notes = [s.source]
    if q.missing("anciennitet") < q.total() or t.missing("anciennitet") < t.total():
        rows[0].append("Ledighedsanciennitet")
        rows[1].append("Gennemsnit (antal uger)")
        rows[2].append([mean_cell(moments(*q.known("anciennitet")))])
    for what, column in (("køn", "kon"), ("alder", "alder"), ("herkomst", "herkomst"), ("matchgruppe", "match"),
                         ("ledighedsanciennitet", "anciennitet")):
        notes += _missing_note(q.missing(column), what, s)
    notes.append("Anm.: Andelene er beregnet blandt personerne med en registreret værdi. " + MULTI_NOTE[len("Anm.: "):])
    label = " og ".join(sub.values)
    if n == 0:  # an empty sub-group is said, never shown as a profile of nobody
        where = f" i {sub.group.lower()}" if sub.group else ""
        notes.insert(1, f"Anm.: Ingen personer{where} opfylder udvælgelsen ({sub.column}: {label}); der er ingen tal at vise.")
        _warnings.warn(ToolkitWarning(f"the sub-group of {tid} ({sub.column} {label}{' in ' + sub.group if sub.group else ''}) has "
                                      "nobody; its table says so in a note"), stacklevel=2)
    roles = [Role.BASE] + [Role.BODY] * (len(rows[1]) - 1)  # the sub-group's N, then the sections' shares
    return _public_sums(Table(tid, sub.label(), rows[1], [label], rows[2], number=f"Tabel {s.chapter}.5", row_groups=rows[0],
                              notes=notes, register=True, row_roles=roles), rel)
