"""Respondent weights from `toolkit weight` (an id column and `weight`), validated and matched to a
data file's rows by respondent id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from toolkit.core.codes import id_text
from toolkit.core.errors import DataError
from toolkit.read.tabular import Dataset, rows_text


@dataclass
class Weights:
    """Respondent weights from `toolkit weight`: one weight per id (the CSV's two columns)."""

    values: pd.Series  # float, indexed by respondent id as text (core.codes.id_text)
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
    # `toolkit weight` writes an id such as =1+1 as '=1+1 (spreadsheet-safe CSV): read back as the id it was
    ids = pd.Index(id_text(df[id_col]).str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True), dtype=object)
    dup = ids.duplicated(keep=False)
    if dup.any():
        raise DataError(f"{int(dup.sum())} rows repeat an id; each respondent needs exactly one weight ({rows_text(dup)})", source, column=id_col)
    w = pd.to_numeric(df["weight"], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        raise DataError(f"{int(bad.sum())} weights are missing, zero, negative or not numbers ({rows_text(bad)})", source, column="weight")
    return Weights(pd.Series(w, index=ids), id_col, target, source)


def _some(values: Sequence[Any], k: int = 5) -> str:
    shown = ", ".join(str(x) for x in list(values)[:k])
    return shown + (", …" if len(values) > k else "")


def align_weights(ds: Dataset, weights: Weights) -> np.ndarray:
    """The weight of every row of `ds`, matched by the id column; mismatches are errors."""
    if weights.id_column not in ds.data.columns:
        raise DataError(f"the weights are keyed by '{weights.id_column}', which the data file lacks; "
                        f"the weights file's id column must be the data's respondent id", ds.name, column=weights.id_column)
    ids = pd.Index(id_text(ds.data[weights.id_column]), dtype=object)
    have = weights.values.index
    if ids.duplicated().any():
        raise DataError(f"respondent ids repeat in the data, so weights cannot be matched ({rows_text(ids.duplicated())})",
                        ds.name, column=weights.id_column)
    missing, extra = ids[~ids.isin(have)], have[~have.isin(ids)]
    alike = _equal_as_numbers(missing, extra)
    if alike:
        raise DataError(f"{len(alike)} ids are written differently in the data and in {weights.source} (e.g. "
                        f"{', '.join(f'{a!r} and {b!r}' for a, b in alike[:3])}): equal as numbers, different as text; ids are "
                        "matched exactly as written, so export both files with the same ids (leading zeros kept)",
                        ds.name, column=weights.id_column)
    if len(missing) or len(extra):
        parts = []
        if len(missing):
            parts.append(f"{len(missing)} of {len(ids)} respondents have no weight in {weights.source} (ids {_some(list(missing))})")
        if len(extra):
            parts.append(f"{len(extra)} ids in the weights file are not in the data (ids {_some(list(extra))})")
        raise DataError(f"{'; '.join(parts)}: the weights do not belong to this data file", ds.name, column=weights.id_column)
    return weights.values.to_numpy(float)[have.get_indexer(ids)]


def _equal_as_numbers(missing: pd.Index, extra: pd.Index) -> list[tuple[str, str]]:
    """(data id, weights id) pairs that only differ in how the number is written (017 and 17)."""
    numbers = {}
    for x in extra:
        n = pd.to_numeric(x, errors="coerce")
        if not pd.isna(n):
            numbers.setdefault(float(n), x)
    pairs = []
    for x in missing:
        n = pd.to_numeric(x, errors="coerce")
        if not pd.isna(n) and float(n) in numbers:
            pairs.append((x, numbers[float(n)]))
    return pairs
