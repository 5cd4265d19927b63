"""Cell constructors: the stored value and the persons each cell describes (for disclosure)."""

import numpy as np

from toolkit.core.cells import base, count, mean, pct, percent
from toolkit.core.table import Kind


def test_pct_stores_the_fraction_and_describes_the_numerator() -> None:
    c = pct(3, 12)
    assert (c.value, c.kind, c.n) == (0.25, Kind.PERCENT, 3)
    assert pct(0, 0).value is None


def test_percent_keeps_a_computed_share() -> None:
    c = percent(np.float64(0.125), np.int64(7))
    assert (c.value, c.n) == (0.125, 7) and type(c.value) is float and type(c.n) is int
    assert np.isnan(percent(float("nan"), 0).value)


def test_count_base_and_mean() -> None:
    assert (count(np.int64(4)).value, count(4).kind, count(4).n) == (4, Kind.COUNT, 4)
    assert (base(9).value, base(9).kind, base(9).n) == (9, Kind.BASE, 9)
    m = mean(np.array([2.0, np.nan, 4.0]))
    assert (m.value, m.kind, m.n) == (3.0, Kind.MEAN, 2)
    assert mean(np.array([np.nan])).value is None
