"""Disclosure control inside the model: a register value the run's rules hide is a value the model
does not have.

A published regression is arithmetic on its sample. With the coefficients and every other
municipality's values shown, the normal equations X'(y − Xb) = 0 are linear in a hidden value of
one municipality (its outcome, or a register regressor through the constant's equation), and so
are a mean, sd, min or max over the sample; a bivariate screen's slope pins a hidden candidate
value the same way. Hence the rule: every register value of the model (dependent, robustness
outcomes, controls, register candidates) that the run's disclosure rules suppress for its own
size (`Rules.small`: fewer persons than the threshold, or a complement below it when complements
are protected; `publish.disclosure.Policy` is such rules) is treated as missing by every
estimate – before screening, selection and estimation. A municipality whose dependent variable
or control is hidden is thus out of the model; a hidden candidate value takes the municipality
out unless the candidate itself is left out (missing or hidden for more than `max_missing` of the
municipalities, as for any missing value); a hidden robustness outcome keeps the municipality out
of that robustness model only. The data sheet still shows the value as `x`, and nothing
published depends on it.
"""

from __future__ import annotations

import math
from typing import Mapping, Protocol

import pandas as pd

from toolkit.core.table import Cell, Kind


class Rules(Protocol):
    """The run's disclosure rules as the model needs them (`publish.disclosure.Policy` is one)."""

    @property
    def threshold(self) -> int: ...

    @property
    def complements(self) -> bool: ...

    def small(self, c: Cell) -> bool: ...


def register_cell(value: float | None, *, persons: int | None, percent: bool) -> Cell:
    """A municipality's register value as published, with the persons it describes: a mean
    describes all the municipality's persons, a share its share × persons of them."""
    kind = Kind.PERCENT if percent else Kind.MEAN
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Cell(None, kind, n=persons)
    if percent and persons is not None:
        return Cell(float(value), kind, n=int(round(float(value) * persons)), of=persons)
    return Cell(float(value), kind, n=persons)


def persons_of(persons: pd.Series | None, k: object) -> int | None:
    """The persons behind municipality k's register values (None when not declared)."""
    if persons is None or pd.isna(persons.get(k)):
        return None
    return int(persons[k])


def hidden(frame: pd.DataFrame, persons: pd.Series | None, percent: Mapping[str, bool], rules: Rules) -> pd.DataFrame:
    """True where a register value (a column in `percent`) is one the rules suppress for its own
    size; a missing value is not hidden (there is nothing to publish)."""
    out = pd.DataFrame(False, index=frame.index, columns=list(percent))
    for k in frame.index:
        n = persons_of(persons, k)
        for c, pct in percent.items():
            v = frame.at[k, c]
            out.at[k, c] = not pd.isna(v) and rules.small(register_cell(float(v), persons=n, percent=pct))
    return out


def note(count: int, rules: Rules) -> str:
    """The Danish note saying how many municipalities disclosure control left out, and why
    (the threshold only: never a count of persons)."""
    t = rules.threshold
    who = "1 kommune er" if count == 1 else f"{count} kommuner er"
    its = "dens" if count == 1 else "deres"
    small = f"omfatter færre end {t} personer" + (f" eller alle på nær færre end {t}" if rules.complements else "")
    return (f"Anm.: {who} udeladt af modellen af hensyn til diskretionering: mindst ét af {its} registertal i modellen "
            f"{small} og er skjult i kommunedata; med i modellen kunne værdien regnes tilbage fra de offentliggjorte "
            "koefficienter og beskrivende tal. Skjulte registertal indgår ikke i nogen beregning.")


def warning(codes: pd.Index, rules: Rules) -> str:
    """The English warning for the terminal (and the run's warnings)."""
    t = rules.threshold
    shown = ", ".join(str(k) for k in codes[:10]) + (f" and {len(codes) - 10} more" if len(codes) > 10 else "")
    return (f"{len(codes)} municipalit{'y' if len(codes) == 1 else 'ies'} left out of the model for disclosure control "
            f"({shown}): a register value the model needs describes fewer than {t} persons"
            + (f" (or all but fewer than {t})" if rules.complements else "")
            + "; published coefficients and descriptives would give it back")
