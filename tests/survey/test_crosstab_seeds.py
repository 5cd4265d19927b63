"""Seed tables rebuilt: respondent data reconstructed from published percentages and N (seed 004).

For each seed table the published counts follow from percent × N; we write respondent-level
files (labelled .sav, and a CSV labelled by the codebook), run `toolkit crosstab` as a user
would, read the tidy CSV and the workbook back and check every published percentage to ±0.05.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from conftest import run_main as run_cli

GRAD = {1: "Slet ikke", 2: "I mindre grad", 3: "I nogen grad", 4: "I høj grad", 5: "Ved ikke"}
JNV = {1: "Ja", 2: "Nej", 3: "Ved ikke"}

# Tabel 2.1: rows Mål × group, columns GRAD; N leaders 78, staff 65
T21 = {
    "Ledere": {"Mål 1": [7.7, 30.8, 33.3, 25.6, 2.6], "Mål 2": [5.1, 23.1, 50.0, 19.2, 2.6], "Mål 3": [6.4, 25.6, 39.7, 26.9, 1.3]},
    "Medarbejdere": {"Mål 1": [12.3, 41.5, 20.0, 12.3, 13.8], "Mål 2": [6.2, 46.2, 27.7, 10.8, 9.2], "Mål 3": [6.2, 26.2, 29.2, 30.8, 7.7]},
}
N = {"Ledere": 78, "Medarbejdere": 65}
# Tabel 2.4: groups as columns
NEEDED = {1: "'Mere af det samme', dvs. en vedholdende indsats med de nuværende redskaber", 2: "Nye typer af redskaber", 3: "Andet:", 4: "Ved ikke"}
T24 = {"Ledere": [62.8, 20.5, 14.1, 2.6], "Medarbejdere": [43.1, 27.7, 26.2, 3.1]}
# Tabel 2.5: coded open answers, counts per group (published order = descending total)
OPEN = ["Flersidede/helhedsorienteret tilbud/nye tilbud", "Tæt/skræddersyet opfølgning", "Støttementor/praktisk gris",
        "Rummelige virksomheder/øget kontakt", "Flere ressourcer/mere tid",
        "Ændring af statsrefusion/aktiveringsregler/belønning til kommuner", "Bedre afklaring", "Bedre lægesamarbejde",
        "Mindsket administrativ byrde", "Ernærings- og sundhedsindsats"]
T25 = {"Ledere": [5, 2, 2, 2, 1, 3, 1, 0, 1, 1], "Medarbejdere": [6, 5, 5, 3, 4, 1, 2, 3, 1, 0]}
# Tabel 3.5 (filter question, leaders): Ja 24, Nej 54; Tabel 3.6 asked only of the 24 'Ja'
T35 = [24, 54, 0]
T36 = [33.3, 54.2, 4.2, 0.0, 8.3]
# Tabel 3.11 (staff battery; 'Andet' answered by 5 only)
T311 = {
    "Hyppigere samtaler": [6.2, 23.1, 33.8, 33.8, 3.1],
    "Tæt opfølgning": [4.6, 21.5, 30.8, 40.0, 3.1],
    "Coaching af de ledige": [26.2, 13.8, 30.8, 24.6, 4.6],
    "Sygeopfølgingsplan": [3.1, 36.9, 24.6, 30.8, 4.6],
    "Afklaring af helbredsmæssig situation": [0.0, 7.7, 21.5, 67.7, 3.1],
    "Øget kontrol (fx kontrol af fremmøde) og sanktionering": [7.7, 20.0, 40.0, 29.2, 3.1],
    "Andet": [0.0, 0.0, 20.0, 80.0, 0.0],
}
N311 = {**{k: 65 for k in T311}, "Andet": 5}
# Tabel 3.21 (leaders multi-response; base = the 76 who ticked at least one of 78)
T321 = {"Udsendt skriftligt materiale til privatpraktiserende læger": (9, 11.8),
        "Afholdt generelle informations-/dialogmøder for privatpraktiserende læger i kommunen": (28, 36.8),
        "Haft mere dialog med de privatpraktiserende læger i forbindelse med konkrete sager": (40, 52.6),
        "Øget brugen af rundbordssamtaler": (11, 14.5), "Andet:": (10, 13.2), "Ved ikke": (9, 11.8)}
# Tabel 3.1 (politicians, n=85)
FOKUS = {1: "Fokus: Aktivering i et omfang, som sikrer 65 % refusion", 2: "Fokus: Varig beskæftigelse og således mindre udgifter", 3: "Andet", 4: "Ved ikke"}
T31 = [(8, 9.4), (66, 77.6), (8, 9.4), (3, 3.5)]
# Tabel 6.7 (citizens): rows = vejledning (N), columns Ja / Nej / Ved ikke, plus the I alt row
T67 = {"Slet ikke": ([7.3, 83.6, 9.1], 232), "I mindre grad": ([18.1, 73.1, 8.8], 160), "I nogen grad": ([31.2, 55.4, 13.4], 202),
       "I høj grad": ([37.2, 47.8, 15.0], 207), "Ved ikke": ([17.7, 46.8, 35.5], 62)}
T67_TOTAL = ([22.8, 63.8, 13.3], 863)


def counts_from(pcts: list[float], n: int) -> list[int]:
    """The published counts behind rounded percentages (checked to add up to N)."""
    c = [int(round(p * n / 100)) for p in pcts]
    assert sum(c) == n, (pcts, n, c)
    return c


def column_of(counts: list[int], codes: list[int], n: int, rng: np.random.Generator) -> np.ndarray:
    """A shuffled answer column with exactly these counts per code (NaN for the rest)."""
    col = np.concatenate([np.full(c, code, float) for c, code in zip(counts, codes)] + [np.full(n - sum(counts), np.nan)])
    return rng.permutation(col)


def write_sav(path: Path, df: pd.DataFrame, labels: dict[str, dict[int, str]], var_labels: dict[str, str]) -> None:
    pyreadstat.write_sav(df, str(path), column_labels=[var_labels.get(c, "") for c in df.columns],
                         variable_value_labels={k: {float(a): b for a, b in v.items()} for k, v in labels.items()})


def leaders_and_staff(folder: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(4)
    files = []
    for group, name in (("Ledere", "ledere"), ("Medarbejdere", "medarbejdere")):
        n = N[group]
        df = pd.DataFrame({"id": np.arange(1, n + 1)})
        labels: dict[str, dict[int, str]] = {}
        vlab = {}
        for k, (maal, pcts) in enumerate(T21[group].items(), start=1):
            df[f"maal_{k}"] = column_of(counts_from(pcts, n), [1, 2, 3, 4, 5], n, rng)
            labels[f"maal_{k}"] = GRAD
            vlab[f"maal_{k}"] = f"I hvilken grad vurderer I indsatsens tre målsætninger som realistiske for jeres kommuner? – {maal}"
        df["behov"] = column_of(counts_from(T24[group], n), [1, 2, 3, 4], n, rng)
        labels["behov"] = NEEDED
        vlab["behov"] = "Hvad vurderer I, at der skal til for at få flere af de ledige borgere i målgruppen i job?"
        df["nye_kode"] = column_of(T25[group], list(range(1, 11)), n, rng)
        labels["nye_kode"] = dict(enumerate(OPEN, start=1))
        if group == "Ledere":
            df["resultatloen"] = column_of(T35, [1, 2, 3], n, rng)
            labels["resultatloen"] = JNV
            vlab["resultatloen"] = "Har I i jeres kommune indført resultatløn til medarbejderne?"
            effect = np.full(n, 4.0)  # the 54 who said Nej were (wrongly) given answers too: the filter must drop them
            ja = np.flatnonzero(df["resultatloen"].to_numpy() == 1)
            effect[ja] = column_of(counts_from(T36, 24), [1, 2, 3, 4, 5], 24, rng)
            df["effekt"] = effect
            labels["effekt"] = GRAD
            vlab["effekt"] = "I hvilken grad vurderer I, at resultatløn har ført til, at medarbejderne har ydet en ekstra indsats?"
            # multi-response: slot s of the 107 ticks goes to respondent s % 76; 76 and 77 tick nothing
            slots = np.concatenate([np.full(c, j) for j, (c, _) in enumerate(T321.values())])
            ticks = np.zeros((n, len(T321)), int)
            for s, opt in enumerate(slots):
                ticks[s % 76, opt] = 1
            order = rng.permutation(n)
            for j, opt in enumerate(T321):
                df[f"laege_{j + 1}"] = ticks[order, j]
                vlab[f"laege_{j + 1}"] = f"Har kommunen iværksat nogle af følgende aktiviteter for at forbedre samarbejdet med de privatpraktiserende læger? – {opt}"
        else:
            for k, (item, pcts) in enumerate(T311.items(), start=1):
                df[f"redsk_{k}"] = column_of(counts_from(pcts, N311[item]), [1, 2, 3, 4, 5], n, rng)
                labels[f"redsk_{k}"] = GRAD
                vlab[f"redsk_{k}"] = f"I hvilken grad er følgende en del af indsatsen for målgruppen i jeres kommune? – {item}"
        path = folder / f"{name}.sav"
        write_sav(path, df, labels, vlab)
        files.append(path)
    return files[0], files[1]


CODEBOOK = """
source: Survey blandt jobcenterledere og jobcentermedarbejdere
datasets:
  ledere: {group: Ledere}
  medarbejdere: {group: Medarbejdere}
tables:
  - {type: battery, id: t21, data: [ledere, medarbejdere], number: Tabel 2.1,
     title: Kommunernes vurdering af mulighederne for at realisere de tre mål,
     items: [maal_1, maal_2, maal_3]}
  - {type: single, id: t24, variable: behov, data: [ledere, medarbejdere], number: Tabel 2.4}
  - {type: open, id: t25, variable: nye_kode, data: [ledere, medarbejdere], number: Tabel 2.5,
     title: Åbne besvarelser om nye redskaber}
  - {type: single, id: t35, variable: resultatloen, data: ledere, number: Tabel 3.5}
  - {type: single, id: t36, variable: effekt, data: ledere, number: Tabel 3.6, filter: {resultatloen: 1}}
  - type: battery
    id: t311
    data: medarbejdere
    number: Tabel 3.11
    items: [redsk_1, redsk_2, redsk_3, redsk_4, redsk_5, redsk_6, redsk_7]
  - type: multi
    id: t321
    data: ledere
    number: Tabel 3.21
    items: [laege_1, laege_2, laege_3, laege_4, laege_5, laege_6]
"""

CITIZEN_CODEBOOK = """
source: Survey blandt borgere
scales:
  grad: {1: Slet ikke, 2: I mindre grad, 3: I nogen grad, 4: I høj grad, 5: Ved ikke}
variables:
  vejledning:
    label: I hvilken grad synes du at din vejleder/sagsbehandler er god til at målrette sin vejledning til dig og din situation?
    values: grad
  lyst:
    label: Oplever du, at kommunens indsats inden for det seneste år har givet dig mere lyst til at komme i arbejde?
    values: {1: Ja, 2: Nej, 3: Ved ikke}
tables:
  - {type: twoway, row: vejledning, column: lyst, number: Tabel 6.7, title: Målrettet vejledning og motivation}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Seed files written, `toolkit crosstab` run on them (three commands), outputs returned."""
    d = tmp_path_factory.mktemp("seeds")
    ledere, staff = leaders_and_staff(d)
    (d / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    run_cli("crosstab", ledere, staff, "--codebook", d / "codebook.yaml", "--out", d / "ls.xlsx", "--tidy", d / "ls.csv")
    # politicians: labelled .sav, no codebook at all
    pol = pd.DataFrame({"id": np.arange(1, 86), "fokus": column_of([c for c, _ in T31], [1, 2, 3, 4], 85, np.random.default_rng(1))})
    write_sav(d / "politikere.sav", pol, {"fokus": FOKUS}, {"fokus": "Hvilket af nedenstående udsagn er mest kendetegnende?"})
    run_cli("crosstab", d / "politikere.sav", "--out", d / "pol.xlsx", "--tidy", d / "pol.csv")
    # citizens: a semicolon CSV whose labels come from the codebook
    rng = np.random.default_rng(6)
    rows = []
    for code, (label, (pcts, n)) in enumerate(T67.items(), start=1):
        for ans, c in zip([1, 2, 3], counts_from(pcts, n)):
            rows += [(code, ans)] * c
    rows += [(np.nan, 1), (2, np.nan), (np.nan, np.nan), (5, np.nan)]  # 867 asked, 863 answered both
    cit = pd.DataFrame(rows, columns=["vejledning", "lyst"]).sample(frac=1, random_state=rng.integers(1 << 31)).reset_index(drop=True)
    cit.insert(0, "id", np.arange(1, len(cit) + 1))
    cit.to_csv(d / "borgere.csv", sep=";", index=False)
    (d / "codebook_borgere.yaml").write_text(CITIZEN_CODEBOOK, encoding="utf-8")
    run_cli("crosstab", d / "borgere.csv", "-c", d / "codebook_borgere.yaml", "--out", d / "cit.xlsx", "--tidy", d / "cit.csv")
    return {"ls": d / "ls.csv", "ls_xlsx": d / "ls.xlsx", "pol": d / "pol.csv", "cit": d / "cit.csv", "cit_xlsx": d / "cit.xlsx"}


def near(got: float, published: float) -> bool:
    """Within the ±0.05 a one-decimal rounding allows (8.75 shown as 8.8 is exactly 0.05 off)."""
    return abs(got - published) <= 0.05 + 1e-9


def tidy(path: Path, table: str) -> pd.DataFrame:
    t = pd.read_csv(path, keep_default_na=False, dtype={"value": str})
    t = t[t["table"] == table].copy()
    assert len(t), f"no table {table} in {path}"
    t["value"] = t["value"].astype(float)
    return t


def value(t: pd.DataFrame, row: str, column: str, stat: str, group: str | None = None) -> float:
    m = (t["row"] == row) & (t["column"] == column) & (t["stat"] == stat)
    if group is not None:
        m &= t["group"] == group
    hits = t[m]
    assert len(hits) == 1, (row, column, stat, group, len(hits))
    return float(hits["value"].iloc[0])


def test_tabel_2_1_items_by_group(built: dict[str, Path]) -> None:
    t = tidy(built["ls"], "t21")
    for group, items in T21.items():
        for k, (maal, pcts) in enumerate(items.items()):
            for cat, p in zip(GRAD.values(), pcts):
                assert near(value(t, group, cat, "percent", maal), p), (group, maal, cat)
            assert value(t, group, "Total", "base", maal) == N[group]


def test_tabel_2_1_workbook_layout_and_formats(built: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(built["ls_xlsx"])
    ws = wb["Tabel 2.1"]
    rows = [r for r in ws.iter_rows(values_only=True)]
    assert rows[0][0] == "Tabel 2.1 Kommunernes vurdering af mulighederne for at realisere de tre mål"
    assert rows[1][0] == "I hvilken grad vurderer I indsatsens tre målsætninger som realistiske for jeres kommuner?"
    header = next(i for i, r in enumerate(rows) if r[2] == "Slet ikke")
    assert rows[header][2:8] == ("Slet ikke", "I mindre grad", "I nogen grad", "I høj grad", "Ved ikke", "Total")
    assert rows[header + 1][:2] == ("Mål 1", "Ledere") and rows[header + 2][:2] == (None, "Medarbejdere")
    assert rows[header + 1][7] == 78 and rows[header + 2][7] == 65
    cell = ws.cell(header + 2, 3)
    assert cell.number_format == "0.0 %" and abs(cell.value - 6 / 78) < 1e-12
    assert any(str(r[0]).startswith("Anm.: Chi²-test af forskellen mellem grupperne: Mål 1: χ² = ") for r in rows if r[0])


def test_tabel_2_4_groups_as_columns(built: dict[str, Path]) -> None:
    t = tidy(built["ls"], "t24")
    for group, pcts in T24.items():
        for cat, p in zip(NEEDED.values(), pcts):
            assert near(value(t, cat, group, "percent"), p)
        assert value(t, "I alt", group, "base") == N[group]


def test_tabel_2_5_open_answers_counted_per_group(built: dict[str, Path]) -> None:
    t = tidy(built["ls"], "t25")
    body = t[t["row"] != "I alt"]
    assert list(dict.fromkeys(body["row"])) == OPEN  # most frequent first, ties in code order
    for i, label in enumerate(OPEN):
        assert value(t, label, "Ledere", "count") == T25["Ledere"][i]
        assert value(t, label, "Medarbejdere", "count") == T25["Medarbejdere"][i]
        assert value(t, label, "Total", "count") == T25["Ledere"][i] + T25["Medarbejdere"][i]


def test_tabel_3_6_filter_base_is_those_asked(built: dict[str, Path]) -> None:
    t = tidy(built["ls"], "t36")
    for cat, p in zip(GRAD.values(), T36):
        assert near(value(t, cat, "Procent", "percent"), p)
    assert value(t, "Total", "Antal", "count") == 24
    t35 = tidy(built["ls"], "t35")
    assert [value(t35, c, "Antal", "count") for c in JNV.values()] == T35


def test_tabel_3_11_battery_with_partial_item(built: dict[str, Path]) -> None:
    t = tidy(built["ls"], "t311")
    for item, pcts in T311.items():
        for cat, p in zip(GRAD.values(), pcts):
            assert near(value(t, item, cat, "percent"), p), (item, cat)
        assert value(t, item, "Total", "base") == N311[item]  # system-missing left out of the base


def test_tabel_3_21_multi_response_base_is_those_who_ticked(built: dict[str, Path]) -> None:
    t = tidy(built["ls"], "t321")
    for option, (count, p) in T321.items():
        assert value(t, option, "Antal", "count") == count
        assert near(value(t, option, "Procent", "percent"), p)
    assert value(t, "I alt", "Antal", "base") == 76


def test_tabel_3_1_count_and_percent_from_labelled_sav_without_codebook(built: dict[str, Path]) -> None:
    t = tidy(built["pol"], "fokus")
    for (count, p), cat in zip(T31, FOKUS.values()):
        assert value(t, cat, "Antal", "count") == count
        assert near(value(t, cat, "Procent", "percent"), p)
    assert value(t, "Total", "Antal", "count") == 85
    assert value(t, "Total", "Procent", "percent") == 100


def test_tabel_6_7_two_way_from_csv_with_codebook_labels(built: dict[str, Path]) -> None:
    t = tidy(built["cit"], "vejledning x lyst")
    cols = ["Ja", "Nej", "Ved ikke"]
    for row, (pcts, n) in {**T67, "I alt": T67_TOTAL}.items():
        for col, p in zip(cols, pcts):
            assert near(value(t, row, col, "percent"), p), (row, col)
        assert value(t, row, "I alt", "base") == n
    wb = openpyxl.load_workbook(built["cit_xlsx"])
    ws = wb["Tabel 6.7"]
    rows = list(ws.iter_rows(values_only=True))
    # the column question spans Ja/Nej/Ved ikke above them, its row tall enough for the wrapped text
    q = next(i for i, r in enumerate(rows, start=1) if r[1] and str(r[1]).startswith("Oplever du"))
    assert rows[q - 1][0].startswith("I hvilken grad synes du") and rows[q][1:4] == ("Ja", "Nej", "Ved ikke")
    assert any(str(m) == f"B{q}:D{q}" for m in ws.merged_cells.ranges)
    assert ws.row_dimensions[q].height >= 26
    notes = [r[0] for r in rows if r[0] and str(r[0]).startswith("Anm.")]
    # Pearson on the published counts, computed independently with scipy
    from scipy.stats import chi2_contingency
    obs = [counts_from(p, n) for p, n in T67.values()]
    stat, p, df, _ = chi2_contingency(obs, correction=False)
    assert p < 0.001
    shown = f"{stat:.2f}".replace(".", ",")
    assert notes == [f"Anm.: Chi²-test for uafhængighed: χ² = {shown}, df = {df}, p < 0,001."]
