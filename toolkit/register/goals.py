"""NY CHANCE goals (seed 004 ch. 2): the fixed cohort, each goal per municipality and quarter,
the linear projection to the programme's end, and the development, ranking and municipality tables.

The goals are sums over persons (`goal_sums`, added over batches of persons by `add_sums`); the
series and tables are built from the sums of the whole cohort."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from toolkit.config.definitions import Defs
from toolkit.core.calendar import month_index, quarter_end, quarter_text
from toolkit.core.cells import base, percent
from toolkit.core.errors import DataError
from toolkit.core.fmt import dk
from toolkit.core.table import Cell, Derived, Figure, Kind, Ref, Relation, Role, Table, body_then
from toolkit.read.dream import Register
from toolkit.register.combine import add_by_key
from toolkit.register.status import Status, group_mask, monthly_status, week_rows
from toolkit.register.tables import register_table


# the national figure is num.sum() / den.sum() over every cohort person (goal_series), not a mean of municipalities
POOLED = ("Anm.: Landsplan er opgjort samlet for alle personer i målgruppen (alle personers tællere over alle personers "
          "nævnere), ikke som et gennemsnit af kommunernes andele")


@dataclass
class Quarters:
    """The programme's start month, the quarters observed and its last quarter: what the goal
    tables need of the cohort besides the goals' sums (which count its persons)."""

    start: int
    quarters: list[int]
    end_quarter: int


@dataclass
class GoalCohort(Quarters):
    """The programme's fixed target group (per person of a register or batch) and the quarters observed."""

    member: np.ndarray
    municipality: np.ndarray

    def when(self) -> Quarters:
        """The quarters without the per-person arrays (what outlives a batch)."""
        return Quarters(self.start, self.quarters, self.end_quarter)


def observed_quarters(defs: Defs, last_month: int) -> list[int]:
    """The programme's complete quarters an extract ending in `last_month` observes (`toolkit check`
    knows them from the extract's header)."""
    pr = defs.spec.programme
    assert pr is not None
    s, e = month_index(pr.start), month_index(pr.end)
    through = month_index(pr.observed_through) if pr.observed_through else min(e, last_month)
    return list(range(s // 3, min((through + 1) // 3 - 1, e // 3) + 1))  # through the last complete quarter


def outside_quarters(quarter: int, quarters: list[int]) -> str | None:
    """Why a quarter cannot be shown ('quarter … is outside the observed quarters …'), or None."""
    if quarter in quarters:
        return None
    return f"quarter {quarter_text(quarter)} is outside the observed quarters {quarter_text(quarters[0])} – {quarter_text(quarters[-1])}"


def select_cohort(reg: Register, defs: Defs) -> GoalCohort:
    """Persons on the cohort benefits just before the programme starts (passive for ≥ k of N weeks)."""
    pr, co = defs.spec.programme, defs.spec.cohort
    if pr is None or co is None:
        raise DataError("the definitions have no programme/cohort section", defs.path)
    s = month_index(pr.start)
    quarters = observed_quarters(defs, reg.last_month)
    if not quarters:
        raise DataError(f"the extract ends before the programme's first full quarter ({quarter_text(s // 3)})", reg.path)
    glut, alut = defs.codes.group_lut(), defs.codes.activation_lut()
    in_groups = group_mask(defs.codes, co.groups, "cohort.groups")
    before = np.flatnonzero(reg.week_month < s)
    if co.passive_weeks:
        k, of = co.passive_weeks
        ws = before[-of:]
        if len(ws) < of:
            raise DataError(f"cohort.passive_weeks needs {of} weeks before {pr.start}; the extract has {len(ws)}", reg.path)
        passive_code = in_groups[glut] & (alut == 0)  # per code
        passive = np.zeros(reg.n, np.int32)
        for w in ws:
            passive += np.take(passive_code, reg.codes[:, w])
        member = passive >= k
    else:
        member = np.take(in_groups[glut], reg.codes[:, before[-1]])
    age = reg.age_at(s)
    member &= (age >= co.age[0]) & (age <= co.age[1])
    muni = reg.municipality_in((s - 1) // 12).astype(np.int32)
    return GoalCohort(s, quarters, month_index(pr.end) // 3, member=member, municipality=muni)


@dataclass
class GoalSeries:
    """One goal per quarter: numerators/denominators nationally and per municipality."""

    key: str
    label: str
    target: float | None
    quarters: list[int]
    num: pd.DataFrame  # municipality × quarter
    den: pd.DataFrame
    persons: pd.DataFrame  # persons behind each value (for disclosure): numerator persons for
    #                        job/education, persons with weeks in the denominator otherwise
    size: pd.Series  # cohort persons per municipality
    national: np.ndarray
    national_persons: np.ndarray
    of_persons: bool = False  # a share of persons (job/education: its complement is persons too), not of weeks

    def of(self, code: object, qi: int) -> int | None:
        """The persons a municipality's share is of (complement protection), None for a share of weeks."""
        return int(self.den.loc[code].iloc[qi]) if self.of_persons else None

    def values(self) -> pd.DataFrame:
        return self.num / self.den.where(self.den > 0)


@dataclass
class GoalSums:
    """One goal's numerators, denominators and persons per municipality (rows: `kommune`, sorted) and
    quarter, and the cohort persons per municipality – over some persons; batches add up (`add_sums`)."""

    key: str
    kommune: np.ndarray
    num: np.ndarray  # kommune × quarter
    den: np.ndarray
    per: np.ndarray
    size: np.ndarray


def goal_sums(reg: Register, st: Status, gc: GoalCohort, defs: Defs) -> list[GoalSums]:
    """Each goal's sums per municipality and quarter over the register's cohort persons (a batch or all).

    The weekly goals (self-support, activation degree) count weeks by per-code lookups on the
    members' codes of each quarter, gathered once per quarter for all of them."""
    codes = defs.codes
    glut = codes.group_lut()
    excl = group_mask(codes, defs.spec.exclude_groups, "exclude_groups")
    ok_code = ~excl[glut]  # per code: a week not on an excluded benefit
    active_code = codes.activation_lut() > 0
    idx = np.flatnonzero(gc.member)
    muni = gc.municipality[idx]
    kom, inv = np.unique(muni, return_inverse=True)
    K, Q = len(kom), len(gc.quarters)
    goals = defs.spec.goals
    masks = [group_mask(codes, goal.groups, f"goals.{goal.key}.groups") for goal in goals]
    on_codes = [m[glut] & ok_code for m in masks]  # per code: a week on the goal's benefits, not excluded
    sums = np.zeros((len(goals), 3, K, Q))  # goal × (num, den, per) × kommune × quarter
    for qi, q in enumerate(gc.quarters):
        weekly: tuple[np.ndarray, np.ndarray] | None = None
        for k, goal in enumerate(goals):
            if goal.kind == "job_education":
                j = st.at(quarter_end(q))
                g = st.group[idx, j]
                ok = ~excl[g]
                hit = ok & ((st.employed[idx, j] & ~st.benefit[idx, j]) | masks[k][g])
                n_num, n_den, n_per = hit, ok, hit
            else:
                if weekly is None:  # the quarter's weeks × members
                    c = week_rows(reg, np.flatnonzero(reg.week_month // 3 == q), idx)
                    weekly = c, np.take(ok_code, c)
                c, okw = weekly
                on = np.take(on_codes[k], c)
                if goal.kind == "self_support":
                    n_num, n_den = (okw & ~on).sum(axis=0), okw.sum(axis=0)
                else:  # activation degree: activated share of the weeks on the listed benefits
                    n_num, n_den = (on & np.take(active_code, c)).sum(axis=0), on.sum(axis=0)
                n_per = n_den > 0
            for r, v in enumerate((n_num, n_den, n_per)):
                sums[k, r, :, qi] = np.bincount(inv, v, K)
    size = np.bincount(inv, minlength=K)
    return [GoalSums(goal.key, kom, sums[k, 0], sums[k, 1], sums[k, 2], size) for k, goal in enumerate(goals)]


def add_sums(parts: Sequence[list[GoalSums]]) -> list[GoalSums]:
    """The goal sums of batches of persons added up (per goal, municipalities united)."""
    out = []
    for k, first in enumerate(parts[0]):
        goal = [p[k] for p in parts]
        keys = [g.kommune for g in goal]
        kom, num = add_by_key(keys, [g.num for g in goal])
        _, den = add_by_key(keys, [g.den for g in goal])
        _, per = add_by_key(keys, [g.per for g in goal])
        _, size = add_by_key(keys, [g.size for g in goal])
        out.append(GoalSums(first.key, kom, num, den, per, size))
    return out


def series_of(sums: list[GoalSums], gc: Quarters, defs: Defs) -> list[GoalSeries]:
    """The quarterly goal metrics per municipality and for the whole country, from the goals' sums."""
    out = []
    for goal, s in zip(defs.spec.goals, sums):
        cols = gc.quarters
        mk = lambda a: pd.DataFrame(a, index=pd.Index(s.kommune, name="kommune"), columns=cols)  # noqa: E731
        nat = s.num.sum(0) / np.where(s.den.sum(0) > 0, s.den.sum(0), np.nan)
        size = pd.Series(s.size, index=pd.Index(s.kommune, name="kommune"))
        out.append(GoalSeries(goal.key, goal.label, goal.target, cols, mk(s.num), mk(s.den), mk(s.per), size, nat, s.per.sum(0),
                              of_persons=goal.kind == "job_education"))
    return out


def goal_series(reg: Register, st: Status, gc: GoalCohort, defs: Defs) -> list[GoalSeries]:
    """The quarterly goal metrics for the cohort, per municipality and for the whole country."""
    return series_of(goal_sums(reg, st, gc, defs), gc, defs)


def project(values: np.ndarray, ahead: int, k: int = 5) -> float:
    """Linear projection: the last value plus `ahead` times the mean change over the last k quarters
    (kept within 0-100 %).

    This is seed 004's method (footnote 4): 4.4 % → 17.0 % over five quarters projects to 22.0 %
    two quarters later.
    """
    v = np.asarray(values, float)
    k = min(k, len(v) - 1)
    if k < 1 or np.isnan(v[-1]) or np.isnan(v[-1 - k]):
        return float("nan")
    return float(np.clip(v[-1] + ahead * (v[-1] - v[-1 - k]) / k, 0.0, 1.0))


def projection_inputs(n: int, k: int = 5) -> list[int]:
    """Which of n quarters `project` computes from: the last and the one k quarters before it."""
    k = min(k, n - 1)
    return [n - 1, n - 1 - k] if k >= 1 else []


def change_per_quarter(values: np.ndarray) -> float:
    """Mean change per quarter from the first to the last observed quarter."""
    v = np.asarray(values, float)
    return float((v[-1] - v[0]) / (len(v) - 1)) if len(v) > 1 else float("nan")


def goal_tables(reg: Register, defs: Defs, st: Status | None = None, gc: GoalCohort | None = None) -> list[Table]:
    """The NY CHANCE goals: development with projection, best/worst ten, all municipalities."""
    st = st or monthly_status(reg, defs.codes, defs.spec.employment)
    gc = gc or select_cohort(reg, defs)
    return goal_tables_of(goal_series(reg, st, gc, defs), gc, defs)


def goal_tables_of(series: list[GoalSeries], gc: Quarters, defs: Defs) -> list[Table]:
    """The goal tables from the series of the whole cohort (`series_of` the batches' added sums)."""
    k = defs.spec.projection_quarters
    ahead = gc.end_quarter - gc.quarters[-1]
    development = development_table(series, gc, defs, ahead, k)
    municipalities = [municipality_table(s, gc, defs, ahead, k) for s in series]
    for gi, mt in enumerate(municipalities):  # the country's persons per quarter are the municipalities'
        mt.relations += [Relation(development.ref(qi, gi), [mt.ref(i, qi) for i in range(len(mt.row_keys))])
                         for qi in range(len(gc.quarters))]
    rankings = [ranking_table(s, gc, defs, ahead, k, mt) for s, mt in zip(series, municipalities)]
    return [development, *rankings, *municipalities]


def development_table(series: list[GoalSeries], gc: Quarters, defs: Defs, ahead: int, k: int) -> Table:
    """Figur 2.1: each goal per quarter for the whole country, projected to the programme's end."""
    quarters = gc.quarters + list(range(gc.quarters[-1] + 1, gc.end_quarter + 1))
    rows = [quarter_text(q) + (" (fremskrevet)" if q > gc.quarters[-1] else "") for q in quarters]
    cells = []
    for qi, q in enumerate(quarters):
        row = []
        for s in series:
            if qi < len(gc.quarters):
                row.append(percent(s.national[qi], s.national_persons[qi], int(s.den.iloc[:, qi].sum()) if s.of_persons else None))
            else:
                row.append(percent(project(s.national, q - gc.quarters[-1], k), s.national_persons[-1]))
        cells.append(row)
    targets = "; ".join(f"{s.label}: {dk(s.target * 100, 0)} %" for s in series if s.target is not None)
    notes = [f"Anm.: Målgruppen er {dk(int(series[0].size.sum()), 0, grouped=True)} personer.",
             f"{POOLED}.",
             f"Anm.: Rækker markeret (fremskrevet) er lineære fremskrivninger ud fra de seneste {k} kvartalers udvikling."]
    if targets:
        notes.append(f"Anm.: Målsætninger – {targets}.")
    return register_table(defs, "maal_udvikling", f"Udviklingen i målene for {defs.spec.name}", rows, [s.label for s in series], cells,
                  notes=notes, stub_header="Kvartal", figure=Figure(kind="line", title=f"Udviklingen i målene for {defs.spec.name}",
                                        projected_from=len(gc.quarters), targets=[s.target for s in series]))


def _ranked(s: GoalSeries, defs: Defs) -> pd.DataFrame:
    """Municipality values sorted by the latest quarter (best first), large enough to rank."""
    v = s.values()
    ok = (s.size >= defs.spec.ranking_min_persons) & v.iloc[:, -1].notna()
    return v[ok].sort_values(v.columns[-1], ascending=False, kind="mergesort")


def ranking_table(s: GoalSeries, gc: Quarters, defs: Defs, ahead: int, k: int, by_municipality: Table) -> Table:
    """The best and worst ten municipalities on one goal: start, latest, change, projection; each
    derived from the municipality's quarters in `by_municipality` (disclosure control hides them together)."""
    top = defs.spec.ranking
    v = _ranked(s, defs)
    best, worst = v.head(top), v.tail(top).iloc[::-1]
    first, latest = quarter_text(gc.quarters[0]), quarter_text(gc.quarters[-1])
    end = quarter_text(gc.end_quarter)
    cols = [first, latest, "Ændring pr. kvartal (procentpoint)", f"Fremskrevet {end}", "Antal personer"]
    rows, groups, cells = [], [], []
    nq = len(gc.quarters)
    derived: list[tuple[int, int, list[tuple[str, int] | tuple[int, int]]]] = []  # (row, column, inputs)

    def line(label: str, group: str, series: np.ndarray, persons_first: int, persons_last: int, n: int,
             of: tuple[int | None, int | None] = (None, None)) -> None:
        rows.append(label)
        groups.append(group)
        cells.append([
            percent(series[0], persons_first, of[0]),
            percent(series[-1], persons_last, of[1]),
            Cell(change_per_quarter(series) * 100, Kind.MEAN, n=n),
            percent(project(series, ahead, k), n),
            base(n),
        ])

    names = defs.names
    for group, frame in ((f"De {top} bedste", best), (f"De {top} dårligste", worst)):
        first_row = len(rows)
        for code, series in frame.iterrows():
            pr = s.persons.loc[code]
            i, m = len(rows), str(code)
            line(names.get(int(code), str(code)), group, series.to_numpy(), int(pr.iloc[0]), int(pr.iloc[-1]), int(s.size.loc[code]),
                 (s.of(code, 0), s.of(code, nq - 1)))
            derived += [(i, 0, [(m, 0)]), (i, 1, [(m, nq - 1)]), (i, 2, [(m, 0), (m, nq - 1)]),
                        (i, 3, [(m, q) for q in projection_inputs(nq, k)])]
        if len(frame):
            pr = s.persons.loc[frame.index].sum(axis=0)
            i = len(rows)
            line("Gennemsnit", group, frame.mean(axis=0).to_numpy(), int(pr.iloc[0]), int(pr.iloc[-1]), int(s.size.loc[frame.index].sum()))
            derived += [(i, j, [(r, j) for r in range(first_row, i)]) for j in range(4)]
    nat_of = (int(s.den.iloc[:, 0].sum()), int(s.den.iloc[:, -1].sum())) if s.of_persons else (None, None)
    line("Alle kommuner", "Landsplan", s.national, int(s.national_persons[0]), int(s.national_persons[-1]), int(s.size.sum()), nat_of)
    notes = [f"Anm.: Kommuner rangeret efter niveauet i {latest}; kun kommuner med mindst {defs.spec.ranking_min_persons} personer i målgruppen.",
             f"{POOLED.replace('Landsplan', 'Alle kommuner')}; Gennemsnit er det uvægtede gennemsnit af kommunerne i gruppen.",
             f"Anm.: Fremskrivningen forudsætter, at de seneste {k} kvartalers udvikling fortsætter."]
    if s.target is not None:
        reach = sum(project(r.to_numpy(), ahead, k) >= s.target for _, r in v.iterrows())
        notes.append(f"Anm.: {reach} af {len(v)} kommuner når målet på {dk(s.target * 100, 0)} % ved fremskrivningen.")
    t = register_table(defs, f"{s.key}_top", f"{s.label}: de {top} bedste og de {top} dårligste kommuner", rows, cols, cells,
                       row_groups=groups, notes=notes, stub_header="Kommune", column_roles=body_then(len(cols) - 1, Role.BASE))
    mt = by_municipality

    def ref(cell: tuple[str, int] | tuple[int, int]) -> Ref:  # (code, quarter) in the municipality table, else (row, column) here
        a, b = cell
        return Ref(mt.key, a, mt.column_keys[b]) if isinstance(a, str) else t.ref(a, b)

    t.derived = [Derived(t.ref(i, j), [ref(c) for c in inputs]) for i, j, inputs in derived]
    return t


def municipality_table(s: GoalSeries, gc: Quarters, defs: Defs, ahead: int, k: int) -> Table:
    """One goal per municipality and quarter, with the projection (all municipalities)."""
    v = s.values()
    cols = [quarter_text(q) for q in gc.quarters] + [f"Fremskrevet {quarter_text(gc.end_quarter)}", "Antal personer"]
    rows, cells = [], []
    for code in v.index:
        series = v.loc[code].to_numpy()
        n = int(s.size.loc[code])
        row = [percent(x if np.isfinite(x) else None, s.persons.loc[code].iloc[i], s.of(code, i)) for i, x in enumerate(series)]
        row.append(percent(project(series, ahead, k), n))
        row.append(base(n))
        rows.append(defs.names.get(int(code), str(code)))
        cells.append(row)
    t = register_table(defs, f"{s.key}_kommuner", f"{s.label} pr. kommune og kvartal", rows, cols, cells, stub_header="Kommune",
                       column_roles=body_then(len(cols) - 1, Role.BASE), row_keys=[str(code) for code in v.index])
    nq = len(gc.quarters)
    t.derived = [Derived(t.ref(i, nq), [t.ref(i, q) for q in projection_inputs(nq, k)]) for i in range(len(rows))]
    return t
