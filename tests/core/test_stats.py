"""Pearson's chi-square against a hand computation (expected counts from the margins)."""

import math

import numpy as np

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
