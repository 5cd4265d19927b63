"""The whole municipality analysis as one call: join → bivariate screen → stepwise → robustness.

Returns plain results (DataFrames, Fits); `tables.py` turns them into Tables. Problems that
don't stop the analysis are collected as warnings (and emitted as ModelWarning).
"""

from __future__ import annotations

import warnings as _warnings
from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd

from toolkit.config.model import ModelSpec
from toolkit.core.errors import DataError, ToolkitWarning
from toolkit.core.fmt import dk
from toolkit.municipal.join import Joined, join
from toolkit.municipal.ols import Fit, ols, vif
from toolkit.municipal.protect import Rules
from toolkit.municipal.stepwise import Selection, stepwise
from toolkit.read.tabular import Dataset


class ModelWarning(ToolkitWarning):
    """A problem in the model's input that the analysis worked around (the message names it)."""


@dataclass
class Robustness:
    """The selected model on the main and other dependent variables, with robust SEs and VIFs."""

    main_hc: Fit
    others: dict[str, tuple[Fit, Fit]]  # dependent -> (classic fit, HC fit)
    vif: pd.Series


@dataclass
class ModelResult:
    """Everything the model tables show."""

    spec: ModelSpec
    joined: Joined
    screen: pd.DataFrame
    selection: Selection
    robustness: Robustness
    warnings: list[str] = field(default_factory=list)  # English, for the terminal
    notes: list[str] = field(default_factory=list)  # the same problems as Danish "Anm.:" lines

    @property
    def fit(self) -> Fit:
        return self.selection.fit


SCREEN_COLUMNS = ["b", "se", "p", "r2", "n"]


def _row(fit: Fit | str, x: str) -> dict[str, float | str]:
    if isinstance(fit, str):
        return {"b": float("nan"), "se": float("nan"), "p": float("nan"), "r2": float("nan"), "n": float("nan"), "note": fit}
    return {"b": float(fit.params[x]), "se": float(fit.bse[x]), "p": float(fit.pvalues[x]), "r2": fit.rsquared, "n": fit.n, "note": ""}


def screen(frame: pd.DataFrame, y: str, candidates: list[str], controls: list[str]) -> pd.DataFrame:
    """Bivariate OLS of y on each candidate, without and with the controls (available cases).

    Columns b/se/p/r2/n for the bivariate model and b_k/se_k/p_k/r2_k/n_k with controls;
    sorted by the bivariate p-value.
    """
    rows = []
    for c in candidates:
        row: dict[str, object] = {"name": c}
        for suffix, xs in (("", [c]), ("_k", controls + [c])):
            try:
                got: Fit | str = ols(frame, y, xs)
            except DataError as e:
                got = e.message
            for k, v in _row(got, c).items():
                row[k + suffix] = v
        rows.append(row)
    out = pd.DataFrame(rows, columns=["name"] + SCREEN_COLUMNS + ["note"] + [c + "_k" for c in SCREEN_COLUMNS] + ["note_k"])
    return out.sort_values(["p", "name"], na_position="last", kind="stable").reset_index(drop=True)


def run_model(
    register: pd.DataFrame,
    surveys: Mapping[str, Dataset],
    spec: ModelSpec,
    names: Mapping[int, str] | None = None,
    *,
    rules: Rules | None = None,
) -> ModelResult:
    """Join, screen, select and check the municipality model described by `spec`; with `rules`
    (the run's disclosure rules) a register value they suppress enters no estimate."""
    j = join(register, surveys, spec, names, rules=rules)
    base = j.usable.loc[j.base]
    scr = screen(base, spec.dependent, j.candidates, spec.controls)
    sel = spec.selection
    sample = j.usable.loc[j.sample]  # hidden register values are missing here
    selection = stepwise(sample, spec.dependent, j.candidates, spec.controls, sel.direction, sel.p_enter, sel.p_remove, sel.max_steps)
    warns = list(j.warnings)
    notes = [j.protect_note] if j.protect_note else []
    notes += [f"Anm.: {v.label} er udeladt ({v.status.removeprefix('udeladt: ')})." for v in j.variables.values() if v.status]
    for c, why in selection.skipped.items():
        warns.append(f"indicator '{c}' ({j.label(c)}) could not enter the selection: {why}")
        what = "samme værdi i alle kommuner i modellen" if "constant" in why else "perfekt kollinear med de valgte variable"
        notes.append(f"Anm.: {j.label(c)} kunne ikke indgå i selektionen ({what}).")
    xs = selection.variables
    main_hc = ols(sample, spec.dependent, xs, cov_type=spec.robust_se)
    others: dict[str, tuple[Fit, Fit]] = {}
    for r in spec.robustness:
        try:
            others[r] = (ols(sample, r, xs), ols(sample, r, xs, cov_type=spec.robust_se))
        except DataError as e:
            warns.append(f"robustness model for '{r}' could not be estimated: {e.message}")
            notes.append(f"Anm.: Modellen kunne ikke genberegnes på {j.label(r)}.")
    v = vif(sample, xs) if len(xs) >= 2 else pd.Series(1.0, index=xs, dtype=float)
    for x, val in v.items():
        if val > 10:
            warns.append(f"variable '{x}' ({j.label(str(x))}) has VIF {val:.1f} (> 10) in the selected model: strong collinearity")
            notes.append(f"Anm.: {j.label(str(x))} har VIF {dk(val, 1)} (over 10) i den udvalgte model: stærk kollinearitet.")
    for w in warns:
        _warnings.warn(w, ModelWarning, stacklevel=2)
    return ModelResult(spec, j, scr, selection, Robustness(main_hc, others, v), warns, notes)
