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
    # (without the municipalities whose register values disclosure control hides, the share in
    # match groups 4-5 keeps its sign but is no longer significant)
    for c in ("anciennitet", "andel_match45"):
        assert group[lab[c]] == "Kontrolvariable"
        assert coef[lab[c]] < 0, c
    assert p[lab["anciennitet"]] < 0.05
    # the planted offer profile is selected by the stepwise search, with the planted sign
    for c in ("praktik", "vejledning"):
        name = lab[f"akt_{c}"]
        assert group[name] == "Udvalgte faktorer", c
        assert np.sign(coef[name]) == np.sign(PLANTED[c]) and p[name] < 0.01, c
    basis = t[t["table"] == "4/1/model_grundlag"].set_index("row")["value"].astype(int)
    assert coef["R²"] > 0.5 and coef["Antal kommuner"] == basis["Med komplette data (i modellen)"] >= 35
    assert basis["Udeladt af hensyn til diskretionering"] > 0  # the demo's small municipalities
    # Figur 4.1 draws them with their signs, as a native chart
    wb = openpyxl.load_workbook(model_chapter / "model.xlsx")
    ws = wb["Figur 4.1"]
    assert ws._charts
    signs = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert signs[lab["anciennitet"]] == signs[lab["akt_vejledning"]] == "−"
    assert lab["andel_match45"] not in signs  # the figure draws the significant factors only
    assert signs[lab["akt_praktik"]] == "+"


def test_the_wave_threshold_reaches_the_model_chapter(model_chapter: Path, demo_wave_dir: Path, tmp_path: Path) -> None:
    """The wave file's disclosure_threshold decides which register values the model may not use:
    at 3 persons another set of municipalities is left out than at the default 5 (more, as it
    happens: fewer rare activation types are hidden for more than a quarter of the municipalities,
    so they stay candidates and their hidden values cost municipalities), and the note says 3."""
    wave = read_yaml(demo_wave_dir / "model_only.yaml")
    wave["parameters"]["disclosure_threshold"] = 3
    (demo_wave_dir / "model_only_t3.yaml").write_text(yaml.safe_dump(wave, allow_unicode=True), encoding="utf-8")
    r = run_cli("report", demo_wave_dir / "model_only_t3.yaml", "--out", tmp_path / "t3.xlsx", "--tidy", tmp_path / "t3.csv")
    assert r.returncode == 0, r.stderr

    def left_out(csv: Path) -> int:
        t = pd.read_csv(csv, keep_default_na=False)
        basis = t[t["table"] == "4/1/model_grundlag"].set_index("row")["value"]
        return int(basis.get("Udeladt af hensyn til diskretionering", 0))

    assert 0 < left_out(tmp_path / "t3.csv") != left_out(model_chapter / "model.csv") > 0
    ws = openpyxl.load_workbook(tmp_path / "t3.xlsx")
    notes = [c.value for sh in ws.worksheets for row in sh.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("af hensyn til diskretionering: mindst ét af deres registertal i modellen omfatter færre end 3 personer" in n
               for n in notes)


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


def test_a_national_shaped_extract_in_batches(tmp_path: Path) -> None:
    """`demo-dream --history-from 1991` (the benchmark's extract): DREAM's full width, written in
    batches; the CSV (decimal commas) holds the Parquet's values, and both give the same tables."""
    from toolkit.demo.wave import write_demo_dream

    pq_path, csv_path = write_demo_dream(tmp_path, persons=2500, formats=["parquet", "csv"], history_from=1991, batch=1000)
    df = pd.read_parquet(pq_path, dtype_backend="numpy_nullable")
    assert len(df) == 2500 and list(df["pnr"]) == [f"P{i:07d}" for i in range(1, 2501)]
    weeks = [c for c in df.columns if c.startswith("y_")]
    grads = [c for c in df.columns if c.startswith("grad_")]
    assert weeks[0] == "y_9132" and weeks[-1] == "y_2352" and len(weeks) == 1691  # week 32 of 1991 … 2023
    assert grads[0] == "grad_2008_01" and len(grads) == 16 * 12
    # the first batch is the demo generator's own persons; later batches are other persons
    first = synthetic_extract(2024, 1000)
    pd.testing.assert_series_equal(df["y_2001"][:1000], first["y_2001"], check_names=False)
    assert not df["foed_dato"][1000:2000].reset_index(drop=True).equals(first["foed_dato"])
    # the early years repeat the simulated 2016-2023 (417 weeks) cyclically: a real extract's density
    early = weeks.index("y_1601")
    assert early == len(weeks) - 417
    for j in (0, 500, early - 1):
        assert df[weeks[j]].equals(df[weeks[early + (j - early) % 417]])
    back = pd.read_csv(csv_path, sep=";", decimal=",", dtype={"pnr": str, "foed_dato": str})
    assert list(back.columns) == list(df.columns)
    for c in ("kon", "nykom2020", "y_9132", "y_2001", "grad_2008_01", "grad_2023_12"):
        np.testing.assert_allclose(back[c].astype(float), df[c].astype(float), rtol=1e-6, equal_nan=True)
    outs = []
    for path in (pq_path, csv_path):
        tidy = tmp_path / f"{path.suffix[1:]}.csv"
        r = run_cli("outcomes", path, "-d", "cubb", "--out", tmp_path / f"{path.suffix[1:]}.xlsx", "--tidy", tidy)
        assert r.returncode == 0, r.stderr
        outs.append(tidy.read_bytes())
    assert outs[0] == outs[1]
