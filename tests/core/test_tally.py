"""The person tally (`core.tally`): counted by hand, and batches of persons adding up to the tally
of all of them in any order – what lets the profile keep nothing per person after a batch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from toolkit.core.tally import Tally, add_tallies, tally


def small() -> pd.DataFrame:
    return pd.DataFrame({"g": ["a", "a", "b", "b", "b", None], "x": [1.0, 2.0, 2.0, np.nan, 2.0, 3.0],
                         "took": [True, False, True, True, False, True]})


def rows_of(f: pd.DataFrame) -> set[tuple]:
    return {tuple("NaN" if isinstance(v, float) and np.isnan(v) else v for v in r) for r in f.itertuples(index=False)}


def test_counted_by_hand() -> None:
    t = tally(small(), ["g"], ["x"], ["took"], rows=np.array([10, 11, 12, 13, 14, 15]))
    # persons per key, first row and persons who took: a 2 (10, 1), b 3 (12, 2), blank 1 (15, 1)
    assert rows_of(t.keyed[["g", "n", "row", "took"]]) == {("a", 2, 10, 1), ("b", 3, 12, 2), ("NaN", 1, 15, 1)}
    assert rows_of(t.values["x"][["g", "x", "n", "row"]]) == {("a", 1.0, 1, 10), ("a", 2.0, 1, 11), ("b", 2.0, 2, 12),
                                                             ("b", "NaN", 1, 13), ("NaN", 3.0, 1, 15)}
    assert t.total() == 6 and t.missing("x") == 1 and t.missing("g") == 1
    values, counts = t.known("x")
    assert values.tolist() == [1.0, 2.0, 3.0] and counts.tolist() == [1, 3, 1]
    b = t.where(lambda f: f["g"] == "b")
    assert b.total() == 3 and b.known("x")[1].tolist() == [2] and b.missing("x") == 1
    assert int(b.keyed["took"].sum()) == 2 and b.persons("x", lambda c: c >= 2) == 2


def test_batches_add_up_in_any_order() -> None:
    rng = np.random.default_rng(7)
    n = 3000
    df = pd.DataFrame({"g": rng.choice(["a", "b", None], n), "h": rng.integers(0, 3, n),
                       "x": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 40, n).astype(float)),
                       "y": rng.integers(0, 5, n), "f1": rng.random(n) < 0.3, "f2": rng.integers(0, 2, n)})
    whole = tally(df, ["g", "h"], ["x", "y"], ["f1", "f2"])
    cuts = [0, 1, 17, 900, 901, 2500, n]  # uneven batches, one of a single person
    parts = [tally(df.iloc[a:b], ["g", "h"], ["x", "y"], ["f1", "f2"], rows=np.arange(a, b)) for a, b in zip(cuts, cuts[1:])]
    for order in (parts, parts[::-1], [parts[k] for k in rng.permutation(len(parts))]):
        got = add_tallies(order)
        pdt.assert_frame_equal(got.keyed, whole.keyed)
        for k in ("x", "y"):
            pdt.assert_frame_equal(got.values[k], whole.values[k])
    # and the counts are the frame's own, computed here with value_counts
    vc = df.value_counts(["g", "h"], dropna=False)
    assert {k: int(v) for k, v in vc.items()} == {(r.g, r.h): r.n for r in whole.keyed.itertuples()}
    assert int(whole.keyed["f1"].sum()) == int(df["f1"].sum()) and int(whole.values["x"]["n"].sum()) == n


def test_mapped_keys_and_values_add_up_rows_that_become_equal() -> None:
    t = tally(small(), ["g"], ["x"], ["took"])
    m = t.mapped(["G"], lambda f: pd.DataFrame({"G": f["g"].replace({"b": "a"})}), {"x": lambda s: s.clip(upper=2)}, {"took": "tog"})
    assert isinstance(m, Tally) and m.keys == ["G"] and m.sums == ["tog"]
    assert rows_of(m.keyed[["G", "n", "row", "tog"]]) == {("a", 5, 0, 3), ("NaN", 1, 5, 1)}
    assert rows_of(m.values["x"][["G", "x", "n"]]) == {("a", 1.0, 1), ("a", 2.0, 3), ("a", "NaN", 1), ("NaN", 2.0, 1)}


@pytest.mark.parametrize("empty", [True, False])
def test_an_empty_batch_adds_nothing(empty: bool) -> None:
    df = small()
    none = tally(df.iloc[:0], ["g"], ["x"], ["took"])
    assert none.total() == 0
    got = add_tallies([none, tally(df, ["g"], ["x"], ["took"])] if empty else [tally(df, ["g"], ["x"], ["took"])])
    assert got.total() == 6 and rows_of(got.keyed[["g", "n"]]) == {("a", 2), ("b", 3), ("NaN", 1)}


@pytest.mark.parametrize("seed", range(6))
def test_grouping_equals_pandas_groupby(seed: int) -> None:
    """The tally's grouping against pandas' own groupby (dropna=False, sort=True, observed=True):
    ints, floats with NaN, all-NaN, categoricals with unused categories and blanks, text, booleans,
    nullable ints – the same rows, order, values and dtypes."""
    from toolkit.core.tally import N, ROW, _grouped

    rng = np.random.default_rng(seed)
    kinds = {
        "int": lambda n: rng.integers(-2, 4, n),
        "int16": lambda n: rng.integers(0, 4, n).astype(np.int16),
        "float": lambda n: np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 3, n) / 2),
        "allnan": lambda n: np.full(n, np.nan),
        "cat": lambda n: pd.Categorical(rng.choice(["b", "a", None], n), categories=["b", "a", "c"]),
        "text": lambda n: rng.choice(["x", "y"], n).astype(object),
        "bool": lambda n: rng.random(n) < 0.5,
        "Int64": lambda n: pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(0, 3, n)).tolist(), dtype="Int64"),
    }
    for trial in range(40):
        n = int(rng.choice([0, 1, 2, 7, 60, 700]))
        chosen = [str(k) for k in rng.choice(list(kinds), int(rng.integers(1, 6)))]
        f = pd.DataFrame({f"k{i}": kinds[k](n) for i, k in enumerate(chosen)})
        f[N], f[ROW], f["s"] = np.ones(n, np.int64), rng.permutation(n).astype(np.int64), rng.integers(0, 5, n)
        by = [f"k{i}" for i in range(len(chosen))]
        g = f.groupby(by, dropna=False, sort=True, observed=True)
        expected = g[[N, "s"]].sum()
        expected[ROW] = g[ROW].min()
        pd.testing.assert_frame_equal(_grouped(f, by, ["s"]), expected.reset_index(), obj=f"{chosen}, {n} rows")
