"""The crosstab run: questionnaire tables of named data sets by a codebook, weighted where given."""

from __future__ import annotations

from typing import Literal, Mapping, Sequence

from toolkit.config.codebook import Codebook
from toolkit.core.errors import ConfigError
from toolkit.pipeline.inputs import Input
from toolkit.pipeline.run import Part, Run, caught_warnings
from toolkit.read.tabular import Dataset
from toolkit.survey.crosstab import build_tables
from toolkit.survey.weights import Weights


def run_crosstab(
    datasets: Mapping[str, Dataset],
    codebook: Codebook | None = None,
    weights: Mapping[str, Weights] | None = None,
    *,
    by: str | None = None,
    letters: bool = False,
    side_by_side: bool = False,
    layout: Literal["columns", "rows"] | None = None,
    only: Sequence[str] | None = None,
    inputs: Sequence[Input] = (),
) -> Run:
    """Every table the codebook asks for (or one per labelled variable); `only`: these tables, in this order."""
    if layout not in (None, "columns", "rows"):
        raise ConfigError(f"layout must be 'columns' or 'rows', not '{layout}'")
    warnings: list[str] = []
    with caught_warnings(warnings):
        tables = build_tables(dict(datasets), codebook or Codebook(), dict(weights or {}), by=by, letters=letters,
                              side_by_side=side_by_side, layout=layout)
    if not tables:
        raise ConfigError("nothing to tabulate: no variable has value labels; give labels and tables in a codebook")
    if only:
        ids = {t.id for t in tables}
        missing = [t for t in only if t not in ids]
        if missing:
            raise ConfigError(f"crosstab: no table '{missing[0]}'; the codebook makes {', '.join(sorted(ids))}")
        order = {t: i for i, t in enumerate(only)}
        tables = sorted((t for t in tables if t.id in order), key=lambda t: order[t.id])
    params = {"by": by, "layout": layout, "letters": letters or None, "side_by_side": side_by_side or None,
              "tables": ", ".join(only) if only else None}
    return Run([Part("", tables)], warnings, list(inputs), {k: v for k, v in params.items() if v})
