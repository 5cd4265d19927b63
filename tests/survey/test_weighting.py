"""Raking: a case solved by hand, agreement with the peer library ipfn, trimming, Kish, encoding, errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from ipfn import ipfn

from toolkit.config.margins import margins_from_frame, read_margins
from toolkit.core.errors import ConfigError, ConvergenceError, DataError
from toolkit.read.tabular import Dataset
from toolkit.survey.weight_tables import diagnostics, kish
from toolkit.survey.weighting import (
    Trim,
    rake,
    respondent_ids,
    weight_dataset,
    weights_frame,
)


def margins(rows: list[tuple[str, object, object]]) -> object:
    return margins_from_frame(pd.DataFrame(rows, columns=["variable", "category", "target"]), "m.csv")


# ---------------------------------------------------------------- solved by hand
def test_two_by_two_solved_by_hand() -> None:
    # Seed table [[2, 1], [1, 1]] (respondents per sex × age cell). Raking keeps the seed's odds
    # ratio (2·1)/(1·1) = 2, so the raked cell x11 = a solves a(a−10) = 2(60−a)(50−a) with margins
    # rows (60, 40), columns (50, 50):  a² − 210a + 6000 = 0  →  a = (210 − √20100)/2.
    a = (210 - math.sqrt(20100)) / 2
    sex = np.array([0, 0, 0, 1, 1])
    age = np.array([0, 0, 1, 0, 1])
    r = rake([sex, age], [[60, 40], [50, 50]])
    expected = [a / 2, a / 2, 60 - a, 50 - a, a - 10]  # x11 shared by its two respondents
    assert r.weights == pytest.approx(expected, rel=1e-10)
    assert r.max_error < 1e-10


def test_independent_seed_gives_product_of_margins() -> None:
    # One respondent per cell: the seed is flat, so the raked table is row × column / total.
    sex = np.array([0, 0, 1, 1])
    age = np.array([0, 1, 0, 1])
    r = rake([sex, age], [[60, 40], [30, 70]])
    assert r.weights == pytest.approx([18, 42, 12, 28], rel=1e-12)


# ---------------------------------------------------------------- peer: ipfn
def _ipfn_weights(codes: list[np.ndarray], targets: list[np.ndarray], base: np.ndarray | None = None) -> np.ndarray:
    """Per-respondent weights from ipfn raking the (base-weighted) cross-table."""
    sizes = tuple(len(t) for t in targets)
    table = np.zeros(sizes)
    np.add.at(table, tuple(codes), 1.0 if base is None else base)
    fitted = ipfn.ipfn(table.copy(), [t.copy() for t in targets], [[j] for j in range(len(sizes))],
                       convergence_rate=1e-15, max_iteration=10_000, rate_tolerance=0).iteration()
    factor = np.divide(fitted, table, out=np.zeros(sizes), where=table > 0)
    return factor[tuple(codes)] * (1.0 if base is None else base)


@pytest.mark.parametrize("seed", [1, 2])
def test_agrees_with_ipfn_to_1e8(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sizes = (4, 6, 2, 5)
    n = 3000
    codes = [rng.integers(0, k, n) for k in sizes]
    n_total = 50_000.0
    targets = [(lambda t: t / t.sum() * n_total)(rng.uniform(1, 3, k)) for k in sizes]
    ours = rake(codes, targets).weights
    peer = _ipfn_weights(codes, targets)
    assert np.max(np.abs(ours / peer - 1)) < 1e-8


@pytest.mark.parametrize("distinct", [False, True])  # few base weights: cells counted; all distinct: cells sorted
def test_agrees_with_ipfn_with_base_weights(distinct: bool) -> None:
    rng = np.random.default_rng(7)
    sizes = (3, 5)
    codes = [rng.integers(0, k, 800) for k in sizes]
    base = rng.uniform(1, 4, 800) if distinct else rng.choice([1.0, 2.5, 4.0], 800)
    targets = [np.array([500.0, 300, 200]), np.array([100.0, 200, 300, 250, 150])]
    ours = rake(codes, targets, base).weights
    peer = _ipfn_weights(codes, targets, base)
    assert np.max(np.abs(ours / peer - 1)) < 1e-8


# ---------------------------------------------------------------- the data-set level
def demo_like(n: int = 400, seed: int = 5) -> Dataset:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "id": np.arange(101, 101 + n),
        "koen": rng.choice([1.0, 2.0], n, p=[0.4, 0.6]),
        "alder": rng.choice([1.0, 2.0, 3.0], n, p=[0.2, 0.3, 0.5]),
        "pw": rng.choice([1.0, 2.0], n),
    })
    labels = {"koen": {1.0: "Mand", 2.0: "Kvinde"}, "alder": {1.0: "18-29 år", 2.0: "30-49 år", 3.0: "50-64 år"}}
    return Dataset(df, None, {"koen": "Køn", "alder": "Alder"}, labels)


COUNTS = [("koen", "Mand", 5500), ("koen", "Kvinde", 4500), ("alder", "18-29 år", 3000), ("alder", "30-49 år", 4000),
          ("alder", "50-64 år", 3000)]


def weighted_shares(df: pd.DataFrame, column: str, w: np.ndarray) -> pd.Series:
    return pd.Series(w).groupby(df[column].to_numpy()).sum() / w.sum()


def test_dataset_weights_hit_the_margins_and_total() -> None:
    ds = demo_like()
    res = weight_dataset(ds, margins(COUNTS))
    w = res.weights
    assert w.sum() == pytest.approx(10_000, rel=1e-12)
    assert weighted_shares(ds.data, "koen", w).to_list() == pytest.approx([0.55, 0.45], rel=1e-10)
    assert weighted_shares(ds.data, "alder", w).to_list() == pytest.approx([0.3, 0.4, 0.3], rel=1e-10)


def test_codes_labels_shares_percent_and_yaml_give_the_same_weights(tmp_path) -> None:
    ds = demo_like()
    by_label = weight_dataset(ds, margins(COUNTS)).weights
    codes = [("koen", "1", 5500), ("koen", "2", 4500), ("alder", 1, 3000), ("alder", 2.0, 4000), ("alder", "3", 3000)]
    assert weight_dataset(ds, margins(codes)).weights == pytest.approx(by_label, rel=1e-12)
    # shares: no population total, so the weights sum to n; the same weights up to that scale
    shares = [("koen", "mand", 0.55), ("koen", "KVINDE", 0.45), ("alder", "18-29 år", "30 %"), ("alder", "30-49 år", "40 %"),
              ("alder", "50-64 år", "30,0 %")]
    assert weight_dataset(ds, margins(shares)).weights == pytest.approx(by_label * len(ds.data) / 10_000, rel=1e-12)
    y = tmp_path / "m.yaml"
    y.write_text("koen:\n  Mand: 5500\n  Kvinde: 4500\nalder:\n  18-29 år: 3000\n  30-49 år: 4000\n  50-64 år: 3000\n", encoding="utf-8")
    assert weight_dataset(ds, read_margins(y)).weights == pytest.approx(by_label, rel=1e-12)


def test_shares_and_counts_mixed_take_the_count_total() -> None:
    ds = demo_like()
    mixed = COUNTS[:2] + [("alder", "18-29 år", 0.3), ("alder", "30-49 år", 0.4), ("alder", "50-64 år", 0.3)]
    assert weight_dataset(ds, margins(mixed)).weights == pytest.approx(weight_dataset(ds, margins(COUNTS)).weights, rel=1e-12)


def test_shares_not_summing_to_one_are_normalised_with_a_warning() -> None:
    m = margins([("koen", "Mand", 0.5), ("koen", "Kvinde", 0.48), ("alder", "18-29 år", 0.3), ("alder", "30-49 år", 0.4),
                 ("alder", "50-64 år", 0.3)])
    assert m.warnings == ["the shares of 'koen' sum to 0.98, not 1; they are normalised"]
    res = weight_dataset(demo_like(), m)
    assert weighted_shares(demo_like().data, "koen", res.weights).to_list() == pytest.approx([0.5 / 0.98, 0.48 / 0.98], rel=1e-10)
    assert "Anm.: Andelene for koen summerede til 0,98 og er normaliseret til 1." in diagnostics(res)[0].notes


def test_scale_n_sums_to_respondents() -> None:
    ds = demo_like()
    pop = weight_dataset(ds, margins(COUNTS)).weights
    n = weight_dataset(ds, margins(COUNTS), scale="n").weights
    assert n.sum() == pytest.approx(len(ds.data), rel=1e-12)
    assert n == pytest.approx(pop * len(ds.data) / 10_000, rel=1e-12)


def test_text_categories_in_a_csv_style_frame() -> None:
    ds = demo_like()
    text = ds.data.assign(koen=ds.data["koen"].map({1.0: "Mand", 2.0: "Kvinde"}), alder=ds.data["alder"].map(ds.value_labels["alder"]))
    got = weight_dataset(Dataset(text), margins(COUNTS)).weights
    assert got == pytest.approx(weight_dataset(ds, margins(COUNTS)).weights, rel=1e-12)


# ---------------------------------------------------------------- trimming
def skewed_sample() -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Two rare categories (10 % of the sample, 20 % of the population): their joint cell gets ~4× weights."""
    rng = np.random.default_rng(11)
    n = 2000
    codes = [rng.choice(2, n, p=[0.5, 0.5]), rng.choice(2, n, p=[0.9, 0.1]), rng.choice(2, n, p=[0.9, 0.1])]
    return codes, [np.array([4000.0, 6000]), np.array([8000.0, 2000]), np.array([8000.0, 2000])]


def test_trim_caps_at_k_times_median_and_margins_still_hold() -> None:
    codes, targets = skewed_sample()
    untrimmed = rake(codes, targets).weights
    cap = 3 * np.median(untrimmed)
    assert untrimmed.max() > cap
    r = rake(codes, targets, trim=Trim(ratio=3))
    w = r.weights
    assert r.bounds[1] == pytest.approx(cap, rel=1e-12)
    assert w.max() <= cap * (1 + 1e-12)
    for c, t in zip(codes, targets):
        assert np.bincount(c, w) == pytest.approx(t, rel=1e-9)
    assert r.trimmed == int(np.sum(np.isclose(w, cap, rtol=1e-12))) == int(np.sum(untrimmed > cap))
    assert r.trimmed > 0 and r.trim_rounds >= 1


def test_trim_with_absolute_bounds() -> None:
    codes, targets = skewed_sample()
    untrimmed = rake(codes, targets).weights
    assert untrimmed.min() < 2.98 and untrimmed.max() > 20
    r = rake(codes, targets, trim=Trim(lower=2.98, upper=20))
    assert r.weights.min() >= 2.98 * (1 - 1e-12) and r.weights.max() <= 20 * (1 + 1e-12)
    for c, t in zip(codes, targets):
        assert np.bincount(c, r.weights) == pytest.approx(t, rel=1e-9)


def test_trim_too_tight_is_an_error() -> None:
    # one respondent must carry 70 of 100; capped at 30 nobody else can make up the rest
    with pytest.raises(ConvergenceError) as e:
        rake([np.array([0, 0, 0, 1])], [[30.0, 70]], trim=Trim(upper=30), names=[("alder", ["ung", "gammel"])])
    assert str(e.value) == ("trimming cannot keep the margins: the weights capped at the bounds (0, 30) alone reach the target of "
                            "alder = 'gammel', or nobody else is left to rake; loosen --trim")


def test_trim_infeasible_for_a_category_mean() -> None:
    codes, targets = skewed_sample()  # a rare category needs a mean weight of 10; a cap below that cannot work
    with pytest.raises(ConvergenceError, match="trimming cannot keep the margins"):
        rake(codes, targets, trim=Trim(upper=9.5))


@pytest.mark.parametrize("text, expected", [("5", Trim(ratio=5)), ("3xmedian", Trim(ratio=3)), ("0.3:40", Trim(lower=0.3, upper=40)),
                                            (":40", Trim(upper=40)), ("2:", Trim(lower=2))])
def test_trim_parse(text: str, expected: Trim) -> None:
    assert Trim.parse(text) == expected


@pytest.mark.parametrize("text", ["abc", "1", "0.5", "40:3", ":", "-1:4"])
def test_trim_parse_rejects(text: str) -> None:
    with pytest.raises(ConfigError, match=f"--trim '{text}'"):
        Trim.parse(text)


# ---------------------------------------------------------------- diagnostics
def test_kish_against_its_definitions() -> None:
    w = np.array([1.0, 2.0, 2.0, 5.0])
    n_eff, deff = kish(w)
    assert n_eff == pytest.approx(10**2 / (1 + 4 + 4 + 25))
    cv2 = np.var(w) / np.mean(w) ** 2  # population variance: 1 + CV² = n Σw² / (Σw)²
    assert deff == pytest.approx(1 + cv2)


def test_diagnostics_tables() -> None:
    ds = demo_like()
    res = weight_dataset(ds, margins(COUNTS), base_weight="pw")
    marg, spread = diagnostics(res)
    assert marg.column_labels == ["Antal svar", "Stikprøve", "Med startvægt", "Mål (population)", "Vægtet"]
    n_men = int((ds.data["koen"] == 1).sum())
    assert marg.value("Mand", "Antal svar", group="Køn") == n_men
    assert marg.value("Mand", "Stikprøve", group="Køn") == pytest.approx(n_men / len(ds.data))
    pw = ds.data["pw"]
    assert marg.value("Mand", "Med startvægt", group="Køn") == pytest.approx(pw[ds.data["koen"] == 1].sum() / pw.sum())
    assert marg.value("30-49 år", "Mål (population)", group="Alder") == pytest.approx(0.4)
    assert marg.value("30-49 år", "Vægtet", group="Alder") == pytest.approx(0.4, rel=1e-10)
    w = res.weights
    assert spread.value("Mindste vægt", "Værdi") == pytest.approx(w.min())
    assert spread.value("Median vægt", "Værdi") == pytest.approx(np.median(w))
    assert spread.value("Største/mindste vægt", "Værdi") == pytest.approx(w.max() / w.min())
    assert spread.value("Effektiv stikprøvestørrelse (Kish)", "Værdi") == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert spread.value("Største resterende marginfejl (relativ)", "Værdi") == res.rake.max_error < 1e-10
    assert marg.notes[0] == "Kilde: <data>; marginaler fra m.csv."


def test_weights_frame_contract() -> None:
    ds = demo_like()
    ds.data["id"] = ds.data["id"].astype(float)  # as SPSS stores it
    res = weight_dataset(ds, margins(COUNTS))
    frame = weights_frame(res, respondent_ids(ds, "id"))
    assert list(frame.columns) == ["id", "weight"]
    assert frame["id"].dtype == np.int64 and frame["id"].to_list() == list(range(101, 101 + len(ds.data)))


# ---------------------------------------------------------------- bad input
def test_margin_category_without_respondents() -> None:
    rows = COUNTS + [("alder", "65+ år", 500)]
    rows[0] = ("koen", "Mand", 6000)
    with pytest.raises(DataError) as e:
        weight_dataset(demo_like(), margins(rows))
    assert str(e.value) == ("no respondent is in margin category alder = '65+ år', so raking cannot reach its target; merge it with "
                            "a neighbouring category in both the data and the margins file (m.csv, row 7, column category)")


def test_respondent_category_not_in_margins() -> None:
    ds = demo_like()
    ds.data.loc[[3, 9], "alder"] = 4.0
    with pytest.raises(DataError) as e:
        weight_dataset(ds, margins(COUNTS))
    assert str(e.value) == ("weighting variable 'alder' has values that are not categories in the margins file: '4' – 2 respondents "
                            "(rows 5, 11); the margins list 18-29 år, 30-49 år, 50-64 år. Add the category to the margins or recode it "
                            "in the data (<data>, row 5, column alder)")


def test_missing_values_in_a_weighting_variable() -> None:
    ds = demo_like()
    ds.data.loc[[0, 4, 5, 6, 7, 8, 20], "koen"] = np.nan
    with pytest.raises(DataError) as e:
        weight_dataset(ds, margins(COUNTS))
    assert str(e.value) == ("7 respondents have no value in weighting variable 'koen' (rows 2, 6, 7, 8, 9, …); every respondent needs "
                            "a category in every weighting variable – impute or drop them before weighting (<data>, row 2, column koen)")


def test_blank_text_in_a_weighting_variable() -> None:
    ds = Dataset(pd.DataFrame({"koen": ["Mand", " ", "Kvinde"], "alder": ["18-29 år", "30-49 år", "50-64 år"]}))
    with pytest.raises(DataError, match=r"1 respondents have no value in weighting variable 'koen' \(rows 3\)"):
        weight_dataset(ds, margins(COUNTS))


def test_duplicate_ids() -> None:
    ds = demo_like()
    ds.data.loc[10, "id"] = 105
    with pytest.raises(DataError) as e:
        respondent_ids(ds, "id")
    assert str(e.value) == "1 ids occur more than once (e.g. '105' in rows 6, 12); each respondent needs a unique id (<data>, row 6, column id)"


@pytest.mark.parametrize("target", [0, -5])
def test_zero_or_negative_target(target: int) -> None:
    rows = list(COUNTS)
    rows[3] = ("alder", "30-49 år", target)
    with pytest.raises(ConfigError) as e:
        margins(rows)
    assert str(e.value) == (f"target for alder = '30-49 år' is {target}; targets must be positive (drop a category nobody belongs to, "
                            "or merge it with a neighbour in the data and the margins) (m.csv, row 5, column target)")


def test_count_totals_differ() -> None:
    rows = list(COUNTS)
    rows[4] = ("alder", "50-64 år", 2900)
    with pytest.raises(ConfigError) as e:
        margins(rows)
    assert str(e.value) == ("the population totals differ between variables (koen 10,000, alder 9,900); the counts of every variable "
                            "must add up to the same population (or give shares) (m.csv, row 4, column target)")


def test_bad_margins_files(tmp_path) -> None:
    p = tmp_path / "m.csv"
    p.write_text("var,category,target\nkoen,Mand,1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="needs exactly the columns variable, category, target .*it has var, category, target"):
        read_margins(p)
    p.write_text("variable;category;target\nkoen;Mand;mange\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"target for koen = 'Mand' is not a number: 'mange' \(.*m.csv, row 2, column target\)"):
        read_margins(p)
    p.write_text("variable,category,target\nkoen,Mand,5\nkoen,mand,6\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"category 'mand' of variable 'koen' is listed twice \(.*row 3, column category\)"):
        read_margins(p)
    p.write_text("variable;category;target\nkoen;Mand;55,5 %\nkoen;Kvinde;0,445\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="mixes percentages and plain numbers"):
        read_margins(p)


def test_infeasible_margins_do_not_converge() -> None:
    # Every man is young and every woman old, yet the margins want 50 % men and 30 % young:
    # each sweep ends with age exact and sex 30/70 – a relative error of 0.4 on both sexes.
    ds = Dataset(pd.DataFrame({"koen": [1, 2], "alder": [1, 3]}), None, {}, {})
    m = margins([("koen", 1, 50), ("koen", 2, 50), ("alder", 1, 30), ("alder", 3, 70)])
    with pytest.raises(ConvergenceError) as e:
        weight_dataset(ds, m, max_iter=50)
    assert str(e.value) == ("raking did not converge in 50 iterations: the largest margin error is 0.4 (relative to the target of "
                            "koen = '1'); the margins may contradict the data (check sparse combinations, merge small categories) "
                            "or raise --max-iter")


def test_base_weight_must_be_positive() -> None:
    ds = demo_like()
    ds.data.loc[2, "pw"] = 0
    with pytest.raises(DataError, match=r"1 base weights are missing, zero, negative or not numbers \(rows 4\)"):
        weight_dataset(ds, margins(COUNTS), base_weight="pw")


def test_rounded_shares_are_normalised_without_a_warning() -> None:
    m = margins([("koen", "Mand", "55,1 %"), ("koen", "Kvinde", "44,8 %")])  # 99.9 %: rounding
    assert m.warnings == [] and m.margins[0].shares
