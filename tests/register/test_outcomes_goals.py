"""NY CHANCE goals on a hand-built cohort, the projection against seed 004's own figures, and the
municipality/person frames other analyses build on."""

from __future__ import annotations

import numpy as np
import pytest
from dream_fixtures import frame, person

from toolkit.config.definitions import load_definitions
from toolkit.core.resources import registers_file
from toolkit.register import goal_tables, municipality_frame, person_frame
from toolkit.register.extract import read_for
from toolkit.register.goals import project

GOALS = f"""
name: Test
codes: {registers_file('dream_codes.yaml')}
programme: {{start: 2021-01, end: 2021-06, observed_through: 2021-03}}
cohort:
  groups: [kontanthjaelp_jobparat, kontanthjaelp_aktivitetsparat]
  passive_weeks: [12, 14]
  age: [18, 64]
exclude_groups: [doed, udrejst, folkepension]
goals:
  - {{key: maal1, label: "Mål 1", kind: job_education, groups: [su, vus], target: 0.25}}
  - {{key: maal2, label: "Mål 2", kind: self_support, groups: [kontanthjaelp_jobparat, kontanthjaelp_aktivitetsparat], target: 0.15}}
  - {{key: maal3, label: "Mål 3", kind: activation, groups: [kontanthjaelp_jobparat, kontanthjaelp_aktivitetsparat], target: 0.40}}
ranking: 1
ranking_min_persons: 1
seniority: {{groups: [kontanthjaelp_jobparat, kontanthjaelp_aktivitetsparat]}}
municipalities: {{programme: {{657: Herning}}}}
"""
BEFORE = {"2020-10": 130, "2020-11": 130, "2020-12": 130}
Q1 = ["2021-01", "2021-02", "2021-03"]


def cohort_rows() -> list[dict]:
    return [
        person("c1", {**BEFORE, **{m: 130 for m in Q1}}, match=4),
        person("c2", {**{k: 730 for k in BEFORE}, "2021-01": 730}, weeks={(2020, 40): None, (2020, 41): None},
               grad={"2021-03": 50}, match=2),
        person("c3", {**BEFORE, **{m: 137 for m in Q1}}, kom=657, match=5),  # company internship all quarter
        person("c4", {**{k: 730 for k in BEFORE}, **{m: 651 for m in Q1}}, kom=657, match=1),  # SU
        person("c5", {**BEFORE, "2021-01": 130, "2021-02": 999, "2021-03": 999}, kom=657, match=25),  # dies
        person("nc1", {**BEFORE, **{m: 130 for m in Q1}}, weeks={(2020, 45): 131, (2020, 46): 131, (2020, 47): 131}),
        person("nc2", {**BEFORE, **{m: 130 for m in Q1}}, birth="1950-01-01"),
    ]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("goals")
    p = tmp / "d.parquet"
    frame(cohort_rows()).to_parquet(p, index=False)
    d = tmp / "goals.yaml"
    d.write_text(GOALS, encoding="utf-8")
    defs = load_definitions(d)
    return read_for(p, defs), defs


def test_goal_values_by_hand(setup) -> None:
    reg, defs = setup
    dev, *_ = goal_tables(reg, defs)
    assert dev.row_labels[0] == "1. kvt. 2021" and dev.row_labels[1] == "2. kvt. 2021 (fremskrevet)"
    # goal 1: c2 (job) and c4 (SU) of c1-c4 (c5 is dead at the end of the quarter)
    # goal 2: weeks without kontanthjælp: c2 8 of 12, c4 12 of 12; c1, c3 0 of 12; c5 0 of 4 alive weeks
    # goal 3: activated weeks on kontanthjælp: c3 12 of 12; c1 0/12, c2 0/4, c5 0/4
    assert [c.value for c in dev.cells[0]] == pytest.approx([2 / 4, 20 / 52, 12 / 32])
    assert [c.n for c in dev.cells[0]] == [2, 5, 4]
    # pooled over persons: goal 2 is 20/52 = 0.385 nationally, the municipalities' mean (8/24 + 12/28)/2 = 0.381
    assert "Landsplan er opgjort samlet for alle personer i målgruppen" in " ".join(dev.notes)
    top2 = next(t for t in goal_tables(reg, defs) if t.id == "maal2_top")
    assert top2.value("Alle kommuner", "1. kvt. 2021", "Landsplan") == pytest.approx(20 / 52)
    assert "Alle kommuner er opgjort samlet" in " ".join(top2.notes) and "uvægtede gennemsnit" in " ".join(top2.notes)


def test_municipality_frame_for_the_model(setup) -> None:
    reg, defs = setup
    mf = municipality_frame(reg, defs)
    assert list(mf.index) == [101, 657]
    assert mf.loc[101, "navn"] == "København" and mf.loc[657, "navn"] == "Herning"
    assert mf["personer"].tolist() == [2, 3]
    assert mf["maal1"].tolist() == pytest.approx([1 / 2, 1 / 2])
    assert mf["maal2"].tolist() == pytest.approx([8 / 24, 12 / 28])
    assert mf["maal3"].tolist() == pytest.approx([0 / 16, 12 / 16])
    assert mf["anciennitet"].tolist() == pytest.approx([(14 + 12) / 2, 14])  # weeks on kontanthjælp before start
    assert mf["andel_match45"].tolist() == pytest.approx([1 / 2, 1 / 3])  # match 25 is not heavy
    assert mf.loc[657, "akt_praktik"] == 1.0 and mf.loc[657, "tilbud"] == 1
    assert np.isnan(mf.loc[101, "akt_praktik"])


def test_person_frame_for_the_profile(setup) -> None:
    reg, defs = setup
    pf = person_frame(reg, defs).set_index("id")
    assert sorted(pf.index) == ["c1", "c2", "c3", "c4", "c5"]
    assert pf.loc["c2", "status"] == "Ordinært job" and pf.loc["c2", "gruppe"] == "Beskæftigelsesgruppen"
    assert pf.loc["c4", "status"] == "SU" and pf.loc["c4", "gruppe"] == "Beskæftigelsesgruppen"
    assert pf.loc["c3", "status"] == "Kontanthjælp, jobparat" and pf.loc["c3", "aktivering"] == "Virksomhedspraktik"
    assert pf.loc["c5", "status"] == "Død" and pf.loc["c5", "gruppe"] == "Restgruppen"
    assert pf.loc["c3", "akt_praktik"] and pf.loc["c3", "antal_tilbud"] == 1
    assert pf.loc["c1", "alder"] == 40 and pf.loc["c1", "match"] == 4 and pf.loc["c5", "match"] == 25


def test_projection_reproduces_seed_004() -> None:
    """Seed 004 ch. 2: 4.4 % → 17.0 % over Q3 2006 – Q4 2007 projects to 22.0 % at Q2 2008;
    goal 2 3.3 → 11.3 gives 14.5; goal 3 6.0 → 22.4 gives 29.0 (only the end points matter)."""
    for first, last, expected in ((0.044, 0.170, 0.220), (0.033, 0.113, 0.145), (0.060, 0.224, 0.290)):
        series = np.linspace(first, last, 6) + np.array([0, 0.01, -0.01, 0.005, 0, 0])
        assert project(series, 2) == pytest.approx(expected, abs=0.0006)
    assert project(np.array([0.5, 0.9]), 3) == 1.0  # kept within 0-100 %
