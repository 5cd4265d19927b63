"""The demo codebooks produce every table shape from the demo files; no-codebook and --by modes.

Numbers are checked against pandas computations on the same files read back with pyreadstat.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from conftest import run_main as run_cli

from toolkit.config.codebook import load_codebook
from toolkit.core.table import Kind, Role
from toolkit.read.tabular import read_data
from toolkit.survey.crosstab import build_tables
from toolkit.survey.weights import weights_from_frame

SURVEYS = Path(__file__).resolve().parents[2] / "surveys" / "demo"




def raw(demo_dir: Path, name: str) -> pd.DataFrame:
    return pyreadstat.read_sav(str(demo_dir / f"{name}.sav"))[0]


def rake(df: pd.DataFrame, margins: pd.DataFrame) -> np.ndarray:
    """Plain raking (independent of toolkit.weighting) for the demo citizens' weights."""
    w = np.ones(len(df))
    for _ in range(100):
        for var, g in margins.groupby("variable"):
            codes = df[var].to_numpy().astype(int)
            target = np.zeros(codes.max() + 1)
            target[g["category"].to_numpy()] = g["target"].to_numpy() / g["target"].sum() * len(df)
            current = np.bincount(codes, weights=w, minlength=len(target))
            w = w * (target / np.where(current > 0, current, 1))[codes]
    return w


@pytest.fixture(scope="module")
def weights_file(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from toolkit.demo.surveys import AGE, MATCH, ORIGIN, SEX
    m = pd.read_csv(demo_dir.parent / "margins_borgere.csv")
    codes = {"oprindelse": ORIGIN, "alder": AGE, "koen": SEX, "match": MATCH}
    m["category"] = [next(k for k, v in codes[var].items() if v == c) for var, c in zip(m["variable"], m["category"])]
    b = raw(demo_dir, "borgere")
    out = tmp_path_factory.mktemp("weights") / "weights_borgere.csv"
    pd.DataFrame({"id": b["id"].astype(int), "weight": rake(b, m)}).to_csv(out, index=False)
    return out


def shapes(tables) -> dict[str, tuple[list[str], list[str]]]:
    return {t.id: (t.row_labels, t.column_labels) for t in tables}


def test_leaders_codebook(demo_dir: Path) -> None:
    ts = build_tables({"ledere": read_data(demo_dir / "ledere.sav")}, load_codebook(SURVEYS / "codebook_ledere.yaml"))
    assert [t.id for t in ts] == ["barrierer", "behov", "aktivering", "nye_redskaber_kode"]
    d = raw(demo_dir, "ledere")
    barr, behov, akt, nye = ts
    assert barr.column_labels == ["Slet ikke", "I mindre grad", "I nogen grad", "I høj grad", "Ved ikke", "Total"]
    assert barr.row_labels[1] == "At give mere tid til denne målgruppe"
    assert barr.question == "Hvilke af følgende forhold vurderer I som væsentlige barrierer i forhold til at sikre succes for indsatsen?"
    assert barr.value("At give mere tid til denne målgruppe", "I høj grad") == pytest.approx((d["barr_2"] == 4).mean())
    vc = d["behov"].value_counts()
    assert behov.column_labels == ["Antal", "Procent"] and behov.row_labels[-1] == "Total"
    assert behov.value("Ved ikke", "Antal") == vc[4] and behov.value("Ved ikke", "Procent") == pytest.approx(vc[4] / 78)
    ticked = d[[f"akt_{k}" for k in range(1, 6)]].sum(axis=1) > 0
    assert akt.value("I alt", "Antal") == ticked.sum()
    assert akt.value("Løntilskud", "Procent") == pytest.approx(d.loc[ticked, "akt_2"].mean())
    assert "Anm.: Procenterne summerer ikke til 100, da respondenterne har kunnet angive flere svar." in akt.notes
    counts = nye.cells
    body = [c[0].value for c in counts[:-1]]
    assert body == sorted(body, reverse=True) and counts[-1][0].value == d["nye_redskaber_kode"].notna().sum()
    assert all(n.startswith("Kilde: Survey blandt jobcenterledere") for n in barr.notes[:1])


def test_staff_codebook_filter_and_yes_no_battery(demo_dir: Path) -> None:
    ts = build_tables({"medarbejdere": read_data(demo_dir / "medarbejdere.sav")}, load_codebook(SURVEYS / "codebook_medarbejdere.yaml"))
    assert [t.id for t in ts] == ["redskaber", "projekt", "projekt_udbytte", "elementer"]
    d = raw(demo_dir, "medarbejdere")
    udb = ts[2]
    ja = d[d["projekt"] == 1]
    assert udb.value("Total", "Antal") == len(ja)
    assert udb.value("I nogen grad", "Procent") == pytest.approx((ja["projekt_udbytte"] == 3).mean())
    assert udb.notes[-1] == ("Anm.: Kun stillet til respondenter, der svarede 'Ja' til: "
                             "Har kommunen etableret særlige projekter for målgruppen?")
    assert udb.question == "I hvilken grad vurderer du, at projekterne har bidraget til at flere kommer i job?"
    elem = ts[3]
    assert elem.column_labels == ["Ja", "Nej", "Ved ikke", "Total"]
    assert elem.row_labels[2] == "Misbrugsbehandling"
    assert elem.value("Misbrugsbehandling", "Ja") == pytest.approx((d["elem_3"] == 1).mean())


def test_politicians_codebook(demo_dir: Path) -> None:
    ts = build_tables({"politikere": read_data(demo_dir / "politikere.sav")}, load_codebook(SURVEYS / "codebook_politikere.yaml"))
    assert [t.id for t in ts] == ["fokus", "bevaagenhed"]
    assert ts[0].title.startswith("Hvilket af nedenstående udsagn")
    assert ts[1].notes == ["Kilde: Survey blandt kommunalpolitikere, demo-bølge",
                           "Anm.: Spørgsmålet er stillet til alle kommunalpolitikere i stikprøven."]


def test_citizens_codebook_weighted(demo_dir: Path, weights_file: Path) -> None:
    w = weights_from_frame(pd.read_csv(weights_file), str(weights_file))
    ts = build_tables({"borgere": read_data(demo_dir / "borgere.sav")}, load_codebook(SURVEYS / "codebook_borgere.yaml"), {"borgere": w})
    assert [t.id for t in ts] == ["oprindelse", "tilbud", "udbytte", "vejledning x lyst", "lyst efter køn"]
    d = raw(demo_dir, "borgere")
    ww = pd.read_csv(weights_file).set_index("id")["weight"].reindex(d["id"].astype(int)).to_numpy()
    two = ts[3]
    sl = d["vejledning"] == 1
    assert two.value("Slet ikke", "Ja") == pytest.approx(ww[sl & (d["lyst"] == 1)].sum() / ww[sl].sum())
    assert two.value("Slet ikke", "I alt") == sl.sum()
    assert two.stub_header.startswith("I hvilken grad synes du") and two.column_groups[0].startswith("Oplever du")
    for t in ts:
        assert t.notes[-1] == ("Anm.: Tabellen er vægtet til målgruppens fordeling på oprindelse, alder, køn og matchgruppe. "
                               "Procenterne er vægtede; antal og N er uvægtede.")
    by_sex = ts[4]
    assert by_sex.column_labels == ["Mand (A)", "", "Kvinde (B)", ""]
    assert by_sex.cells[0][1].kind is Kind.TEXT
    # weighting moves the origin shares toward the population margins (62 / 8 / 30 %)
    assert ts[0].column_labels == ["Antal (uvægtet)", "Procent (vægtet)"]  # weighted shares beside unweighted counts, labelled
    assert ts[0].column_keys == ["Antal", "Procent"]  # keys (the diff's) unchanged
    assert ts[0].value("Indvandrer/efterkommer, mindre udviklede lande", "Procent (vægtet)") == pytest.approx(
        ww[d["oprindelse"] == 3].sum() / ww.sum())


def test_total_lines_sum_the_lines_before_them_and_base_lines_do_not(demo_dir: Path) -> None:
    """The roles the shapes set (never read off a Danish label): a TOTAL row/column's persons are the sum of
    the body lines before it; a multi-response table's N is a BASE (its items overlap)."""
    ts = {t.id: t for t in build_tables({"borgere": read_data(demo_dir / "borgere.sav")}, load_codebook(SURVEYS / "codebook_borgere.yaml"))}
    roles = {k: ([r.value for r in t.row_roles if r is not Role.BODY], [r.value for r in t.column_roles if r is not Role.BODY])
             for k, t in ts.items()}
    assert roles == {"oprindelse": (["total"], []), "tilbud": (["base"], []), "udbytte": ([], ["total"]),
                     "vejledning x lyst": (["total"], ["total"]), "lyst efter køn": (["total"], [])}
    for t in ts.values():
        for i, role in enumerate(t.row_roles):
            body = [r for r in range(i) if t.row_roles[r] is Role.BODY]
            for j, c in enumerate(t.cells[i]):
                if c.n is not None and role is not Role.BODY:
                    parts = sum(t.cells[r][j].n for r in body)
                    assert parts == c.n if role is Role.TOTAL else parts > c.n, (t.id, i, j)
        for j, role in enumerate(t.column_roles):
            if role is Role.TOTAL:
                assert all(row[j].n == sum(row[c].n for c in range(j)) for row in t.cells), t.id


def test_groups_codebook_through_the_cli(demo_dir: Path, tmp_path: Path) -> None:
    out, tidy = tmp_path / "grupper.xlsx", tmp_path / "grupper.csv"
    run_cli("crosstab", demo_dir / "ledere.sav", demo_dir / "medarbejdere.sav", "-c", SURVEYS / "codebook_grupper.yaml",
            "-o", out, "--tidy", tidy)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Indhold", "Tabel 2.1", "Tabel 2.2", "Tabel 2.3", "Proveniens"]
    t = pd.read_csv(tidy)
    assert list(t.columns) == ["table", "number", "group", "row", "column", "stat", "value"]
    led, med = raw(demo_dir, "ledere"), raw(demo_dir, "medarbejdere")
    m = t[(t.table == "maal") & (t.group == "Mål 2") & (t.row == "Medarbejdere") & (t.column == "I høj grad")]
    assert m["value"].item() == pytest.approx(100 * (med["maal_2"] == 4).mean())
    b = t[(t.table == "behov") & (t.row == "Nye typer af redskaber") & (t.column == "Ledere")]
    assert b["value"].item() == pytest.approx(100 * (led["behov"] == 2).mean())
    o = t[(t.table == "nye_redskaber_kode") & (t.column == "Total") & (t.row == "I alt")]
    assert o["value"].item() == led["nye_redskaber_kode"].notna().sum() + med["nye_redskaber_kode"].notna().sum()
    prov = [r for r in wb["Proveniens"].iter_rows(values_only=True)]
    assert any(r[0] == str(SURVEYS / "codebook_grupper.yaml") for r in prov)


def test_labelled_sav_without_codebook(demo_dir: Path) -> None:
    ds = read_data(demo_dir / "politikere.sav")
    ts = build_tables({"politikere": ds})
    assert [t.id for t in ts] == ["kommune", "fokus", "bevaagenhed"]  # every labelled variable, file order
    fokus = ts[1]
    assert fokus.title == ds.variable_labels["fokus"]
    assert fokus.row_labels == [ds.value_labels["fokus"][k] for k in sorted(ds.value_labels["fokus"])] + ["Total"]
    assert fokus.value("Ved ikke", "Antal") == (ds.data["fokus"] == 4).sum()  # don't-know stays in the base
    assert fokus.value("Total", "Antal") == 85


def test_by_variable_and_side_by_side_without_codebook(demo_dir: Path) -> None:
    cit = read_data(demo_dir / "borgere.sav")
    ts = build_tables({"borgere": cit}, by="koen")
    assert "koen" not in [t.id for t in ts]
    lyst = next(t for t in ts if t.id == "lyst")
    assert lyst.column_labels == ["Mand", "Kvinde"]
    d = cit.data
    assert lyst.value("Ja", "Kvinde") == pytest.approx((d.loc[d.koen == 2, "lyst"] == 1).mean())
    assert any(n.startswith("Anm.: Chi²-test af forskellen mellem grupperne: χ² = ") for n in lyst.notes)
    two = build_tables({"ledere": read_data(demo_dir / "ledere.sav"), "medarbejdere": read_data(demo_dir / "medarbejdere.sav")},
                       side_by_side=True, layout="rows")
    maal = next(t for t in two if t.id == "maal_1")
    assert maal.row_labels == ["Ledere", "Medarbejdere"] and maal.column_labels[-1] == "Total"
    assert "barr_1" in [t.id for t in two] and "ledere.kommune" not in [t.id for t in two]


def test_xlsx_input_with_text_answers_labelled_by_the_codebook(tmp_path: Path) -> None:
    """An Excel sheet with text codes; the codebook gives labels, a missing code and a battery."""
    df = pd.DataFrame({"id": range(1, 9),
                       "q1": ["J", "N", "J", "J", "?", "N", None, "J"],
                       "q2": ["N", "N", "J", "?", "J", "J", "J", None]})
    df.to_excel(tmp_path / "svar.xlsx", index=False)
    (tmp_path / "cb.yaml").write_text(
        "variables:\n"
        "  'q*': {values: {J: Ja, N: Nej, '?': Ved ikke}}\n"
        "  q1: {label: Første spørgsmål, values: {J: Ja, N: Nej, '?': Ved ikke}, missing: ['?']}\n"
        "tables:\n"
        "  - {type: single, variable: q1}\n"
        "  - {type: battery, id: b, items: {q1: Første, q2: Andet}, missing: ['?']}\n", encoding="utf-8")
    single, battery = build_tables({"svar": read_data(tmp_path / "svar.xlsx")}, load_codebook(tmp_path / "cb.yaml"))
    # q1: J ×4, N ×2, '?' missing, blank missing → base 6
    assert single.row_labels == ["Ja", "Nej", "Total"]  # text codes in code (alphabetical) order
    assert single.value("Ja", "Antal") == 4 and single.value("Total", "Antal") == 6
    assert single.title == "Første spørgsmål"
    assert battery.value("Andet", "Ja") == pytest.approx(4 / 6) and battery.value("Andet", "Total") == 6
