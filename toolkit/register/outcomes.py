"""Every register table a definitions file asks for (CUBB targets and/or NY CHANCE goals), with the
note on DREAM codes the code list lacks."""

from __future__ import annotations

from toolkit.config.codes import CodeList
from toolkit.config.definitions import Defs
from toolkit.core.errors import DataError
from toolkit.core.table import Table
from toolkit.read.dream import Register, unknown_codes
from toolkit.register.cubb import cubb_tables
from toolkit.register.goals import goal_tables
from toolkit.register.status import monthly_status


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


def register_tables(reg: Register, defs: Defs, unknown: str | None = None) -> list[Table]:
    """Every register table a definitions file asks for (CUBB targets and/or NY CHANCE goals)."""
    note = unknown_code_note(reg, defs.codes, unknown)
    st = monthly_status(reg, defs.codes, defs.spec.employment)
    out: list[Table] = []
    if defs.spec.target_group and (defs.spec.target1 or defs.spec.target2):
        out += cubb_tables(reg, defs, st)
    if defs.spec.goals:
        out += goal_tables(reg, defs, st)
    if note and out:
        out[0].notes.append(note)
    return out
