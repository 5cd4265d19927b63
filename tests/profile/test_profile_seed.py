"""Seed 004 chapter 5 rebuilt: a person frame with the published margins (Tabel 5.1-5.5) must give
back the published figures, rounded as the report prints them, with the report's labels and notes.

Tabel 5.1-5.3 print counts, which are used as they are. Tabel 5.5 prints only shares of the 3,835
persons on early retirement pension; the counts below were chosen by hand so that each rounds to
the printed share and each section adds up to 3,835 (the printed shares add to 99.9-100.1 %).
Characteristics are filled in column by column, so only the margins are real, not the joint
distribution – which is all these tables show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.core.table import Table
from toolkit.profile import EMPLOYED, REST, ProfileSettings, profile_tables
from toolkit.publish.disclosure import suppress

SEED_OFFERS = ["Revalidering", "Løntilskud (offentlig)", "Løntilskud (privat)", "Virksomhedspraktik",
               "Ordinære uddannelsesforløb", "Særlige tilrettelagte uddannelsesforløb",
               "Særlige tilrettelagte projekter", "Korte vejlednings- og afklaringsforløb"]
OFFER_COLS = [f"akt_{k}" for k in range(len(SEED_OFFERS))]


def block(n: int, **margins: list[tuple[object, int]]) -> pd.DataFrame:
    """n persons whose columns have the given (value, count) margins."""
    cols = {}
    for name, pairs in margins.items():
        assert sum(k for _, k in pairs) == n, name
        cols[name] = np.repeat(np.array([v for v, _ in pairs], dtype=object), [k for _, k in pairs])
    return pd.DataFrame(cols)


def flags(n: int, taken: list[int]) -> dict[str, list[tuple[object, int]]]:
    return {c: [(1, k), (0, n - k)] for c, k in zip(OFFER_COLS, taken)}


def seed_frame() -> pd.DataFrame:
    n_fp = 3835  # restgruppen on førtidspension (Tabel 5.5)
    fp = block(
        n_fp,
        gruppe=[(REST, n_fp)], status=[("Førtidspension", n_fp)],
        kon=[("Kvinde", 1814), ("Mand", 2021)],
        alder=[(18, 10), (25, 440), (35, 896), (45, 1349), (55, 940), (62, 200)],
        herkomst=[("Dansker", 2439), ("Efterkommer", 35), ("Indvandrer", 1361)],
        match=[(1, 1), (2, 4), (3, 19), (4, 833), (5, 2962), (25, 16)],
        anciennitet=[(233.0, n_fp)],
        antal_tilbud=[(0, 3420), (1, 337), (2, 76), (3, 2)],
        **flags(n_fp, [57, 0, 4, 38, 0, 23, 180, 196]),
    )
    n_rest = 43147 - n_fp
    others = block(  # the rest of restgruppen: Tabel 5.2/5.3 counts minus the førtidspension block
        n_rest,
        gruppe=[(REST, n_rest)], status=[("Kontanthjælp", n_rest)],
        kon=[("Kvinde", 23949 - 1814), ("Mand", 19198 - 2021)],
        alder=[(40, n_rest)],
        herkomst=[("Dansker", 27388 - 2439), ("Efterkommer", 532 - 35), ("Indvandrer", 15227 - 1361)],
        match=[(5, n_rest)],
        # restgruppen's mean is 257 weeks (Tabel 5.4)
        anciennitet=[((257 * 43147 - 233 * n_fp) / n_rest - 1, n_rest // 2), ((257 * 43147 - 233 * n_fp) / n_rest + 1, n_rest // 2)],
        antal_tilbud=[(0, n_rest)],
        **flags(n_rest, [0] * 8),
    )
    emp = block(
        7158,
        gruppe=[(EMPLOYED, 7158)], status=[("Ordinært job", 7158)],
        kon=[("Kvinde", 3933), ("Mand", 3225)],
        alder=[(30, 7158)],
        herkomst=[("Dansker", 4869), ("Efterkommer", 132), ("Indvandrer", 2127), (None, 30)],
        match=[(1, 7158)],
        anciennitet=[(150.0, 3579), (152.0, 3579)],  # mean 151 (Tabel 5.4)
        antal_tilbud=[(0, 7158)],
        **flags(7158, [0] * 8),
    )
    return pd.concat([fp, others, emp], ignore_index=True)


@pytest.fixture(scope="module")
def seed_tables() -> dict[str, Table]:
    s = ProfileSettings(offers=list(zip(OFFER_COLS, SEED_OFFERS)), start="3. kvartal 2006", reference="3. kvartal 2007")
    return {t.id: t for t in profile_tables(seed_frame(), s)}


def shown(t: Table, j: int) -> list[float]:
    """A column as the report prints it: percentages with one decimal, means and counts whole."""
    out = []
    for row in t.cells:
        c = row[j]
        out.append(round(100 * c.value, 1) if c.kind.value == "percent" else round(c.value))
    return out


def test_tabel_5_1(seed_tables: dict[str, Table]) -> None:
    t = seed_tables["profil_grupper"]
    assert t.row_labels == ["Restgruppen", "Beskæftigelsesgruppen", "Total"]
    assert shown(t, 0) == [43147, 7158, 50305] and shown(t, 1) == [85.8, 14.2, 100.0]


def test_tabel_5_2(seed_tables: dict[str, Table]) -> None:
    t = seed_tables["profil_koen"]
    assert [shown(t, j) for j in range(4)] == [[23949, 3933], [55.5, 54.9], [19198, 3225], [44.5, 45.1]]


def test_tabel_5_3_and_its_note(seed_tables: dict[str, Table]) -> None:
    t = seed_tables["profil_herkomst"]
    assert [shown(t, j) for j in range(6)] == [[27388, 4869], [63.5, 68.3], [532, 132], [1.2, 1.9], [15227, 2127], [35.3, 29.8]]
    assert "Anm.: 30 personer har ikke nogen registreret herkomst." in t.notes


def test_tabel_5_4(seed_tables: dict[str, Table]) -> None:
    t = seed_tables["profil_anciennitet"]
    assert t.label == "Tabel 5.4 Ledighedsanciennitet (3. kvartal 2006)"
    assert shown(t, 0) == [257, 151]


def test_tabel_5_5(seed_tables: dict[str, Table]) -> None:
    t = seed_tables["profil_delgruppe"]
    assert t.label == "Tabel 5.5 Profil af borgere i restgruppen på førtidspension"
    printed = {  # seed 004, Tabel 5.5, as printed
        ("Køn", "Kvinde"): 47.3, ("Køn", "Mand"): 52.7,
        ("Alder", "Under 20 år"): 0.3, ("Alder", "20-29 år"): 11.5, ("Alder", "30-39 år"): 23.4,
        ("Alder", "40-49 år"): 35.2, ("Alder", "50-59 år"): 24.5, ("Alder", "60+ år"): 5.2,
        ("Herkomst", "Dansker"): 63.6, ("Herkomst", "Efterkommer"): 0.9, ("Herkomst", "Indvandrer"): 35.5,
        ("Matchgruppe", "Matchgruppe 1"): 0.0, ("Matchgruppe", "Matchgruppe 2"): 0.1, ("Matchgruppe", "Matchgruppe 3"): 0.5,
        ("Matchgruppe", "Matchgruppe 4"): 21.7, ("Matchgruppe", "Matchgruppe 5"): 77.2, ("Matchgruppe", "Matchgruppe 25"): 0.4,
        **{("Andel af borgere i forskellige aktiveringstilbud", o): p for o, p in
           zip(SEED_OFFERS, [1.5, 0.0, 0.1, 1.0, 0.0, 0.6, 4.7, 5.1])},
        ("Antal aktiveringstilbud", "Ingen aktiveringstilbud"): 89.2, ("Antal aktiveringstilbud", "1 aktiveringstilbud"): 8.8,
        ("Antal aktiveringstilbud", "2 aktiveringstilbud"): 2.0, ("Antal aktiveringstilbud", "3+ aktiveringstilbud"): 0.1,
        ("Ledighedsanciennitet", "Gennemsnit (antal uger)"): 233,
        ("I alt", "Antal personer"): 3835,
    }
    got = dict(zip(zip(t.row_groups, t.row_labels), shown(t, 0)))
    assert got == printed


def test_suppression_of_small_cells_with_the_seed_figures(seed_tables: dict[str, Table]) -> None:
    """Threshold 5: in Tabel 5.5, 'Matchgruppe 1' (1 person) and 'Matchgruppe 2' (4) are primary;
    the two shares of '3+ aktiveringstilbud' (2) and 'Løntilskud (privat)' (4) too; zeros are shown.
    Each section adds up to 100 %, so the match section already has two hidden cells; the offer
    count section gets a second one; the multi-response offers need none."""
    t = seed_tables["profil_delgruppe"]
    suppress([t], threshold=5)
    hidden = {(g, r) for g, r, row in zip(t.row_groups, t.row_labels, t.cells) if row[0].suppressed}
    assert ("Matchgruppe", "Matchgruppe 1") in hidden and ("Matchgruppe", "Matchgruppe 2") in hidden
    assert ("Antal aktiveringstilbud", "3+ aktiveringstilbud") in hidden
    assert ("Andel af borgere i forskellige aktiveringstilbud", "Løntilskud (privat)") in hidden
    offers = [r for g, r in hidden if g == "Antal aktiveringstilbud"]
    assert len(offers) == 2  # secondary suppression: one more cell of the section
    assert ("Andel af borgere i forskellige aktiveringstilbud", "Løntilskud (offentlig)") not in hidden  # a zero
    assert ("Køn", "Kvinde") not in hidden and any("x = " in n for n in t.notes)
