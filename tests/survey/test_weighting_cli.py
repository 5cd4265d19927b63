"""`toolkit weight` as a user runs it: demo files, the weights CSV contract, the report, errors (exit 2)."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import run_cli
from openpyxl import load_workbook

from toolkit.cli import main


@pytest.fixture(scope="module")
def weighted(demo_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("weight")
    args = ["weight", demo_dir / "borgere.sav", "--margins", demo_dir.parent / "margins_borgere.csv", "--id", "id",
            "--out", out / "w.csv", "--report", out / "r.xlsx"]
    buf = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(buf), pytest.raises(SystemExit) as e:
        mp.setattr("sys.argv", ["toolkit", *map(str, args)])
        main()
    assert not e.value.code
    return out, buf.getvalue()


def test_weights_csv_contract(demo_dir, weighted) -> None:
    out, _ = weighted
    w = pd.read_csv(out / "w.csv")
    data, meta = pyreadstat.read_sav(str(demo_dir / "borgere.sav"))
    assert list(w.columns) == ["id", "weight"]
    assert w["id"].to_list() == data["id"].astype(int).to_list()  # one row per respondent, data order
    margins = pd.read_csv(demo_dir.parent / "margins_borgere.csv")
    assert w["weight"].sum() == pytest.approx(margins.groupby("variable")["target"].sum().iloc[0], rel=1e-12)
    # every weighted margin equals its target (categories are value labels in the demo margins)
    for var, m in margins.groupby("variable"):
        labels = data[var].map(meta.variable_value_labels[var])
        got = w["weight"].groupby(labels.to_numpy()).sum()
        assert got[m["category"]].to_numpy() == pytest.approx(m["target"].to_numpy(), rel=1e-9)


def test_report_workbook_and_printed_table(demo_dir, weighted) -> None:
    out, stdout = weighted
    assert "Vægtning: stikprøve, mål og vægtet fordeling" in stdout
    assert "Effektiv stikprøvestørrelse (Kish)" in stdout
    # the console speaks the workbook's Danish number style: 40,8 % (4897 of 12.000 in match group 5)
    assert "40,8 %" in stdout and "40.8 %" not in stdout
    assert "weights summing to 12.000,0" in stdout
    wb = load_workbook(out / "r.xlsx")
    texts = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None}
    assert "Matchgruppe 5" in texts and "Designeffekt (1 + CV²)" in texts
    w = pd.read_csv(out / "w.csv")["weight"].to_numpy()
    numbers = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, float)]
    kish = w.sum() ** 2 / (w**2).sum()
    assert any(abs(x - kish) < 1e-9 for x in numbers)
    assert any(abs(x - 4897 / 12000) < 1e-12 for x in numbers)  # target share of Matchgruppe 5


def test_crosstab_accepts_the_weights(demo_dir, weighted, tmp_path, cli) -> None:
    out, _ = weighted
    code, _, err = cli("crosstab", demo_dir / "borgere.sav", "--weights", out / "w.csv", "--out", tmp_path / "t.xlsx")
    assert code == 0, err


def test_trim_scale_and_base_weight_options(demo_dir, tmp_path, cli) -> None:
    data, _ = pyreadstat.read_sav(str(demo_dir / "borgere.sav"))
    data["bw"] = np.where(data["kommune"] % 2 == 0, 1.0, 2.0)
    data.to_csv(tmp_path / "b.csv", index=False)
    code, _, err = cli("weight", tmp_path / "b.csv", "--margins", demo_dir.parent / "margins_borgere.csv", "--id", "id", "--out",
                       tmp_path / "w.csv", "--base-weight", "bw", "--trim", "2.5", "--scale", "n")
    # the CSV has codes, the margins labels: without value labels the codes cannot match
    assert code == 2
    assert "weighting variable 'oprindelse' has values that are not categories in the margins file: '1', '3', '2'" in err
    codes = pd.read_csv(demo_dir.parent / "margins_borgere.csv")
    codes["category"] = codes.groupby("variable").cumcount() + 1
    codes.to_csv(tmp_path / "m.csv", index=False)
    code, out, err = cli("weight", tmp_path / "b.csv", "--margins", tmp_path / "m.csv", "--id", "id", "--out",
                         tmp_path / "w.csv", "--base-weight", "bw", "--trim", "2.5", "--scale", "n")
    assert code == 0, err
    w = pd.read_csv(tmp_path / "w.csv")["weight"].to_numpy()
    assert w.sum() == pytest.approx(len(data), rel=1e-12)
    assert "Trimmede vægte (antal respondenter)" in out
    untrimmed = tmp_path / "u.csv"
    assert cli("weight", tmp_path / "b.csv", "--margins", tmp_path / "m.csv", "--id", "id", "--out", untrimmed,
                   "--base-weight", "bw", "--scale", "n")[0] == 0
    u = pd.read_csv(untrimmed)["weight"].to_numpy()
    assert w.max() <= 2.5 * np.median(u) * (1 + 1e-12) < u.max()


@pytest.fixture
def error(cli):
    def run(*args) -> str:
        code, out, err = cli(*args)
        assert code == 2, out + err
        assert err.startswith("error: ")
        return err.strip()
    return run


def test_error_through_python_m_toolkit(demo_dir, tmp_path) -> None:
    res = run_cli("weight", demo_dir / "borgere.sav", "--margins", demo_dir.parent / "margins_borgere.csv", "--id", "id",
                  "--out", tmp_path / "w.csv", "--max-iter", "1")
    assert res.returncode == 2
    assert res.stderr.startswith("error: raking did not converge in 1 iterations: the largest margin error is ")
    assert not (tmp_path / "w.csv").exists()


def test_error_duplicate_ids(demo_dir, tmp_path, error) -> None:
    data, _ = pyreadstat.read_sav(str(demo_dir / "borgere.sav"))
    data.loc[4, "id"] = 2
    data.to_csv(tmp_path / "d.csv", index=False)
    codes = pd.read_csv(demo_dir.parent / "margins_borgere.csv")
    codes["category"] = codes.groupby("variable").cumcount() + 1
    codes.to_csv(tmp_path / "m.csv", index=False)
    assert error("weight", tmp_path / "d.csv", "--margins", tmp_path / "m.csv", "--id", "id", "--out", tmp_path / "w.csv") == (
        f"error: 1 ids occur more than once (e.g. '2' in rows 3, 6); each respondent needs a unique id ({tmp_path / 'd.csv'}, row 3, column id)")
    assert not (tmp_path / "w.csv").exists()


def test_error_no_convergence(demo_dir, tmp_path, error) -> None:
    msg = error("weight", demo_dir / "borgere.sav", "--margins", demo_dir.parent / "margins_borgere.csv", "--id", "id",
                "--out", tmp_path / "w.csv", "--max-iter", "1")
    assert msg.startswith("error: raking did not converge in 1 iterations: the largest margin error is ")
    assert msg.endswith("or raise --max-iter")
    assert not (tmp_path / "w.csv").exists()


def test_error_missing_id_column_and_bad_trim(demo_dir, tmp_path, error) -> None:
    assert error("weight", demo_dir / "borgere.sav", "--margins", demo_dir.parent / "margins_borgere.csv", "--id", "lbnr",
                 "--out", tmp_path / "w.csv") == (
        f"error: id column 'lbnr' not found; the file has id, oprindelse, alder, koen, match, kommune, vejledning, lyst, … (18 in all) "
        f"({demo_dir / 'borgere.sav'}, column lbnr)")
    assert error("weight", demo_dir / "borgere.sav", "--margins", demo_dir.parent / "margins_borgere.csv", "--id", "id",
                 "--out", tmp_path / "w.csv", "--trim", "0.5") == (
        "error: --trim '0.5': the factor must exceed 1 (weights are capped at K × the median weight)")


def test_error_margins_file(demo_dir, tmp_path, error) -> None:
    m = tmp_path / "m.csv"
    m.write_text("variable,category,target\nkoen,Mand,6608\nkoen,Kvinde,5392\nalder,18-29 år,0\n", encoding="utf-8")
    assert error("weight", demo_dir / "borgere.sav", "--margins", m, "--id", "id", "--out", tmp_path / "w.csv") == (
        "error: target for alder = '18-29 år' is 0; targets must be positive (drop a category nobody belongs to, or merge it with "
        f"a neighbour in the data and the margins) ({m}, row 4, column target)")


def test_refuses_to_overwrite_an_input(demo_dir, error) -> None:
    msg = error("weight", demo_dir / "borgere.sav", "--margins", demo_dir.parent / "margins_borgere.csv", "--id", "id",
                "--out", demo_dir.parent / "margins_borgere.csv")
    assert "refusing to overwrite an input file" in msg


def test_shares_warning_on_stderr(demo_dir, tmp_path, cli) -> None:
    m = pd.read_csv(demo_dir.parent / "margins_borgere.csv")
    m["target"] = m["target"] / 12000
    m.loc[m["variable"] == "koen", "target"] = [0.55, 0.43]
    m.to_csv(tmp_path / "m.csv", index=False)
    code, out, err = cli("weight", demo_dir / "borgere.sav", "--margins", tmp_path / "m.csv", "--id", "id", "--out", tmp_path / "w.csv")
    assert code == 0
    assert err == f"warning: the shares of 'koen' sum to 0.98, not 1; they are normalised ({tmp_path / 'm.csv'})\n"
    w = pd.read_csv(tmp_path / "w.csv")["weight"]
    assert w.sum() == pytest.approx(870, rel=1e-12)  # shares only, no base weight: the weights sum to n
