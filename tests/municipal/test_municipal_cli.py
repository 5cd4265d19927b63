"""`toolkit model` as a user runs it: the demo wave end to end (the README flow), the workbook and
tidy CSV read back and checked against an independent statsmodels fit and hand aggregation, the
native chart, and one-line errors with exit code 2."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import statsmodels.api as sm
from conftest import ROOT, run_cli

from toolkit.demo.model import PLANTED
from toolkit.publish.workbook_audit import audit_workbook
from toolkit.read.tabular import read_data


@pytest.fixture(scope="module")
def demo_run(demo_wave_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`toolkit model WAVE/model.yaml` on the session's demo wave, run from an empty output folder
    (the config's paths resolve against the config, not the working directory)."""
    d = tmp_path_factory.mktemp("model")
    r = run_cli("model", demo_wave_dir / "model.yaml", "--out", "model.xlsx", "--tidy", "model.csv", cwd=d)
    assert r.returncode == 0, r.stderr
    (d / "stdout.txt").write_text(r.stdout)
    (d / "stderr.txt").write_text(r.stderr)
    return d


def _tidy(d: Path) -> pd.DataFrame:
    return pd.read_csv(d / "model.csv", keep_default_na=False)


def test_demo_recovers_the_planted_effects_with_right_signs(demo_run: Path) -> None:
    t = _tidy(demo_run)
    res = t[(t["table"] == "model_resultat") & (t["column"] == "Koefficient")].set_index("row")["value"]
    p = t[(t["table"] == "model_resultat") & (t["column"] == "p")].set_index("row")["value"]
    labels = {"anciennitet": "Ledighedsanciennitet (uger)", "andel_match45": "Andel i matchkategori 4-5",
              "akt_praktik": "Virksomhedspraktik (andel af tilbud)",
              "akt_revalidering": "Revalidering (andel af tilbud)",
              "akt_vejledning": "Korte vejledningsforløb (andel af tilbud)"}
    for name, b in PLANTED.items():
        assert np.sign(float(res[labels[name]])) == np.sign(b), name
        assert float(p[labels[name]]) < 0.01, name
    # and Figur 4.2 lists them with their signs
    fig = t[(t["table"] == "model_figur")]
    assert set(labels.values()) <= set(fig["row"])
    wb = openpyxl.load_workbook(demo_run / "model.xlsx")
    ws = wb[next(n for n in wb.sheetnames if n != "Indhold" and wb[n]["A1"].value.endswith("Hvilke faktorer forklarer selvforsørgelsesgrad (mål 2)?") and "Regressionsanalyse" in wb[n]["A1"].value)]
    signs = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert signs[labels["akt_praktik"]] == "+" and signs[labels["akt_vejledning"]] == "−"
    assert signs[labels["anciennitet"]] == "−"


def test_demo_workbook_has_a_native_bar_chart_on_the_figure_sheet(demo_run: Path) -> None:
    import re
    import xml.etree.ElementTree as ET

    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
    with zipfile.ZipFile(demo_run / "model.xlsx") as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        root = ET.fromstring(z.read(charts[0]))
    assert root.find(".//c:barChart/c:barDir", ns).get("val") == "bar"  # horizontal bars
    assert root.find(".//c:catAx/c:tickLblPos", ns).get("val") == "low"  # labels clear of negative bars
    values = root.find(".//c:ser/c:val/c:numRef/c:f", ns).text
    cats = root.find(".//c:ser/c:cat/c:numRef/c:f", ns).text
    sheet, col, r0, r1 = re.fullmatch(r"'(.+)'!\$([A-Z])\$(\d+):\$[A-Z]\$(\d+)", values).groups()
    assert sheet == "Tabel 7" and cats.startswith("'Tabel 7'!$A$")
    ws = openpyxl.load_workbook(demo_run / "model.xlsx")[sheet]
    drawn = {ws[f"A{r}"].value: ws[f"{col}{r}"].value for r in range(int(r0), int(r1) + 1)}
    t = _tidy(demo_run)
    fig = t[(t["table"] == "model_figur")].set_index("row")["value"].astype(float)
    assert drawn == pytest.approx(fig.to_dict(), rel=1e-12)
    # the bars are the standardised coefficients of the model table
    std = t[(t["table"] == "model_resultat") & (t["column"] == "Standardiseret koefficient")].set_index("row")["value"]
    assert all(float(std[k]) == pytest.approx(v) for k, v in drawn.items())


def _names(data: Path) -> dict[str, str]:
    """Label → name of every variable of the demo model (register variables and indicators)."""
    import yaml

    from toolkit.config.model import spec_from_dict
    from toolkit.municipal.indicators import expand

    spec = spec_from_dict(yaml.safe_load((data.parent / "model.yaml").read_text(encoding="utf-8")))
    surveys = {i: read_data(data / f"{i}.sav") for i in spec.instruments}
    out = {v.label: k for k, v in spec.register_spec.variables.items()}
    return out | {ind.label: ind.name for ind in expand(spec, surveys)}


def test_demo_figures_equal_an_independent_statsmodels_fit(demo_run: Path, demo_dir: Path) -> None:
    """Rebuild the model frame from the data files by hand and refit with statsmodels."""
    data = demo_dir
    reg = pd.read_csv(data / "kommuner_register.csv").set_index("kommune")
    led = read_data(data / "ledere.sav").data
    # hand aggregation of one survey indicator: share of leaders answering I nogen/høj grad (codes 3, 4)
    share = led.assign(v=led["maal_2"].isin([3, 4]).astype(float)).groupby(led["kommune"].astype(int))["v"].mean()
    wb = openpyxl.load_workbook(demo_run / "model.xlsx")
    ws = wb[next(n for n in wb.sheetnames if str(wb[n]["A1"].value).startswith("Bilag 1 Kommunedata"))]  # too wide: an appendix
    name_of = _names(demo_dir)  # the sheet shows labels; the test works with the spec's names
    by_name: dict[str, dict[str, object]] = {}  # municipality → column → value, from every page-sized block
    r = 1
    while r <= ws.max_row:
        if ws.cell(r, 1).value != "Kommune":
            r += 1
            continue
        cols = {name_of.get(ws.cell(r, c).value, ws.cell(r, c).value): c for c in range(2, ws.max_column + 1) if ws.cell(r, c).value}
        r += 1
        while r <= ws.max_row and ws.cell(r, 1).value not in (None, "Kommune"):
            by_name.setdefault(ws.cell(r, 1).value, {}).update({k: ws.cell(r, c).value for k, c in cols.items()})
            r += 1
    sheet = pd.DataFrame(list(by_name.values()))
    assert len(sheet) == 98 and set(sheet.columns) - {"Kode", "I modellen"} <= set(name_of.values())  # every label known
    sheet["Kode"] = sheet["Kode"].astype(int)
    sheet = sheet.set_index("Kode")
    inmodel = sheet[sheet["I modellen"] == "Ja"]
    for k, v in share.items():
        if k in sheet.index and sheet.at[k, "ledere_maal_2"] is not None:
            assert sheet.at[k, "ledere_maal_2"] == pytest.approx(v, abs=1e-12)
    t = _tidy(demo_run)
    chosen = t[(t["table"] == "model_variable") & (t["column"] == "Kommuner")]
    n = int(t[(t["table"] == "model_resultat") & (t["row"] == "Antal kommuner")]["value"].iloc[0])
    assert len(inmodel) == n == int(chosen["value"].iloc[0])
    # the selected variables, in the model table's order: controls first
    stdout = (demo_run / "stdout.txt").read_text()
    xs = stdout.split("~ ")[1].split("  (")[0].split(" + ")
    assert xs[:2] == ["anciennitet", "andel_match45"]
    # the model uses the unrounded register values; survey indicators as the sheet shows them
    frame = pd.DataFrame({x: reg.loc[inmodel.index, x] if x in reg else inmodel[x] for x in xs}).astype(float)
    # the data sheet publishes register means as they are and register shares at one decimal of a
    # per cent; a share whose complement describes fewer than 5 persons is suppressed ("x")
    for c, digits in (("anciennitet", None), ("andel_match45", 3), ("maal2", 3)):
        if c not in inmodel:
            continue
        shown = inmodel[c][inmodel[c] != "x"].astype(float)
        want = reg.loc[shown.index, c] if digits is None else reg.loc[shown.index, c].round(digits)
        assert np.allclose(shown, want, rtol=0, atol=1e-12) and len(shown) > 0
    ref = sm.OLS(reg.loc[inmodel.index, "maal2"], sm.add_constant(frame)).fit()
    res = t[(t["table"] == "model_resultat")]
    r2 = float(res[res["row"] == "R²"]["value"].iloc[0])
    assert r2 == pytest.approx(ref.rsquared, rel=1e-9)
    coef = res[res["column"] == "Koefficient"].set_index("row")["value"].astype(float)
    assert coef["Konstant"] == pytest.approx(ref.params["const"], rel=1e-9)
    assert coef["Ledighedsanciennitet (uger)"] == pytest.approx(ref.params["anciennitet"], rel=1e-9)
    hc3 = ref.get_robustcov_results("HC3")
    rob = t[(t["table"] == "model_robusthed") & (t["column"] == "SE (HC3)") & (t["group"].str.startswith("Kontrolvariable | Selvforsørgelsesgrad"))]
    se = rob.set_index("row")["value"].astype(float)
    assert se["Andel i matchkategori 4-5"] == pytest.approx(hc3.bse[list(frame.columns).index("andel_match45") + 1], rel=1e-9)


def _small_by_hand(demo_dir: Path, *, dependent_only: bool = False) -> set[int]:
    """The demo municipalities with a register value the model needs (dependent, controls, register
    candidates – none of which is hidden for more than a quarter of them here) describing 1-4
    persons: a share of them, or all but 1-4 of them; a mean describes all the municipality's persons."""
    import yaml

    cfg = yaml.safe_load((demo_dir.parent / "model.yaml").read_text(encoding="utf-8"))
    cols = [cfg["dependent"]] + ([] if dependent_only else [*cfg["controls"], *cfg["candidates"]["register"]])
    reg = pd.read_csv(demo_dir / "kommuner_register.csv").set_index("kommune")
    out = set()
    for k, r in reg.iterrows():
        p = int(r["personer"])
        for c in cols:
            n = round(r[c] * p) if cfg["register"]["variables"][c].get("percent") else p
            if 0 < n < 5 or (cfg["register"]["variables"][c].get("percent") and 0 < p - n < 5):
                out.add(int(k))
    return out


def test_demo_reports_losses_and_warns_about_the_filter_question(demo_run: Path, demo_dir: Path) -> None:
    small = _small_by_hand(demo_dir)
    assert len(small) == 41  # the activation shares of small municipalities: 1-4 persons in a type
    err = (demo_run / "stderr.txt").read_text()
    second, first = err.splitlines()[:2]
    assert first.startswith(f"warning: {len(small)} municipalities left out of the model for disclosure control (")
    assert second.startswith("warning: indicator 'medarbejdere_projekt_udbytte' (Medarbejdere: I hvilken grad vurderer du, at")
    # the filter question: municipalities without a staff answer other than 'Ved ikke' (5), among
    # those the model may use (with a maal2 disclosure control does not hide)
    staff = read_data(demo_dir / "medarbejdere.sav").data
    answered = set(staff.loc[staff["projekt_udbytte"].between(1, 4), "kommune"].astype(int))
    base = set(pd.read_csv(demo_dir / "kommuner_register.csv")["kommune"]) - _small_by_hand(demo_dir, dependent_only=True)
    share = len(base - answered) / len(base)
    assert f"is missing for {100 * share:.0f} % of the {len(base)} municipalities with 'maal2'" in second
    t = _tidy(demo_run)
    basis = t[t["table"] == "model_grundlag"].set_index("row")["value"].astype(int)
    assert basis["Kommuner i alt"] == 98 and basis["Med svar fra ledere"] == 78
    assert basis["Udeladt af hensyn til diskretionering"] == len(small)
    flag = t[(t["table"] == "model_tabte") & (t["column"] == "Skjult af hensyn til diskretionering") & (t["value"] != "")]
    assert {int(r.rsplit("(", 1)[1].rstrip(")")) for r in flag["row"]} == small
    lost = t[t["table"] == "model_tabte"]
    assert lost["row"].nunique() == 98 - basis["Med komplette data (i modellen)"]
    # every lost municipality has at least one reason flagged
    assert set(lost["row"]) == set(lost[lost["value"] != ""]["row"])


def _config(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "model.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_config_error_is_one_line_exit_2(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "dependent: maal2\ncontrls: [anciennitet]\n")
    r = run_cli("model", cfg, "--out", tmp_path / "o.xlsx")
    assert r.returncode == 2
    assert r.stderr == f"error: contrls: unknown key 'contrls'; did you mean 'controls'? ({cfg})\n"
    assert not (tmp_path / "o.xlsx").exists()


def test_missing_register_file_and_column(tmp_path: Path) -> None:
    from toolkit.core.errors import ConfigError

    cfg = _config(tmp_path, "dependent: maal2\n")
    with pytest.raises(ConfigError) as e:
        _run_in_process(cfg, tmp_path / "o.xlsx")
    assert str(e.value) == f"no register outcomes: give --register FILE or register.file in the config ({cfg})"
    reg = tmp_path / "reg.csv"
    reg.write_text("kommune;maal1\n101;0,2\n147;0,3\n", encoding="utf-8")
    r = run_cli("model", cfg, "--register", reg, "--out", tmp_path / "o.xlsx")
    assert r.returncode == 2
    assert r.stderr == f"error: register outcomes lack column 'maal2'; they have maal1 ({reg}, column maal2)\n"


def _run_in_process(*args: object) -> str:
    """The command's function called directly (no interpreter start-up); returns what it printed."""
    import contextlib
    import io

    from toolkit.cli.model import model

    kw = {"register": None, "tidy": None, "municipalities": None, "threshold": 5, "zeros": "show", "complements": True}
    pos = [a for a in args if not isinstance(a, tuple)]
    kw.update({k: v for a in args if isinstance(a, tuple) for k, v in [a]})
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        model(*pos, **kw)
    return buf.getvalue()


def test_too_few_municipalities_for_the_controls(tmp_path: Path) -> None:
    from toolkit.core.errors import DataError

    reg = tmp_path / "reg.csv"
    reg.write_text("kommune,maal2,a,b\n101,0.1,1,5\n147,0.2,2,3\n151,0.4,3,3\n", encoding="utf-8")
    cfg = _config(tmp_path, "dependent: maal2\ncontrols: [a, b]\n")
    with pytest.raises(DataError) as e:
        _run_in_process(cfg, tmp_path / "o.xlsx", ("register", reg))
    assert str(e.value) == ("only 3 municipalities with complete data for 3 parameters (constant, a, b) when "
                            "explaining 'maal2': the model needs more municipalities than parameters (column b)")


def test_register_only_model_from_parquet(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    n = 50
    d = pd.DataFrame({"kommune": np.arange(101, 101 + n), "anc": rng.normal(size=n), "x": rng.normal(size=n),
                      "z": rng.normal(size=n)})
    d["maal2"] = 1 - 0.5 * d["anc"] + 0.8 * d["x"] + rng.normal(scale=0.5, size=n)
    d["maal1"] = 0.5 + 0.7 * d["x"] + rng.normal(scale=0.5, size=n)
    d["personer"] = 40
    d.to_parquet(tmp_path / "reg.parquet")
    spec = "dependent: maal2\nrobustness: [maal1]\ncontrols: [anc]\ncandidates: {register: [x, z]}\n"
    cfg = _config(tmp_path, spec + "register: {file: reg.parquet}\n")
    # register figures that do not say how many persons stand behind them cannot be published
    from toolkit.publish.disclosure import DisclosureError

    with pytest.raises(DisclosureError, match="model_data .* declares no persons"):
        _run_in_process(cfg, tmp_path / "o.xlsx", ("municipalities", ROOT / "registers" / "municipalities.csv"))
    assert not (tmp_path / "o.xlsx").exists()
    cfg = _config(tmp_path, spec + "register: {file: reg.parquet, persons: personer}\n")
    out = _run_in_process(cfg, tmp_path / "o.xlsx", ("municipalities", ROOT / "registers" / "municipalities.csv"))
    assert out.startswith("model: maal2 ~ anc + x  (R² = ")
    wb = openpyxl.load_workbook(tmp_path / "o.xlsx")
    assert len(wb.sheetnames) == 13  # contents + 9 tables + Diskretionering (+ its hidden structure) + provenance
    assert wb["Diskretionering"]["A1"].value == "Diskretionering"


def test_descriptives_of_a_register_variable_leave_a_hidden_municipality_out(tmp_path: Path) -> None:
    """The overview's mean (or minimum) of 50 municipalities beside 49 shown gives the 50th away:
    a municipality of 3 persons hides its register values and is left out of the model, so the
    descriptives are those of the 49 others (and shown)."""
    rng = np.random.default_rng(5)
    n = 50
    d = pd.DataFrame({"kommune": np.arange(101, 101 + n), "anc": rng.normal(size=n), "x": rng.normal(size=n)})
    d["maal2"] = 1 - 0.5 * d["anc"] + 0.8 * d["x"] + rng.normal(scale=0.5, size=n)
    d["personer"] = 40
    d.loc[7, "personer"] = 3
    d.to_parquet(tmp_path / "reg.parquet")
    cfg = _config(tmp_path, "dependent: maal2\ncontrols: [anc]\ncandidates: {register: [x]}\n"
                            "register: {file: reg.parquet, persons: personer}\n")
    _run_in_process(cfg, tmp_path / "o.xlsx", ("municipalities", ROOT / "registers" / "municipalities.csv"),
                    ("tidy", tmp_path / "o.csv"))
    t = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    data = t[t["table"] == "model_data"]
    assert set(data[data["row"] == "Kommune 108"]["value"]) == {""}  # the 3-person municipality
    desc = t[t["table"] == "model_variable"].set_index(["row", "column"])["value"]
    others = d.drop(index=7)
    for c in ("anc", "x", "maal2"):
        assert int(desc[(c, "Kommuner")]) == 49
        for col, want in (("Gennemsnit", others[c].mean()), ("Std.afv.", others[c].std(ddof=1)),
                          ("Min.", others[c].min()), ("Maks.", others[c].max())):
            assert float(desc[(c, col)]) == pytest.approx(want, rel=1e-12), (c, col)
    assert audit_workbook(tmp_path / "o.xlsx").ok
