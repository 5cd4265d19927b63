"""Pearson's chi-square against a hand computation (expected counts from the margins)."""

import math

import numpy as np
import pytest

from toolkit.core.stats import pearson_chi2


def test_pearson_chi2_matches_the_hand_computation() -> None:
    t = pearson_chi2(np.array([[10, 20], [30, 40]]))
    # margins 30/70 × 40/60 of 100: expected 12, 18, 28, 42; every cell is 2 off
    x2 = 4 / 12 + 4 / 18 + 4 / 28 + 4 / 42
    assert math.isclose(t.statistic, x2, rel_tol=1e-12)
    assert t.df == 1
    assert math.isclose(t.p, math.erfc(math.sqrt(x2 / 2)), rel_tol=1e-9)  # χ²(1) tail
    assert t.small_expected == 0.0


def test_empty_rows_and_columns_are_dropped_and_one_category_is_not_testable() -> None:
    full = pearson_chi2(np.array([[10, 0, 20], [0, 0, 0], [30, 0, 40]]))
    assert math.isclose(full.statistic, pearson_chi2(np.array([[10, 20], [30, 40]])).statistic)
    assert full.df == 1
    assert math.isnan(pearson_chi2(np.array([[3, 0], [4, 0]])).p)


def test_share_of_small_expected_cells() -> None:
    # expected counts: row 1 (n=6) gets 3 and 3, row 2 (n=94) gets 47 and 47 → half the cells are below 5
    assert pearson_chi2(np.array([[1, 5], [49, 45]])).small_expected == 0.5


def test_pearson_chi2_agrees_with_scipy_on_a_larger_table() -> None:
    from scipy import stats

    t = np.array([[12, 30, 7], [25, 18, 40], [9, 9, 3]])
    ours = pearson_chi2(t)
    stat, p, df, expected = stats.chi2_contingency(t, correction=False)
    assert math.isclose(ours.statistic, stat, rel_tol=1e-12)
    assert math.isclose(ours.p, p, rel_tol=1e-9)
    assert ours.df == df == 4
    assert ours.small_expected == float((expected < 5).mean())


def test_moments_of_counted_values_equal_the_values_themselves() -> None:
    import statistics

    from toolkit.core.stats import moments

    values, counts = np.array([3.0, 0.1, 17.5, 2.0 ** -30]), np.array([4, 1, 2, 3])
    data = np.repeat(values, counts).tolist()
    m = moments(values, counts)
    # the statistics module sums exactly too (Fractions), then rounds once
    assert m.n == 10 and m.mean == statistics.fmean(data) and m.var == statistics.variance(data)
    assert np.isnan(moments(np.array([5.0]), np.array([1])).var) and moments(np.array([]), np.array([], int)).n == 0


def test_welch_t_equals_scipy() -> None:
    from scipy import stats as sps

    from toolkit.core.stats import moments, welch_t

    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 300, 41).astype(float), rng.integers(20, 260, 7).astype(float)
    ref = sps.ttest_ind(a, b, equal_var=False)
    got = welch_t(moments(*np.unique(a, return_counts=True)), moments(*np.unique(b, return_counts=True)))
    assert got.statistic == pytest.approx(ref.statistic, rel=1e-12) and got.df == pytest.approx(ref.df, rel=1e-12)
    assert got.p == pytest.approx(ref.pvalue, rel=1e-10)
    flat = welch_t(moments(np.array([4.0]), np.array([3])), moments(np.array([4.0]), np.array([5])))
    assert not np.isfinite(flat.statistic)  # neither group varies: no test
