"""Stepwise variable selection by p-values (forward, backward or both), forced controls kept.

As in SPSS's STEPWISE: a candidate enters when its t-test p-value in the enlarged model is the
smallest and below p_enter; a selected variable leaves when its p-value exceeds p_remove.
All models are fitted on one fixed set of municipalities so that steps are comparable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm

from toolkit.core.errors import DataError
from toolkit.core.fmt import dk
from toolkit.municipal.ols import Fit, _check, check_design, collinearity, complete, ols


@dataclass
class Step:
    """One line of the selection trace."""

    step: int
    action: str  # "start" | "add" | "remove" | "stop"
    variable: str | None
    p: float | None
    rsquared: float
    rsquared_adj: float
    k: int  # regressors in the model after the step (controls included)
    note: str = ""
    nearest: str | None = None  # a stop: the candidate nearest to entering (its p is in the note)


@dataclass
class Selection:
    """The outcome of stepwise selection: chosen variables, the trace and the final fit."""

    forced: list[str]
    selected: list[str]
    trace: list[Step]
    fit: Fit
    skipped: dict[str, str] = field(default_factory=dict)  # candidate -> why it could not enter

    @property
    def variables(self) -> list[str]:
        return self.forced + self.selected


class _Trials:
    """Fast trial fits on the fixed sample (numpy arrays into statsmodels; no pandas per fit)."""

    def __init__(self, d: pd.DataFrame, y: str, names: list[str]) -> None:
        self.y = y
        self.yv = d[y].to_numpy(float)
        self.col = {c: k for k, c in enumerate(names)}
        self.x = d[names].to_numpy(float)

    def p_last(self, xs: list[str]) -> float | str:
        """p-value of the last regressor in xs, or why the model can't be estimated."""
        xv = self.x[:, [self.col[c] for c in xs]]
        try:
            _check(self.yv, xv, self.y, xs)
        except DataError as e:
            return e.message
        exog = np.column_stack([np.ones(len(self.yv)), xv])
        return float(sm.OLS(self.yv, exog).fit().pvalues[-1])


def stepwise(
    frame: pd.DataFrame,
    y: str,
    candidates: Sequence[str],
    forced: Sequence[str] = (),
    direction: str = "both",
    p_enter: float = 0.05,
    p_remove: float = 0.10,
    max_steps: int = 200,
) -> Selection:
    """Select among `candidates` by p-to-enter / p-to-remove; `forced` stay in every model."""
    if direction not in ("forward", "backward", "both"):
        raise ValueError(f"direction must be forward, backward or both, not {direction!r}")
    forced, candidates = list(forced), [c for c in candidates if c not in forced]
    d = complete(frame, [y] + forced + candidates)
    check_design(d, y, forced)
    skipped: dict[str, str] = {}
    trials = _Trials(d, y, forced + candidates)
    if direction == "backward":
        current = _backward_start(d, y, forced, candidates, skipped)
    else:
        current = []
    fit = ols(d, y, forced + current)
    trace = [Step(0, "start", None, None, fit.rsquared, fit.rsquared_adj, len(forced) + len(current))]
    seen = {frozenset(current)}
    step = 0

    def record(action: str, var: str | None, p: float | None, f: Fit, note: str = "", nearest: str | None = None) -> None:
        trace.append(Step(step, action, var, p, f.rsquared, f.rsquared_adj, len(f.xs), note, nearest))

    while step < max_steps:
        changed = False
        best: tuple[float, str] | None = None
        if direction in ("forward", "both") and len(d) <= len(forced) + len(current) + 2:
            record("stop", None, None, fit, f"for få kommuner ({len(d)}) til at tilføje flere variable")
            break
        if direction in ("forward", "both"):
            for c in candidates:
                if c in current or c in skipped:
                    continue
                got = trials.p_last(forced + current + [c])
                if isinstance(got, str):
                    if "collinear" in got or "constant" in got:
                        skipped[c] = got
                    continue
                if best is None or got < best[0]:
                    best = (got, c)
            if best is not None and best[0] < p_enter:
                step += 1
                current.append(best[1])
                fit = ols(d, y, forced + current)
                record("add", best[1], float(fit.pvalues[best[1]]), fit)
                changed = True
        if direction in ("backward", "both") and current:
            while step < max_steps:
                pv = fit.pvalues[current]
                worst = str(pv.idxmax())
                if float(pv[worst]) <= p_remove:
                    break
                step += 1
                current.remove(worst)
                p_worst = float(pv[worst])
                fit = ols(d, y, forced + current)
                record("remove", worst, p_worst, fit)
                changed = True
        if direction == "backward":
            record("stop", None, None, fit, f"alle udvalgte har p ≤ {dk(p_remove, None)}")
            break
        if not changed:
            why = f"ingen kandidat har p < {dk(p_enter, None)}"
            if best is not None:
                why += f"; mindste p = {dk(best[0], 3)}"
            record("stop", None, None, fit, why, best[1] if best is not None else None)
            break
        state = frozenset(current)
        if state in seen and direction == "both":
            record("stop", None, None, fit, "samme model som et tidligere trin; selektionen stopper")
            break
        seen.add(state)
    else:
        record("stop", None, None, fit, f"største antal trin ({max_steps}) nået")
    return Selection(forced, current, trace, fit, skipped)


def _backward_start(d: pd.DataFrame, y: str, forced: list[str], candidates: list[str], skipped: dict[str, str]) -> list[str]:
    """All candidates, minus those that are collinear with earlier ones; too few rows is an error."""
    current = list(candidates)
    _enough_rows(d, forced, current)
    while True:
        hit = collinearity(d[forced + current]) if forced + current else None
        if hit is None or hit[0] in forced:
            break
        name, deps = hit
        skipped[name] = f"perfectly collinear with {', '.join(deps)}" if deps else "constant"
        current.remove(name)
    _enough_rows(d, forced, current)
    return current


def _enough_rows(d: pd.DataFrame, forced: list[str], current: list[str]) -> None:
    k = len(forced) + len(current) + 1
    if len(d) <= k:
        raise DataError(
            f"backward selection starts from all {len(current)} candidates plus {len(forced)} controls and a constant "
            f"({k} parameters) but only {len(d)} municipalities have complete data: use direction 'forward' or 'both', "
            "or fewer candidates",
            column=current[-1] if current else None,
        )
