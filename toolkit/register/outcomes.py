"""Every register table a definitions file asks for (CUBB targets and/or NY CHANCE goals), with the
note on DREAM codes the code list lacks."""

from __future__ import annotations

from typing import Literal

from toolkit.config.codes import CodeList
from toolkit.config.definitions import Defs
from toolkit.core.errors import DataError
from toolkit.core.table import Table
from toolkit.read.dream import Register, unknown_codes
from toolkit.register.cubb import cubb_tables
from toolkit.register.goals import GoalCohort, goal_tables
from toolkit.register.status import Status, monthly_status
from toolkit.register.target_group import Cohort

Which = Literal["all", "cubb", "goals"]


def unknown_code_note(reg: Register, codes: CodeList, policy: str | None = None) -> str | None:
    """Codes the code list lacks: an error (policy 'error') or an 'Anm.:' line listing them."""
    unknown = unknown_codes(reg, codes.known)
    if not unknown:
        return None
    listed = ", ".join(f"{c} ({k} uger)" for c, k in sorted(unknown.items())[:20])
    if (policy or codes.unknown) == "error":
        raise DataError(f"{len(unknown)} benefit code(s) not in the code list {codes.path}: {', '.join(map(str, sorted(unknown)))}; "
                        "add them to a group or set unknown_codes: other", reg.path)
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
    note = unknown_code_note(reg, defs.codes, unknown)
    st = st or monthly_status(reg, defs.codes, defs.spec.employment)
    cubb, goals = asks_for(defs, which)
    out: list[Table] = []
    if cubb:
        out += cubb_tables(reg, defs, st, coh)
    if goals:
        out += goal_tables(reg, defs, st, gc)
    if note and out:
        out[0].notes.append(note)
    return out
