"""Register frames for the other analyses: one row per municipality (the municipality model) and
one row per cohort person (the residual-group profile), with seniority and activation offers.

Both are built from per-person rows (`member_features`, `cohort_persons`) that a streamed read
computes batch by batch and joins in batch order."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from toolkit.config.definitions import Defs
from toolkit.core.calendar import quarter_end
from toolkit.core.errors import DataError
from toolkit.core.tally import Tally, add_tallies, tally
from toolkit.read.dream import SENIORITY_WEEKS, Register
from toolkit.register.combine import add_by_key, exact_sums, exact_value, sum_by_key
from toolkit.register.goals import GoalCohort, GoalSeries, Quarters, goal_series, outside_quarters, select_cohort
from toolkit.register.status import Status, group_mask, monthly_status, week_rows

# an activation offer's column in the person frames (and in a profile's person file): akt_<activation key>
OFFER_PREFIX = "akt_"


def seniority_weeks(reg: Register, defs: Defs, at: int, rows: np.ndarray | None = None) -> np.ndarray:
    """Unemployment seniority in weeks before month `at`: the extract's column, or weeks on the
    seniority groups within the lookback (default: every week the register holds before `at`), of
    every person or of `rows`."""
    col = reg.persons["seniority"].to_numpy()
    if defs.spec.seniority is None or not np.all(np.isnan(col)):
        return (col if rows is None else col[rows]).astype(float)
    sen = defs.spec.seniority
    per_code = group_mask(defs.codes, sen.groups, "seniority.groups")[defs.codes.group_lut()]
    ws = np.flatnonzero(reg.week_month < at)
    ws = ws[-(sen.lookback_weeks or SENIORITY_WEEKS):]
    out = np.zeros(reg.n if rows is None else len(rows), np.int32)
    for week in week_rows(reg, ws, rows):
        out += np.take(per_code, week)
    return out.astype(float)


def offers(reg: Register, defs: Defs, first: int, last: int, rows: np.ndarray | None = None) -> np.ndarray:
    """Activation offers per person (every person, or `rows`) and type (n × types) started in months first..last.

    An offer is a run of consecutive weeks with the same activation type.
    """
    alut = defs.codes.activation_lut()
    T = len(defs.codes.activation)
    n = reg.n if rows is None else len(rows)
    out = np.zeros((n, T), np.int16)
    ws = np.flatnonzero((reg.week_month >= first) & (reg.week_month <= last))
    if len(ws) == 0:
        return out
    prev = np.take(alut, week_rows(reg, ws[:1] - 1, rows)[0]) if ws[0] > 0 else np.zeros(n, np.uint8)
    for week in week_rows(reg, ws, rows):
        a = np.take(alut, week)
        start = (a > 0) & (a != prev)
        for t in range(1, T + 1):
            out[:, t - 1] += start & (a == t)
        prev = a
    return out


def municipality_frame(reg: Register, defs: Defs, st: Status | None = None, quarter: int | None = None,
                       gc: GoalCohort | None = None) -> pd.DataFrame:
    """One row per municipality (index: code) with the register indicators of the municipality model.

    Columns: navn, personer, each goal's value at the quarter (default: the last observed) under the
    goal's key, anciennitet (mean seniority in weeks at the start), andel_match45 (share in the heavy
    match groups), akt_<type> (each activation type's share of the offers), tilbud (offers).
    """
    st = st or monthly_status(reg, defs.codes, defs.spec.employment)
    gc = gc or select_cohort(reg, defs)
    return municipality_frame_of(feature_sums(member_features(reg, defs, gc, quarter)), goal_series(reg, st, gc, defs), defs, gc, quarter)


def observed_quarter(gc: Quarters, quarter: int | None, path: Path | None) -> int:
    """The quarter a frame describes: the given one (checked to be observed) or the last observed."""
    q = gc.quarters[-1] if quarter is None else quarter
    if (why := outside_quarters(q, gc.quarters)) is not None:
        raise DataError(why, path)
    return q


@dataclass
class MemberWeeks:
    """The cohort members' seniority and activation offers, computed once per batch and shared by
    the profile's person frame and the model's features (each is a pass over hundreds of weeks)."""

    reg: Register
    defs: Defs
    gc: GoalCohort
    _cache: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)

    def seniority(self) -> np.ndarray:
        """Seniority in weeks at the programme start, per member (`seniority_weeks`)."""
        return self._once(("seniority", 0), lambda rows: seniority_weeks(self.reg, self.defs, self.gc.start, rows))

    def offers(self, last: int) -> np.ndarray:
        """Offers per member and activation type from the start to month `last` (`offers`)."""
        return self._once(("offers", last), lambda rows: offers(self.reg, self.defs, self.gc.start, last, rows))

    def _once(self, key: tuple[str, int], compute: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        if key not in self._cache:
            self._cache[key] = compute(np.flatnonzero(self.gc.member))
        return self._cache[key]


def member_features(reg: Register, defs: Defs, gc: GoalCohort, quarter: int | None = None,
                    weeks: MemberWeeks | None = None) -> pd.DataFrame:
    """One row per cohort person of the register (a batch or all): kommune, anciennitet, match45 and
    the offers per activation type (off_<k>) from the start to the quarter – what `municipality_frame` averages."""
    q = observed_quarter(gc, quarter, reg.path)
    weeks = weeks or MemberWeeks(reg, defs, gc)
    idx = np.flatnonzero(gc.member)
    frame = pd.DataFrame({"kommune": gc.municipality[idx]})
    frame["anciennitet"] = weeks.seniority()
    frame["match45"] = np.isin(reg.persons["match"].to_numpy()[idx], defs.spec.match_heavy).astype(float)
    off = weeks.offers(quarter_end(q))
    for t in range(off.shape[1]):
        frame[f"off_{t}"] = off[:, t]
    return frame


@dataclass
class FeatureSums:
    """The cohort's features summed per municipality (`kommune`, sorted codes): persons, seniority's
    exact sum (`combine.exact_sums`) and persons with a known seniority, persons in the heavy match
    groups, offers per activation type – what the model's municipality frame averages; batches add
    up exactly (`add_features`), so nothing per person outlives a batch."""

    kommune: np.ndarray
    persons: np.ndarray
    seniority: np.ndarray  # object: exact sums
    seniority_known: np.ndarray
    match45: np.ndarray
    offers: np.ndarray  # kommune × activation type


def feature_sums(frame: pd.DataFrame) -> FeatureSums:
    """Per-person features (`member_features`) summed per municipality."""
    muni = frame["kommune"].to_numpy()
    anc = frame["anciennitet"].to_numpy(float)
    counted = np.column_stack([np.ones(len(muni), bool), ~np.isnan(anc), frame["match45"].to_numpy() > 0,
                               frame[[c for c in frame.columns if c.startswith("off_")]].to_numpy()]).astype(np.int64)
    kom, sums = sum_by_key(muni, counted)
    return FeatureSums(kom, sums[:, 0], exact_sums(np.searchsorted(kom, muni), anc, len(kom)), sums[:, 1], sums[:, 2], sums[:, 3:])


def add_features(parts: Sequence[FeatureSums]) -> FeatureSums:
    """Batches' feature sums added per municipality (whole numbers and exact sums: any order gives the same)."""
    keys = [p.kommune for p in parts]
    out = {}
    for name in ("persons", "seniority", "seniority_known", "match45", "offers"):
        kom, out[name] = add_by_key(keys, [getattr(p, name) for p in parts])
    return FeatureSums(kom, **out)


def municipality_frame_of(fs: FeatureSums, series: list[GoalSeries], defs: Defs, gc: Quarters,
                          quarter: int | None = None) -> pd.DataFrame:
    """The model's municipality frame from the cohort persons' features summed per municipality
    (`feature_sums`, added over batches) and the goal series of the whole cohort."""
    q = observed_quarter(gc, quarter, None)
    idx = pd.Index(fs.kommune, name="kommune")
    known = fs.seniority_known
    mean_sen = [exact_value(t) / n if n else np.nan for t, n in zip(fs.seniority, known)]
    out = pd.DataFrame({"personer": fs.persons, "anciennitet": mean_sen, "andel_match45": fs.match45 / fs.persons}, index=idx)
    for s in series:
        out[s.key] = s.values()[q]
    tot = pd.Series(fs.offers.sum(axis=1), index=idx)
    for t, a in enumerate(defs.codes.activation):
        out[f"{OFFER_PREFIX}{a.key}"] = pd.Series(fs.offers[:, t], index=idx) / tot.where(tot > 0)
    out["tilbud"] = tot
    out.insert(0, "navn", [defs.names.get(int(c), str(c)) for c in out.index])
    return out


def person_frame(reg: Register, defs: Defs, st: Status | None = None, quarter: int | None = None,
                 gc: GoalCohort | None = None, weeks: MemberWeeks | None = None) -> pd.DataFrame:
    """One row per cohort person with everything the residual-group profile needs.

    Columns: id, kommune, kon, alder (at the end of the quarter), herkomst, match, anciennitet
    (weeks before the start), status (label at the quarter's last month: 'Ordinært job',
    'Selvforsørgelse' or the benefit group), aktivering (activation type label or ''),
    gruppe ('Beskæftigelsesgruppen' = job or education per the job_education goal, else
    'Restgruppen'), akt_<type> (took that offer in the period), antal_tilbud.
    """
    st = st or monthly_status(reg, defs.codes, defs.spec.employment)
    gc = gc or select_cohort(reg, defs)
    weeks = weeks or MemberWeeks(reg, defs, gc)
    q = gc.quarters[-1] if quarter is None else quarter
    m = quarter_end(q)
    j = st.at(m)
    idx = np.flatnonzero(gc.member)
    g = st.group[idx, j]
    emp, ben = st.employed[idx, j], st.benefit[idx, j]
    labels = np.array(defs.codes.labels(), dtype=object)
    status = np.where(~ben & emp, "Ordinært job", np.where((g == 0) & ~emp, "Selvforsørgelse", labels[g]))
    alabels = np.array([""] + [a.label for a in defs.codes.activation], dtype=object)
    edu = [gl for gl in defs.spec.goals if gl.kind == "job_education"]
    in_edu = group_mask(defs.codes, edu[0].groups, "goals")[g] if edu else np.zeros(len(idx), bool)
    off = weeks.offers(m)
    df = pd.DataFrame({
        "id": reg.ids[idx],
        "kommune": gc.municipality[idx],
        "kon": reg.persons["kon"].to_numpy()[idx],
        "alder": reg.age_at(m)[idx],
        "herkomst": reg.persons["herkomst"].to_numpy()[idx],
        "match": reg.persons["match"].to_numpy()[idx],
        "anciennitet": weeks.seniority(),
        "status": status,
        "aktivering": alabels[st.activation[idx, j]],
        "gruppe": np.where((~ben & emp) | in_edu, "Beskæftigelsesgruppen", "Restgruppen"),
    })
    for t, a in enumerate(defs.codes.activation):
        df[f"{OFFER_PREFIX}{a.key}"] = off[:, t] > 0
    df["antal_tilbud"] = off.sum(axis=1)
    return df


@dataclass
class CohortPersons:
    """The cohort's persons at the quarter before the checks (`cohort_persons`; batches joined in order)."""

    frame: pd.DataFrame
    left_out: np.ndarray  # persons left out by exclude_groups (one count per batch)
    quarter: int
    start: int
    path: Path | None


def cohort_persons(reg: Register, defs: Defs, quarter: int | None = None, st: Status | None = None,
                   gc: GoalCohort | None = None, weeks: MemberWeeks | None = None) -> CohortPersons:
    """The person frame of the register's cohort persons (a batch or all), exclude_groups left out;
    `row` (the extract's data row, from 0) instead of the id, the labels as categories."""
    gc = gc or select_cohort(reg, defs)
    q = observed_quarter(gc, quarter, reg.path)
    st = st or monthly_status(reg, defs.codes, defs.spec.employment)
    df = person_frame(reg, defs, st, quarter=q, gc=gc, weeks=weeks)
    idx = np.flatnonzero(gc.member)
    group = st.group[idx, st.at(quarter_end(q))]  # person_frame's rows, in order
    keep = ~np.isin(group, defs.codes.group_ids(defs.spec.exclude_groups, "exclude_groups"))
    # kept until the tables are made, so compact: the extract row instead of the id, labels as categories
    df = df.drop(columns="id").assign(row=(reg.row0 + idx).astype(np.int64))
    labels = {"status": ["Ordinært job", "Selvforsørgelse", *defs.codes.labels()],
              "aktivering": ["", *(a.label for a in defs.codes.activation)], "gruppe": ["Beskæftigelsesgruppen", "Restgruppen"]}
    for col, cats in labels.items():
        df[col] = pd.Categorical(df[col], categories=list(dict.fromkeys(cats)))
    df["antal_tilbud"] = df["antal_tilbud"].astype(np.int16)
    return CohortPersons(df[keep].reset_index(drop=True), np.array([int((~keep).sum())]), q, gc.start, reg.path)


# the person frame's columns a profile tallies (`profile.persons` normalises them on the distinct values)
TALLY_KEYS = ["gruppe", "status", "aktivering", "kon", "herkomst"]
TALLY_VALUES = ["alder", "match", "anciennitet", "antal_tilbud"]


@dataclass
class CohortTally:
    """The cohort's persons at the quarter counted (`cohort_tally`): what the profile keeps of a
    batch, the extract's codes as they are (`row` of a tally row: its first person's extract row)."""

    tally: Tally
    left_out: int  # persons left out by exclude_groups
    quarter: int
    start: int
    path: Path | None


def cohort_tally(cp: CohortPersons) -> CohortTally:
    """The cohort persons (a batch's or all) tallied by TALLY_KEYS, with TALLY_VALUES and the offer flags."""
    df = cp.frame
    offers = [c for c in df.columns if c.startswith(OFFER_PREFIX)]
    t = tally(df, TALLY_KEYS, TALLY_VALUES, offers, rows=df["row"].to_numpy())
    return CohortTally(t, int(cp.left_out.sum()), cp.quarter, cp.start, cp.path)


def add_cohort_tallies(parts: Sequence[CohortTally]) -> CohortTally:
    """Batches' tallies added (the same in any order)."""
    first = parts[0]
    return CohortTally(add_tallies([p.tally for p in parts]), sum(p.left_out for p in parts), first.quarter, first.start, first.path)
