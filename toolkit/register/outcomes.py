"""Every register table a definitions file asks for (CUBB targets and/or NY CHANCE goals), with the
note on DREAM codes the code list lacks."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

from toolkit.config.codes import CodeList
from toolkit.config.definitions import Defs
from toolkit.core.errors import DataError
from toolkit.core.table import Table
from toolkit.read.dream import Register, code_counts, unknown_codes
from toolkit.register.cubb import CubbCounts, cubb_counts, cubb_persons, cubb_tables_of
from toolkit.register.goals import GoalCohort, GoalSums, Quarters, goal_sums, goal_tables_of, select_cohort, series_of
from toolkit.register.status import Status, monthly_status
from toolkit.register.target_group import Cohort

Which = Literal["all", "cubb", "goals"]


def unknown_code_note(counts: Register | np.ndarray, codes: CodeList, policy: str | None = None, path: Path | None = None) -> str | None:
    """Codes the code list lacks (in a Register or its person-weeks per code): an error (policy
    'error') or an 'Anm.:' line listing them."""
    unknown = unknown_codes(counts, codes.known)
    if not unknown:
        return None
    listed = ", ".join(f"{c} ({k} uger)" for c, k in sorted(unknown.items())[:20])
    if (policy or codes.unknown) == "error":
        raise DataError(f"{len(unknown)} benefit code(s) not in the code list {codes.path}: {', '.join(map(str, sorted(unknown)))}; "
                        "add them to a group or set unknown_codes: other", counts.path if isinstance(counts, Register) else path)
    return f"Anm.: DREAM-koder, der ikke findes i kodelisten, er regnet som 'Andet': {listed}."


def asks_for(defs: Defs, which: Which = "all") -> tuple[bool, bool]:
    """(CUBB targets?, NY CHANCE goals?): which tables a definitions file asks for, within `which`."""
    spec = defs.spec
    cubb = which != "goals" and spec.target_group is not None and bool(spec.target1 or spec.target2)
    return cubb, which != "cubb" and bool(spec.goals)


def register_tables(reg: Register, defs: Defs, unknown: str | None = None, *, which: Which = "all",
                    st: Status | None = None, coh: Cohort | None = None, gc: GoalCohort | None = None) -> list[Table]:
    """Every register table a definitions file asks for (CUBB targets and/or NY CHANCE goals;
    `which`: only one of them); `st`, `coh`, `gc`: the monthly status and cohorts when already computed."""
    unknown_code_note(reg, defs.codes, unknown)  # before the work: an unknown code may be an error
    st = st or monthly_status(reg, defs.codes, defs.spec.employment)
    cubb, goals = asks_for(defs, which)
    if goals:
        gc = gc or select_cohort(reg, defs)
    return tables_of(defs, code_counts(reg), unknown, cubb=cubb_counts(cubb_persons(reg, defs, st, coh)) if cubb else None,
                     goals=(gc, goal_sums(reg, st, gc, defs)) if goals and gc is not None else None, path=reg.path)


def tables_of(defs: Defs, counts: np.ndarray, unknown: str | None = None, *, cubb: CubbCounts | None = None,
              goals: tuple[Quarters, list[GoalSums]] | None = None, path: Path | None = None) -> list[Table]:
    """The register tables from the analyses' results over all persons (`cubb_counts`, the cohort
    and its `goal_sums`, each joined over batches) and the person-weeks per code (the unknown-code note)."""
    note = unknown_code_note(counts, defs.codes, unknown, path)
    out: list[Table] = []
    if cubb is not None:
        out += cubb_tables_of(cubb, defs)
    if goals is not None:
        gc, sums = goals
        out += goal_tables_of(series_of(sums, gc, defs), gc, defs)
    if note and out:
        out[0].notes.append(note)
    return out
