"""Municipality model, OLS figures: a hand-worked three-municipality case, agreement with
statsmodels and with textbook formulas (normal equations, HC3 sandwich, VIF by auxiliary
regressions), and the errors for designs that can't be estimated."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from toolkit.core.errors import DataError
from toolkit.municipal import ModelSpec, check_design, ols, run_model, vif
from toolkit.municipal.tables import model_table, result_tables
from toolkit.read.tabular import Dataset

GRAD = {1: "Slet ikke", 2: "I mindre grad", 3: "I nogen grad", 4: "I høj grad", 5: "Ved ikke"}


def _hand_case() -> tuple[pd.DataFrame, dict[str, Dataset], ModelSpec]:
    """Three municipalities: leaders' share 'I nogen/høj grad' (Ved ikke excluded) = 0, ½, 1; y = 1, 3, 4.

    Municipality 153 has register data but no leader; 155 has a leader but no register data.
    """
    leaders = pd.DataFrame({
        "kommune": [101, 101, 147, 147, 147, 151, 155],
        "q": [1, 2, 4, 1, 5, 3, 4],
    })
    ds = Dataset(leaders, None, {"q": "Mål 2 er realistisk"}, {"q": dict(GRAD)})
    register = pd.DataFrame({"kommune": [101, 147, 151, 153], "y": [1.0, 3.0, 4.0, 2.0]})
    spec = ModelSpec.model_validate({
        "dependent": "y",
        "instruments": {"ledere": {"title": "Ledere"}},
        "indicators": [{"instrument": "ledere", "variables": "q", "stat": "share",
                        "codes": ["I nogen grad", "I høj grad"], "exclude": ["Ved ikke"]}],
        "selection": {"direction": "forward", "p_enter": 0.5, "p_remove": 0.6},
    })
    return register, {"ledere": ds}, spec


def test_hand_worked_three_municipalities() -> None:
    register, surveys, spec = _hand_case()
    res = run_model(register, surveys, spec, names={101: "København", 147: "Frederiksberg"})
    j = res.joined
    # aggregation by hand: 101 → 0/2, 147 → 1/2 (Ved ikke out of the base), 151 → 1/1
    assert j.frame.loc[[101, 147, 151], "ledere_q"].tolist() == [0.0, 0.5, 1.0]
    assert list(j.sample) == [101, 147, 151]
    assert j.lost.loc[153, "aarsag"] == "intet svar fra ledere"
    assert j.lost.loc[155, "aarsag"] == "ingen registerdata"
    assert j.names[101] == "København" and j.names[153] == "Kommune 153"
    f = res.fit
    assert f.xs == ["ledere_q"] and f.n == 3
    # x = 0, ½, 1; y = 1, 3, 4: Sxx = ½, Sxy = 3/2 → b = 3, a = 8/3 − 3·½ = 7/6
    # residuals −1/6, 1/3, −1/6 → SSE = 1/6 on 1 df; SE(b) = √(SSE/Sxx) = √(1/3); SE(a) = √(1/6·(1/3 + ¼/½)) = √5/6
    assert f.params["ledere_q"] == pytest.approx(3.0, abs=1e-12)
    assert f.params["const"] == pytest.approx(7 / 6, abs=1e-12)
    assert f.bse["ledere_q"] == pytest.approx(math.sqrt(1 / 3), abs=1e-12)
    assert f.bse["const"] == pytest.approx(math.sqrt(5) / 6, abs=1e-12)
    t = 3 / math.sqrt(1 / 3)
    assert f.tvalues["ledere_q"] == pytest.approx(3 * math.sqrt(3), abs=1e-12)
    # t with 1 df is Cauchy: two-sided p = 1 − (2/π)·atan(t)
    assert f.pvalues["ledere_q"] == pytest.approx(1 - 2 / math.pi * math.atan(t), abs=1e-12)
    # SST = 14/3 → R² = 1 − (1/6)/(14/3) = 27/28; adjusted 1 − (1/28)·2/1 = 13/14
    assert f.rsquared == pytest.approx(27 / 28, abs=1e-12)
    assert f.rsquared_adj == pytest.approx(13 / 14, abs=1e-12)
    # standardised b = 3 · sd(x)/sd(y) = 3 · ½ / √(7/3)
    assert f.std_params["ledere_q"] == pytest.approx(1.5 / math.sqrt(7 / 3), abs=1e-12)
    tab = model_table(res)
    label = "Ledere: Mål 2 er realistisk (andel i nogen grad/i høj grad, ekskl. ved ikke)"
    assert tab.value(label, "Koefficient") == pytest.approx(3.0)
    assert tab.value(label, "Fortegn") == "+"
    assert tab.value("R²", "Koefficient") == pytest.approx(27 / 28)
    assert tab.value("Antal kommuner", "Koefficient") == 3


def _frame(seed: int, n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"a": rng.normal(size=n), "b": rng.uniform(size=n), "c": rng.integers(0, 2, n).astype(float)})
    d["y"] = 1 + 0.5 * d["a"] - 2 * d["b"] + rng.normal(scale=1 + d["b"], size=n)
    d.index = pd.Index(range(101, 101 + n), name="kommune")
    return d


def test_ols_equals_statsmodels_and_normal_equations() -> None:
    d = _frame(1)
    f = ols(d, "y", ["a", "b", "c"])
    ref = sm.OLS(d["y"], sm.add_constant(d[["a", "b", "c"]])).fit()
    for name in ("params", "bse", "tvalues", "pvalues"):
        np.testing.assert_allclose(getattr(f, name).to_numpy(), getattr(ref, name).to_numpy(), rtol=1e-12)
    assert f.rsquared == pytest.approx(ref.rsquared, rel=1e-12)
    assert f.rsquared_adj == pytest.approx(ref.rsquared_adj, rel=1e-12)
    # textbook: b = (X'X)⁻¹X'y, var(b) = s²(X'X)⁻¹
    X = np.column_stack([np.ones(len(d)), d[["a", "b", "c"]].to_numpy()])
    xtx_inv = np.linalg.inv(X.T @ X)
    b = xtx_inv @ X.T @ d["y"].to_numpy()
    e = d["y"].to_numpy() - X @ b
    s2 = e @ e / (len(d) - 4)
    np.testing.assert_allclose(f.params.to_numpy(), b, rtol=1e-10)
    np.testing.assert_allclose(f.bse.to_numpy(), np.sqrt(np.diag(s2 * xtx_inv)), rtol=1e-10)
    # standardised coefficients from z-scored variables
    z = (d - d.mean()) / d.std(ddof=1)
    bz = np.linalg.lstsq(np.column_stack([np.ones(len(z)), z[["a", "b", "c"]]]), z["y"], rcond=None)[0][1:]
    np.testing.assert_allclose(f.std_params.to_numpy(), bz, rtol=1e-10)


def test_hc3_and_vif_by_hand() -> None:
    d = _frame(2)
    xs = ["a", "b", "c"]
    f = ols(d, "y", xs, cov_type="HC3")
    X = np.column_stack([np.ones(len(d)), d[xs].to_numpy()])
    xtx_inv = np.linalg.inv(X.T @ X)
    e = d["y"].to_numpy() - X @ (xtx_inv @ X.T @ d["y"].to_numpy())
    h = np.einsum("ij,jk,ik->i", X, xtx_inv, X)
    meat = X.T @ (X * (e**2 / (1 - h) ** 2)[:, None])
    np.testing.assert_allclose(f.bse.to_numpy(), np.sqrt(np.diag(xtx_inv @ meat @ xtx_inv)), rtol=1e-10)
    v = vif(d, xs)
    for x in xs:
        others = [o for o in xs if o != x]
        A = np.column_stack([np.ones(len(d)), d[others].to_numpy()])
        r = d[x].to_numpy() - A @ np.linalg.lstsq(A, d[x].to_numpy(), rcond=None)[0]
        r2 = 1 - r @ r / ((d[x] - d[x].mean()) ** 2).sum()
        assert v[x] == pytest.approx(1 / (1 - r2), rel=1e-10)


def test_model_tables_show_the_statsmodels_figures() -> None:
    d = _frame(3, n=60)
    d["kommune"] = d.index
    spec = ModelSpec.model_validate({"dependent": "y", "controls": ["a"], "candidates": {"register": ["b", "c"]},
                                     "selection": {"p_enter": 0.5, "p_remove": 0.6}})
    res = run_model(d.reset_index(drop=True), {}, spec)
    ref = sm.OLS(d["y"], sm.add_constant(d[res.fit.xs])).fit()
    tab = next(t for t in result_tables(res) if t.id == "model_resultat")
    for x in res.fit.xs:
        assert tab.value(x, "Koefficient") == pytest.approx(ref.params[x], rel=1e-12)
        assert tab.value(x, "SE") == pytest.approx(ref.bse[x], rel=1e-12)
        assert tab.value(x, "t") == pytest.approx(ref.tvalues[x], rel=1e-12)
        assert tab.value(x, "p") == pytest.approx(ref.pvalues[x], rel=1e-12)
    assert tab.value("Konstant", "Koefficient") == pytest.approx(ref.params["const"], rel=1e-12)
    assert tab.value("Justeret R²", "Koefficient") == pytest.approx(ref.rsquared_adj, rel=1e-12)
    screen = next(t for t in result_tables(res) if t.id == "model_bivariat")
    for x in ("b", "c"):
        alone = sm.OLS(d["y"], sm.add_constant(d[[x]])).fit()
        ctrl = sm.OLS(d["y"], sm.add_constant(d[["a", x]])).fit()
        row = screen.row_labels.index(x)
        vals = [c.value for c in screen.cells[row]]
        assert vals[:5] == pytest.approx([alone.params[x], alone.bse[x], alone.pvalues[x], alone.rsquared, 60], rel=1e-12)
        assert vals[5:] == pytest.approx([ctrl.params[x], ctrl.bse[x], ctrl.pvalues[x], ctrl.rsquared, 60], rel=1e-12)


def test_too_few_municipalities_names_the_variables() -> None:
    d = _frame(4, n=3)
    with pytest.raises(DataError) as e:
        ols(d, "y", ["a", "b"])
    assert str(e.value) == (
        "only 3 municipalities with complete data for 3 parameters (constant, a, b) when explaining 'y': "
        "the model needs more municipalities than parameters (column b)"
    )


def test_constant_regressor_is_refused() -> None:
    d = _frame(5)
    d["k"] = 0.25
    with pytest.raises(DataError) as e:
        check_design(d, "y", ["a", "k"])
    assert str(e.value) == "variable 'k' is constant (0.25 in all 40 municipalities) and cannot be estimated (column k)"


def test_perfect_collinearity_names_the_variables() -> None:
    d = _frame(6)
    d["ab"] = 2 * d["a"] - d["b"] + 3
    with pytest.raises(DataError) as e:
        ols(d, "y", ["a", "b", "c", "ab"])
    assert str(e.value) == (
        "variable 'ab' is perfectly collinear with 'a', 'b' (a linear combination of them in these 40 municipalities) (column ab)"
    )


def test_constant_dependent_variable() -> None:
    d = _frame(7)
    d["y"] = 0.5
    with pytest.raises(DataError, match="the dependent variable 'y' is constant"):
        ols(d, "y", ["a"])


def _r_figures(name: str) -> dict[str, dict[str, float]]:
    """Figures R printed (tests/reference/<name>.txt): 'term key=value …' per line."""
    from pathlib import Path

    out: dict[str, dict[str, float]] = {}
    for line in (Path(__file__).resolve().parents[1] / "reference" / f"{name}.txt").read_text().splitlines():
        term, *pairs = line.split()
        if "=" in term:  # a line of figures without a term
            pairs, term = [term, *pairs], ""
        out[term] = {k: float(v) for k, v in (x.split("=") for x in pairs)}
    return out


def test_hc3_standard_errors_use_t_with_residual_df_as_r_coeftest() -> None:
    """HC3 SEs and p-values pinned to R's coeftest(m, vcovHC(m, "HC3")): t on 39 df, not the normal."""
    from pathlib import Path

    d = pd.read_csv(Path(__file__).resolve().parents[1] / "reference" / "hc3_data.csv")
    r = _r_figures("hc3_reference")
    f = ols(d, "y", ["x1", "x2", "x3"], cov_type="HC3")
    assert f.df_resid == r[""]["df_resid"] == 39
    for term, name in (("(Intercept)", "const"), ("x1", "x1"), ("x2", "x2"), ("x3", "x3")):
        assert f.params[name] == pytest.approx(r[term]["estimate"], rel=1e-8, abs=1e-12)
        assert f.bse[name] == pytest.approx(r[term]["se"], rel=1e-8)
        assert f.tvalues[name] == pytest.approx(r[term]["t"], rel=1e-8)
        assert f.pvalues[name] == pytest.approx(r[term]["p"], rel=1e-8)
