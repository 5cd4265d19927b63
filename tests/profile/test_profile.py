"""Residual-group profile on a constructed 20-person target group; every expected figure below
was counted by hand from the rows (see the comments) and the tests by their textbook formulas."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.weightstats import ttest_ind as sm_ttest_ind

from toolkit.core.errors import DataError
from toolkit.core.table import Kind, Table
from toolkit.profile import ProfileSettings, Subgroup, profile_tables
from toolkit.profile.tables import age_bands

R, E = "Restgruppen", "Beskæftigelsesgruppen"
# gruppe, kon, alder, herkomst, match, anciennitet, status, praktik, vejledning, projekter
ROWS = [
    (R, "K", 19, "Dansker", 5, 300, "Førtidspension", 0, 1, 0),  # R1
    (R, "K", 20, "Dansker", 5, 200, "Førtidspension", 0, 0, 0),  # R2
    (R, "K", 35, "Indvandrer", 4, 250, "Kontanthjælp", 1, 1, 1),  # R3
    (R, "K", 45, "Indvandrer", 4, 150, "Kontanthjælp", 0, 1, 0),  # R4
    (R, "K", 52, "Dansker", 5, 400, "Førtidspension", 0, 0, 1),  # R5
    (R, "K", 60, "Efterkommer", 25, 100, "Sygedagpenge", 1, 0, 0),  # R6
    (R, "K", 41, None, 4, 350, "Kontanthjælp", 0, 0, 0),  # R7 no origin
    (R, "M", 29, "Dansker", 5, 260, "Kontanthjælp", 1, 1, 1),  # R8
    (R, "M", 38, "Dansker", 4, 180, "Sygedagpenge", 0, 0, 0),  # R9
    (R, "M", 47, "Indvandrer", 5, None, "Førtidspension", 0, 1, 0),  # R10 no seniority
    (R, "M", 59, "Dansker", 5, 310, "Kontanthjælp", 0, 0, 1),  # R11
    (R, "M", 63, "Indvandrer", 4, 200, "Kontanthjælp", 1, 0, 0),  # R12
    (E, "K", 22, "Dansker", 1, 50, "Ordinært job", 1, 0, 0),  # E1
    (E, "K", 31, "Dansker", 2, 80, "Ordinært job", 0, 0, 0),  # E2
    (E, "K", 44, "Indvandrer", 3, 120, "SU", 1, 1, 0),  # E3
    (E, "M", 25, "Dansker", 1, 40, "Ordinært job", 0, 0, 0),  # E4
    (E, "M", 27, "Efterkommer", 25, 60, "Ordinært job", 0, 1, 0),  # E5
    (E, "M", 33, "Dansker", 4, 150, "SU", 0, 0, 0),  # E6
    (E, "M", 50, "Dansker", 5, 200, "Ordinært job", 1, 0, 0),  # E7
    (E, "M", 39, "Indvandrer", 2, 100, "Ordinært job", 0, 0, 0),  # E8
]
COLS = ["gruppe", "kon", "alder", "herkomst", "match", "anciennitet", "status", "akt_praktik", "akt_vejledning", "akt_projekter"]
OFFERS = [("akt_praktik", "Virksomhedspraktik"), ("akt_vejledning", "Korte vejlednings- og afklaringsforløb"),
          ("akt_projekter", "Særligt tilrettelagte projekter")]


def frame() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=COLS)


def tables(df: pd.DataFrame | None = None, **kw: object) -> dict[str, Table]:
    """The profile of ROWS; min_cell 1 (exact notes) unless a test asks for the register threshold."""
    kw.setdefault("min_cell", 1)
    s = ProfileSettings(offers=OFFERS, reference="3. kvartal 2007", start="3. kvartal 2006", **kw)  # type: ignore[arg-type]
    return {t.id: t for t in profile_tables(frame() if df is None else df, s)}


# ---------------------------------------------------------------- independent test statistics


def pearson(table: list[list[int]]) -> float:
    """Σ (O − E)² / E with E = row total × column total / N, columns with no persons dropped."""
    t = np.array(table, float)
    t = t[:, t.sum(axis=0) > 0]
    n = t.sum()
    x = 0.0
    for i in range(t.shape[0]):
        for j in range(t.shape[1]):
            e = t[i].sum() * t[:, j].sum() / n
            x += (t[i, j] - e) ** 2 / e
    return x


def chi2_sf(x: float, df: int) -> float:
    """Upper tail of chi-square with integer df by the closed forms (even: Poisson sum; odd: erfc)."""
    if df % 2 == 0:
        return math.exp(-x / 2) * sum((x / 2) ** k / math.factorial(k) for k in range(df // 2))
    tail, term = math.erfc(math.sqrt(x / 2)), math.sqrt(2 * x / math.pi) * math.exp(-x / 2)
    for k in range(1, (df - 1) // 2 + 1):
        tail += term
        term *= x / (2 * k + 1)
    return tail


def note_numbers(t: Table, word: str) -> list[float]:
    """The numbers of the note containing `word` (Danish decimals)."""
    line = next(n for n in t.notes if word in n)
    return [float(x.replace(",", ".")) for x in re.findall(r"-?\d+(?:,\d+)?", line)]


def p_of(t: Table, word: str = "χ²-test") -> str:
    line = next(n for n in t.notes if word in n)
    return re.search(r"p [=<] [\d,]+", line).group(0)  # type: ignore[union-attr]


def p_str(p: float) -> str:
    return "p < 0,001" if p < 0.001 else f"p = {p:.3f}".replace(".", ",")


def col(t: Table, j: int) -> list[object]:
    return [row[j].value for row in t.cells]


# ---------------------------------------------------------------- the tables


def test_groups_table_counts_and_shares() -> None:
    t = tables()["profil_grupper"]
    assert t.number == "Tabel 5.1" and t.title == "Restgruppen (3. kvartal 2007)"
    assert t.row_labels == [R, E, "Total"]
    assert col(t, 0) == [12, 8, 20]
    assert col(t, 1) == pytest.approx([0.6, 0.4, 1.0])
    assert t.register and t.notes[0] == "Kilde: DREAM, egne beregninger."


def test_sex_by_group_with_chi_square() -> None:
    t = tables()["profil_koen"]
    assert t.number == "Tabel 5.2" and t.column_groups == ["Kvinde", "Kvinde", "Mand", "Mand"]
    assert [c.value for c in t.cells[0]] == pytest.approx([7, 7 / 12, 5, 5 / 12])
    assert [c.value for c in t.cells[1]] == pytest.approx([3, 3 / 8, 5, 5 / 8])
    # [[7,5],[3,5]]: expected 6/6/4/4 → χ² = 1/6+1/6+1/4+1/4 = 0.8333, df 1
    x = pearson([[7, 5], [3, 5]])
    assert x == pytest.approx(5 / 6)
    m = re.search(r"χ² = ([\d,]+) \(df = (\d+)\)", next(n for n in t.notes if "χ²-test" in n))
    assert m and float(m.group(1).replace(",", ".")) == pytest.approx(x, abs=0.005) and m.group(2) == "1"
    assert p_of(t) == p_str(chi2_sf(x, 1)) == "p = 0,361"
    assert "usikker" in next(n for n in t.notes if "χ²" in n)  # all expected counts are below 5


def test_age_bands_boundaries() -> None:
    a = age_bands(pd.Series([19, 19.9, 20, 29, 30, 59, 60, 99, np.nan]), (20, 30, 40, 50, 60)).tolist()
    assert a[:8] == ["Under 20 år", "Under 20 år", "20-29 år", "20-29 år", "30-39 år", "50-59 år", "60+ år", "60+ år"]
    assert pd.isna(a[8])


def test_age_figure() -> None:
    t = tables()["profil_alder"]
    assert t.number == "Figur 5.1" and t.figure is not None and t.figure.columns == [0, 1]
    assert t.row_labels == ["Under 20 år", "20-29 år", "30-39 år", "40-49 år", "50-59 år", "60+ år"]
    rest, emp = [1, 2, 2, 3, 2, 2], [0, 3, 3, 1, 1, 0]  # counted from the ages in ROWS
    assert col(t, 2) == rest and col(t, 3) == emp
    assert col(t, 0) == pytest.approx([k / 12 for k in rest]) and col(t, 1) == pytest.approx([k / 8 for k in emp])
    assert all(t.cells[i][j].kind is Kind.PERCENT for i in range(6) for j in (0, 1))
    x = pearson([rest, emp])
    assert x == pytest.approx(4.097222, abs=1e-6)  # by hand: 1.638889 + 2.458333
    assert p_of(t) == p_str(chi2_sf(x, 5))


def test_origin_with_missing_note() -> None:
    t = tables()["profil_herkomst"]
    assert t.number == "Tabel 5.3" and t.column_groups[::2] == ["Dansker", "Efterkommer", "Indvandrer"]
    assert col(t, 0) == [6, 5] and col(t, 2) == [1, 1] and col(t, 4) == [4, 2]
    # R7 has no origin: the restgruppe's base is 11
    assert col(t, 1) == pytest.approx([6 / 11, 5 / 8]) and col(t, 5) == pytest.approx([4 / 11, 2 / 8])
    assert "Anm.: 1 person har ikke nogen registreret herkomst." in t.notes
    assert p_of(t) == p_str(chi2_sf(pearson([[6, 1, 4], [5, 1, 2]]), 2))
    protected = tables(min_cell=5)["profil_herkomst"]
    assert "Anm.: Færre end 5 personer har ikke nogen registreret herkomst." in protected.notes


def test_origin_accepts_statistics_denmark_codes() -> None:
    df = frame()
    df["herkomst"] = df["herkomst"].map({"Dansker": 1, "Indvandrer": 2, "Efterkommer": 3, None: 0})
    df["kon"] = df["kon"].map({"K": 2, "M": 1})
    t = tables(df)
    assert col(t["profil_herkomst"], 0) == [6, 5] and col(t["profil_koen"], 0) == [7, 3]


def test_match_groups_including_25() -> None:
    t = tables()["profil_match"]
    assert t.number == "Figur 5.2"
    assert t.row_labels == [f"Matchgruppe {m}" for m in (1, 2, 3, 4, 5, 25)]
    assert col(t, 2) == [0, 0, 0, 5, 6, 1] and col(t, 3) == [2, 2, 1, 1, 1, 1]
    assert col(t, 0) == pytest.approx([0, 0, 0, 5 / 12, 6 / 12, 1 / 12])
    assert any(n.startswith("Anm.: Matchgruppe 25 omfatter") for n in t.notes)
    assert p_of(t) == p_str(chi2_sf(pearson([[0, 0, 0, 5, 6, 1], [2, 2, 1, 1, 1, 1]]), 5))


def test_seniority_means_with_welch_test() -> None:
    t = tables()["profil_anciennitet"]
    assert t.number == "Tabel 5.4" and t.title == "Ledighedsanciennitet (3. kvartal 2006)"
    assert col(t, 0) == pytest.approx([2700 / 11, 100.0])  # R10 has none: 11 known in the restgruppe
    assert col(t, 1) == [11, 8]
    a = np.array([300, 200, 250, 150, 400, 100, 350, 260, 180, 310, 200], float)
    b = np.array([50, 80, 120, 40, 60, 150, 200, 100], float)
    va = sum((x - a.mean()) ** 2 for x in a) / (len(a) - 1) / len(a)
    vb = sum((x - b.mean()) ** 2 for x in b) / (len(b) - 1) / len(b)
    tt = (a.mean() - b.mean()) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    nums = note_numbers(t, "Welch")
    assert nums[0] == pytest.approx(tt, abs=0.005) and nums[1] == pytest.approx(df, abs=0.05)
    _, p_sm, df_sm = sm_ttest_ind(a, b, usevar="unequal")  # statsmodels' own Welch test
    assert df_sm == pytest.approx(df) and p_of(t, "Welch") == p_str(p_sm)
    assert "Anm.: 1 person har ikke nogen registreret ledighedsanciennitet." in t.notes


def test_current_status_most_frequent_first() -> None:
    t = tables()["profil_status"]
    assert t.number == "Figur 5.3" and t.title == "Nuværende status (3. kvartal 2007)"
    assert t.row_labels == ["Kontanthjælp", "Ordinært job", "Førtidspension", "SU", "Sygedagpenge"]
    assert col(t, 2) == [6, 0, 4, 0, 2] and col(t, 3) == [0, 6, 0, 2, 0]
    assert col(t, 1) == pytest.approx([0, 0.75, 0, 0.25, 0])
    order = tables(status_order=["Ordinært job", "SU"])["profil_status"].row_labels
    assert order == ["Ordinært job", "SU", "Kontanthjælp", "Førtidspension", "Sygedagpenge"]


def test_activation_offers_multi_response() -> None:
    t = tables()["profil_tilbud"]
    assert t.number == "Figur 5.4" and t.row_labels == [lab for _, lab in OFFERS]
    assert col(t, 2) == [4, 5, 4] and col(t, 3) == [3, 2, 0]
    assert col(t, 0) == pytest.approx([4 / 12, 5 / 12, 4 / 12]) and col(t, 1) == pytest.approx([3 / 8, 2 / 8, 0])
    assert sum(col(t, 0)) > 1  # persons appear under several offers …
    assert any("samme borger kan deltage i flere" in n for n in t.notes)  # … and the note says so
    line = next(n for n in t.notes if "hvert tilbud" in n)
    for lab, took in zip([lab for _, lab in OFFERS], ([4, 3], [5, 2], [4, 0])):
        p = chi2_sf(pearson([[took[0], 12 - took[0]], [took[1], 8 - took[1]]]), 1)
        assert f"{lab}: {p_str(p)}" in line
    assert t.relations == []  # shares of a multi-response question do not add up


def test_number_of_offers() -> None:
    t = tables()["profil_antal_tilbud"]
    assert t.number == "Figur 5.5"
    assert t.row_labels == ["Ingen aktiveringstilbud", "1 aktiveringstilbud", "2 aktiveringstilbud", "3+ aktiveringstilbud"]
    assert col(t, 2) == [3, 7, 0, 2] and col(t, 3) == [4, 3, 1, 0]
    assert col(t, 0) == pytest.approx([3 / 12, 7 / 12, 0, 2 / 12])
    # the 2-offer column is empty in restgruppen but not overall: 4 categories, df = 3
    assert p_of(t) == p_str(chi2_sf(pearson([[3, 7, 0, 2], [4, 3, 1, 0]]), 3))


def test_number_of_offers_counts_spells_when_given() -> None:
    df = frame()
    df["antal_tilbud"] = df[["akt_praktik", "akt_vejledning", "akt_projekter"]].sum(axis=1)
    df.loc[1, "antal_tilbud"] = 4  # R2: no offer type flagged but four spells → counted as 3+
    assert col(tables(df)["profil_antal_tilbud"], 2) == [2, 7, 0, 3]


def test_subgroup_profile_early_retirement() -> None:
    t = tables()["profil_delgruppe"]
    assert t.number == "Tabel 5.5" and t.title == "Profil af borgere i restgruppen på førtidspension"
    v = {(g, r): row[0].value for g, r, row in zip(t.row_groups, t.row_labels, t.cells)}
    # R1, R2, R5, R10
    assert v[("I alt", "Antal personer")] == 4
    assert (v[("Køn", "Kvinde")], v[("Køn", "Mand")]) == pytest.approx((0.75, 0.25))
    assert [v[("Alder", b)] for b in ("Under 20 år", "20-29 år", "30-39 år", "40-49 år", "50-59 år", "60+ år")] == pytest.approx([0.25, 0.25, 0, 0.25, 0.25, 0])
    assert [v[("Herkomst", o)] for o in ("Dansker", "Efterkommer", "Indvandrer")] == pytest.approx([0.75, 0, 0.25])
    assert v[("Matchgruppe", "Matchgruppe 5")] == 1.0 and v[("Matchgruppe", "Matchgruppe 25")] == 0
    sec = "Andel af borgere i forskellige aktiveringstilbud"
    assert [v[(sec, lab)] for _, lab in OFFERS] == pytest.approx([0, 0.5, 0.25])
    assert [v[("Antal aktiveringstilbud", k)] for k in ("Ingen aktiveringstilbud", "1 aktiveringstilbud")] == pytest.approx([0.25, 0.75])
    assert v[("Ledighedsanciennitet", "Gennemsnit (antal uger)")] == pytest.approx(300.0)  # R10 unknown
    kinds = {r: row[0].kind for r, row in zip(t.row_labels, t.cells)}
    assert kinds["Antal personer"] is Kind.COUNT and kinds["Gennemsnit (antal uger)"] is Kind.MEAN and kinds["Kvinde"] is Kind.PERCENT


def test_tests_are_coarse_when_a_count_is_below_the_threshold() -> None:
    """Sex: [[7,5],[3,5]] holds a 3; with threshold 5 the note gives only the 5 % verdict."""
    ts = tables(min_cell=5)
    koen = next(n for n in ts["profil_koen"].notes if "χ²" in n)
    assert koen == ("Anm.: Forskellen mellem restgruppen og beskæftigelsesgruppen er testet med Pearsons χ²-test: "
                    "p ≥ 0,05 (kun signifikansen vises, da tabellen har celler med færre end 5 personer).")
    assert "χ² =" not in koen
    assert tables(min_cell=3)["profil_koen"].notes[1].count("χ² = 0,83") == 1  # 3 is not below 3
    welch = next(n for n in ts["profil_anciennitet"].notes if "Welch" in n)
    assert "t =" in welch  # 11 and 8 persons: both at least 5
    welch9 = next(n for n in tables(min_cell=9)["profil_anciennitet"].notes if "Welch" in n)
    assert welch9.endswith("p < 0,05 (kun signifikansen vises, da en gruppe har færre end 9 personer).")
    offers = next(n for n in ts["profil_tilbud"].notes if "hvert tilbud" in n)
    # praktik [[4,8],[3,5]] has small cells; projekter [[4,8],[0,8]] too (4 < 5); zeros alone are not small
    assert "Virksomhedspraktik: p ≥ 0,05" in offers


def test_other_subgroup_and_none() -> None:
    sub = Subgroup(values=("Ordinært job",), group=E, title="Profil af borgere i job")
    t = tables(subgroup=sub)["profil_delgruppe"]
    assert t.title == "Profil af borgere i job" and t.cells[0][0].value == 6
    assert "profil_delgruppe" not in tables(subgroup=None)


def test_cells_carry_person_counts_for_disclosure() -> None:
    ts = tables()
    age = ts["profil_alder"]
    assert age.cells[0][0].n == 1 and age.cells[0][2].n == 1  # 1 person under 20 in restgruppen: percent and count
    assert ts["profil_anciennitet"].cells[0][0].n == 11
    assert all(t.register for t in ts.values())
    # each column of a distribution adds up to a public total (100 % / the group's N)
    assert (None, [age.ref(i, 0) for i in range(6)]) in age.relations
    assert age.relations[0].parts[0] == ("profil_alder", "Under 20 år", "Procent/Restgruppen")


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("column,value,message", [
    ("gruppe", "Andet", "'Andet' is not 'Restgruppen' or 'Beskæftigelsesgruppen'"),
    ("kon", "X", "'X' is not Kvinde/Mand (K/M, 2/1) or blank"),
    ("match", 7, "'7' is not a match group 1-5 or 25, or blank"),
    ("alder", "tyve", "'tyve' is not a number"),
    ("akt_praktik", 0.5, "'0.5' is not 0 or 1"),
    ("akt_praktik", None, "blank is not 0 or 1"),
])
def test_bad_values_name_row_and_column(column: str, value: object, message: str) -> None:
    df = frame().astype(object)
    df.loc[2, column] = value
    with pytest.raises(DataError) as e:
        tables(df)
    assert e.value.message == message and e.value.row == 4 and e.value.column == column


def test_several_bad_rows_are_listed() -> None:
    df = frame()
    df.loc[[2, 5, 9], "kon"] = "?"
    with pytest.raises(DataError) as e:
        tables(df)
    assert e.value.message == "'?' is not Kvinde/Mand (K/M, 2/1) or blank (3 rows: 4, 7, 11)" and e.value.row == 4


def test_missing_column() -> None:
    with pytest.raises(DataError, match="column 'anciennitet' not found"):
        tables(frame().drop(columns="anciennitet"))
