"""Municipality model, data side: survey answers aggregated per municipality (checked by hand),
the join with register outcomes, the report of every municipality lost, and the warnings and
errors for bad input (each naming the variable)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from toolkit.core.errors import ConfigError, DataError
from toolkit.municipal import ModelSpec, ModelWarning, join, run_model, spec_from_dict
from toolkit.municipal.indicators import aggregate, expand
from toolkit.read.tabular import Dataset

GRAD = {1: "Slet ikke", 2: "I mindre grad", 3: "I nogen grad", 4: "I høj grad", 5: "Ved ikke"}
JNV = {1: "Ja", 2: "Nej", 3: "Ved ikke"}


def survey() -> Dataset:
    """Leaders in three municipalities, answers chosen so every aggregate is easy to do by hand."""
    d = pd.DataFrame({
        "kommune": [101.0, 101.0, 101.0, 147.0, 147.0, 151.0, np.nan],
        "q": [1, 3, 5, 4, 4, 5, 1],       # GRAD
        "jn": [1, 2, 3, 1, 1, np.nan, 1],  # JNV
    })
    return Dataset(d, None, {"q": "Spørgsmål – Tæt opfølgning", "jn": "Har I et projekt?"}, {"q": dict(GRAD), "jn": dict(JNV)})


def spec(**kw: object) -> ModelSpec:
    base = {"dependent": "y", "instruments": {"ledere": {"title": "Ledere"}}, "indicators": []}
    base.update(kw)
    return ModelSpec.model_validate(base)


def test_share_mean_and_yes_aggregates_by_hand() -> None:
    ds = survey()
    s = spec(indicators=[
        {"instrument": "ledere", "variables": "q", "stat": "share", "codes": ["I nogen grad", "I høj grad"]},
        {"instrument": "ledere", "variables": "q", "stat": "mean", "name": "q_mean"},
        {"instrument": "ledere", "variables": "jn", "stat": "share", "codes": ["ja"]},
        {"instrument": "ledere", "variables": "jn", "stat": "share", "codes": [1], "exclude": ["Ved ikke"], "name": "jn_excl"},
    ])
    inds = expand(s, {"ledere": ds})
    assert [i.name for i in inds] == ["ledere_q", "q_mean", "ledere_jn", "jn_excl"]
    agg = {i.name: aggregate(ds, i, "kommune") for i in inds}
    # share I nogen/høj grad, Ved ikke kept in the base: 101 → 1/3, 147 → 2/2, 151 → 0/1
    assert agg["ledere_q"]["value"].to_dict() == pytest.approx({101: 1 / 3, 147: 1.0, 151: 0.0})
    assert agg["ledere_q"]["n"].to_dict() == {101: 3, 147: 2, 151: 1}
    # mean leaves 'Ved ikke' (5) out by default: 101 → (1+3)/2, 147 → 4, 151 → no answer left → absent
    assert agg["q_mean"]["value"].to_dict() == pytest.approx({101: 2.0, 147: 4.0})
    # share Ja: 101 → 1/3 (Ved ikke in base), 147 → 2/2; 151 has a missing answer only
    assert agg["ledere_jn"]["value"].to_dict() == pytest.approx({101: 1 / 3, 147: 1.0})
    assert agg["jn_excl"]["value"].to_dict() == pytest.approx({101: 1 / 2, 147: 1.0})
    assert inds[0].label == "Ledere: Tæt opfølgning (andel i nogen grad/i høj grad)"
    assert inds[1].label == "Ledere: Tæt opfølgning (gennemsnit, ekskl. ved ikke)"
    assert inds[3].description == "andel ja, ekskl. ved ikke"


def test_min_respondents_and_text_answers() -> None:
    d = pd.DataFrame({"kommune": [101, 101, 147], "svar": ["Ja", "nej ", "JA"]})
    ds = Dataset(d)
    s = spec(indicators=[{"instrument": "ledere", "variables": "svar", "stat": "share", "codes": ["Ja"]}], min_respondents=2)
    ind = expand(s, {"ledere": ds})[0]
    out = aggregate(ds, ind, "kommune", min_respondents=2)
    assert out.loc[101, "value"] == pytest.approx(0.5)
    assert np.isnan(out.loc[147, "value"])  # one answer < min_respondents


def test_glob_names_and_config_errors_name_the_variable() -> None:
    d = pd.DataFrame({"kommune": [101, 147], "akt_1": [0, 1], "akt_2": [1, 1], "x": [1, 2]})
    ds = Dataset(d, None, {}, {"akt_1": {0: "Ikke valgt", 1: "Valgt"}, "akt_2": {0: "Ikke valgt", 1: "Valgt"}})
    s = spec(indicators=[{"instrument": "ledere", "variables": "akt_*", "stat": "share", "codes": ["Valgt"]}])
    assert [i.name for i in expand(s, {"ledere": ds})] == ["ledere_akt_1", "ledere_akt_2"]
    bad = spec(indicators=[{"instrument": "ledere", "variables": "akt_1", "stat": "share", "codes": ["I høj grad"]}])
    with pytest.raises(ConfigError) as e:
        expand(bad, {"ledere": ds})
    assert str(e.value) == "'indicators[0].codes': variable 'akt_1' has no answer labelled 'I høj grad'; its labels are Ikke valgt, Valgt"
    nolab = spec(indicators=[{"instrument": "ledere", "variables": "x", "stat": "share", "codes": ["Ja"]}])
    with pytest.raises(ConfigError, match="gives the label 'Ja', but variable 'x' in <data> has no value labels; give numeric codes"):
        expand(nolab, {"ledere": ds})
    nomatch = spec(indicators=[{"instrument": "ledere", "variables": "maal_*", "stat": "mean"}])
    with pytest.raises(ConfigError, match=r"indicators\[0\]: no variable in <data> matches 'maal_\*'"):
        expand(nomatch, {"ledere": ds})
    missing = spec(indicators=[{"instrument": "ledere", "variables": "nope", "stat": "mean"}])
    with pytest.raises(DataError, match="indicator variable 'nope' not found"):
        expand(missing, {"ledere": ds})
    twice = spec(indicators=[{"instrument": "ledere", "variables": "x", "stat": "mean"},
                             {"instrument": "ledere", "variables": "x", "stat": "share", "codes": [1]}])
    with pytest.raises(ConfigError, match="the indicator name 'ledere_x' is used twice"):
        expand(twice, {"ledere": ds})


def _design(n: int = 30, seed: int = 0) -> tuple[pd.DataFrame, Dataset]:
    """n municipalities with register data; leaders answer in all but the last three."""
    rng = np.random.default_rng(seed)
    codes = np.arange(101, 101 + n)
    reg = pd.DataFrame({"kommune": codes, "y": rng.normal(size=n), "anc": rng.normal(size=n)})
    reg.loc[2, "y"] = np.nan  # no dependent variable
    ans = codes[:-3]
    leaders = pd.DataFrame({"kommune": np.append(ans, 999), "q": rng.integers(1, 5, len(ans) + 1)})
    leaders.loc[4, "q"] = 5  # only 'Ved ikke' → the mean is missing
    leaders["konst"] = 1
    leaders["filter"] = np.where(np.arange(len(leaders)) < 5, 2, np.nan)  # asked of few
    leaders["q_copy"] = leaders["q"]
    return reg, Dataset(leaders, None, {}, {"q": dict(GRAD), "q_copy": dict(GRAD)})


def _spec(**kw: object) -> ModelSpec:
    inds = [{"instrument": "ledere", "variables": "q", "stat": "mean"}]
    inds += kw.pop("extra", [])  # type: ignore[operator]
    return spec(controls=["anc"], indicators=inds, **kw)


def test_loss_report_gives_every_reason() -> None:
    reg, ds = _design()
    j = join(reg, {"ledere": ds}, _spec(), names={101: "A", 999: "Udland"})
    assert len(j.sample) == 30 - 3 - 1 - 1
    lost = j.lost["aarsag"].to_dict()
    assert lost[103] == "mangler y"
    assert lost[105] == f"mangler værdi for {j.variables['ledere_q'].label}"  # the label a reader knows, not the name
    assert j.variables["ledere_q"].label != "ledere_q"
    assert lost[128] == lost[129] == lost[130] == "intet svar fra ledere"
    assert lost[999] == "ingen registerdata"
    assert j.lost.loc[999, "navn"] == "Udland"
    basis = dict(j.basis)
    assert basis["Kommuner i alt"] == 31 and basis["Med registerdata"] == 30 and basis["Med svar fra ledere"] == 28
    assert basis["Med komplette data (i modellen)"] == 25


def test_bad_candidates_are_left_out_with_a_warning_naming_them() -> None:
    reg, ds = _design()
    extra = [
        {"instrument": "ledere", "variables": "konst", "stat": "mean"},
        {"instrument": "ledere", "variables": "filter", "stat": "mean"},
        {"instrument": "ledere", "variables": "q_copy", "stat": "mean"},
    ]
    j = join(reg, {"ledere": ds}, _spec(extra=extra))
    assert j.candidates == ["ledere_q"]
    assert j.warnings == [
        "indicator 'ledere_konst' (Ledere: konst (gennemsnit)) has the same value (1) in every municipality; left out of the candidates",
        # answered in 101-105 only, and 103 has no 'y': 25 of 29 missing
        "indicator 'ledere_filter' (Ledere: filter (gennemsnit)) is missing for 86 % of the 29 municipalities with 'y' "
        "(more than max_missing 50 %); left out of the candidates",
        "indicator 'ledere_q_copy' (Ledere: q_copy (gennemsnit, ekskl. ved ikke)) is perfectly collinear with 'ledere_q'; left out of the candidates",
    ]
    assert j.variables["ledere_filter"].status == "udeladt: mangler for 86 % af kommunerne"


def test_run_model_emits_model_warnings() -> None:
    reg, ds = _design()
    ds.data.loc[0, "kommune"] = np.nan
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        res = run_model(reg, {"ledere": ds}, _spec(extra=[{"instrument": "ledere", "variables": "konst", "stat": "mean"}]))
    msgs = [str(x.message) for x in w if issubclass(x.category, ModelWarning)]
    assert msgs[0] == "1 respondents in 'ledere' have no municipality code ('kommune') and are left out"
    assert "ledere_konst" in msgs[1]
    assert res.warnings == msgs
    from toolkit.municipal.tables import basis_table

    notes = basis_table(res).notes
    assert "Anm.: Ledere: konst (gennemsnit) er udeladt (samme værdi i alle kommuner)." in notes
    assert not any("indicator" in n for n in notes)  # the workbook speaks Danish


def test_register_errors_name_the_column() -> None:
    reg, ds = _design()
    s = _spec()
    dup = pd.concat([reg, reg.iloc[[5]]])
    with pytest.raises(DataError, match="municipality 106 appears more than once"):
        join(dup, {"ledere": ds}, s)
    with pytest.raises(DataError) as e:
        join(reg.drop(columns="anc"), {"ledere": ds}, s)
    assert str(e.value) == "register outcomes lack column 'anc'; they have y (register outcomes, column anc)"
    txt = reg.assign(anc=reg["anc"].astype(object))
    txt.loc[3, "anc"] = "n/a"
    with pytest.raises(DataError, match="column 'anc' must be numeric, found 'n/a' \\(municipality 104\\)"):
        join(txt, {"ledere": ds}, s)
    frac = reg.assign(kommune=reg["kommune"] + 0.5)
    with pytest.raises(DataError, match=r"municipality code must be a whole number \(e.g. 657\), found '101.5' in rows 2, 3"):
        join(frac, {"ledere": ds}, s)


def test_register_frame_indexed_by_code_is_accepted() -> None:
    reg, ds = _design()
    a = join(reg, {"ledere": ds}, _spec())
    b = join(reg.set_index("kommune"), {"ledere": ds}, _spec())
    pd.testing.assert_frame_equal(a.frame, b.frame)


def test_controls_missing_for_most_is_an_error() -> None:
    reg, ds = _design()
    reg.loc[:20, "anc"] = np.nan
    # rows 0-20 lose 'anc'; row 2 has no 'y' anyway: 20 of the 29 municipalities with 'y' = 69 %
    with pytest.raises(DataError, match="control 'anc' is missing for 69 % of the 29 municipalities with 'y'"):
        join(reg, {"ledere": ds}, _spec())


def test_spec_errors_name_the_key() -> None:
    def err(d: dict) -> str:
        with pytest.raises(ConfigError) as e:
            spec_from_dict(d, "model.yaml")
        return str(e.value)

    assert err({"dependent": "y", "contrls": []}) == "contrls: unknown key 'contrls'; did you mean 'controls'? (model.yaml)"
    assert err({"controls": []}) == "dependent: required key is missing (model.yaml)"
    assert err({"dependent": "y", "indicators": [{"instrument": "l", "variables": "q", "stat": "share"}]}) == (
        "indicators[1]: stat 'share' needs 'codes' (the answers counted, e.g. [I nogen grad, I høj grad]) (model.yaml)"
    )
    assert err({"dependent": "y", "selection": {"p_enter": 0.1, "p_remove": 0.05}}) == (
        "selection.p_remove: p_remove (0.05) must be at least p_enter (0.1); otherwise a variable can enter and leave "
        "again forever (model.yaml)"
    )
    assert err({"dependent": "y", "selection": {"direction": "sideways"}}) == (
        "selection.direction: 'sideways' is not allowed; use one of: forward, backward, both (model.yaml)")
    assert err({"dependent": "y", "instruments": {"ledere": "l.sav"}, "indicators": [
        {"instrument": "staff", "variables": "q", "stat": "mean"}]}) == (
        "indicators[1].instrument: unknown instrument 'staff'; allowed: ledere (model.yaml)"
    )
    assert err({"dependent": "y", "controls": ["y"]}) == "controls[1]: the dependent variable 'y' is also a control (model.yaml)"
    # every problem of the file at once, one line each
    assert err({"dependent": "y", "alpha": 2, "candidates": {"regsiter": ["a"]},
                "indicators": [{"instrument": "l", "variables": [], "stat": "mean", "codes": [1]}]}) == (
        "4 problems in model.yaml:\n"
        "  alpha: must be less than 1.0, got 2\n"
        "  candidates.regsiter: unknown key 'regsiter'; did you mean 'register'?\n"
        "  indicators[1].variables: list at least one variable\n"
        "  indicators[1].codes: 'codes' only applies to stat 'share'; use 'exclude' to leave codes out of a mean"
    )
    ok = spec_from_dict({"dependent": "y", "candidates": {"register": ["a"]}, "register": {"file": "r.csv"}})
    assert ok.register_candidates == ["a"] and ok.register_spec.file == "r.csv"


def test_collinear_controls_are_an_error_naming_them() -> None:
    reg, ds = _design()
    reg["anc2"] = 3 * reg["anc"] - 1
    with pytest.raises(DataError, match="variable 'anc2' is perfectly collinear with 'anc'"):
        run_model(reg, {"ledere": ds}, spec(controls=["anc", "anc2"], indicators=[{"instrument": "ledere", "variables": "q", "stat": "mean"}]))


def test_the_readme_model_example_is_a_valid_config() -> None:
    import re

    from conftest import ROOT

    from toolkit.config.yaml import parse_yaml

    text = (ROOT / "surveys" / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Model"):]
    block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    s = spec_from_dict(parse_yaml(block))
    assert s.dependent == "maal2" and s.controls == ["anciennitet", "andel_match45"]
    assert s.instruments["medarbejdere"].file == "data/medarbejdere.sav"
