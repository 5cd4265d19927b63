"""Builders for small hand-made DREAM extracts and definitions used by the register tests.

The window is Oct 2020 – Mar 2021: weeks 2020-W40 … 2021-W12 (2020 has an ISO week 53, whose
Thursday is 31 Dec 2020). Each person is described month by month; the tests know the answers.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit.core.resources import registers_file

WEEKS = [(2020, w) for w in range(40, 54)] + [(2021, w) for w in range(1, 13)]
MONTHS = ["2020-10", "2020-11", "2020-12", "2021-01", "2021-02", "2021-03"]


def week_col(y: int, w: int) -> str:
    return f"y_{y % 100:02d}{w:02d}"


def thursday(y: int, w: int) -> str:
    d = date.fromisocalendar(y, w, 4)
    return f"{d.year}-{d.month:02d}"


def person(pid: str, months: dict[str, int | None] | None = None, weeks: dict[tuple[int, int], int | None] | None = None,
           grad: dict[str, float | None] | None = None, birth: str = "1980-06-15", kom: int = 101,
           visit: int | None = None, **extra: Any) -> dict[str, Any]:
    """One extract row: `months` gives the code of every week of a month; `weeks` overrides weeks."""
    row: dict[str, Any] = {"pnr": pid, "kon": 1, "foed_dato": birth, "herkomst": 1, "match": 4}
    for y in (2020, 2021):
        row[f"nykom{y}"] = kom
    for q in (4,):
        row[f"visit{q}kv2020"] = visit
    for q in (1,):
        row[f"visit{q}kv2021"] = visit
    for y, w in WEEKS:
        code = (months or {}).get(thursday(y, w))
        if weeks and (y, w) in weeks:
            code = weeks[(y, w)]
        row[week_col(y, w)] = code
    for m in MONTHS:
        row[f"grad_{m.replace('-', '_')}"] = (grad or {}).get(m)
    row.update(extra)
    return row


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c in df.columns:
        if c.startswith("y_") or c.startswith("visit"):
            df[c] = df[c].astype("Int16")
        elif c.startswith("grad_"):
            df[c] = df[c].astype("Float64")
    return df


def all_months(code: int, upto: str = "2021-03", start: str = "2020-10") -> dict[str, int | None]:
    return {m: code for m in MONTHS if start <= m <= upto}


CUBB_TEST = """
name: Test
codes: {codes}
target_group:
  groups: [kontanthjaelp_aktivitetsparat, uddannelseshjaelp_aktivitetsparat, integrationsydelse]
  visitation: {{groups: [integrationsydelse], values: [2]}}
  age: [18, 65]
  window: [2020-10, 2021-03]
municipalities:
  programme: {{657: Herning, 661: Holstebro}}
  programme_label: Programkommuner
  rest_label: Landsplan
target1:
  exits:
    - {{label: Ordinært job, rule: job, show: false}}
    - {{label: Ordinær uddannelse, groups: [su, vus]}}
    - {{label: Fleks- eller skånejob, groups: [fleksjob, skaanejob]}}
    - {{label: Ledighedsydelse, groups: [ledighedsydelse]}}
    - {{label: Selvforsørgelse, rule: self_support}}
    - {{label: FØP, groups: [foertidspension]}}
    - {{label: Ressourceforløb, groups: [ressourceforloeb]}}
    - {{label: Ledig ved dataophør, rule: censored}}
    - {{label: Andet, rule: other}}
target2:
  reference_month: 2021-03
  exclude_groups: [su, vus, foertidspension, fleksjob, skaanejob, ledighedsydelse, doed, udrejst]
  exclude_activation: [loentilskud_privat, loentilskud_offentlig]
"""


def cubb_defs(tmp: Path, extra: str = "", *, exit_after: str | None = None) -> Path:
    """The test definitions (+ `extra` top-level YAML; `exit_after` set in target1)."""
    p = tmp / "test_cubb.yaml"
    text = CUBB_TEST.format(codes=registers_file("dream_codes.yaml"))
    if exit_after:
        text = text.replace("target1:\n", f"target1:\n  exit_after: {exit_after}\n")
    p.write_text(text + extra, encoding="utf-8")
    return p


KH = 730  # kontanthjælp, aktivitetsparat, passive


def persons() -> list[dict]:
    """One hand-built person per CUBB rule or edge (target 1 and 2 tests, disclosure tests)."""
    return [
        person("job1", all_months(KH, "2020-11"), grad={"2020-12": 50}, kom=657),
        person("censor", all_months(KH), kom=657),
        person("wk53", {"2020-10": KH}, weeks={(2020, 53): KH}, grad={"2021-01": 60}),  # W53 = 31 Dec → December
        person("gap", all_months(KH, "2020-12"), weeks={(2020, 46): None}),  # a one-week gap is no exit
        person("dead", {"2020-10": KH, **{m: 999 for m in ["2020-11", "2020-12", "2021-01", "2021-02", "2021-03"]}}),
        person("emig", {**all_months(KH, "2020-11"), **{m: 997 for m in ["2020-12", "2021-01", "2021-02", "2021-03"]}}),
        person("turns66", all_months(KH), birth="1954-12-10"),  # 66 in December 2020: followed to November
        person("turns18", {**all_months(KH, "2020-12"), **{m: 651 for m in ["2021-01", "2021-02", "2021-03"]}}, birth="2002-12-05"),
        person("wage_then_job", all_months(KH, "2020-12"), grad={"2020-11": 20, "2021-01": 80, "2021-02": 80, "2021-03": 80}, kom=657),
        person("wage_only", all_months(KH), grad={"2021-01": 10}),
        person("zero_grad", all_months(KH, "2020-11"), grad={"2020-12": 0, "2021-01": 0}),
        person("blank_grad", all_months(KH, "2020-11")),
        person("su", {"2020-10": KH, **{m: 651 for m in ["2020-11", "2020-12", "2021-01", "2021-02", "2021-03"]}}),
        person("fop", {"2020-10": KH, **{m: 783 for m in ["2020-11", "2020-12", "2021-01", "2021-02", "2021-03"]}}),
        person("fleks", {"2020-10": KH, **{m: 771 for m in ["2020-11", "2020-12", "2021-01", "2021-02", "2021-03"]}}),
        person("ledy", {"2020-10": KH, **{m: 740 for m in ["2020-11", "2020-12", "2021-01", "2021-02", "2021-03"]}}),
        person("ress", {"2020-10": KH, **{m: 813 for m in ["2020-11", "2020-12", "2021-01", "2021-02", "2021-03"]}}),
        person("khj", {"2020-10": KH, **{m: 130 for m in ["2020-11", "2020-12", "2021-01", "2021-02", "2021-03"]}}),
        person("not_target", all_months(130)),
        person("int_jobparat", all_months(700), visit=1),
        person("int_akt", all_months(700, "2020-11"), grad={"2020-12": 30, "2021-03": 30}, visit=2, kom=661),
        # W49 runs 30 Nov – 6 Dec; its Thursday (3 Dec) puts it in December
        person("span", {"2020-10": KH}, weeks={(2020, w): KH for w in range(44, 50)}, grad={"2020-12": 40}, kom=661),
        person("wage_mar", all_months(KH), grad={"2021-03": 15}),
        person("loentilskud", all_months(735), grad={"2021-03": 50}),  # wage subsidy: out of target 2
    ]
