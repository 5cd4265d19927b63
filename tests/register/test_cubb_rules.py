"""The seed's counting rules for CUBB on hand-built persons: exits after every spell (target 1),
the month's predominant status at the reference month (target 2), the age boundaries.

Window Oct 2020 – Mar 2021, reference month March 2021 (ISO weeks 9-12, Thursdays 4-25 March).
KH = kontanthjælp aktivitetsparat passive (730); 735/736 = the same benefit in wage subsidy
(private/public), 651 SU, 783 førtidspension. Every expected figure is counted by hand below.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dream_fixtures import KH, all_months, cubb_defs, frame, person
from scipy.stats import chi2

from toolkit.config.definitions import load_definitions
from toolkit.core.errors import ConfigError
from toolkit.register import cubb_tables, monthly_status, select_target_group
from toolkit.register.cubb import target1_persons, target2_persons
from toolkit.register.extract import read_for

HERNING, REST = 657, 101
MARCH = [(2021, w) for w in (9, 10, 11, 12)]


def march(*codes: int) -> dict[tuple[int, int], int]:
    """The four March weeks' codes, in order."""
    return dict(zip(MARCH, codes))


PERSONS = [
    # programme (Herning)
    # A: a job in December after a first spell, back on the benefit from January to the end
    person("A", {**all_months(KH, "2020-11"), **all_months(KH, start="2021-01")}, grad={"2020-12": 50}, kom=HERNING),
    # B: education in November after a first spell, førtidspension from January after a second
    person("B", {"2020-10": KH, "2020-11": 651, "2020-12": KH, **all_months(783, start="2021-01")}, kom=HERNING),
    # C: wage hours in October (first spell), self-support in December, back from January
    person("C", {**all_months(KH, "2020-11"), **all_months(KH, start="2021-01")}, grad={"2020-10": 20}, kom=HERNING),
    # D: March = three passive weeks and one wage-subsidy week, employed → in target 2, wage hours
    person("D", all_months(KH), weeks=march(KH, KH, KH, 735), grad={"2021-03": 40}, kom=HERNING),
    # E: March = one passive week and three wage-subsidy weeks → wage subsidy: out of target 2
    person("E", all_months(KH), weeks=march(KH, 735, 735, 735), grad={"2021-03": 40}, kom=HERNING),
    # rest of the country
    # F: one spell, then a job to the end
    person("F", all_months(KH, "2020-11"), grad={m: 80 for m in ["2020-12", "2021-01", "2021-02", "2021-03"]}, kom=REST),
    # G: March = one førtidspension week, three passive weeks → kontanthjælp: in target 2
    person("G", all_months(KH), weeks=march(783, KH, KH, KH), kom=REST),
    # H: March = three førtidspension weeks, one passive week → førtidspension: out of target 2
    person("H", all_months(KH), weeks=march(783, 783, 783, KH), kom=REST),
    # I: March = two passive weeks, two public wage-subsidy weeks: a tie goes to the activation → out
    person("I", all_months(KH), weeks=march(KH, KH, 736, 736), kom=REST),
]


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rules") / "dream.parquet"
    frame(PERSONS).to_parquet(path, index=False)
    return path


def tables(extract: Path, tmp: Path, exit_after: str | None = None) -> dict:
    defs = load_definitions(cubb_defs(tmp, exit_after=exit_after))
    return {t.id: t for t in cubb_tables(read_for(extract, defs), defs)}


def column(t, j: int) -> dict[str, float]:
    """Row label → value of column j (0 = Landsplan, 1 = Programkommuner)."""
    return {r: c[j].value for r, c in zip(t.row_labels, t.cells)}


def test_target1_counts_every_spell(extract: Path, tmp_path: Path) -> None:
    """Tabel 3.1.1: A's job after her first spell counts though she came back and stayed; C's wage
    hours in his first spell count. Programme: job A = 1/5, wage hours only C, D, E = 3/5."""
    t = tables(extract, tmp_path)
    assert column(t["maal1_samlet"], 1) == pytest.approx({"Ordinært job": 1 / 5, "Ordinære løntimer": 3 / 5, "Total": 4 / 5, "Antal personer": 5})
    assert column(t["maal1_samlet"], 0) == pytest.approx({"Ordinært job": 1 / 4, "Ordinære løntimer": 0.0, "Total": 1 / 4, "Antal personer": 4})
    assert column(t["maal1_kommuner"], 0) == column(t["maal1_samlet"], 1)  # Herning is the whole programme
    notes = " ".join(t["maal1_samlet"].notes)
    assert "afgangen måles i den første måned efter hvert forløb" in notes and "uanset antallet af forløb" in notes


def test_target1_exits_once_per_category(extract: Path, tmp_path: Path) -> None:
    """Tabel 3.1.3: B reached education and førtidspension, C self-support and (still on the benefit
    at the end) censored; A, C, D, E are censored. Programme: 1+1+1+4 of 5 = 140 % besides the job."""
    t = tables(extract, tmp_path)["maal1_afgang"]
    prog = {"Ordinær uddannelse": 1 / 5, "Fleks- eller skånejob": 0.0, "Ledighedsydelse": 0.0, "Selvforsørgelse": 1 / 5,
            "FØP": 1 / 5, "Ressourceforløb": 0.0, "Ledig ved dataophør": 4 / 5, "Andet": 0.0, "Antal personer": 5}
    assert column(t, 1) == pytest.approx(prog)
    rest = {k: 0.0 for k in prog} | {"Ledig ved dataophør": 3 / 4, "Antal personer": 4}  # F's job is in Tabel 3.1.1
    assert column(t, 0) == pytest.approx(rest)
    assert t.relations == []
    defs = load_definitions(cubb_defs(tmp_path))
    reg = read_for(extract, defs)
    t1 = target1_persons(reg, monthly_status(reg, defs.codes, defs.spec.employment), select_target_group(reg, defs), defs)
    got = {i: {t1.labels[k] for k, hit in enumerate(r) if hit} for i, r in zip(reg.ids, t1.reached)}
    assert got["A"] == {"Ordinært job", "Ledig ved dataophør"} and got["B"] == {"Ordinær uddannelse", "FØP"}
    assert got["C"] == {"Selvforsørgelse", "Ledig ved dataophør"} and got["F"] == {"Ordinært job"}
    # each category tested on its own: education 0 of 4 vs 1 of 5 → X² = 9·(0·4 − 4·1)² / (4·5·1·8) = 0.9
    p_edu = f"{chi2.sf(0.9, 1):.3f}".replace(".", ",")
    assert f"pr. afgangstype: ordinær uddannelse p = {p_edu};" in " ".join(t.notes)


def test_target1_last_spell_option(extract: Path, tmp_path: Path) -> None:
    """exit_after: last_spell – one exit per person after the last target-group month: A is only
    censored (no job), B only førtidspension; the shares and the job row sum to 100 %."""
    t = tables(extract, tmp_path, "last_spell")
    assert column(t["maal1_samlet"], 1) == pytest.approx({"Ordinært job": 0.0, "Ordinære løntimer": 3 / 5, "Total": 3 / 5, "Antal personer": 5})
    other = column(t["maal1_afgang"], 1)
    assert other["FØP"] == pytest.approx(1 / 5) and other["Ledig ved dataophør"] == pytest.approx(4 / 5)
    assert other["Ordinær uddannelse"] == 0.0 and other["Selvforsørgelse"] == 0.0
    assert len(t["maal1_afgang"].relations) == 2  # the categories partition each column
    assert "sidst registrerede ydelse" in " ".join(t["maal1_samlet"].notes)


def test_target2_month_status_counts_passive_weeks(extract: Path, tmp_path: Path) -> None:
    """Tabel 3.2.1, March 2021: D (3 passive weeks, 1 wage subsidy) is in, with wage hours; E (1 passive,
    3 wage subsidy), H (3 førtidspension weeks), I (2 passive, 2 wage subsidy: a tie) and B are out;
    G (1 førtidspension week, 3 passive) is in. Programme A, C, D: wage hours 1/3; rest F, G: job 1/2."""
    t = tables(extract, tmp_path)["maal2_samlet"]
    assert column(t, 1) == pytest.approx({"Ordinært job": 0.0, "Ordinære løntimer": 1 / 3, "Total": 1 / 3, "Antal personer": 3})
    assert column(t, 0) == pytest.approx({"Ordinært job": 1 / 2, "Ordinære løntimer": 0.0, "Total": 1 / 2, "Antal personer": 2})
    notes = " ".join(t.notes)
    assert "uger med passiv ydelse tæller med" in notes and "Løntilskud (privat) eller Løntilskud (offentlig)" in notes


def test_month_activation_is_the_predominant_status(extract: Path, tmp_path: Path) -> None:
    """The monthly status: D passive (0), E and I wage subsidy, G kontanthjælp, H førtidspension."""
    defs = load_definitions(cubb_defs(tmp_path))
    reg = read_for(extract, defs)
    st = monthly_status(reg, defs.codes, defs.spec.employment)
    j = st.at(2021 * 12 + 2)
    act = dict(zip(reg.ids, st.activation[:, j]))
    priv, pub = defs.codes.activation_id("loentilskud_privat"), defs.codes.activation_id("loentilskud_offentlig")
    assert (act["D"], act["E"], act["I"], act["G"], act["A"]) == (0, priv, pub, 0, 0)
    labels = defs.codes.labels()
    group = {i: labels[g] for i, g in zip(reg.ids, st.group[:, j])}
    assert group["G"] == "Kontanthjælp, aktivitetsparat" and group["H"] == "Førtidspension"
    t2 = target2_persons(reg, st, select_target_group(reg, defs), defs)
    assert len(t2.job) == 5  # A, C, D, F, G


@pytest.mark.parametrize(("birth", "first", "end"), [
    ("2002-12-31", "2020-12", "2021-03"),  # 18 from 1 December 2020, the first day of the birth month
    ("2003-01-01", "2021-01", "2021-03"),  # 18 from 1 January 2021
    ("1954-12-31", "2020-10", "2020-11"),  # 66 from 1 December 2020: followed to November
    ("1955-01-01", "2020-10", "2020-12"),  # 66 from 1 January 2021: followed to December
])
def test_age_rule_at_the_boundary(tmp_path: Path, birth: str, first: str, end: str) -> None:
    """Aged 18 (66) from the first day of the birth month: the window months a person counts in."""
    p = tmp_path / "d.parquet"
    frame([person("x", all_months(KH), birth=birth)]).to_parquet(p, index=False)
    defs = load_definitions(cubb_defs(tmp_path))
    reg = read_for(p, defs)
    coh = select_target_group(reg, defs)
    month = lambda s: int(s[:4]) * 12 + int(s[5:]) - 1  # noqa: E731
    assert (coh.first[0], coh.end[0]) == (month(first), month(end))
    assert coh.target_month[0].sum() == month(min(end, "2021-03")) - month(first) + 1


@pytest.mark.parametrize(("birth", "in_target2"), [
    ("1955-03-31", False),  # 66 from 1 March 2021: too old in the reference month
    ("1955-04-01", True),   # still 65 in March 2021
    ("2003-03-31", True),   # 18 from 1 March 2021: in the target group (and target 2) in March only
])
def test_age_rule_at_the_reference_month(tmp_path: Path, birth: str, in_target2: bool) -> None:
    p = tmp_path / "d.parquet"
    frame([person("x", all_months(KH), birth=birth)]).to_parquet(p, index=False)
    defs = load_definitions(cubb_defs(tmp_path))
    reg = read_for(p, defs)
    st = monthly_status(reg, defs.codes, defs.spec.employment)
    assert len(target2_persons(reg, st, select_target_group(reg, defs), defs).job) == int(in_target2)


def test_exit_after_is_one_of_the_two_rules(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        load_definitions(cubb_defs(tmp_path, exit_after="every_spell"))
    assert "target1.exit_after: 'every_spell' is not allowed; use one of: each_spell, last_spell" in str(e.value)


def test_month_group_is_the_same_however_it_is_indexed(extract: Path, tmp_path: Path) -> None:
    """The predominant group is computed on demand for the cells asked for: one month for some
    persons, a month per person, a view of some months, or every cell – by hand, in March 2021
    A and G are on kontanthjælp, B and H on førtidspension; in October 2020 B is on kontanthjælp."""
    defs = load_definitions(cubb_defs(tmp_path))
    reg = read_for(extract, defs)
    st = monthly_status(reg, defs.codes, defs.spec.employment)
    labels = defs.codes.labels()
    row = {i: k for k, i in enumerate(reg.ids)}
    mar, octo = st.at(2021 * 12 + 2), st.at(2020 * 12 + 9)
    people = np.array([row[p] for p in "ABGH"])
    want = ["Kontanthjælp, aktivitetsparat", "Førtidspension", "Kontanthjælp, aktivitetsparat", "Førtidspension"]
    assert [labels[g] for g in st.group[people, mar]] == want
    assert [labels[g] for g in st.group[people, np.full(4, mar)]] == want
    assert [labels[g] for g in st.group[:, octo:mar + 1][people, mar - octo]] == want
    full = np.asarray(st.group)
    assert full.shape == (reg.n, reg.n_months) and [labels[g] for g in full[people, mar]] == want
    assert labels[st.group[np.array([row["B"], row["B"]]), np.array([octo, mar])][0]] == "Kontanthjælp, aktivitetsparat"
    # a whole month (computed from its week columns) is each person's cell of it (gathered per person)
    everyone = np.arange(reg.n)
    for part in (st.group, st.activation):
        for j in range(reg.n_months):
            np.testing.assert_array_equal(part[:, j], part[everyone, np.full(reg.n, j)], err_msg=f"month {j}")
