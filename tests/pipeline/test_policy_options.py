"""The disclosure policy (threshold, zeros, complements) reaches every register command's run and
its workbook: the same input with `--zeros all` hides a zero that `--zeros show` shows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from conftest import ROOT


def _zeros(path: Path) -> set[tuple[str, str]]:
    """(sheet, cell) of every shown 0 in the register sheets' bodies (below the header rows)."""
    wb = load_workbook(path, data_only=True)
    out = set()
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or not ws.freeze_panes or ws.title in ("Indhold", "Proveniens", "Diskretionering"):
            continue
        for row in ws.iter_rows(min_row=ws[ws.freeze_panes].row):
            out |= {(ws.title, c.coordinate) for c in row if c.value == 0 and not isinstance(c.value, bool)}
    return out


def _value(path: Path, sheet: str, cell: str) -> object:
    return load_workbook(path, data_only=True)[sheet][cell].value


def _provenance(path: Path) -> dict[str, object]:
    ws = load_workbook(path, data_only=True)["Proveniens"]
    return {str(r[0]).removeprefix("Parameter: "): r[1] for r in ws.iter_rows(values_only=True) if r[0] is not None}


def _policy_shown(path: Path) -> str:
    ws = load_workbook(path, data_only=True)["Diskretionering"]
    return " ".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)


def test_outcomes_zeros_all_hides_a_zero_zeros_show_shows(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    from toolkit.demo.wave import write_demo_dream

    extract = write_demo_dream(tmp_path, persons=1500)[0]
    show, hide = tmp_path / "show.xlsx", tmp_path / "all.xlsx"
    for out, zeros in ((show, "show"), (hide, "all")):
        code, _, err = cli("outcomes", extract, "-d", "cubb", "-o", out, "--zeros", zeros)
        assert code == 0, err
    zeros = _zeros(show)
    assert zeros, "the small extract has a 0 % cell"
    assert all(_value(hide, s, c) == "x" for s, c in zeros)
    assert not _zeros(hide)
    assert "skjules altid" in _policy_shown(hide) and "skjules altid" not in _policy_shown(show)
    code, _, err = cli("outcomes", extract, "-d", "cubb", "-o", tmp_path / "bad.xlsx", "--zeros", "never")
    assert code == 2 and "never" in err


def test_profile_zeros_all_hides_a_zero_zeros_show_shows(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("profile_rows", ROOT / "tests" / "profile" / "test_profile.py")
    assert spec is not None and spec.loader is not None
    rows = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rows)  # the 20 constructed persons of the profile tests
    f = tmp_path / "personer.csv"
    pd.DataFrame(rows.ROWS, columns=rows.COLS).to_csv(f, index=False)
    show, hide = tmp_path / "show.xlsx", tmp_path / "all.xlsx"
    for out, zeros in ((show, "show"), (hide, "all")):
        code, _, err = cli("profile", "--persons", f, "-o", out, "--threshold", "1", "--zeros", zeros)
        assert code == 0, err
    zeros = _zeros(show)
    assert zeros
    assert all(_value(hide, s, c) == "x" for s, c in zeros)
    assert _provenance(hide).get("disclosure_zeros") == "all"


def test_model_policy_options_reach_the_run_and_its_audit(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A municipality's register value describes its persons, never 0 of them: `--zeros` changes no
    cell here, but the rules in force reach the provenance and the Diskretionering sheet; the
    threshold hides every 40-person municipality at 41 and leaves it out of the model, and at 61,
    where every municipality would be left out, the run stops with an error."""
    rng = np.random.default_rng(4)
    n = 50
    d = pd.DataFrame({"kommune": np.arange(101, 101 + n), "anc": rng.normal(size=n), "x": rng.normal(size=n)})
    d["maal2"] = 1 - 0.5 * d["anc"] + 0.8 * d["x"] + rng.normal(scale=0.5, size=n)
    d["personer"] = np.where(np.arange(n) < 10, 40, 60)
    d.to_parquet(tmp_path / "reg.parquet")
    cfg = tmp_path / "model.yaml"
    cfg.write_text("dependent: maal2\ncontrols: [anc]\ncandidates: {register: [x]}\n"
                   "register: {file: reg.parquet, persons: personer}\n", encoding="utf-8")
    out = tmp_path / "o.xlsx"
    code, _, err = cli("model", cfg, "-o", out, "--municipalities", ROOT / "registers" / "municipalities.csv",
                       "--zeros", "all", "--no-complements")
    assert code == 0, err
    prov = _provenance(out)
    assert prov.get("disclosure_zeros") == "all" and prov.get("disclosure_complements") == "False"
    assert "skjules altid" in _policy_shown(out) and "ikke beskyttet" in _policy_shown(out)
    code, _, err = cli("model", cfg, "-o", tmp_path / "t.xlsx", "--municipalities", ROOT / "registers" / "municipalities.csv",
                       "--threshold", "41", "--tidy", tmp_path / "t.csv")
    assert code == 0, err
    t = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    data = t[(t["table"] == "model_data") & (t["column"].isin(["maal2", "x", "anc"]))]
    names = pd.read_csv(ROOT / "registers" / "municipalities.csv").set_index("kode")["kommune"]
    label = {k: names.get(k, f"Kommune {k}") for k in d["kommune"]}
    small, rest = {label[k] for k in range(101, 111)}, {label[k] for k in range(111, 151)}
    assert set(data[data["row"].isin(small)]["value"]) == {""}  # the 40 persons are below 41
    assert len(data[data["row"].isin(rest)]) == 120 and "" not in set(data[data["row"].isin(rest)]["value"])
    n_model = t[(t["table"] == "model_resultat") & (t["row"] == "Antal kommuner")]["value"]
    assert n_model.tolist() == ["40"]  # the ten 40-person municipalities are out of the model
    code, _, err = cli("model", cfg, "-o", tmp_path / "u.xlsx", "--municipalities", ROOT / "registers" / "municipalities.csv",
                       "--threshold", "61")
    assert code == 2 and err == ("error: every value of 'maal2' is hidden by disclosure control (each describes fewer than 61 "
                                    "persons): nothing to estimate (column maal2)\n")
    assert not (tmp_path / "u.xlsx").exists()


def test_ny_chance_goal_1_shares_declare_their_persons_and_hide_small_complements(tmp_path: Path) -> None:
    """Goal 1 (job or education) is a share of persons: 5 of 6 in job tells the sixth's status, so
    a complement below the threshold is hidden; goals 2-3 are shares of weeks and declare no `of`."""
    from toolkit.core.resources import definitions_file
    from toolkit.core.table import Kind
    from toolkit.demo.wave import write_demo_dream
    from toolkit.pipeline.inputs import Inputs
    from toolkit.pipeline.outcomes import run_outcomes

    extract = write_demo_dream(tmp_path, persons=1500)[0]
    inputs = Inputs()
    defs = [inputs.definitions(definitions_file("nychance"))]
    run = run_outcomes(inputs.extract(extract, defs), defs, tables="goals")
    tables = {t.key.split("/")[-1]: t for t in run.tables}
    goal1 = [c for _, _, c in tables["maal1_kommuner"].iter_cells() if c.kind is Kind.PERCENT and c.n is not None]
    quarters = [c for c in goal1 if c.of is not None]
    assert quarters and all(c.of >= c.n for c in quarters)  # type: ignore[operator]
    # (a zero follows the zeros policy – shown by default – whatever the group's size)
    assert all(c.suppressed or c.n == 0 or c.of - c.n == 0 or c.of - c.n >= 5 for c in quarters)  # type: ignore[operator]
    by_complement = [c for c in quarters if c.primary and c.n >= 5 and 0 < c.of - c.n < 5]  # type: ignore[operator]
    assert by_complement, "the small extract has a municipality where nearly all are in job or education"
    weeks = [c for _, _, c in tables["maal2_kommuner"].iter_cells() if c.kind is Kind.PERCENT]
    assert all(c.of is None for c in weeks)
