"""The municipality model as an intruder reads it: a municipality of 3 register persons (and one
whose register regressor describes 2 persons) is hidden in the data sheet, but estimated on, its
value came back from the published coefficients through the normal equations X'(y − Xb) = 0.
Now such a municipality is out of the sample: everything published is the same whatever its
hidden value, and the coefficients are statsmodels' OLS on the other municipalities."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from toolkit.core.errors import DataError
from toolkit.core.table import Table
from toolkit.municipal import result_tables, run_model, spec_from_dict
from toolkit.pipeline.model import run_model as pipeline_model
from toolkit.publish.disclosure import Policy, suppress
from toolkit.read.tabular import Dataset

N = 30
CODES = list(range(101, 101 + N))
K = 107  # the small municipality
NAMES = {k: f"Kommune {k}" for k in CODES}


def _surveys() -> dict[str, Dataset]:
    """Three leaders per municipality answering q on 1-4 (their mean is the survey predictor, shown)."""
    rng = np.random.default_rng(11)
    d = pd.DataFrame({"kommune": np.repeat(CODES, 3), "q": rng.integers(1, 5, 3 * N)})
    return {"ledere": Dataset(d, None, {"q": "Tæt opfølgning"}, {})}


def _q_by_hand() -> pd.Series:
    d = _surveys()["ledere"].data
    return d.groupby("kommune")["q"].mean()


def _register(hidden: int, *, akt_hidden: int | None = None) -> pd.DataFrame:
    """Per municipality: persons, y = share in employment (whole persons), akt = a register share.

    Municipality K has 3 persons, `hidden` of them employed. With `akt_hidden`, K has 40 persons
    instead and akt = akt_hidden / 40 (a register regressor of 1-4 persons)."""
    rng = np.random.default_rng(7)
    persons = rng.integers(40, 200, N)
    q = _q_by_hand().reindex(CODES).to_numpy()
    akt = np.round(rng.uniform(0.2, 0.5, N) * persons) / persons
    y = np.round(np.clip(0.05 + 0.1 * q + 0.8 * akt + rng.normal(0, 0.03, N), 0, 1) * persons) / persons
    d = pd.DataFrame({"kommune": CODES, "personer": persons, "y": y, "akt": akt})
    i = CODES.index(K)
    if akt_hidden is None:
        d.loc[i, ["personer", "y"]] = [3, hidden / 3]
    else:
        d.loc[i, ["personer", "akt"]] = [40, akt_hidden / 40]
        d.loc[i, "y"] = round(d.loc[i, "y"] * 40) / 40
    return d


def _spec(*, akt: bool = False, **kw: object):  # type: ignore[no-untyped-def]
    return spec_from_dict({
        "dependent": "y",
        "controls": ["akt"] if akt else [],
        **kw,
        "instruments": {"ledere": {"title": "Ledere"}},
        "register": {"persons": "personer", "variables": {"y": {"label": "Andel i beskæftigelse", "percent": True},
                                                          "akt": {"label": "Andel i aktivering", "percent": True},
                                                          "y2": {"label": "Andel i uddannelse", "percent": True}}},
        "indicators": [{"instrument": "ledere", "variables": "q", "stat": "mean", "name": "q", "label": "Tæt opfølgning"}],
        "selection": {"direction": "forward", "p_enter": 0.05, "p_remove": 0.1},
    })


def _old_tables(reg: pd.DataFrame, *, akt: bool = False) -> list[Table]:
    """What was published before: estimated on every municipality, then small cells suppressed."""
    tables = result_tables(run_model(reg, _surveys(), _spec(akt=akt), NAMES))
    return suppress(tables, Policy())


def _new_tables(reg: pd.DataFrame, policy: Policy = Policy(), *, akt: bool = False, **kw: object) -> tuple[list[Table], list[str]]:
    run = pipeline_model(_spec(akt=akt, **kw), reg, _surveys(), names=NAMES, policy=policy)
    return run.tables, run.warnings


def _table(tables: list[Table], name: str) -> Table:
    return next(t for t in tables if t.key == name)


def _column(t: Table, label: str) -> dict[str, object]:
    """Row label → published value of one column (None where hidden or empty)."""
    j = t.column_labels.index(label)
    return {r: (None if c.suppressed else c.value) for r, c in zip(t.row_labels, (row[j] for row in t.cells))}


def _published(tables: list[Table]) -> list[object]:
    """Everything a reader sees: titles, labels, notes, and each cell as shown ('x' when hidden)."""
    out: list[object] = []
    for t in tables:
        cells = [["x" if c.suppressed else c.value for c in row] for row in t.cells]
        out.append((t.key, t.title, t.row_labels, t.column_labels, t.notes, cells))
    return out


def _intruder_y(tables: list[Table]) -> float:
    """Solve the normal equations for K's hidden y: X'X b = Σ x_i y_i with every y but K's published."""
    model = _column(_table(tables, "model_resultat"), "Koefficient")
    b = np.array([model["Konstant"], model["Tæt opfølgning"]], dtype=float)
    data = _table(tables, "model_data")
    inmodel = _column(data, "I modellen")
    y, q = _column(data, "Andel i beskæftigelse"), _column(data, "Tæt opfølgning")
    rows = [r for r in data.row_labels if inmodel[r] == "Ja"]
    X = np.array([[1.0, float(q[r])] for r in rows])  # type: ignore[arg-type]
    k = rows.index(f"Kommune {K}")
    assert y[f"Kommune {K}"] is None  # hidden in the data sheet
    known = sum(X[i] * float(y[r]) for i, r in enumerate(rows) if i != k)  # type: ignore[arg-type]
    sol, *_ = np.linalg.lstsq(X[k:k + 1].T, X.T @ X @ b - known, rcond=None)
    return float(sol[0])


@pytest.mark.parametrize("hidden", [1, 2])
def test_old_behaviour_gave_a_three_person_municipality_away(hidden: int) -> None:
    tables = _old_tables(_register(hidden))
    got = _intruder_y(tables)
    # the other municipalities' shares are published at one decimal of a per cent; still the
    # answer lands within a tenth of a person of the truth: "hidden of 3" is recovered
    assert abs(3 * got - hidden) < 0.1


def test_now_a_three_person_municipality_is_out_of_the_model_and_changes_nothing_published() -> None:
    runs = {h: _new_tables(_register(h)) for h in (1, 2, 3)}
    tables, warnings = runs[1]
    assert _published(runs[2][0]) == _published(tables) == _published(runs[3][0])
    # its cells are hidden and it is not in the model, for disclosure reasons said in words
    data = _table(tables, "model_data")
    assert data.cells[data.row_labels.index(f"Kommune {K}")][2].suppressed  # its share in employment
    assert _column(data, "I modellen")[f"Kommune {K}"] == "Nej"
    lost = _table(tables, "model_tabte")
    reason = _column(lost, "Årsag")[f"Kommune {K} ({K})"]
    assert reason == "Skjult af hensyn til diskretionering: Andel i beskæftigelse"
    assert _column(lost, "Skjult af hensyn til diskretionering")[f"Kommune {K} ({K})"] == 1
    basis = _column(_table(tables, "model_grundlag"), "Antal kommuner")
    assert basis["Udeladt af hensyn til diskretionering"] == 1 and basis["Med komplette data (i modellen)"] == N - 1
    note = ("Anm.: 1 kommune er udeladt af modellen af hensyn til diskretionering: mindst ét af dens registertal i modellen "
            "omfatter færre end 5 personer eller alle på nær færre end 5 og er skjult i kommunedata; med i modellen kunne "
            "værdien regnes tilbage fra de offentliggjorte koefficienter og beskrivende tal. Skjulte registertal indgår "
            "ikke i nogen beregning.")
    for name in ("model_grundlag", "model_variable", "model_bivariat", "model_trin", "model_resultat", "model_figur",
                 "model_robusthed"):
        assert note in _table(tables, name).notes, name
    assert any(w.startswith(f"1 municipality left out of the model for disclosure control ({K}): ") for w in warnings)
    # the coefficients are an independent OLS on the other 29 municipalities
    reg = _register(1).set_index("kommune").drop(index=K)
    ref = sm.OLS(reg["y"], sm.add_constant(_q_by_hand().reindex(reg.index).rename("q"))).fit()
    coef = _column(_table(tables, "model_resultat"), "Koefficient")
    assert coef["Konstant"] == pytest.approx(ref.params["const"], rel=1e-9)
    assert coef["Tæt opfølgning"] == pytest.approx(ref.params["q"], rel=1e-9)
    assert coef["R²"] == pytest.approx(ref.rsquared, rel=1e-9)
    # the normal equations hold over the others alone: they say nothing of K's y
    X, e = sm.add_constant(_q_by_hand().reindex(reg.index)).to_numpy(), ref.resid.to_numpy()
    assert np.abs(X.T @ e).max() < 1e-9
    # the descriptives of y are shown, over the 29 others only: no mean row gives K away either
    desc = _table(tables, "model_variable")
    i = desc.row_labels.index("Andel i beskæftigelse")
    shown = dict(zip(desc.column_labels, (None if c.suppressed else c.value for c in desc.cells[i])))
    assert shown["Kommuner"] == N - 1
    for label, want in (("Gennemsnit", reg["y"].mean()), ("Std.afv.", reg["y"].std(ddof=1)),
                        ("Min.", reg["y"].min()), ("Maks.", reg["y"].max())):
        assert shown[label] == pytest.approx(want, abs=0.0005), label  # published at one decimal of a per cent


def test_a_zero_follows_the_zeros_policy() -> None:
    """0 of 3 is shown by default (zeros: show – then it is published and may be estimated on);
    with `small-groups` it is a small cell, and all of 0-3 persons publish the same."""
    tables, _ = _new_tables(_register(0))
    assert _column(_table(tables, "model_data"), "I modellen")[f"Kommune {K}"] == "Ja"
    policy = Policy(zeros="small-groups")
    runs = [_published(_new_tables(_register(h), policy)[0]) for h in (0, 1, 2, 3)]
    assert all(r == runs[0] for r in runs)


def test_the_threshold_and_complements_come_from_the_policy() -> None:
    """At threshold 2 a municipality of 3 with 2 employed is small only by its complement (1)."""
    with_complements, _ = _new_tables(_register(2), Policy(threshold=2))
    assert _column(_table(with_complements, "model_data"), "I modellen")[f"Kommune {K}"] == "Nej"
    without, _ = _new_tables(_register(2), Policy(threshold=2, complements=False))
    data = _table(without, "model_data")
    assert _column(data, "I modellen")[f"Kommune {K}"] == "Ja"
    assert _column(data, "Andel i beskæftigelse")[f"Kommune {K}"] == pytest.approx(0.667)  # shown, at one decimal
    assert not any("diskretionering" in n for n in _table(without, "model_resultat").notes)


def _intruder_akt(tables: list[Table]) -> float:
    """K's hidden register regressor from the constant's normal equation: Σ e_i = 0, so K's residual
    is minus the others', and y_K − b0 − b_akt·akt_K − b_q·q_K = e_K gives akt_K."""
    coef = _column(_table(tables, "model_resultat"), "Koefficient")
    data = _table(tables, "model_data")
    inmodel, y = _column(data, "I modellen"), _column(data, "Andel i beskæftigelse")
    akt, q = _column(data, "Andel i aktivering"), _column(data, "Tæt opfølgning")
    b0, ba, bq = (float(coef[x]) for x in ("Konstant", "Andel i aktivering", "Tæt opfølgning"))  # type: ignore[arg-type]
    me = f"Kommune {K}"
    assert akt[me] is None and y[me] is not None
    others = [r for r in data.row_labels if inmodel[r] == "Ja" and r != me]
    e_k = -sum(float(y[r]) - b0 - ba * float(akt[r]) - bq * float(q[r]) for r in others)  # type: ignore[arg-type]
    return (float(y[me]) - b0 - bq * float(q[me]) - e_k) / ba  # type: ignore[arg-type]


def test_a_hidden_register_regressor_came_back_too_and_now_stays_out() -> None:
    """Not only the outcome: a control describing 2 of 40 persons was recoverable from the
    constant's normal equation; now the municipality is out and 1-4 persons publish the same."""
    got = _intruder_akt(_old_tables(_register(0, akt_hidden=2), akt=True))
    assert abs(40 * got - 2) < 1  # narrowed to within a person
    runs = [_new_tables(_register(0, akt_hidden=h), akt=True)[0] for h in (1, 2, 3, 4)]
    assert all(_published(r) == _published(runs[0]) for r in runs)
    assert _column(_table(runs[0], "model_data"), "I modellen")[f"Kommune {K}"] == "Nej"
    assert math.isclose(float(_column(_table(runs[0], "model_resultat"), "Koefficient")["Antal kommuner"]), N - 1)  # type: ignore[arg-type]


def test_a_register_candidate_hidden_in_one_municipality_takes_it_out_or_is_left_out_itself() -> None:
    """A candidate hidden for at most `max_hidden` of the municipalities (here 1 of 30) costs the
    model that municipality; hidden for more, the candidate is left out and the municipality stays –
    its hidden value enters no estimate either way, so 1-4 persons publish the same."""
    cand = {"candidates": {"register": ["akt"]}}
    runs = [_new_tables(_register(0, akt_hidden=h), **cand)[0] for h in (1, 2, 3, 4)]
    assert all(_published(r) == _published(runs[0]) for r in runs)
    assert _column(_table(runs[0], "model_data"), "I modellen")[f"Kommune {K}"] == "Nej"
    strict = {**cand, "max_hidden": 0.0}
    runs = [_new_tables(_register(0, akt_hidden=h), **strict) for h in (1, 2, 3, 4)]
    assert all(_published(r) == _published(runs[0][0]) for r, _ in runs)
    tables, warnings = runs[0]
    assert _column(_table(tables, "model_data"), "I modellen")[f"Kommune {K}"] == "Ja"
    status = _column(_table(tables, "model_variable"), "Status")["Andel i aktivering"]
    assert status == "udeladt: skjult af hensyn til diskretionering for 3 % af kommunerne"
    assert any(w.startswith("register candidate 'akt' (Andel i aktivering) is hidden by disclosure control") for w in warnings)
    # its descriptives leave the hidden value out: those of the 29 shown
    reg = _register(0, akt_hidden=1).set_index("kommune").drop(index=K)
    assert _column(_table(tables, "model_variable"), "Gennemsnit")["Andel i aktivering"] == pytest.approx(reg["akt"].mean(), abs=0.0005)


def test_a_hidden_robustness_outcome_leaves_its_municipality_out_of_that_model_only() -> None:
    def reg(h: int) -> pd.DataFrame:
        d = _register(0, akt_hidden=20)  # K has 40 persons, nothing hidden
        d["y2"] = np.round(0.5 * d["y"] * d["personer"]) / d["personer"]
        d.loc[CODES.index(K), "y2"] = h / 40
        return d

    runs = [_new_tables(reg(h), robustness=["y2"])[0] for h in (1, 2, 3, 4)]
    assert all(_published(r) == _published(runs[0]) for r in runs)
    tables = runs[0]
    assert _column(_table(tables, "model_data"), "I modellen")[f"Kommune {K}"] == "Ja"
    rob = _table(tables, "model_robusthed")
    j = [i for i, g in enumerate(rob.column_groups) if g == "Andel i uddannelse"][0]  # its classic coefficient column
    n = {r: row[j].value for r, row in zip(rob.row_labels, rob.cells)}["Antal kommuner"]
    assert n == N - 1 and _column(_table(tables, "model_resultat"), "Koefficient")["Antal kommuner"] == N
    assert any("hvor udfaldet findes og ikke er skjult af hensyn til diskretionering" in x for x in rob.notes)
    # and the robustness fit is an independent OLS without K
    d = reg(1).set_index("kommune").drop(index=K)
    ref = sm.OLS(d["y2"], sm.add_constant(_q_by_hand().reindex(d.index).rename("q"))).fit()
    assert {r: row[j].value for r, row in zip(rob.row_labels, rob.cells)}["Konstant"] == pytest.approx(ref.params["const"], rel=1e-9)


def test_a_register_value_without_its_persons_is_refused() -> None:
    # persons unknown: its share could describe 1 person, and nothing could say whether to hide it
    reg = _register(2)
    reg.loc[CODES.index(K), "personer"] = np.nan
    with pytest.raises(DataError, match=rf"municipality {K} has the register value 'y' but no persons in 'personer' \(1 such"):
        _new_tables(reg)
    reg.loc[CODES.index(K), ["y", "akt"]] = np.nan  # no values either: nothing to vouch for, the municipality just has no data
    tables, _ = _new_tables(reg)
    assert _column(_table(tables, "model_data"), "I modellen")[f"Kommune {K}"] == "Nej"
