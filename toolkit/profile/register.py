"""The residual-group profile from a DREAM register: the cohort's person frame at a quarter
(built with `register.person_frame`), checked, and turned into the profile's tables."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from toolkit.config.codes import CodeList
from toolkit.config.definitions import Defs
from toolkit.core.calendar import quarter_text
from toolkit.core.errors import DataError
from toolkit.core.table import Table
from toolkit.core.tally import N, Tally
from toolkit.profile.notes import persons_text
from toolkit.profile.persons import KEYS, MATCH_GROUPS, NORMALISE, OFFER_PREFIX, OFFER_SUM, REST
from toolkit.profile.tables import ProfileSettings, profile_tables
from toolkit.read.dream import Register
from toolkit.read.tabular import data_row
from toolkit.register import Status
from toolkit.register.features import CohortTally, cohort_persons, cohort_tally
from toolkit.register.goals import GoalCohort


def offer_labels(codes: CodeList) -> list[tuple[str, str]]:
    """(akt_<key>, label) of the code list's activation types, in the code list's order."""
    return [(f"{OFFER_PREFIX}{a.key}", a.label) for a in codes.activation]


def _check_codes(f: pd.DataFrame, column: str, allowed: Sequence[int], what: str, extract_column: str | None, path: Path | None) -> None:
    """A register attribute with a code outside `allowed` (0 = unknown is fine) is an error naming
    the first person at fault (rows of a person frame, or of a tally: persons `n`, first `row`)."""
    v = f[column].to_numpy()
    bad = ~np.isin(v, [0, *allowed])
    if bad.any():
        rows = f["row"].to_numpy()[bad]
        k = int(np.flatnonzero(bad)[np.argmin(rows)])
        persons = int(f[N].to_numpy()[bad].sum()) if N in f else int(bad.sum())
        raise DataError(f"{persons} persons have {what} {v[k]}; expected {', '.join(map(str, allowed))} or blank", path,
                        row=data_row(int(rows.min())), column=extract_column)


def _check_attributes(frame: Callable[[str], pd.DataFrame], defs: Defs, path: Path | None) -> None:
    cols = defs.spec.columns
    _check_codes(frame("kon"), "kon", (1, 2), "sex code", cols.sex, path)
    _check_codes(frame("herkomst"), "herkomst", (1, 2, 3), "origin code", cols.origin, path)
    _check_codes(frame("match"), "match", MATCH_GROUPS, "match group", cols.match, path)


def _residual_status(f: pd.DataFrame) -> pd.Series:
    """In the residual group a person's status is the activation type when activated that month."""
    activated = (f["aktivering"].astype(str) != "") & (f["gruppe"] == REST)
    return pd.Series(np.where(activated, f["aktivering"].astype(object), f["status"].astype(object)), index=f.index)


def register_persons(reg: Register, defs: Defs, quarter: int | None = None, st: Status | None = None,
                     gc: GoalCohort | None = None) -> tuple[pd.DataFrame, int, int, int]:
    """The person frame of the definitions' cohort at a quarter (default: the last observed).

    Built with `outcomes.person_frame`. Persons whose status at the quarter's last month is one of
    the definitions' `exclude_groups` (dead, emigrated, state pension) are left out, as in goal 1's
    denominator, so the employment group's share equals goal 1 for that quarter. In the residual
    group a person's status is the activation type when activated that month, else the benefit
    group (or 'Selvforsørgelse'). Returns the frame, the quarter, the programme start month (when
    seniority is measured) and the number of persons left out. `st`/`gc`: the monthly status and
    cohort when already computed.
    """
    cp = cohort_persons(reg, defs, quarter, st, gc)
    df = cp.frame
    if df.empty:
        raise DataError("nobody in the extract is in the definitions' cohort at the reference quarter", cp.path)
    _check_attributes(lambda _: df, defs, cp.path)
    df["status"] = _residual_status(df)
    return df, cp.quarter, cp.start, int(cp.left_out.sum())


def checked_tally(ct: CohortTally, defs: Defs) -> Tally:
    """The whole cohort's tally checked (codes, someone left) and read as a person file is read
    (`persons.NORMALISE` on the distinct values), with the residual group's status."""
    t = ct.tally
    if t.total() == 0:
        raise DataError("nobody in the extract is in the definitions' cohort at the reference quarter", ct.path)
    _check_attributes(t.frame, defs, ct.path)
    src = str(ct.path) if ct.path else None
    norm = lambda name: lambda s: NORMALISE[name](s, src)  # noqa: E731

    def keys(f: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"gruppe": norm("gruppe")(f["gruppe"]), "status": norm("status")(_residual_status(f)),
                             "kon": norm("kon")(f["kon"]), "herkomst": norm("herkomst")(f["herkomst"])})
    offers = {col: OFFER_SUM + label for col, label in offer_labels(defs.codes)}
    return t.mapped(KEYS, keys, {name: norm(name) for name in ("alder", "match", "anciennitet")}, offers)


def profile_from_register(reg: Register, defs: Defs, quarter: int | None = None,
                          settings: ProfileSettings | None = None, st: Status | None = None,
                          gc: GoalCohort | None = None) -> list[Table]:
    """The residual-group profile of a NY CHANCE-style cohort (definitions with programme/cohort/goals).

    Tables are not yet disclosure-controlled: pass them (with the other register tables) through
    `disclosure.suppress` with the same threshold as `settings.min_cell`.
    """
    return profile_of(cohort_tally(cohort_persons(reg, defs, quarter, st, gc)), defs, settings)


def profile_of(ct: CohortTally, defs: Defs, settings: ProfileSettings | None = None) -> list[Table]:
    """The profile tables from the cohort's tally (`cohort_tally` of all persons, or added over batches)."""
    t = checked_tally(ct, defs)
    q, start, left_out = ct.quarter, ct.start, ct.left_out
    s = replace(settings or ProfileSettings(), reference=quarter_text(q), start=quarter_text(start // 3),
                source=defs.spec.source, offers=offer_labels(defs.codes), drop_empty_offers=True)
    if left_out:
        labels = [defs.codes.groups[i - 1].label.lower() for i in defs.codes.group_ids(defs.spec.exclude_groups)]
        listed = ", ".join(labels[:-1]) + (" eller " if len(labels) > 1 else "") + labels[-1]
        s.group_notes = [f"Anm.: {persons_text(left_out, s.min_cell).capitalize()} fra målgruppen med status {listed} "
                         f"ved udgangen af {quarter_text(q)} indgår ikke."]
    return profile_tables(t, s)
