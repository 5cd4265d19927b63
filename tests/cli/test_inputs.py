"""Awkward real-world inputs (issue 13), one test per class: read correctly or refused clearly."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from toolkit.publish.tidy import safe_cell

IDS = ["01612910137588", "00000000000017", "1612910137588", "0042"]


def _survey(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    ids = IDS + [f"0{100000 + i}" for i in range(n - len(IDS))]
    return pd.DataFrame({"id": ids, "koen": rng.integers(1, 3, n)})


def _margins(path: Path, df: pd.DataFrame) -> Path:
    pd.DataFrame({"variable": ["koen", "koen"], "category": [1, 2], "target": [600, 400]}).to_csv(path, index=False)
    return path


def test_weight_keeps_text_ids_of_a_csv(tmp_path: Path, cli) -> None:
    df = _survey()
    data = tmp_path / "s.csv"
    df.to_csv(data, index=False)
    code, _, err = cli("weight", data, "--margins", _margins(tmp_path / "m.csv", df), "--id", "id", "-o", tmp_path / "w.csv")
    assert code == 0, err
    with open(tmp_path / "w.csv", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert [r[0] for r in rows[1:]] == df["id"].tolist()  # exactly as in the input, leading zeros kept
    w = np.array([float(r[1]) for r in rows[1:]])
    men = (df["koen"] == 1).to_numpy()
    assert w[men].sum() == pytest.approx(600) and w[~men].sum() == pytest.approx(400)
    assert np.allclose(w[men], 600 / men.sum()) and np.allclose(w[~men], 400 / (~men).sum())


def test_weight_keeps_string_ids_of_a_sav(tmp_path: Path, cli) -> None:
    df = _survey()
    data = tmp_path / "s.sav"
    pyreadstat.write_sav(df, str(data))
    code, _, err = cli("weight", data, "--margins", _margins(tmp_path / "m.csv", df), "--id", "id", "-o", tmp_path / "w.csv")
    assert code == 0, err
    with open(tmp_path / "w.csv", encoding="utf-8") as f:
        assert [r[0] for r in list(csv.reader(f))[1:]] == df["id"].tolist()


@pytest.mark.parametrize("cell, safe", [
    ("=1+1", "'=1+1"), ("@evil", "'@evil"), ("--by", "'--by"), ("+cmd", "'+cmd"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("-3.5", "-3.5"), ("+2", "+2"), ("-1e-05", "-1e-05"), ("Mand", "Mand"), ("", ""), (-3.5, -3.5),
])
def test_safe_cell_follows_owasp_and_keeps_numbers(cell: object, safe: object) -> None:
    assert safe_cell(cell) == safe


def test_weights_csv_neutralises_formula_ids(tmp_path: Path, cli) -> None:
    df = _survey()
    df.loc[0, "id"], df.loc[1, "id"] = "=HYPERLINK(1)", "-7"
    data = tmp_path / "s.csv"
    df.to_csv(data, index=False)
    code, _, err = cli("weight", data, "--margins", _margins(tmp_path / "m.csv", df), "--id", "id", "-o", tmp_path / "w.csv")
    assert code == 0, err
    with open(tmp_path / "w.csv", encoding="utf-8") as f:
        ids = [r[0] for r in list(csv.reader(f))[1:]]
    assert ids[:3] == ["'=HYPERLINK(1)", "-7", IDS[2]]


def test_tidy_csv_neutralises_labels_and_keeps_negative_numbers(tmp_path: Path) -> None:
    from toolkit.core.table import Cell, Kind, Table
    from toolkit.publish.tidy import write_tidy

    t = Table(id="t", title="x", row_labels=["=1+1", "@evil"], column_labels=["--by"],
              cells=[[Cell(-2.5, Kind.MEAN)], [Cell(3, Kind.COUNT)]])
    write_tidy([t], tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    assert back["row"].tolist() == ["'=1+1", "'@evil"]
    assert back["column"].tolist() == ["'--by", "'--by"]
    assert back["value"].tolist() == ["-2.5", "3"]


# class 6: writing ---------------------------------------------------------------------------------

def _weight_args(tmp_path: Path) -> list[object]:
    df = _survey()
    data = tmp_path / "s.csv"
    df.to_csv(data, index=False)
    return ["weight", data, "--margins", _margins(tmp_path / "m.csv", df), "--id", "id"]


def test_output_in_a_read_only_folder_is_one_error_line(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: False if Path(p) == ro else real(p, mode, **k))
    code, _, err = cli(*_weight_args(tmp_path), "-o", ro / "w.csv")
    assert (code, err.strip()) == (2, f"error: cannot write here: permission denied on the folder ({ro})")
    assert list(ro.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_output_in_a_chmod_read_only_folder(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    r = run_cli(*_weight_args(tmp_path), "-o", ro / "w.csv")
    assert (r.returncode, r.stderr.strip()) == (2, f"error: cannot write here: permission denied on the folder ({ro})")


def test_permission_denied_while_writing_is_an_error_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit.core.errors import OutputError
    from toolkit.publish import atomic

    def denied(*a: object, **k: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", denied)
    with pytest.raises(OutputError, match="permission denied"):
        with atomic.atomic_path(tmp_path / "x.csv"):
            pass


def test_weight_report_failing_leaves_no_weights(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit.core.errors import OutputError
    from toolkit.publish import excel

    def boom(*a: object, **k: object) -> None:
        raise OutputError("workbook cannot be built")

    monkeypatch.setattr(excel, "build_workbook", boom)
    (tmp_path / "w.csv").write_text("previous run\n")
    code, _, err = cli(*_weight_args(tmp_path), "-o", tmp_path / "w.csv", "--report", tmp_path / "r.xlsx")
    assert (code, err.strip()) == (2, "error: workbook cannot be built")
    assert (tmp_path / "w.csv").read_text() == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv", "s.csv", "w.csv"]


def test_workbook_and_tidy_are_committed_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit.cli.common import write_outputs
    from toolkit.core.table import Cell, Kind, Table
    from toolkit.publish import tidy

    t = Table(id="t", title="x", row_labels=["a"], column_labels=["b"], cells=[[Cell(1, Kind.COUNT)]])
    out, csv_out = tmp_path / "o.xlsx", tmp_path / "o.csv"
    write_outputs([t], out, inputs=[], tidy=csv_out)
    before = out.read_bytes(), csv_out.read_bytes()
    monkeypatch.setattr(tidy, "tidy_rows", lambda tables: (_ for _ in ()).throw(RuntimeError("disk full")))
    with pytest.raises(RuntimeError):
        write_outputs([t], out, inputs=[], tidy=csv_out, parameters={"second": 1})
    assert (out.read_bytes(), csv_out.read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.csv", "o.xlsx"]


def test_stale_temp_files_of_a_killed_run_are_cleaned(tmp_path: Path) -> None:
    from toolkit.publish.atomic import atomic_path

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".w.csv.{dead.pid}.abc123.tmp"
    stale.write_text("half")
    other = tmp_path / f".w.csv.{os.getpid()}.zzz.tmp"  # a live process's temp file is left alone
    other.write_text("busy")
    with atomic_path(tmp_path / "w.csv") as tmp:
        tmp.write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "w.csv"]


def test_sigterm_while_writing_removes_the_temp_files(tmp_path: Path) -> None:
    script = (
        "import time, sys\n"
        "from toolkit.publish.atomic import atomic_paths\n"
        f"with atomic_paths([{str(tmp_path / 'a.xlsx')!r}, {str(tmp_path / 'a.csv')!r}]) as temps:\n"
        "    for t in temps: t.write_text('half')\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
    )
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline() == "writing\n"
    assert len(list(tmp_path.iterdir())) == 2
    p.send_signal(signal.SIGTERM)
    assert p.wait() == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


# class 5: crashes on ordinary inputs ----------------------------------------------------------------

MULTI_CODEBOOK = """title: t
tables:
  - type: multi
    id: tilbud
    title: Modtagne tilbud
    items: [t1, t2]
    missing: [99]
"""


def test_multi_response_with_missing_codes_is_tabulated(tmp_path: Path, cli) -> None:
    df = pd.DataFrame({"id": range(1, 9), "t1": [1, 0, 99, 1, 0, 1, 99, 0], "t2": [0, 0, 99, 1, 1, 1, 0, 0]})
    df.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "c.yaml").write_text(MULTI_CODEBOOK, encoding="utf-8")
    code, _, err = cli("crosstab", tmp_path / "d.csv", "-c", tmp_path / "c.yaml", "-o", tmp_path / "x.xlsx", "--tidy", tmp_path / "x.csv")
    assert code == 0, err
    tidy = pd.read_csv(tmp_path / "x.csv")
    items = df[["t1", "t2"]].where(df[["t1", "t2"]] != 99)
    base = int((items == 1).any(axis=1).sum())  # default base: who ticked at least one
    got = tidy.set_index(["row", "stat"])["value"]
    assert got[("I alt", "base")] == base
    for c in ("t1", "t2"):
        assert got[(c, "count")] == int((items[c] == 1).sum())
        assert got[(c, "percent")] == pytest.approx(100 * (items[c] == 1).sum() / base)


def test_text_in_a_multi_column_is_one_error_line(tmp_path: Path, cli) -> None:
    pd.DataFrame({"id": [1, 2, 3], "t1": ["1", "ja", "0"], "t2": [0, 1, 0]}).to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "c.yaml").write_text(MULTI_CODEBOOK, encoding="utf-8")
    code, _, err = cli("crosstab", tmp_path / "d.csv", "-c", tmp_path / "c.yaml", "-o", tmp_path / "x.xlsx")
    assert (code, err.strip()) == (2, "error: multi-response column 't1' must hold 0 (not ticked) or 1 (ticked) (codebook tables[1]); "
                                      f"found ja (row 3) ({tmp_path / 'd.csv'}, column t1)")
    assert not (tmp_path / "x.xlsx").exists()


def test_municipality_names_in_the_extract_are_refused(tmp_path: Path, demo_dir: Path, cli) -> None:
    df = pd.read_parquet(demo_dir / "dream.parquet")
    df["nykom2020"] = df["nykom2020"].astype(str)
    df.loc[df.index[5:12], "nykom2020"] = ["København", "Aarhus"] * 3 + ["København"]
    df.to_parquet(tmp_path / "d.parquet")
    root = Path(__file__).resolve().parents[2]
    code, _, err = cli("outcomes", tmp_path / "d.parquet", "-d", root / "registers/cubb.yaml", "-o", tmp_path / "o.xlsx")
    assert (code, err.strip()) == (2, "error: 7 values in municipality column are not codes ('København', 'Aarhus'; rows 7, 8, 9, 10, 11, …); "
                                      f"expected numeric municipality codes (e.g. 101), not names ({tmp_path / 'd.parquet'}, row 7, column nykom2020)")
    assert not (tmp_path / "o.xlsx").exists()


# class 2: DREAM person fields ----------------------------------------------------------------------

def _outcomes_tidy(cli, extract: Path, tmp_path: Path, name: str) -> tuple[int, str, str | None]:
    root = Path(__file__).resolve().parents[2]
    out = tmp_path / f"{name}.csv"
    code, _, err = cli("outcomes", extract, "-d", root / "registers/cubb.yaml", "-o", tmp_path / f"{name}.xlsx", "--tidy", out)
    return code, "\n".join(ln for ln in err.splitlines() if not ln.startswith("warning:")), out.read_text() if out.exists() else None


@pytest.mark.parametrize("fmt, as_number", [("%d.%m.%Y", False), ("%d/%m/%Y", False), ("%d%m%y", False), ("%d%m%y", True), ("%d-%m-%Y", False)])
def test_danish_birth_date_formats_give_the_same_tables(tmp_path: Path, demo_dir: Path, cli, fmt: str, as_number: bool) -> None:
    df = pd.read_parquet(demo_dir / "dream.parquet")
    code, err, base = _outcomes_tidy(cli, demo_dir / "dream.parquet", tmp_path, "base")
    assert code == 0, err
    born = pd.to_datetime(df["foed_dato"]).dt.strftime(fmt)
    df["foed_dato"] = born.astype(int) if as_number else born  # 010180 as a number is 10180
    df.to_parquet(tmp_path / "d.parquet")
    code, err, got = _outcomes_tidy(cli, tmp_path / "d.parquet", tmp_path, "got")
    assert code == 0, err
    assert got == base


def test_unreadable_birth_dates_are_refused_with_count_and_rows(tmp_path: Path, demo_dir: Path, cli) -> None:
    df = pd.read_parquet(demo_dir / "dream.parquet")
    df["foed_dato"] = df["foed_dato"].astype(str)
    df.loc[df.index[[3, 10, 11]], "foed_dato"] = "ukendt"
    df.to_parquet(tmp_path / "d.parquet")
    code, err, got = _outcomes_tidy(cli, tmp_path / "d.parquet", tmp_path, "got")
    assert (code, err, got) == (2, "error: 3 values in birth date column are not dates ('ukendt'; rows 5, 12, 13); expected dates such as "
                                   "1980-12-24, 24-12-1980, 24.12.1980, 24/12/1980, 19801224 or 241280; leave unknown dates blank "
                                   f"({tmp_path / 'd.parquet'}, row 5, column foed_dato)", None)


@pytest.mark.parametrize("dates", [["30.02.1980", "31.04.1975"], ["1980-02-30", "1981-02-29"], ["300280", "310475"], ["19800230", "19750431"]])
def test_impossible_birth_days_are_refused_not_rolled_into_the_next_month(tmp_path: Path, demo_dir: Path, cli, dates: list[str]) -> None:
    """30 February is no date: read as 1 March (strptime's roll-over), the person's age would be a month off."""
    df = pd.read_parquet(demo_dir / "dream.parquet")
    df["foed_dato"] = pd.to_datetime(df["foed_dato"]).dt.strftime("%d.%m.%Y" if "." in dates[0] else "%Y-%m-%d" if "-" in dates[0]
                                                                   else "%d%m%y" if len(dates[0]) == 6 else "%Y%m%d")
    df.loc[df.index[[4, 9]], "foed_dato"] = dates
    df.to_parquet(tmp_path / "d.parquet")
    code, err, got = _outcomes_tidy(cli, tmp_path / "d.parquet", tmp_path, "got")
    assert (code, err, got) == (2, f"error: 2 values in birth date column are not dates ('{dates[0]}', '{dates[1]}'; rows 6, 11); expected "
                                   "dates such as 1980-12-24, 24-12-1980, 24.12.1980, 24/12/1980, 19801224 or 241280; leave unknown dates "
                                   f"blank ({tmp_path / 'd.parquet'}, row 6, column foed_dato)", None)


def test_sex_as_english_words_is_read_and_unknown_text_refused(tmp_path: Path, demo_dir: Path, cli) -> None:
    df = pd.read_parquet(demo_dir / "dream.parquet")
    code, err, base = _outcomes_tidy(cli, demo_dir / "dream.parquet", tmp_path, "base")
    words = df.assign(kon=df["kon"].map({1: "Male", 2: "Female"}))
    words.to_parquet(tmp_path / "d.parquet")
    assert _outcomes_tidy(cli, tmp_path / "d.parquet", tmp_path, "got")[2] == base
    df["kon"] = df["kon"].astype(str)
    df.loc[df.index[0], "kon"] = "X"
    df.to_parquet(tmp_path / "e.parquet")
    code, err, got = _outcomes_tidy(cli, tmp_path / "e.parquet", tmp_path, "bad")
    assert (code, err, got) == (2, "error: 1 values in sex column are not codes ('X'; rows 2); expected DST's 1 (man) / 2 (woman), "
                                   f"or M/K, Mand/Kvinde, Male/Female ({tmp_path / 'e.parquet'}, row 2, column kon)", None)


# class 3: margins readings decided from the whole file and stated ------------------------------------

def _margins_csv(path: Path, targets: list[str], var: str = "koen") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["variable", "category", "target"])
        w.writerows([var, i + 1, t] for i, t in enumerate(targets))
    return path


def test_danish_thousands_are_read_as_counts_and_said(tmp_path: Path, cli) -> None:
    df = _survey()
    df.to_csv(tmp_path / "s.csv", index=False)
    m = _margins_csv(tmp_path / "m.csv", ["7.448", "4.552"])
    code, _, err = cli("weight", tmp_path / "s.csv", "--margins", m, "--id", "id", "-o", tmp_path / "w.csv")
    assert code == 0, err
    assert err == f"warning: targets such as '7.448' are read as Danish thousands (7448) ({m})\n"
    w = pd.read_csv(tmp_path / "w.csv")["weight"].to_numpy()
    men = (df["koen"] == 1).to_numpy()
    assert w[men].sum() == pytest.approx(7448) and w[~men].sum() == pytest.approx(4552)


@pytest.mark.parametrize("targets, message", [
    (["7.448", "0.25"], "targets such as '7.448' could be thousands (Danish 7.448 = 7448) or decimals, and the file also has '0.25'; "
                        "write counts without a thousands separator and shares as 0.25 or 25 % ({m})"),
    (["inf", "5"], "target for koen = '1' is not a number: 'inf' ({m}, row 2, column target)"),
])
def test_ambiguous_or_infinite_targets_are_refused(tmp_path: Path, cli, targets: list[str], message: str) -> None:
    args = _weight_args(tmp_path)[:2]
    m = _margins_csv(tmp_path / "bad.csv", targets)
    code, _, err = cli(*args, "--margins", m, "--id", "id", "-o", tmp_path / "w.csv")
    assert (code, err.strip()) == (2, "error: " + message.format(m=m))
    assert not (tmp_path / "w.csv").exists()


@pytest.mark.parametrize("targets, shares, warning", [
    (["0,51", "0,51"], [0.5, 0.5], "the shares of 'koen' sum to 1.02, not 1; they are normalised"),
    (["62,1", "37,9"], [0.621, 0.379], "the targets of 'koen' sum to 100 and have decimals: read as percentages (write % to say so)"),
])
def test_shares_and_bare_percentages_are_read_as_shares(tmp_path: Path, targets: list[str], shares: list[float], warning: str) -> None:
    from toolkit.config.margins import read_margins

    m = read_margins(_margins_csv(tmp_path / "m.csv", targets))
    assert m.margins[0].shares and m.count_total() is None
    assert [t / m.margins[0].total for t in m.margins[0].targets] == pytest.approx(shares)
    assert m.warnings == [warning]


# class 4: SPSS user-missing declared in the .sav -------------------------------------------------------
UM_LABELS = {1: "Meget enig", 2: "Enig", 3: "Uenig", 4: "Meget uenig", 5: "Ved ikke"}
UM_COUNTS = {1: 30, 2: 25, 3: 18, 4: 10, 5: 17}  # 17 answered 'Ved ikke', declared missing in the file


def _user_missing_sav(path: Path) -> Path:
    q = np.repeat(list(UM_COUNTS), list(UM_COUNTS.values())).astype(float)
    df = pd.DataFrame({"id": np.arange(1, len(q) + 1, dtype=float), "q": q, "koen": np.tile([1.0, 2.0], len(q) // 2)})
    pyreadstat.write_sav(df, str(path), variable_value_labels={"q": UM_LABELS, "koen": {1: "Mand", 2: "Kvinde"}},
                         missing_ranges={"q": [5]}, column_labels={"id": "Id", "q": "Enig?", "koen": "Køn"})
    return path


def _tidy(path: Path, table: str = "q") -> pd.Series:
    df = pd.read_csv(path)
    return df[df["table"] == table].set_index(["row", "column", "stat"])["value"]


def _notes(xlsx: Path) -> list[str]:
    import openpyxl

    wb = openpyxl.load_workbook(xlsx)
    return [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if str(c).startswith("Anm.")]


def test_declared_user_missing_code_is_out_of_the_base_with_a_note(tmp_path: Path, cli) -> None:
    sav = _user_missing_sav(tmp_path / "s.sav")
    code, _, err = cli("crosstab", sav, "-o", tmp_path / "o.xlsx", "--tidy", tmp_path / "o.csv")
    assert code == 0, err
    tidy = _tidy(tmp_path / "o.csv")
    answered = sum(n for c, n in UM_COUNTS.items() if c != 5)  # 83, counted by hand
    assert "Ved ikke" not in tidy.index.get_level_values("row")  # no 'Ved ikke 0 / 0,0 %' row
    assert tidy[("Total", "Antal", "count")] == answered
    for c in range(1, 5):
        assert tidy[(UM_LABELS[c], "Antal", "count")] == UM_COUNTS[c]
        assert tidy[(UM_LABELS[c], "Procent", "percent")] == pytest.approx(100 * UM_COUNTS[c] / answered)
    assert "Anm.: 'Ved ikke' (kode 5) er i datafilen erklæret som manglende værdi og indgår ikke i basen (17 svar)." in _notes(tmp_path / "o.xlsx")


def test_the_codebook_missing_key_decides_over_the_declaration(tmp_path: Path, cli) -> None:
    sav = _user_missing_sav(tmp_path / "s.sav")
    (tmp_path / "c.yaml").write_text("tables:\n  - {type: single, variable: q, missing: []}\n", encoding="utf-8")
    code, _, err = cli("crosstab", sav, "-c", tmp_path / "c.yaml", "-o", tmp_path / "o.xlsx", "--tidy", tmp_path / "o.csv")
    assert code == 0, err
    tidy = _tidy(tmp_path / "o.csv")
    assert tidy[("Total", "Antal", "count")] == 100 and tidy[("Ved ikke", "Antal", "count")] == 17
    assert tidy[("Ved ikke", "Procent", "percent")] == pytest.approx(17.0)
    assert not any("erklæret som manglende" in n for n in _notes(tmp_path / "o.xlsx"))


def test_the_codebook_draft_lists_the_declared_code_and_gives_the_same_table(tmp_path: Path, cli) -> None:
    sav = _user_missing_sav(tmp_path / "s.sav")
    code, _, err = cli("codebook", sav, "-o", tmp_path / "c.yaml")
    assert code == 0, err
    draft = (tmp_path / "c.yaml").read_text(encoding="utf-8")
    assert "    variable: q\n    missing: [5]  # declared missing in the file (5)\n" in draft
    for args, name in (((), "a"), (("-c", tmp_path / "c.yaml"), "b")):
        code, _, err = cli("crosstab", sav, *args, "-o", tmp_path / f"{name}.xlsx", "--tidy", tmp_path / f"{name}.csv")
        assert code == 0, err
    a, b = _tidy(tmp_path / "a.csv"), _tidy(tmp_path / "b.csv")
    assert len(a) == 10 and a.equals(b)  # four answers and Total, count and percent: the same with or without the draft
    assert b[("Total", "Antal", "count")] == 83


# ids as text everywhere: 017 and 17 are two respondents, weights matched by the id as written -----------

def _two_ids(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    df = pd.DataFrame({"id": ["017", "17", "0042", "42", "5", "6", "7", "8"], "koen": [1, 2, 1, 2, 1, 2, 1, 1],
                       "q": [1, 2, 2, 1, 1, 2, 2, 1]})
    data = tmp_path / "s.csv"
    df.to_csv(data, index=False)
    (tmp_path / "c.yaml").write_text("tables:\n  - {type: single, variable: q}\nvariables:\n  q: {values: {1: Ja, 2: Nej}}\n",
                                     encoding="utf-8")
    return data, df


def test_weights_are_matched_by_the_id_as_written(tmp_path: Path, cli) -> None:
    data, df = _two_ids(tmp_path)
    code, _, err = cli("weight", data, "--margins", _margins(tmp_path / "m.csv", df), "--id", "id", "-o", tmp_path / "w.csv")
    assert code == 0, err
    code, _, err = cli("crosstab", data, "-c", tmp_path / "c.yaml", "-w", tmp_path / "w.csv", "-o", tmp_path / "o.xlsx",
                       "--tidy", tmp_path / "o.csv")
    assert code == 0, err
    # by hand: 5 men share 600, 3 women 400; 'Ja' = ids 017, 42, 5, 8 (men 017, 5, 8; woman 42)
    ja = 3 * 600 / 5 + 400 / 3
    tidy = _tidy(tmp_path / "o.csv")
    assert tidy[("Ja", "Procent (vægtet)", "percent")] == pytest.approx(100 * ja / 1000)
    assert tidy[("Total", "Antal (uvægtet)", "count")] == 8


def test_ids_equal_as_numbers_but_written_differently_are_refused(tmp_path: Path, cli) -> None:
    data, df = _two_ids(tmp_path)
    w = pd.DataFrame({"id": ["17", "017", "42", "0042", "5", "6", "7", "0008"], "weight": [1.0] * 8})
    w.to_csv(tmp_path / "w.csv", index=False)
    code, out, err = cli("crosstab", data, "-c", tmp_path / "c.yaml", "-w", tmp_path / "w.csv", "-o", tmp_path / "o.xlsx")
    assert code == 2 and not (tmp_path / "o.xlsx").exists()
    assert err == (f"error: 1 ids are written differently in the data and in {tmp_path / 'w.csv'} (e.g. '8' and '0008'): equal as "
                   f"numbers, different as text; ids are matched exactly as written, so export both files with the same ids "
                   f"(leading zeros kept) ({data}, column id)\n")


# class 10: scale mix-ups --------------------------------------------------------------------------------

def test_a_percent_column_holding_percentages_is_read_as_such_and_said(tmp_path: Path, demo_wave_dir: Path, cli) -> None:
    reg = pd.read_csv(demo_wave_dir / "data" / "kommuner_register.csv")
    pct = reg.assign(maal2=reg["maal2"] * 100)
    pct.to_csv(tmp_path / "r.csv", sep=";", decimal=",", index=False)  # 17,26… as a Danish export writes it
    runs = {}
    for name, path in (("share", demo_wave_dir / "data" / "kommuner_register.csv"), ("pct", tmp_path / "r.csv")):
        code, out, err = cli("model", demo_wave_dir / "model.yaml", "-r", path, "-o", tmp_path / f"{name}.xlsx", "--tidy", tmp_path / f"{name}.csv")
        assert code == 0, err
        runs[name] = (pd.read_csv(tmp_path / f"{name}.csv"), err)
    lo, hi, first = reg["maal2"].min(), reg["maal2"].max(), pct["maal2"][pct["maal2"] > 1].iloc[0]
    from toolkit.core.fmt import dk

    assert (f"warning: register column 'maal2' is marked percent: true and holds values above 1 (e.g. {dk(first, None)}): read as "
            f"percentages 0-100 and divided by 100 (shares {dk(lo, 3)}-{dk(hi, 3)})") in runs["pct"][1].splitlines()
    assert "percent: true" not in runs["share"][1]
    a, b = runs["share"][0], runs["pct"][0]  # the same model, fitted on the same scale: every published number alike
    assert a.drop(columns="value").equals(b.drop(columns="value"))
    num_a, num_b = pd.to_numeric(a["value"], errors="coerce"), pd.to_numeric(b["value"], errors="coerce")
    assert np.allclose(num_a.dropna(), num_b.dropna(), rtol=1e-9, atol=1e-12) and (num_a.isna() == num_b.isna()).all()


# class 11: empty results are said (warning + note), never shown as a finding ----------------------------

def test_a_filter_on_a_code_nobody_has_warns_and_notes(tmp_path: Path, cli) -> None:
    df = pd.DataFrame({"id": range(1, 9), "koen": [1] * 8, "q": [1, 2, 2, 1, 1, 2, 2, 1]})
    df.to_csv(tmp_path / "s.csv", index=False)
    (tmp_path / "c.yaml").write_text("tables:\n  - {type: single, variable: q, filter: {koen: [2]}}\n  - {type: single, variable: koen}\n"
                                     "variables:\n  q: {values: {1: Ja, 2: Nej}}\n  koen: {values: {1: Mand, 2: Kvinde}}\n", encoding="utf-8")
    code, _, err = cli("crosstab", tmp_path / "s.csv", "-c", tmp_path / "c.yaml", "-o", tmp_path / "o.xlsx", "--tidy", tmp_path / "o.csv")
    assert code == 0, err
    assert err.splitlines() == ["warning: table 'q' (tables[1]): nobody matches its filter (koen = 2); the table says so in a note"]
    notes = _notes(tmp_path / "o.xlsx")
    assert "Anm.: Ingen respondenter opfylder tabellens udvælgelse (koen = 2); der er ingen svar at vise." in notes
    assert sum("Ingen respondenter" in n for n in notes) == 1  # the koen table, unfiltered, has no such note
    assert _tidy(tmp_path / "o.csv")[("Total", "Antal", "count")] == 0


def test_a_profile_sub_group_with_nobody_warns_and_notes(tmp_path: Path, demo_wave_dir: Path, cli) -> None:
    code, _, err = cli("profile", demo_wave_dir / "data" / "dream.parquet", "-d", demo_wave_dir / "registers" / "nychance.yaml",
                       "--subgroup", "Ingenting", "-o", tmp_path / "p.xlsx", "--tidy", tmp_path / "p.csv")
    assert code == 0, err
    assert "warning: the sub-group of profil_delgruppe (status Ingenting in Restgruppen) has nobody; its table says so in a note" in err.splitlines()
    assert "Anm.: Ingen personer i restgruppen opfylder udvælgelsen (status: Ingenting); der er ingen tal at vise." in _notes(tmp_path / "p.xlsx")
    tidy = pd.read_csv(tmp_path / "p.csv")
    sub = tidy[tidy["table"] == "profil_delgruppe"]
    assert sub["value"].dropna().tolist() == [0]  # the sub-group's N, and no share of nobody


def test_a_target_group_with_nobody_warns_and_notes(tmp_path: Path, demo_wave_dir: Path, cli) -> None:
    text = (demo_wave_dir / "registers" / "cubb.yaml").read_text(encoding="utf-8")
    assert "  age: [18, 65]\n" in text
    defs = tmp_path / "cubb_95.yaml"
    defs.write_text(text.replace("  age: [18, 65]\n", "  age: [95, 99]\n"), encoding="utf-8")
    for name in ("dream_codes.yaml", "municipalities.csv"):  # what the definitions name beside them
        (tmp_path / name).write_bytes((demo_wave_dir / "registers" / name).read_bytes())
    code, _, err = cli("outcomes", demo_wave_dir / "data" / "dream.parquet", "-d", defs, "-o", tmp_path / "o.xlsx", "--tidy", tmp_path / "o.csv")
    assert code == 0, err
    assert "warning: cubb_95: nobody in the extract is in the target group (target_group); its tables say so in a note" in err.splitlines()
    notes = _notes(tmp_path / "o.xlsx")
    assert notes.count("Anm.: Ingen personer i udtrækket opfylder afgrænsningen af målgruppen; der er ingen tal at vise.") >= 2
    tidy = pd.read_csv(tmp_path / "o.csv")
    persons = tidy[tidy["row"] == "Antal personer"]["value"]
    assert len(persons) and not (pd.to_numeric(persons, errors="coerce").fillna(0) > 0).any()  # nobody, and said so


def test_a_programme_municipality_with_nobody_in_the_extract_warns_and_notes(tmp_path: Path, demo_wave_dir: Path, cli) -> None:
    df = pd.read_parquet(demo_wave_dir / "data" / "dream.parquet")
    years = [c for c in df.columns if c.startswith("nykom")]
    df[~(df[years] == 820).any(axis=1)].to_parquet(tmp_path / "x.parquet", index=False)  # nobody ever lived in Vesthimmerland
    code, _, err = cli("outcomes", tmp_path / "x.parquet", "-d", demo_wave_dir / "registers" / "cubb.yaml", "-o", tmp_path / "o.xlsx")
    assert code == 0, err
    assert "warning: cubb: programme municipality 820 (Vesthimmerland) has nobody in the target group (target_group)" in err.splitlines()
    assert "Anm.: Ingen personer i målgruppen i Vesthimmerland (820)." in _notes(tmp_path / "o.xlsx")


def test_weights_of_formula_like_ids_match_their_respondents(tmp_path: Path, cli) -> None:
    df = _survey()
    df.loc[0, "id"], df.loc[1, "id"] = "=HYPERLINK(1)", "-7"
    df["q"] = [1, 2] * (len(df) // 2)
    df.to_csv(tmp_path / "s.csv", index=False)
    code, _, err = cli("weight", tmp_path / "s.csv", "--margins", _margins(tmp_path / "m.csv", df), "--id", "id", "-o", tmp_path / "w.csv")
    assert code == 0, err
    (tmp_path / "c.yaml").write_text("tables:\n  - {type: single, variable: q}\nvariables:\n  q: {values: {1: Ja, 2: Nej}}\n", encoding="utf-8")
    code, _, err = cli("crosstab", tmp_path / "s.csv", "-c", tmp_path / "c.yaml", "-w", tmp_path / "w.csv", "-o", tmp_path / "o.xlsx",
                       "--tidy", tmp_path / "o.csv")
    assert code == 0, err  # '=HYPERLINK(1) in the weights file is the respondent =HYPERLINK(1)
    men = (df["koen"] == 1).to_numpy()
    w = np.where(men, 600 / men.sum(), 400 / (~men).sum())
    assert _tidy(tmp_path / "o.csv")[("Ja", "Procent (vægtet)", "percent")] == pytest.approx(100 * w[(df["q"] == 1).to_numpy()].sum() / 1000)
