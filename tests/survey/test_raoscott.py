"""Rao-Scott chi-square against R survey::svychisq (figures stored in tests/reference/).

`reference/raoscott_reference.R` was run with R 4.2.2 / survey 4.1.1 and its output saved as
`raoscott_reference.txt`; the tests parse that file, so R is never needed at test time.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from toolkit.core.stats import pearson_chi2
from toolkit.survey.design import column_letters, effective_n, letter, rao_scott

REF = Path(__file__).resolve().parents[1] / "reference"


def r_figures() -> dict[str, dict[str, float]]:
    """'weights vejledning x lyst F' → {'statistic': …, 'ndf': …, 'ddf': …, 'p': …}."""
    out = {}
    for line in (REF / "raoscott_reference.txt").read_text().splitlines():
        m = re.match(r"^(.*?) statistic=(\S+)(.*)$", line)
        if m:
            figs = {"statistic": float(m.group(2))}
            figs.update({k: float(v) for k, v in re.findall(r"(\w+)=(\S+)", m.group(3))})
            out[m.group(1)] = figs
    return out


R = r_figures()


@pytest.fixture(scope="module")
def weighted() -> pd.DataFrame:
    return pd.read_csv(REF / "raoscott_weights.csv")


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(REF / "apiclus1_subset.csv")


def codes(s: pd.Series) -> np.ndarray:
    return pd.factorize(s, sort=True)[0]


def check(rs, name: str) -> None:
    f, chisq = R[f"{name} F"], R.get(f"{name} Chisq")
    assert rs.f == pytest.approx(f["statistic"], rel=1e-8)
    assert rs.ndf == pytest.approx(f["ndf"], rel=1e-8)
    assert rs.ddf == pytest.approx(f["ddf"], rel=1e-8)
    assert rs.p == pytest.approx(f["p"], rel=1e-6)
    if chisq:
        assert rs.pearson == pytest.approx(chisq["statistic"], rel=1e-8)  # svychisq "Chisq" prints raw X²
        assert rs.df == chisq["df"]
        assert rs.chisq_p == pytest.approx(chisq["p"], rel=1e-6)


@pytest.mark.parametrize("row,col", [("vejledning", "lyst"), ("koen", "tick"), ("match", "lyst")])
def test_weights_only_design_matches_r(weighted: pd.DataFrame, row: str, col: str) -> None:
    rs = rao_scott(codes(weighted[row]), codes(weighted[col]), weighted["w"].to_numpy())
    check(rs, f"weights {row} x {col}")


def test_stratified_design_matches_r(weighted: pd.DataFrame) -> None:
    d = weighted
    rs = rao_scott(codes(d["vejledning"]), codes(d["lyst"]), d["w"].to_numpy(), strata=d["koen"].to_numpy())
    check(rs, "strata vejledning x lyst")


@pytest.mark.parametrize("row", ["sch.wide", "comp.imp"])
def test_cluster_sample_with_fpc_matches_r(apiclus1: pd.DataFrame, row: str) -> None:
    a = apiclus1
    rs = rao_scott(codes(a[row]), codes(a["stype"]), a["pw"].to_numpy(), cluster=a["dnum"].to_numpy(), fpc=a["fpc"].to_numpy())
    check(rs, f"apiclus1 {row} x stype")


def test_notes_figure_for_apiclus1(apiclus1: pd.DataFrame) -> None:
    """The figure quoted in NOTES.md: F = 5.1934, ndf = 1.4946, ddf = 20.9250, p = 0.02175."""
    a = apiclus1
    rs = rao_scott(codes(a["sch.wide"]), codes(a["stype"]), a["pw"].to_numpy(), cluster=a["dnum"].to_numpy(), fpc=a["fpc"].to_numpy())
    assert (round(rs.f, 4), round(rs.ndf, 4), round(rs.ddf, 4), round(rs.p, 5)) == (5.1934, 1.4946, 20.9250, 0.02175)


def test_unweighted_pearson_matches_r_chisq_test(weighted: pd.DataFrame) -> None:
    counts = pd.crosstab(weighted["vejledning"], weighted["lyst"]).to_numpy()
    t = pearson_chi2(counts)
    assert t.statistic == pytest.approx(R["unweighted vejledning x lyst Pearson"]["statistic"], rel=1e-9)
    assert t.df == 8 and t.p == pytest.approx(R["unweighted vejledning x lyst Pearson"]["p"], rel=1e-6)


def test_equal_weights_give_pearson_and_deff_near_one(weighted: pd.DataFrame) -> None:
    r, c = codes(weighted["vejledning"]), codes(weighted["lyst"])
    rs = rao_scott(r, c, np.full(len(r), 3.0))
    plain = stats.chi2_contingency(pd.crosstab(r, c).to_numpy(), correction=False)[0]
    assert rs.pearson == pytest.approx(plain, rel=1e-12)  # weights scaled to n: the same table
    assert 0.95 < rs.mean_deff < 1.05  # with-replacement variance n/(n-1) ≈ multinomial


def test_missing_codes_and_empty_categories_are_dropped(weighted: pd.DataFrame) -> None:
    d = weighted
    r, c = codes(d["vejledning"]) * 2, codes(d["lyst"]).copy()  # row codes 0,2,4,6,8: odd ones empty
    c[:7] = -1
    full = rao_scott(codes(d["vejledning"]), np.where(np.arange(len(d)) < 7, -1, codes(d["lyst"])), d["w"].to_numpy())
    gappy = rao_scott(r, c, d["w"].to_numpy())
    assert gappy.f == pytest.approx(full.f, rel=1e-12) and gappy.df == 8


def test_single_category_gives_nan() -> None:
    rs = rao_scott(np.zeros(10, int), np.arange(10) % 2, np.ones(10))
    assert np.isnan(rs.p)
    assert np.isnan(pearson_chi2(np.array([[3, 4]])).p)


def test_effective_n_is_kish() -> None:
    w = np.array([1.0, 2.0, 3.0])
    assert effective_n(w) == pytest.approx(36 / 14)


def test_column_letters_against_pairwise_z_tests() -> None:
    shares = np.array([[0.20, 0.40, 0.45], [0.50, 0.52, 0.10]])
    bases = [200.0, 150.0, 100.0]
    got = column_letters(shares, bases)
    level = 0.05 / 3
    expected = [["", "", ""], ["", "", ""]]
    for i in range(2):
        for a in range(3):
            for b in range(3):
                if a != b and shares[i, a] > shares[i, b]:
                    p = proportions_ztest([shares[i, a] * bases[a], shares[i, b] * bases[b]], [bases[a], bases[b]])[1]
                    if p < level:
                        expected[i][a] += "ABC"[b]
    assert got == expected
    assert got[0] == ["", "A", "A"] and got[1] == ["C", "C", ""]  # by hand: 0.20 vs 0.40 z ≈ −4.1; 0.50 vs 0.10 z ≈ 6.8


def test_letters_beyond_z() -> None:
    assert [letter(j) for j in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]


def r_domain() -> dict[str, dict[str, float]]:
    """Figures R printed for svychisq on subset(design, …) (tests/reference/raoscott_domain.R)."""
    out = {}
    for line in (REF / "raoscott_domain.txt").read_text().splitlines():
        m = re.match(r"^(.*?) statistic=(\S+)(.*)$", line)
        figs = {"statistic": float(m.group(2))}
        figs.update({k: float(v) for k, v in re.findall(r"(\w+)=(\S+)", m.group(3))})
        out[m.group(1)] = figs
    return out


RD = r_domain()


def domain(d: pd.DataFrame, mask: pd.Series, row: str, col: str) -> tuple[np.ndarray, np.ndarray]:
    """Codes over the whole sample, −1 outside the domain (how a filter or by-group reaches rao_scott)."""
    return np.where(mask, codes(d[row]), -1), np.where(mask, codes(d[col]), -1)


@pytest.mark.parametrize("name,mask,row,col,strata", [
    ("domain koen==1 vejledning x lyst", ("koen", 1), "vejledning", "lyst", None),
    ("domain tick==1 match x lyst", ("tick", 1), "match", "lyst", None),
    ("domain tick==1 koen x lyst", ("tick", 1), "koen", "lyst", None),
    ("strata domain tick==1 vejledning x lyst", ("tick", 1), "vejledning", "lyst", "koen"),
])
def test_domain_tests_match_r_subset(weighted: pd.DataFrame, name: str, mask: tuple[str, int], row: str, col: str,
                                     strata: str | None) -> None:
    """A sub-population is a domain: the whole design stays in the variance (R's subset(design, …))."""
    r, c = domain(weighted, weighted[mask[0]] == mask[1], row, col)
    rs = rao_scott(r, c, weighted["w"].to_numpy(), strata=None if strata is None else weighted[strata].to_numpy())
    f = RD[f"{name} F"]
    assert rs.f == pytest.approx(f["statistic"], rel=1e-8)
    assert rs.ndf == pytest.approx(f["ndf"], rel=1e-8)
    assert rs.ddf == pytest.approx(f["ddf"], rel=1e-8)
    assert rs.p == pytest.approx(f["p"], rel=1e-8)
    if f"{name} Chisq" in RD:  # svychisq "Chisq" prints the raw X² and the first-order p
        assert rs.pearson == pytest.approx(RD[f"{name} Chisq"]["statistic"], rel=1e-8)
        assert rs.chisq_p == pytest.approx(RD[f"{name} Chisq"]["p"], rel=1e-8)


def test_domain_differs_from_treating_the_subset_as_the_sample_by_the_known_ratio(weighted: pd.DataFrame) -> None:
    """Weights-only design: F(subset as sample) / F(domain) = (N/(N−1)) / (n/(n−1)) (NOTES.md)."""
    d = weighted
    mask = (d["koen"] == 2).to_numpy()
    r, c = domain(d, mask, "vejledning", "lyst")
    dom = rao_scott(r, c, d["w"].to_numpy())
    alone = rao_scott(codes(d["vejledning"])[mask], codes(d["lyst"])[mask], d["w"].to_numpy()[mask])
    N, n = len(d), int(mask.sum())
    assert alone.f / dom.f == pytest.approx((N / (N - 1)) / (n / (n - 1)), rel=1e-12)
    assert dom.ddf == pytest.approx(alone.ddf, rel=1e-12)  # degrees of freedom count the domain's PSUs


def test_unweighted_domain_matches_r(weighted: pd.DataFrame) -> None:
    r, c = domain(weighted, weighted["koen"] == 2, "vejledning", "lyst")
    rs = rao_scott(r, c)
    f = RD["unweighted domain koen==2 vejledning x lyst F"]
    assert (rs.f, rs.ndf, rs.ddf) == pytest.approx((f["statistic"], f["ndf"], f["ddf"]), rel=1e-8)
    assert rs.p == pytest.approx(f["p"], rel=1e-8)
