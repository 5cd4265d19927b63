"""The cell constructors every analysis uses: percent (a fraction), count, base (N) and mean cells,
each carrying the number of persons it describes (what disclosure control checks)."""

from __future__ import annotations

import numpy as np

from toolkit.core.table import Cell, Kind


def percent(share: float | None, n: int, of: int | None = None) -> Cell:
    """A percent cell holding a fraction (0.077, not 7.7) that describes n persons (of `of`, when
    known); None = no base."""
    return Cell(None if share is None else float(share), Kind.PERCENT, n=int(n), of=None if of is None else int(of))


def pct(k: int, n: int) -> Cell:
    """k persons out of n as a percent cell (it describes the k, its complement the n − k); None when n is 0."""
    return percent(k / n if n else None, k, n)


def count(k: int) -> Cell:
    """A count of k persons."""
    return Cell(int(k), Kind.COUNT, n=int(k))


def base(n: int) -> Cell:
    """The N of n persons a percentage is computed on."""
    return Cell(int(n), Kind.BASE, n=int(n))


def mean(values: np.ndarray) -> Cell:
    """The mean of the known (non-NaN) values, describing those persons; None when none is known."""
    known = np.asarray(values, float)
    known = known[~np.isnan(known)]
    return Cell(float(known.mean()) if len(known) else None, Kind.MEAN, n=len(known))
