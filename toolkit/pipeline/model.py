"""The municipality-model run: register outcomes per municipality + survey indicators → stepwise OLS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Sequence

import pandas as pd

from toolkit.pipeline.inputs import Input
from toolkit.pipeline.run import Part, Run, caught_warnings, policy_parameters, unique
from toolkit.publish.disclosure import Policy, suppress
from toolkit.read.tabular import Dataset

if TYPE_CHECKING:
    from toolkit.config.model import ModelSpec
    from toolkit.municipal import ModelResult


@dataclass
class ModelRun(Run):
    """A model run: besides the tables, the model result (selected variables, fit)."""

    result: "ModelResult | None" = None


def run_model(
    spec: "ModelSpec",
    register: pd.DataFrame,
    surveys: Mapping[str, Dataset],
    *,
    names: Mapping[int, str] | None = None,
    policy: Policy = Policy(),
    register_source: str = "register outcomes",
    inputs: Sequence[Input] = (),
) -> ModelRun:
    """Join the register outcomes with the survey indicators, screen, select, check; suppress small cells.

    The run's `policy` decides both: which data-sheet cells are hidden and – the same rule, before
    anything is estimated – which municipalities stay out of the model (`municipal.protect`)."""
    # statsmodels/scipy take seconds to import: load them only when a model runs
    from toolkit.municipal import register_frame, result_tables
    from toolkit.municipal import run_model as fit_model

    caught: list[str] = []
    with caught_warnings(caught):
        reg = register_frame(register, spec, register_source)  # may say how a percent column's scale was read
        res = fit_model(reg, surveys, spec, names, rules=policy)
    tables = result_tables(res)
    suppress(tables, policy)  # the tables holding register counts
    sel = spec.selection
    params = {"dependent": spec.dependent, "controls": ", ".join(spec.controls), "direction": sel.direction,
              "p_enter": sel.p_enter, "p_remove": sel.p_remove, "robust_se": spec.robust_se, **policy_parameters(policy)}
    return ModelRun([Part("", tables)], unique(res.warnings + caught), list(inputs), params, policy=policy, result=res)

