"""CUBB targets 1 and 2 on hand-built persons whose outcomes are known (one person per rule/edge)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dream_fixtures import KH, all_months, cubb_defs, frame, person, persons
from scipy.stats import chi2

from toolkit.config.definitions import load_definitions
from toolkit.register import cubb_tables, monthly_status, select_target_group
from toolkit.register.cubb import target1_persons, target2_persons
from toolkit.register.extract import read_for


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("cubb")
    path = tmp / "dream.parquet"
    frame(persons()).to_parquet(path, index=False)
    defs = load_definitions(cubb_defs(tmp))
    reg = read_for(path, defs)
    return reg, defs, tmp


def by_id(reg, values, mask=None):
    ids = reg.ids if mask is None else reg.ids[mask]
    return dict(zip(ids, values))


def test_target_group_membership_age_and_visitation(setup) -> None:
    reg, defs, _ = setup
    coh = select_target_group(reg, defs)
    members = set(reg.ids[coh.member])
    assert "not_target" not in members and "int_jobparat" not in members
    assert {"int_akt", "turns18", "turns66", "loentilskud"} <= members
    assert len(members) == 22
    first = by_id(reg, coh.first)
    assert first["turns18"] == 2020 * 12 + 11  # eligible only from December 2020, when 18
    end = by_id(reg, coh.end)
    assert end["turns66"] == 2020 * 12 + 10  # followed to November 2020, the month before turning 66


def reached(t1, ids) -> dict[str, set[str]]:
    """Person → the exit categories reached."""
    return {i: {t1.labels[k] for k in np.flatnonzero(r)} for i, r in zip(ids, t1.reached)}


LAST_EXIT = {
        "job1": "Ordinært job", "wk53": "Ordinært job", "wage_then_job": "Ordinært job", "int_akt": "Ordinært job",
        "censor": "Ledig ved dataophør", "turns66": "Ledig ved dataophør", "wage_only": "Ledig ved dataophør",
        "wage_mar": "Ledig ved dataophør", "loentilskud": "Ledig ved dataophør",
        "gap": "Selvforsørgelse", "zero_grad": "Selvforsørgelse", "blank_grad": "Selvforsørgelse", "span": "Selvforsørgelse",
        "dead": "Andet", "emig": "Andet", "khj": "Andet",
        "su": "Ordinær uddannelse", "turns18": "Ordinær uddannelse", "fop": "FØP", "fleks": "Fleks- eller skånejob",
        "ledy": "Ledighedsydelse", "ress": "Ressourceforløb",
}


def test_target1_exit_per_person(setup) -> None:
    """Every spell's exit: wk53 left for self-support in November (a first spell in October) and
    for a job in January (a second spell in December); everyone else has one spell."""
    reg, defs, _ = setup
    st = monthly_status(reg, defs.codes, defs.spec.employment)
    coh = select_target_group(reg, defs)
    t1 = target1_persons(reg, st, coh, defs)
    expected = {i: {lab} for i, lab in LAST_EXIT.items()} | {"wk53": {"Selvforsørgelse", "Ordinært job"}}
    assert reached(t1, reg.ids[coh.member]) == expected
    wage = {i for i, w in zip(reg.ids[coh.member], t1.wage) if w}
    assert wage == {"wage_then_job", "wage_only", "span", "wage_mar", "loentilskud"}


def test_target1_last_spell_option(tmp_path: Path, setup) -> None:
    """exit_after: last_spell – one exit per person, after the last target-group month."""
    reg, _, _ = setup
    defs = load_definitions(cubb_defs(tmp_path, exit_after="last_spell"))
    assert defs.spec.target1.exit_after == "last_spell"
    st = monthly_status(reg, defs.codes, defs.spec.employment)
    coh = select_target_group(reg, defs)
    t1 = target1_persons(reg, st, coh, defs)
    assert reached(t1, reg.ids[coh.member]) == {i: {lab} for i, lab in LAST_EXIT.items()}
    assert (t1.reached.sum(axis=1) == 1).all()


def pearson_p(a: int, b: int, c: int, d: int) -> float:
    """2×2 Pearson chi-square p-value by the textbook formula."""
    n = a + b + c + d
    x2 = n * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    return float(chi2.sf(x2, 1))


def test_target1_tables(setup) -> None:
    reg, defs, _ = setup
    t311, t312, t313, t321, t322 = cubb_tables(reg, defs)
    assert t311.column_labels == ["Landsplan", "Programkommuner"]
    assert t311.row_labels == ["Ordinært job", "Ordinære løntimer", "Total", "Antal personer"]
    # rest of the country: 17 persons, 1 job (wk53), 3 wage hours only; programme: 5, 3 jobs, 1 wage
    assert [c.value for c in t311.cells[0]] == pytest.approx([1 / 17, 3 / 5])
    assert [c.value for c in t311.cells[1]] == pytest.approx([3 / 17, 1 / 5])
    assert [c.value for c in t311.cells[2]] == pytest.approx([4 / 17, 4 / 5])
    assert [c.value for c in t311.cells[3]] == [17, 5]
    assert [c.n for c in t311.cells[0]] == [1, 3]
    assert "ordinært job " + f"p = {pearson_p(1, 16, 3, 2):.3f}".replace(".", ",") in t311.notes[-1]
    assert t312.column_labels == ["Herning", "Holstebro"]
    assert [c.value for c in t312.cells[0]] == pytest.approx([2 / 3, 1 / 2])
    assert [c.value for c in t312.cells[1]] == pytest.approx([0.0, 1 / 2])
    assert [c.value for c in t312.cells[3]] == [3, 2]
    rows = dict(zip(t313.row_labels, t313.cells))
    assert "Ordinært job" not in rows
    assert rows["Ordinær uddannelse"][0].value == pytest.approx(2 / 17)
    # gap, zero_grad, blank_grad, span and wk53's first spell (wk53 also counts under the job)
    assert rows["Selvforsørgelse"][0].value == pytest.approx(4 / 17) and rows["Selvforsørgelse"][1].value == pytest.approx(1 / 5)
    assert rows["Ledig ved dataophør"][0].value == pytest.approx(4 / 17) and rows["Ledig ved dataophør"][1].value == pytest.approx(1 / 5)
    assert rows["Andet"][0].value == pytest.approx(3 / 17)
    # shown exits plus the job share: 18 exits of 17 persons in the rest of the country, 5 of 5 in the programme
    shares = [sum(r[j].value for lab, r in rows.items() if lab != "Antal personer") + t311.cells[0][j].value for j in (0, 1)]
    assert shares == pytest.approx([18 / 17, 1.0])
    assert t313.relations == []  # the categories overlap: no sum for disclosure control to protect
    assert "kan derfor summere til mere end 100" in " ".join(t313.notes)


def test_target2_cross_section(setup) -> None:
    reg, defs, _ = setup
    st = monthly_status(reg, defs.codes, defs.spec.employment)
    coh = select_target_group(reg, defs)
    t2 = target2_persons(reg, st, coh, defs)
    assert len(t2.job) == 13  # dead, emigrated, 66, SU, FØP, fleks, ledighedsydelse, løntilskud out
    *_, t321, t322 = cubb_tables(reg, defs)
    assert [c.value for c in t321.cells[0]] == pytest.approx([0 / 8, 2 / 5])
    assert [c.value for c in t321.cells[1]] == pytest.approx([1 / 8, 0 / 5])
    assert [c.value for c in t322.cells[0]] == pytest.approx([1 / 3, 1 / 2])
    assert [c.value for c in t322.cells[3]] == [3, 2]


def test_wage_hours_threshold_in_hours(tmp_path: Path, setup) -> None:
    """min_hours: 20 hours in the month (grad × 1.6033) – grad 10 (16 h) no longer counts."""
    reg, _, _ = setup
    defs = load_definitions(cubb_defs(tmp_path, "employment: {min_grad: 0, hours_per_grad: 1.6033, min_hours: 20}\n"))
    st = monthly_status(reg, defs.codes, defs.spec.employment)
    coh = select_target_group(reg, defs)
    t1 = target1_persons(reg, st, coh, defs)
    wage = {i for i, w in zip(reg.ids[coh.member], t1.wage) if w}
    # grad 15, 20, 40, 50 give 24.0, 32.1, 64.1, 80.2 hours; grad 10 gives 16.0 hours
    assert wage == {"wage_then_job", "span", "loentilskud", "wage_mar"}


def test_csv_semicolon_and_parquet_give_the_same_tables(setup) -> None:
    reg, defs, tmp = setup
    path = tmp / "dream.csv"
    frame(persons()).to_csv(path, sep=";", decimal=",", index=False)
    reg_csv = read_for(path, defs, chunk_rows=5)
    a = [[c.value for c in r] for t in cubb_tables(reg, defs) for r in t.cells]
    b = [[c.value for c in r] for t in cubb_tables(reg_csv, defs) for r in t.cells]
    assert a == b
    assert np.array_equal(reg.codes, reg_csv.codes) and np.array_equal(reg.grad, reg_csv.grad)


def test_exit_in_the_windows_last_month(tmp_path: Path) -> None:
    """Last target month February: the exit month March is the window's last and is measured;
    last target month March: no month after it inside the window – censored."""
    rows = [person("exit_mar", all_months(KH, "2021-02"), grad={"2021-03": 30}),
            person("on_in_mar", all_months(KH), grad={"2021-03": 30})]
    p = tmp_path / "d.parquet"
    frame(rows).to_parquet(p, index=False)
    defs = load_definitions(cubb_defs(tmp_path))
    reg = read_for(p, defs)
    st = monthly_status(reg, defs.codes, defs.spec.employment)
    coh = select_target_group(reg, defs)
    t1 = target1_persons(reg, st, coh, defs)
    assert reached(t1, reg.ids) == {"exit_mar": {"Ordinært job"}, "on_in_mar": {"Ledig ved dataophør"}}
    assert t1.job.tolist() == [True, False] and t1.wage.tolist() == [False, True]
