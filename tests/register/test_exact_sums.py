"""Sums that outlive a batch add up exactly: `exact_sums` against Python's exact rationals
(fractions.Fraction) and math.fsum, for values of every magnitude, and batches cut anywhere."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from toolkit.register.combine import add_by_key, exact_sums, exact_value


def values(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(0, 1e3, 4_000), rng.random(500) * 1e-300, rng.integers(0, 900, 2_000).astype(float),
                           [1e300, -1e300, 0.1, 0.2, 0.3, np.nan, -0.0, 5e-324]])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_each_groups_sum_is_the_exact_sum_rounded_once(seed: int) -> None:
    v = values(seed)
    g = np.random.default_rng(seed + 10).integers(0, 6, len(v))
    got = exact_sums(g, v, 7)
    for i in range(7):
        mine = v[(g == i) & ~np.isnan(v)]
        want = float(sum((Fraction(x) for x in mine), Fraction(0)))
        assert exact_value(got[i]) == want == math.fsum(mine)
    assert exact_value(got[6]) == 0.0  # a group with no values


@pytest.mark.parametrize("cut", [1, 777, 3_000, 6_400])
def test_batches_add_up_to_the_whole_in_any_order(cut: int) -> None:
    v = values(4)
    g = np.random.default_rng(5).integers(0, 4, len(v))
    codes = np.array([101, 147, 151, 157])
    whole = exact_sums(g, v, 4)
    parts = [(codes[np.unique(g[s])], exact_sums(np.searchsorted(np.unique(g[s]), g[s]), v[s], len(np.unique(g[s]))))
             for s in (slice(cut, None), slice(0, cut))]  # the later batch first
    keys, sums = add_by_key([k for k, _ in parts], [s for _, s in parts])
    assert keys.tolist() == codes.tolist()
    assert [exact_value(x) for x in sums] == [exact_value(x) for x in whole]
    naive = [v[:cut][(g[:cut] == i)].sum() + v[cut:][(g[cut:] == i)].sum() for i in range(4)]
    assert any(a != exact_value(b) for a, b in zip(naive, whole)) or cut == 1  # float sums would differ by batch


def test_rows_summed_per_key_by_hand_and_against_pandas() -> None:
    from toolkit.register.combine import sum_by_key

    keys, sums = sum_by_key(np.array([147, 101, 147, 851, 101, 147]), np.array([[1, 0], [1, 1], [1, 1], [1, 0], [1, 0], [1, 1]]))
    np.testing.assert_array_equal(keys, [101, 147, 851])
    np.testing.assert_array_equal(sums, [[2, 1], [3, 2], [1, 0]])
    assert sums.dtype == np.int64
    empty_keys, empty = sum_by_key(np.zeros(0, np.int32), np.zeros((0, 3), np.int64))
    assert empty_keys.shape == (0,) and empty.shape == (0, 3)
    rng = np.random.default_rng(5)
    k, rows = rng.integers(100, 120, 5000).astype(np.int32), rng.integers(0, 3, (5000, 4))
    got_keys, got = sum_by_key(k, rows)
    want = pd.DataFrame(rows).groupby(k).sum()
    np.testing.assert_array_equal(got_keys, want.index.to_numpy())
    np.testing.assert_array_equal(got, want.to_numpy())
