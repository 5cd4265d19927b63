"""The profile from a hand-made DREAM extract: the glue (group, status, offers, seniority from the
weekly codes) and the `toolkit profile` command, with every expected figure worked out by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import run_cli
from dream_fixtures import frame, person
from test_profile import COLS, ROWS
from toolkit.cli import app
from toolkit.config.definitions import load_definitions
from toolkit.core.calendar import parse_quarter
from toolkit.core.errors import ConfigError, DataError
from toolkit.core.resources import registers_file
from toolkit.core.table import Table
from toolkit.profile import ProfileSettings, profile_from_register, register_persons
from toolkit.profile.register import profile_of
from toolkit.register import goal_series, monthly_status, select_cohort
from toolkit.register.extract import read_for, read_shared

DEFS = """
name: Test NY CHANCE
codes: {codes}
source: "Kilde: DREAM (testudtræk)."
programme: {{start: 2021-01, end: 2021-12, observed_through: 2021-03}}
cohort: {{groups: [kontanthjaelp_aktivitetsparat, kontanthjaelp_jobparat], age: [18, 64]}}
goals:
  - {{key: maal1, label: "Mål 1", kind: job_education, groups: [su, vus]}}
seniority: {{groups: [kontanthjaelp_aktivitetsparat, kontanthjaelp_jobparat], lookback_weeks: 10}}
municipalities: {{programme: {{657: Herning}}}}
"""
OCT_DEC = {"2020-10": 730, "2020-11": 730, "2020-12": 730}
# The programme starts Jan 2021; the reference quarter is 1. kvt. 2021 (status in March).
# Seniority = weeks on kontanthjælp among the 10 weeks before the start (2020-W44 … W53).
PERSONS = [
    # a1: passive kontanthjælp throughout → restgruppen; no offers; seniority 10; age 40
    person("a1", {**OCT_DEC, "2021-01": 730, "2021-02": 730, "2021-03": 730}, kon=2, herkomst=1, match=5, foed_dato="1980-06-15"),
    # a2: company internship (737) in January → restgruppen, one offer (praktik); age 31
    person("a2", {**OCT_DEC, "2021-01": 737, "2021-02": 730, "2021-03": 730}, kon=1, herkomst=2, match=4, foed_dato="1990-01-10"),
    # a3: no benefit and employed Jan-Mar → beskæftigelsesgruppen, Ordinært job; age 25
    person("a3", OCT_DEC, grad={"2021-01": 1.0, "2021-02": 1.0, "2021-03": 1.0}, kon=2, herkomst=1, match=2, foed_dato="1995-05-01"),
    # a4: jobparat (130), guidance (731) in January, SU from February → beskæftigelsesgruppen, SU; age 20
    person("a4", {"2020-10": 130, "2020-11": 130, "2020-12": 130, "2021-01": 731, "2021-02": 651, "2021-03": 651},
           kon=1, herkomst=3, match=25, foed_dato="2001-02-01"),
    # a5: projects (733) in January, early retirement in March → restgruppen, Førtidspension; age 59
    person("a5", {**OCT_DEC, "2021-01": 733, "2021-02": 730, "2021-03": 783}, kon=2, herkomst=2, match=5, foed_dato="1962-01-20"),
    # a6: no benefit in November (seniority 10 − 4 = 6); two project spells in January (W01-02, W04),
    #     guidance Feb-Mar → status guidance, offers projekter + vejledning, 3 offers; no origin; age 45
    person("a6", {"2020-10": 730, "2020-12": 730, "2021-01": 733, "2021-02": 731, "2021-03": 731},
           weeks={(2021, 3): 730}, kon=1, herkomst=None, match=4, foed_dato="1975-09-09"),
    # a7: dead in March → left out (exclude_groups)
    person("a7", {**OCT_DEC, "2021-01": 730, "2021-02": 730, "2021-03": 999}, kon=2, herkomst=1, match=5),
    # a8: unemployment insurance, not kontanthjælp → not in the cohort
    person("a8", {m: 111 for m in ("2020-10", "2020-11", "2020-12", "2021-01", "2021-02", "2021-03")}),
    # a9: 15 years old at the start → not in the cohort
    person("a9", {**OCT_DEC, "2021-01": 730}, foed_dato="2005-06-01"),
]


@pytest.fixture()
def extract(tmp_path: Path) -> tuple[Path, Path]:
    p = tmp_path / "dream.parquet"
    frame(PERSONS).to_parquet(p, index=False)
    d = tmp_path / "defs.yaml"
    d.write_text(DEFS.format(codes=registers_file("dream_codes.yaml")), encoding="utf-8")
    return p, d


def by_id(tables: list[Table]) -> dict[str, Table]:
    return {t.id: t for t in tables}


def col(t: Table, j: int) -> list[object]:
    return [row[j].value for row in t.cells]


def test_person_frame_from_the_weekly_codes(extract: tuple[Path, Path]) -> None:
    p, d = extract
    defs = load_definitions(d)
    df, q, start, left_out = register_persons(read_for(p, defs), defs)
    assert q == parse_quarter("2021-1") and start == 2021 * 12 and left_out == 1
    ids = pd.read_parquet(p)["pnr"]  # the frame names each person by the extract's row
    got = df.set_index(df["row"].map(ids))
    assert sorted(got.index) == ["a1", "a2", "a3", "a4", "a5", "a6"]
    assert got["gruppe"].to_dict() == {"a1": "Restgruppen", "a2": "Restgruppen", "a3": "Beskæftigelsesgruppen",
                                       "a4": "Beskæftigelsesgruppen", "a5": "Restgruppen", "a6": "Restgruppen"}
    assert got["status"].to_dict() == {"a1": "Kontanthjælp, aktivitetsparat", "a2": "Kontanthjælp, aktivitetsparat",
                                       "a3": "Ordinært job", "a4": "SU", "a5": "Førtidspension",
                                       "a6": "Korte vejlednings- og afklaringsforløb"}
    assert got["anciennitet"].to_dict() == {"a1": 10, "a2": 10, "a3": 10, "a4": 10, "a5": 10, "a6": 6}
    assert got["alder"].to_dict() == {"a1": 40, "a2": 31, "a3": 25, "a4": 20, "a5": 59, "a6": 45}
    assert got["antal_tilbud"].to_dict() == {"a1": 0, "a2": 1, "a3": 0, "a4": 1, "a5": 1, "a6": 3}


def test_profile_from_register(extract: tuple[Path, Path]) -> None:
    p, d = extract
    defs = load_definitions(d)
    t = by_id(profile_from_register(read_for(p, defs), defs, settings=ProfileSettings(min_cell=1)))
    g = t["profil_grupper"]
    assert g.title == "Restgruppen (1. kvt. 2021)" and col(g, 0) == [4, 2, 6]
    assert g.notes == ["Kilde: DREAM (testudtræk).",
                       "Anm.: 1 person fra målgruppen med status død eller udrejst ved udgangen af 1. kvt. 2021 indgår ikke."]
    assert [c.value for c in t["profil_koen"].cells[0]] == pytest.approx([2, 0.5, 2, 0.5])
    assert col(t["profil_alder"], 2) == [0, 0, 1, 2, 1, 0] and col(t["profil_alder"], 3) == [0, 2, 0, 0, 0, 0]
    h = t["profil_herkomst"]
    assert col(h, 0) == [1, 1] and col(h, 2) == [0, 1] and col(h, 4) == [2, 0]
    assert col(h, 1) == pytest.approx([1 / 3, 0.5])  # a6 has no origin: base 3
    assert "Anm.: 1 person har ikke nogen registreret herkomst." in h.notes
    assert col(t["profil_match"], 2) == [0, 0, 0, 2, 2, 0] and col(t["profil_match"], 3) == [0, 1, 0, 0, 0, 1]
    a = t["profil_anciennitet"]
    assert a.title == "Ledighedsanciennitet (1. kvt. 2021)" and col(a, 0) == pytest.approx([9.0, 10.0])
    # Welch by hand: var(10,10,10,6)/4 = 1, var(10,10)/2 = 0 → t = (9 − 10)/1 = −1, df = 1²/(1²/3) = 3
    assert "t = -1,00 (df = 3,0)" in a.notes[1]
    s = t["profil_status"]
    assert dict(zip(s.row_labels, col(s, 2))) == {"Kontanthjælp, aktivitetsparat": 2, "Førtidspension": 1,
                                                  "Korte vejlednings- og afklaringsforløb": 1, "Ordinært job": 0, "SU": 0}
    # offer types nobody took are left out; the code list's order
    o = t["profil_tilbud"]
    assert o.row_labels == ["Korte vejlednings- og afklaringsforløb", "Særligt tilrettelagte projekter", "Virksomhedspraktik"]
    assert col(o, 2) == [1, 2, 1] and col(o, 3) == [1, 0, 0]
    assert col(t["profil_antal_tilbud"], 2) == [1, 2, 0, 1] and col(t["profil_antal_tilbud"], 3) == [1, 1, 0, 0]
    sub = t["profil_delgruppe"]  # a5 alone
    v = {(gr, r): row[0].value for gr, r, row in zip(sub.row_groups, sub.row_labels, sub.cells)}
    assert v[("I alt", "Antal personer")] == 1 and v[("Alder", "50-59 år")] == 1.0 and v[("Herkomst", "Indvandrer")] == 1.0
    assert v[("Andel af borgere i forskellige aktiveringstilbud", "Særligt tilrettelagte projekter")] == 1.0
    assert v[("Ledighedsanciennitet", "Gennemsnit (antal uger)")] == 10.0


def test_employment_share_equals_goal_1(extract: tuple[Path, Path]) -> None:
    """Left-out persons match goal 1's denominator, so the shares agree (2 of 6 here)."""
    p, d = extract
    defs = load_definitions(d)
    reg = read_for(p, defs)
    t = by_id(profile_from_register(reg, defs, settings=ProfileSettings(min_cell=1)))
    goal1 = goal_series(reg, monthly_status(reg, defs.codes, defs.spec.employment), select_cohort(reg, defs), defs)[0]
    assert t["profil_grupper"].cells[1][1].value == pytest.approx(goal1.national[-1]) == pytest.approx(2 / 6)


def test_quarter_outside_the_observed_ones(extract: tuple[Path, Path]) -> None:
    p, d = extract
    defs = load_definitions(d)
    with pytest.raises(DataError, match=r"quarter 2. kvt. 2021 is outside the observed quarters 1. kvt. 2021 – 1. kvt. 2021"):
        profile_from_register(read_for(p, defs), defs, parse_quarter("2021Q2"))


def test_bad_match_code_names_the_row(tmp_path: Path, extract: tuple[Path, Path]) -> None:
    p, d = extract
    df = pd.read_parquet(p)
    df.loc[df["pnr"] == "a2", "match"] = 7
    df.to_parquet(p, index=False)
    row = int(np.flatnonzero(df["pnr"] == "a2")[0]) + 2  # as a spreadsheet shows it: the header is row 1
    defs = load_definitions(d)
    with pytest.raises(DataError) as e:
        profile_from_register(read_for(p, defs), defs)
    assert str(e.value) == f"1 persons have match group 7; expected 1, 2, 3, 4, 5, 25 or blank ({p}, row {row}, column match)"
    with pytest.raises(DataError) as e:  # streamed in batches: the same row
        profile_of(read_shared(p, [defs], 2).persons(defs), defs)
    assert f"row {row}," in str(e.value)


def test_parse_quarter() -> None:
    assert parse_quarter("2007-3") == parse_quarter("2007Q3") == parse_quarter("2007-Q3") == 2007 * 4 + 2
    with pytest.raises(ValueError):
        parse_quarter("2007-5")


# ---------------------------------------------------------------- the command


def sheet_values(path: Path, sheet: str) -> list[list[object]]:
    ws = load_workbook(path)[sheet]
    rows = [[c.value for c in row if c.value is not None and not c.hyperlink] for row in ws.iter_rows()]  # not the link to Indhold
    return [r for r in rows if r]


def test_cli_on_an_extract(tmp_path: Path, extract: tuple[Path, Path]) -> None:
    p, d = extract
    out, tidy = tmp_path / "profil.xlsx", tmp_path / "profil.csv"
    r = run_cli("profile", p, "-d", d, "-o", out, "--tidy", tidy, "--threshold", "2")
    assert r.returncode == 0, r.stderr
    wb = load_workbook(out)
    assert [ws.title for ws in wb.worksheets][1:11] == ["Tabel 5.1", "Tabel 5.2", "Figur 5.1", "Tabel 5.3", "Figur 5.2",
                                                        "Tabel 5.4", "Figur 5.3", "Figur 5.4", "Figur 5.5", "Tabel 5.5"]
    for name in ("Figur 5.1", "Figur 5.2", "Figur 5.3", "Figur 5.4", "Figur 5.5"):
        assert len(wb[name]._charts) == 1, name  # a native chart beside the table
    # register shares are published at the one decimal shown (4/6 = 66,7 %), in the cells as in the CSV
    assert sheet_values(out, "Tabel 5.1")[2:5] == [["Restgruppen", 4, 0.667],
                                                  ["Beskæftigelsesgruppen", 2, 0.333], ["Total", 6, 1]]
    # Tabel 5.2: one woman and one man in beskæftigelsesgruppen: 1 < 2, so both are suppressed
    koen = sheet_values(out, "Tabel 5.2")
    assert koen[3] == ["Restgruppen", 2, 0.5, 2, 0.5] and koen[4] == ["Beskæftigelsesgruppen", "x", "x", "x", "x"]
    assert any(str(v[0]).startswith("Anm.: x = ") for v in koen)
    rows = list(csv.DictReader(tidy.open(encoding="utf-8")))
    koen = [r for r in rows if r["table"] == "profil_koen" and r["row"] == "Beskæftigelsesgruppen"]
    assert koen and all(r["value"] == "" for r in koen)  # suppressed cells keep their line, without a value
    assert {r["value"] for r in rows if r["table"] == "profil_grupper" and r["column"] == "Antal"} == {"4", "2", "6"}


def invoke(*args: object):  # type: ignore[no-untyped-def]
    """In-process run (fast); ToolkitErrors stay exceptions here – main() turns them into lines."""
    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_on_a_person_file(tmp_path: Path) -> None:
    """The 20 constructed persons of test_profile.py with the default threshold 5."""
    f = tmp_path / "personer.csv"
    pd.DataFrame(ROWS, columns=COLS).to_csv(f, index=False)
    out = tmp_path / "p.xlsx"
    r = invoke("profile", "--persons", f, "-o", out, "--reference", "3. kvt. 2007")
    assert r.exit_code == 0, r.output
    alder = sheet_values(out, "Figur 5.1")
    assert alder[0] == ["Figur 5.1 Alder"]
    # restgruppen: 1, 2, 2, 3, 2, 2 persons – every count is below 5 and is suppressed with its share
    assert [row[1] for row in alder[3:9]] == ["x"] * 6
    assert sheet_values(out, "Tabel 5.1")[2] == ["Restgruppen", 12, pytest.approx(0.6)]
    assert sheet_values(out, "Tabel 5.1")[0] == ["Tabel 5.1 Restgruppen (3. kvt. 2007)"]
    offers = sheet_values(out, "Figur 5.4")
    assert [row[0] for row in offers[3:6]] == ["Virksomhedspraktik", "Korte vejlednings- og afklaringsforløb",
                                               "Særligt tilrettelagte projekter"]  # labels from the code list
    assert len(load_workbook(out)["Figur 5.4"]._charts) == 1


def test_cli_errors(tmp_path: Path, extract: tuple[Path, Path]) -> None:
    p, d = extract
    f = tmp_path / "personer.csv"
    df = pd.DataFrame(ROWS, columns=COLS)
    df.loc[2, "kon"] = "X"
    df.to_csv(f, index=False)
    r = run_cli("profile", "--persons", f, "-o", tmp_path / "x.xlsx")  # as a user sees it
    assert r.returncode == 2 and r.stderr.strip() == f"error: 'X' is not Kvinde/Mand (K/M, 2/1) or blank ({f}, row 4, column kon)"
    cases = [
        ((p, "-o", tmp_path / "x.xlsx"),
         "a DREAM extract needs --definitions (a YAML with programme, cohort and goals, e.g. registers/nychance.yaml)"),
        ((p, "--persons", f, "-o", tmp_path / "x.xlsx"), "give either a DREAM extract (with --definitions) or --persons FILE, not both or neither"),
        ((p, "-d", d, "-o", tmp_path / "x.xlsx", "--quarter", "2021-9"), "--quarter: expected a quarter as YYYY-Q (e.g. 2022-4), got '2021-9'"),
        ((p, "-d", registers_file("cubb.yaml"), "-o", tmp_path / "x.xlsx"),
         f"the profile needs definitions with a programme and a cohort (NY CHANCE style, e.g. registers/nychance.yaml) ({registers_file('cubb.yaml')})"),
        ((p, "-d", d, "-o", tmp_path / "x.xlsx", "--subgroup-in", "Nogen"),
         "--subgroup-in must be Restgruppen, Beskæftigelsesgruppen or 'alle', not 'Nogen'"),
    ]
    for args, message in cases:
        r = invoke("profile", *args)
        assert isinstance(r.exception, ConfigError) and str(r.exception) == message
    assert not (tmp_path / "x.xlsx").exists()
