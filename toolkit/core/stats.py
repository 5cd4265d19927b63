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


@dataclass(frozen=True)
class Moments:
    """Count, mean and sample variance (ddof 1; NaN below two values) of some values."""

    n: int
    mean: float
    var: float


def moments(values: np.ndarray, counts: np.ndarray) -> Moments:
    """The moments of values given with their counts, computed exactly (rational sums) and rounded
    once: the same however the values were batched or ordered."""
    from fractions import Fraction

    n = int(np.sum(counts))
    if n == 0:
        return Moments(0, float("nan"), float("nan"))
    xs = [(Fraction(float(v)), int(c)) for v, c in zip(values, counts)]
    s = sum((x * c for x, c in xs), Fraction(0))
    s2 = sum((x * x * c for x, c in xs), Fraction(0))
    var = float((s2 - s * s / n) / (n - 1)) if n > 1 else float("nan")
    return Moments(n, float(s / n), var)


@dataclass(frozen=True)
class TTest:
    statistic: float
    df: float
    p: float


def welch_t(a: Moments, b: Moments) -> TTest:
    """Welch's t-test of two means (unequal variances, Welch-Satterthwaite df, two-sided), as
    scipy's `ttest_ind(equal_var=False)` computes it; not finite when neither group varies."""
    from scipy.special import stdtr  # Student's t distribution function (scipy.stats takes a second to import)

    with np.errstate(all="ignore"):
        va, vb = np.float64(a.var) / a.n, np.float64(b.var) / b.n
        se2 = va + vb
        t = (np.float64(a.mean) - b.mean) / np.sqrt(se2)
        df = se2 ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1))
        p = 2 * stdtr(df, -abs(t)) if np.isfinite(t) else np.float64("nan")
    return TTest(float(t), float(df), float(p))
