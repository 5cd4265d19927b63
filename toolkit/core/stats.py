"""Pearson's chi-square of independence, the one copy every analysis uses (questionnaire tables,
register tables, the residual-group profile)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# scipy.stats is imported inside the function: it takes a second to import and every `toolkit`
# command would pay for it at start-up.


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
    from scipy import stats

    t = np.asarray(counts, float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if min(t.shape) < 2:
        return ChiSquare(float("nan"), 0, float("nan"), 0.0)
    stat, p, df, expected = stats.chi2_contingency(t, correction=False)
    return ChiSquare(float(stat), int(df), float(p), float((expected < 5).mean()))
