"""Pearson's chi-square of independence, the one copy every analysis uses (questionnaire tables,
register tables, the residual-group profile)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Only scipy.special (0.2 s to import) is used, inside the function: scipy.stats takes a second
# to import, and every register run (and `toolkit` start-up) would pay for it.


@dataclass(frozen=True)
class ChiSquare:
    """Pearson's X² for a contingency table (the unweighted test)."""

    statistic: float
    df: int
    p: float
    small_expected: float  # share of cells with expected count < 5 (a reader's caveat)


def pearson_chi2(counts: np.ndarray) -> ChiSquare:
    """Pearson chi-square of independence (no continuity correction, as SPSS prints it).

    Rows or columns that are empty are dropped first, so a category no one chose doesn't
    make the test undefined; with fewer than two rows or columns left the result is NaN.
    """
    from scipy.special import chdtrc  # the chi-square survival function

    t = np.asarray(counts, float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if min(t.shape) < 2:
        return ChiSquare(float("nan"), 0, float("nan"), 0.0)
    expected = np.outer(t.sum(axis=1), t.sum(axis=0)) / t.sum()
    stat = float(((t - expected) ** 2 / expected).sum())
    df = (t.shape[0] - 1) * (t.shape[1] - 1)
    return ChiSquare(stat, df, float(chdtrc(df, stat)), float((expected < 5).mean()))
