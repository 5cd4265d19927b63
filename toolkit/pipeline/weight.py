"""The weighting run: rake a survey to population margins; diagnostics tables and the weights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import pandas as pd

from toolkit.config.margins import Margins
from toolkit.pipeline.inputs import Input
from toolkit.pipeline.run import Part, Run
from toolkit.read.tabular import Dataset
from toolkit.survey.weight_tables import diagnostics
from toolkit.survey.weighting import (
    DEFAULT_MAX_ITER,
    DEFAULT_TOL,
    Trim,
    WeightingResult,
    respondent_ids,
    weight_dataset,
    weights_frame,
)


@dataclass
class WeightRun(Run):
    """A weighting run: besides the diagnostics tables, the raking result and the respondent ids."""

    result: WeightingResult | None = None
    ids: pd.Series | None = None

    def weights(self) -> pd.DataFrame:
        """`id,weight`, one row per respondent in data order (what `toolkit weight` writes)."""
        assert self.result is not None and self.ids is not None
        return weights_frame(self.result, self.ids)


def weight_columns(margins: Margins, id_column: str, base_weight: str | None = None) -> list[str]:
    """The columns weighting reads: the id, the margins' variables and the base weight."""
    return list(dict.fromkeys([id_column, *margins.variables, *([base_weight] if base_weight else [])]))


def run_weight(
    data: Dataset,
    margins: Margins,
    *,
    id_column: str,
    base_weight: str | None = None,
    scale: Literal["population", "n"] = "population",
    trim: str | None = None,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    inputs: Sequence[Input] = (),
) -> WeightRun:
    """Rake the respondents to the margins (trimmed if asked); an unconverged result is an error."""
    ids = respondent_ids(data, id_column)
    result = weight_dataset(data, margins, base_weight, scale, Trim.parse(trim) if trim else None, tol, max_iter)
    params = {"id": id_column, "base_weight": base_weight, "trim": trim, "scale": scale, "max_iter": max_iter, "tol": tol}
    return WeightRun(
        parts=[Part("", diagnostics(result))],
        warnings=[f"{w} ({margins.source})" for w in margins.warnings],
        inputs=list(inputs),
        parameters={k: v for k, v in params.items() if v is not None},
        result=result,
        ids=ids,
    )
