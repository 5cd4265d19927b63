"""Respondent weights from `toolkit weight` (an id column and `weight`), validated and matched to a
data file's rows by respondent id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from toolkit.core.codes import code_key, show_code
from toolkit.core.errors import DataError
from toolkit.read.tabular import Dataset, rows_text


@dataclass
class Weights:
    """Respondent weights from `toolkit weight`: one weight per id (the CSV's two columns)."""

    values: pd.Series  # float, indexed by respondent id
    id_column: str
    target: str | None = None  # what the weights make the sample match (for the note)
    source: str = "<weights>"


def weights_from_frame(df: pd.DataFrame, source: str = "<weights>", target: str | None = None) -> Weights:
    """Validate a weights table: exactly an id column and `weight`, unique ids, positive weights."""
    cols = [str(c) for c in df.columns]
    if len(cols) != 2 or "weight" not in cols:
        raise DataError(f"a weights file must have exactly two columns, the respondent id and 'weight'; it has {', '.join(cols)}", source)
    id_col = cols[0] if cols[1] == "weight" else cols[1]
    if len(df) == 0:
        raise DataError("the weights file has no rows", source)
    ids = pd.Index(_normal_ids(df[id_col]))
    dup = ids.duplicated(keep=False)
    if dup.any():
        raise DataError(f"{int(dup.sum())} rows repeat an id; each respondent needs exactly one weight ({rows_text(dup)})", source, column=id_col)
    w = pd.to_numeric(df["weight"], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        raise DataError(f"{int(bad.sum())} weights are missing, zero, negative or not numbers ({rows_text(bad)})", source, column="weight")
    return Weights(pd.Series(w, index=ids), id_col, target, source)


def _normal_ids(s: pd.Series) -> np.ndarray:
    """Ids in one comparable form: numbers as float (17, 17.0 and "17" alike), other ids as text."""
    num = pd.to_numeric(s, errors="coerce")
    if num.notna().sum() == s.notna().sum():
        return num.to_numpy(float)
    fcodes, uniques = pd.factorize(s, use_na_sentinel=True)
    shown = np.array([show_code(code_key(u)) for u in uniques] + [None], dtype=object)
    return shown[fcodes]


def _some(values: Sequence[Any], k: int = 5) -> str:
    shown = ", ".join(str(x) for x in list(values)[:k])
    return shown + (", …" if len(values) > k else "")


def align_weights(ds: Dataset, weights: Weights) -> np.ndarray:
    """The weight of every row of `ds`, matched by the id column; mismatches are errors."""
    if weights.id_column not in ds.data.columns:
        raise DataError(f"the weights are keyed by '{weights.id_column}', which the data file lacks; "
                        f"the weights file's id column must be the data's respondent id", ds.name, column=weights.id_column)
    ids = pd.Index(_normal_ids(ds.data[weights.id_column]))
    have = weights.values.index
    if ids.dtype != have.dtype:  # numeric ids on one side, text on the other: compare as text
        ids, have = pd.Index(_as_text(ids), dtype=object), pd.Index(_as_text(have), dtype=object)
    if ids.duplicated().any():
        raise DataError(f"respondent ids repeat in the data, so weights cannot be matched ({rows_text(ids.duplicated())})",
                        ds.name, column=weights.id_column)
    missing, extra = ids[~ids.isin(have)], have[~have.isin(ids)]
    if len(missing) or len(extra):
        parts = []
        if len(missing):
            parts.append(f"{len(missing)} of {len(ids)} respondents have no weight in {weights.source} (ids {_some(_as_text(missing))})")
        if len(extra):
            parts.append(f"{len(extra)} ids in the weights file are not in the data (ids {_some(_as_text(extra))})")
        raise DataError(f"{'; '.join(parts)}: the weights do not belong to this data file", ds.name, column=weights.id_column)
    return weights.values.to_numpy(float)[have.get_indexer(ids)]


def _as_text(ids: Sequence[Any]) -> list[Any]:
    return [show_code(x) if isinstance(x, float) else x for x in ids]
