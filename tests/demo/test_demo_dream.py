"""The demo DREAM extract carries its planted municipality effects: the wave report's model
(chapter 4, run on the extract's municipality outcomes) recovers them with the right signs, and
the outcome module's per-municipality figures track the generator's planted profile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from conftest import ROOT, run_cli

from toolkit.config.definitions import load_definitions
from toolkit.config.yaml import read_yaml
from toolkit.demo.dream import PLANTED, PROGRAMME, municipal_profile, synthetic_extract
from toolkit.register import municipality_frame
from toolkit.register.extract import read_for


@pytest.fixture(scope="module")
def model_chapter(demo_wave_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`toolkit report` on the session's demo wave cut down to its model chapter; its output folder."""
    wave = read_yaml(demo_wave_dir / "wave.yaml")
    chapters = [c for c in wave["chapters"] if any("model" in item for item in c["items"])]
    # the shipped chapter 4 takes the register outcomes from the DREAM extract (no register file)
    assert [c["items"] for c in chapters] == [[{"model": {}}]]
    wave["chapters"] = chapters
    (demo_wave_dir / "model_only.yaml").write_text(yaml.safe_dump(wave, allow_unicode=True), encoding="utf-8")
    out = tmp_path_factory.mktemp("model_chapter")
    r = run_cli("report", demo_wave_dir / "model_only.yaml", "--out", out / "model.xlsx", "--tidy", out / "model.csv")
    assert r.returncode == 0, r.stderr
    return out


def _labels() -> dict[str, str]:
    variables = read_yaml(ROOT / "surveys" / "demo" / "model.yaml")["register"]["variables"]
    return {k: v["label"] for k, v in variables.items()}


def test_wave_model_recovers_the_planted_effects_with_right_signs(model_chapter: Path) -> None:
    t = pd.read_csv(model_chapter / "model.csv", keep_default_na=False)
    res = t[t["table"] == "4/1/model_resultat"]  # chapter 4, item 1
    coef = res[res["column"] == "Koefficient"].set_index("row")["value"].astype(float)
    p = res[res["column"] == "p"].set_index("row")["value"].astype(float)
    group = res[res["column"] == "Koefficient"].set_index("row")["group"]
    lab = _labels()
    # the controls (always in the model): longer seniority and a heavier target group lower mål 2
    for c in ("anciennitet", "andel_match45"):
        assert group[lab[c]] == "Kontrolvariable"
        assert coef[lab[c]] < 0 and p[lab[c]] < 0.05, c
    # the planted offer profile is selected by the stepwise search, with the planted sign
    for c in ("praktik", "vejledning"):
        name = lab[f"akt_{c}"]
        assert group[name] == "Udvalgte faktorer", c
        assert np.sign(coef[name]) == np.sign(PLANTED[c]) and p[name] < 0.01, c
    assert coef["R²"] > 0.5 and coef["Antal kommuner"] >= 40
    # Figur 4.1 draws them with their signs, as a native chart
    wb = openpyxl.load_workbook(model_chapter / "model.xlsx")
    ws = wb["Figur 4.1"]
    assert ws._charts
    signs = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert signs[lab["anciennitet"]] == signs[lab["andel_match45"]] == signs[lab["akt_vejledning"]] == "−"
    assert signs[lab["akt_praktik"]] == "+"


def test_municipality_outcomes_track_the_planted_profile(demo_dir: Path) -> None:
    """The offer shares toolkit.outcomes measures match the drawn profile; mål 2 follows the planted effect."""
    defs = load_definitions(ROOT / "registers" / "nychance.yaml")
    f = municipality_frame(read_for(demo_dir / "dream.parquet", defs), defs)
    prof = municipal_profile(2024)
    truth = pd.DataFrame({"praktik": prof.praktik, "vejledning": prof.vejledning, "effect": prof.programme_effect(),
                          "entry": np.log(prof.entry_scale), "heavy": prof.heavy}, index=prof.kode).loc[f.index]
    big = f["tilbud"] >= 50  # municipalities with enough offers to measure their shares
    assert big.sum() > 60
    assert np.corrcoef(f.loc[big, "akt_praktik"], truth.loc[big, "praktik"])[0, 1] > 0.85
    assert np.corrcoef(f.loc[big, "akt_vejledning"], truth.loc[big, "vejledning"])[0, 1] > 0.85
    assert np.corrcoef(f["maal2"], truth["effect"])[0, 1] > 0.6
    # later entry into the benefit system → shorter seniority; a heavier municipality → more in match 4-5
    assert np.corrcoef(f["anciennitet"], truth["entry"])[0, 1] < -0.8
    assert np.corrcoef(f["andel_match45"], truth["heavy"])[0, 1] > 0.7
    # the cohort is large enough per municipality for the model (a few thousand persons would not be)
    assert f["personer"].median() >= 80


def test_profile_is_a_valid_offer_mix() -> None:
    prof = municipal_profile(2024)
    assert prof.mix.shape == (98, 7)
    assert np.allclose(prof.mix.sum(axis=1), 1) and (prof.mix > 0).all()
    assert (prof.praktik + prof.vejledning <= 0.85 + 1e-12).all()
    prog = np.isin(prof.kode, PROGRAMME)
    assert np.allclose(prof.praktik[prog], 0.40) and np.allclose(prof.vejledning[prog], 0.15)


def test_extract_is_deterministic() -> None:
    pd.testing.assert_frame_equal(synthetic_extract(7, 1000), synthetic_extract(7, 1000))
