"""Questionnaire tables from labelled data (single questions; codebook shapes build on this)."""

from __future__ import annotations

import numpy as np

from .io import Dataset
from .table import Cell, Kind, Table

TOTAL = "Total"


def single_question(ds: Dataset, column: str, weights: np.ndarray | None = None) -> Table:
    """Antal / Procent table with a Total row (seed Tabel 3.1): categories in code order.

    System-missing (NaN) is left out of the base; labelled codes (also "Ved ikke") stay in it.
    """
    ds.require([column])
    s = ds.data[column]
    labels = ds.value_labels.get(column, {})
    ok = s.notna().to_numpy()
    codes = sorted(set(labels) | set(s[ok].unique()))
    w = np.ones(len(s)) if weights is None else np.asarray(weights, float)
    rows, cells = [], []
    total_w = w[ok].sum()
    for code in codes:
        hit = ok & (s.to_numpy() == code)
        n = int(hit.sum())
        share = w[hit].sum() / total_w if total_w > 0 else float("nan")
        rows.append(labels.get(code, _fmt_code(code)))
        cells.append([Cell(n, Kind.COUNT, n=n), Cell(share, Kind.PERCENT, n=n)])
    rows.append(TOTAL)
    n_all = int(ok.sum())
    cells.append([Cell(n_all, Kind.COUNT, n=n_all), Cell(1.0 if n_all else float("nan"), Kind.PERCENT, n=n_all)])
    return Table(id=column, title=ds.label(column), row_labels=rows, column_labels=["Antal", "Procent"], cells=cells)


def _fmt_code(code: object) -> str:
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def labelled_tables(ds: Dataset) -> list[Table]:
    """One single-question table per variable that has value labels, in file order."""
    return [single_question(ds, c) for c in ds.data.columns if c in ds.value_labels]


