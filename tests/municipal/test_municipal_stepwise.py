"""Stepwise selection on planted designs: known true coefficients plus noise; the selection must
pick exactly the planted indicators in a clear majority of seeds, with the right signs, and keep
the forced controls in every model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.core.errors import DataError
from toolkit.municipal import stepwise

PLANTED = {"x1": 0.8, "x2": -0.7, "x3": 0.6}
CONTROLS = {"anc": -0.5, "m45": -0.4}
NULLS = [f"z{k}" for k in range(1, 10)]
SEEDS = range(30)


def planted(seed: int, n: int = 60) -> pd.DataFrame:
    """n municipalities: y = controls + 3 planted indicators + N(0, 1); 9 null indicators.

    Indicators are correlated with the controls and each other (as survey indicators are), so the
    controls matter for getting the right answer.
    """
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({c: rng.normal(size=n) for c in CONTROLS})
    common = rng.normal(size=n)
    for k, c in enumerate(list(PLANTED) + NULLS):
        d[c] = 0.4 * common + 0.3 * d["anc"] * (k % 2) + rng.normal(size=n)
    d["y"] = sum(b * d[c] for c, b in {**CONTROLS, **PLANTED}.items()) + rng.normal(size=n)
    d.index = pd.Index(range(n), name="kommune")
    return d


@pytest.mark.parametrize("direction", ["forward", "both", "backward"])
def test_planted_indicators_are_found_with_right_signs(direction: str) -> None:
    exact = 0
    for seed in SEEDS:
        d = planted(seed)
        sel = stepwise(d, "y", list(PLANTED) + NULLS, forced=list(CONTROLS), direction=direction, p_enter=0.01, p_remove=0.02)
        assert sel.forced == list(CONTROLS) and sel.fit.xs[:2] == list(CONTROLS)
        if set(sel.selected) == set(PLANTED):
            exact += 1
            for c, b in PLANTED.items():
                assert np.sign(sel.fit.params[c]) == np.sign(b)
    # 9 null candidates at p_enter 0.01: about 0.99⁹ ≈ 91 % of seeds should be exact
    assert exact >= 24, f"{direction}: exactly the planted set in only {exact} of {len(SEEDS)} seeds"


def test_trace_records_each_step_and_final_fit_matches() -> None:
    d = planted(3)
    sel = stepwise(d, "y", list(PLANTED) + NULLS, forced=list(CONTROLS), direction="both", p_enter=0.01, p_remove=0.02)
    actions = [s.action for s in sel.trace]
    assert actions[0] == "start" and actions[-1] == "stop"
    added = [s.variable for s in sel.trace if s.action == "add"]
    removed = [s.variable for s in sel.trace if s.action == "remove"]
    assert [v for v in added if v not in removed] == sel.selected
    assert sel.trace[-1].rsquared == pytest.approx(sel.fit.rsquared)
    assert all(s.p is not None and s.p < 0.01 for s in sel.trace if s.action == "add")
    # R² never falls when a variable is added
    r2 = [s.rsquared for s in sel.trace if s.action in ("start", "add")]
    assert r2 == sorted(r2)


def test_the_first_entry_is_the_smallest_p_among_single_additions() -> None:
    import statsmodels.api as sm

    d = planted(5)
    sel = stepwise(d, "y", list(PLANTED) + NULLS, forced=list(CONTROLS), direction="forward", p_enter=0.01)
    ps = {c: sm.OLS(d["y"], sm.add_constant(d[list(CONTROLS) + [c]])).fit().pvalues[c] for c in list(PLANTED) + NULLS}
    first = next(s for s in sel.trace if s.action == "add")
    assert first.variable == min(ps, key=ps.get)
    assert first.p == pytest.approx(ps[first.variable], rel=1e-12)


def test_both_removes_a_variable_that_loses_significance() -> None:
    """a = b + c + noise is the best single predictor of y = b + c + e, so it enters first; once b
    and c are in, a adds nothing and 'both' removes it (forward keeps it)."""
    rng = np.random.default_rng(0)
    n = 80
    b, c = rng.normal(size=n), rng.normal(size=n)
    d = pd.DataFrame({"a": b + c + rng.normal(scale=1.0, size=n), "b": b, "c": c})
    d["y"] = b + c + rng.normal(scale=0.5, size=n)
    sel = stepwise(d, "y", ["a", "b", "c"], direction="both", p_enter=0.05, p_remove=0.10)
    steps = [(s.action, s.variable) for s in sel.trace]
    assert steps[:2] == [("start", None), ("add", "a")]
    assert ("remove", "a") in steps
    removal = next(s for s in sel.trace if s.action == "remove")
    assert removal.p > 0.10
    assert set(sel.selected) == {"b", "c"}
    fwd = stepwise(d, "y", ["a", "b", "c"], direction="forward", p_enter=0.05)
    assert "a" in fwd.selected


def test_collinear_candidate_is_skipped_not_fatal() -> None:
    d = planted(1)
    d["x1_copy"] = 2 * d["x1"] + 1
    sel = stepwise(d, "y", ["x1", "x1_copy", "x2"], forced=list(CONTROLS), direction="forward", p_enter=0.05)
    assert "x1_copy" in sel.skipped and "collinear with x1" in sel.skipped["x1_copy"].replace("'", "")
    assert set(sel.selected) == {"x1", "x2"}


def test_backward_needs_more_municipalities_than_candidates() -> None:
    d = planted(2, n=14)
    with pytest.raises(DataError, match=r"backward selection starts from all 12 candidates plus 2 controls and a constant \(15 parameters\) but only 14 municipalities"):
        stepwise(d, "y", list(PLANTED) + NULLS, forced=list(CONTROLS), direction="backward")


def test_forward_stops_when_municipalities_run_out() -> None:
    d = planted(2, n=6)
    sel = stepwise(d, "y", list(PLANTED) + NULLS, forced=list(CONTROLS), direction="forward", p_enter=0.99)
    assert len(sel.fit.xs) <= 6 - 2
    assert sel.trace[-1].note.startswith("for få kommuner (6)")


def test_planted_survey_indicators_through_the_whole_pipeline() -> None:
    """Survey answers → per-municipality shares → join → stepwise: the two planted indicators
    (shares computed here by hand with pandas) are selected with their signs in most seeds."""
    from toolkit.municipal import ModelSpec, run_model
    from toolkit.read.tabular import Dataset

    grad = {1: "Slet ikke", 2: "I mindre grad", 3: "I nogen grad", 4: "I høj grad", 5: "Ved ikke"}
    spec = ModelSpec.model_validate({
        "dependent": "y", "controls": ["anc"],
        "instruments": {"ledere": {"title": "Ledere"}},
        "indicators": [{"instrument": "ledere", "variables": "q*", "stat": "share", "codes": ["I nogen grad", "I høj grad"]}],
        "selection": {"direction": "both", "p_enter": 0.01, "p_remove": 0.02},
    })
    exact = 0
    for seed in range(10):
        rng = np.random.default_rng(100 + seed)
        codes = np.arange(101, 171)  # 70 municipalities, 4 leaders each, 8 questions
        kom = np.repeat(codes, 4)
        answers = pd.DataFrame({f"q{k}": rng.integers(1, 6, len(kom)) for k in range(1, 9)})
        answers.insert(0, "kommune", kom)
        shares = answers.groupby("kommune")[[f"q{k}" for k in range(1, 9)]].agg(lambda s: s.isin([3, 4]).mean())
        reg = pd.DataFrame({"kommune": codes, "anc": rng.normal(size=len(codes))})
        reg["y"] = -0.5 * reg["anc"] + 2.0 * shares["q2"].to_numpy() - 2.0 * shares["q5"].to_numpy() + rng.normal(scale=0.3, size=len(codes))
        ds = Dataset(answers, None, {}, {f"q{k}": dict(grad) for k in range(1, 9)})
        res = run_model(reg, {"ledere": ds}, spec)
        if set(res.selection.selected) == {"ledere_q2", "ledere_q5"}:
            exact += 1
            assert res.fit.params["ledere_q2"] > 0 > res.fit.params["ledere_q5"]
            assert res.fit.params["ledere_q2"] == pytest.approx(2.0, abs=0.5)
    assert exact >= 7, f"exactly the planted set in only {exact} of 10 seeds"
