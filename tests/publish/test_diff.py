"""`toolkit diff`: two runs compared cell by cell. The expected differences are computed here with
plain pandas on the two tidy CSVs; the demo wave is run twice with one answer changed on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from conftest import run_main

from toolkit.core.table import Cell, Kind, Table
from toolkit.publish.diff import compare, diff_tables, shown_tolerance
from toolkit.publish.readback import read_run
from toolkit.publish.tidy import write_tidy

# half the last decimal of templates/ministry.yaml's formats, written out by hand
SHOWN = {"percent": 0.05, "count": 0.5, "base": 0.5, "mean": 0.05, "coef": 0.0005, "se": 0.0005, "t": 0.005, "p": 0.0005,
         "stat": 0.0005}
CELL = ["table", "group", "row", "column", "stat"]


def expected_changes(old: Path, new: Path, tol: dict[str, float]) -> set[tuple]:
    """Every cell (table, group, row, column, stat, occurrence) that differs, by pandas alone."""
    def read(p: Path) -> pd.DataFrame:
        d = pd.read_csv(p, dtype=str, keep_default_na=False)
        d["occurrence"] = d.groupby(CELL, sort=False).cumcount()
        return d

    a, b = read(old), read(new)
    assert set(a["table"]) == set(b["table"])  # the same tables: every difference is a cell
    m = a.merge(b, on=[*CELL, "occurrence"], how="outer", suffixes=("_a", "_b"), indicator=True)
    va = pd.to_numeric(m["value_a"].replace("", np.nan))
    vb = pd.to_numeric(m["value_b"].replace("", np.nan))
    one_side = m["_merge"] != "both"
    suppression = va.isna() != vb.isna()
    moved = (vb - va).abs() > m["stat"].map(tol)
    hit = m[one_side | suppression | moved]
    return {tuple(r) for r in hit[[*CELL, "occurrence"]].itertuples(index=False)}


def found_changes(comparison) -> set[tuple]:
    keys = [t.shown.key for t in comparison.tables]
    return {(keys[int(r.table)], r.group, r.row, r.column, r.stat, int(r.occurrence)) for r in comparison.cells.itertuples()}


@pytest.fixture(scope="module")
def runs(demo_wave_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo wave run as shipped, and a copy where one leader's answer to 'behov' is changed."""
    root = tmp_path_factory.mktemp("waves")
    out = []
    for name in ("foer", "efter"):
        wave = root / name
        shutil.copytree(demo_wave_dir, wave)
        if name == "efter":
            path = wave / "data" / "ledere.sav"
            df, meta = pyreadstat.read_sav(str(path))
            df.loc[10, "behov"] = 3.0 if df.loc[10, "behov"] != 3 else 1.0
            pyreadstat.write_sav(df, str(path), column_labels=meta.column_labels,
                                 variable_value_labels=meta.variable_value_labels)
        run_main("report", wave / "wave.yaml", "--out", root / f"{name}.xlsx")
        out.append(root / f"{name}.xlsx")
    return out[0], out[1]


def test_one_changed_answer_lists_exactly_the_cells_that_changed(runs: tuple[Path, Path]) -> None:
    old, new = runs
    tidy = [p.with_name(p.stem + "_tidy.csv") for p in runs]
    expected = expected_changes(*tidy, SHOWN)
    assert expected  # the change shows
    assert {k[0] for k in expected} >= {t for t in pd.read_csv(tidy[0])["table"] if t.endswith("/behov")}
    c = compare(read_run(old), read_run(new), tolerance=shown_tolerance({k: f for k, f in FORMATS.items()}))
    assert found_changes(c) == expected
    assert all(t.status in ("changed", "unchanged") and not t.renumbered for t in c.tables)
    # the provenance sheets say which input differs
    [changed] = [p for p, a, b in c.inputs if a != b]
    before, after = changed.split(" → ")
    assert Path(before).parts[-3:] == ("foer", "data", "ledere.sav") and Path(after).parts[-3:] == ("efter", "data", "ledere.sav")
    assert sum(1 for _, a, b in c.inputs if a == b) >= 5  # wave file, codebooks, margins, extract, definitions


FORMATS = {"percent": "0.0 %", "count": "#,##0", "base": "#,##0", "mean": "#,##0.0", "coef": "0.000", "se": "0.000",
           "t": "0.00", "p": "0.000", "stat": "0.000"}


def test_shown_tolerance_is_half_the_last_decimal() -> None:
    assert shown_tolerance(FORMATS) == pytest.approx(SHOWN)


def test_the_diff_workbook_and_the_printed_summary(runs: tuple[Path, Path], tmp_path: Path, cli) -> None:
    old, new = runs
    code, out, err = cli("diff", old, new, "--out", tmp_path / "d.xlsx", "--tidy", tmp_path / "d.csv")
    assert code == 0, err
    assert "input changed:" in out and "ledere.sav" in out and "behov" in out
    wb = openpyxl.load_workbook(tmp_path / "d.xlsx")
    titles = [wb[n]["A1"].value for n in wb.sheetnames[1:-1]]
    assert [t.split(" ", 2)[2] for t in titles] == ["Sammenfatning pr. tabel", "Ændrede tal", "Inputfiler (SHA-256 fra proveniensarkene)"]
    d = pd.read_csv(tmp_path / "d.csv", keep_default_na=False)
    files = d[(d["table"] == "inputfiler")]
    assert files.empty  # text cells only: the tidy CSV holds numbers
    moved = d[(d["table"] == "tal") & (d["column"] == "Efter")]
    expected = expected_changes(*[p.with_name(p.stem + "_tidy.csv") for p in runs], SHOWN)
    assert sorted(moved["group"].str.extract(r"\[(.*)\]$")[0]) == sorted(k[0] for k in expected)
    # the new values are the new run's numbers (percentages on the tidy CSV's 0-100 scale)
    tidy_new = pd.read_csv(new.with_name(new.stem + "_tidy.csv"), keep_default_na=False)
    tidy_new["occurrence"] = tidy_new.groupby(CELL, sort=False).cumcount()
    published = {tuple(r[:5]) + (r[6],): r[5] for r in tidy_new[[*CELL, "value", "occurrence"]].itertuples(index=False)}
    assert sorted(moved["value"].astype(float)) == pytest.approx(sorted(float(published[k]) for k in expected))


def table(key: str, number: str, values: list[float | None], labels: list[str] | None = None, register: bool = False) -> Table:
    """A one-column table; None is a suppressed cell."""
    labels = labels or [f"r{i}" for i in range(len(values))]
    cells = [[Cell(None, Kind.COUNT, suppressed=True) if v is None else Cell(v, Kind.COUNT)] for v in values]
    return Table(key, f"Titel {key}", labels, ["Antal"], cells, number=number, register=register, key=key)


def tidy_of(tmp_path: Path, name: str, tables: list[Table]) -> Path:
    return write_tidy(tables, tmp_path / name)


def test_suppression_compares_as_suppressed_and_never_shows_a_hidden_value(tmp_path: Path) -> None:
    old = tidy_of(tmp_path, "a.csv", [table("7/1/maal1", "Tabel 7.1", [12, None, 40, None], register=True)])
    new = tidy_of(tmp_path, "b.csv", [table("7/1/maal1", "Tabel 7.1", [None, 8, 40, None], register=True)])
    c = compare(read_run(old), read_run(new), tolerance=SHOWN)
    assert list(zip(c.cells["row"], c.cells["change"])) == [("r0", "suppression"), ("r1", "suppression")]
    [summary, cells] = diff_tables(c)
    shown = [[(x.value, x.suppressed) for x in row[1:3]] for row in cells.cells]
    assert shown == [[(12, False), (None, True)], [(None, True), (8, False)]]  # x, never a value that was not published
    assert summary.value("Tabel 7.1 [7/1/maal1]", "Ændret undertrykkelse") == 2


def test_tables_added_removed_renumbered_and_cells_added(tmp_path: Path, cli) -> None:
    old = tidy_of(tmp_path, "a.csv", [table("1/1/a", "Tabel 1.1", [1, 2]), table("1/2/b", "Tabel 1.2", [5]),
                                      table("1/3/c", "Tabel 1.3", [7])])
    new = tidy_of(tmp_path, "b.csv", [table("1/1/a", "Tabel 1.1", [1, 2, 3]), table("1/3/c", "Tabel 1.2", [7]),
                                      table("1/4/d", "Tabel 1.3", [9])])
    c = compare(read_run(old), read_run(new), tolerance=SHOWN)
    status = {t.shown.key: (t.status, t.renumbered) for t in c.tables}
    assert status == {"1/1/a": ("changed", False), "1/3/c": ("unchanged", True), "1/4/d": ("added", False),
                      "1/2/b": ("removed", False)}
    assert list(zip(c.cells["row"], c.cells["change"])) == [("r2", "added")]
    code, out, _ = cli("diff", old, new)
    assert code == 0
    assert "Tabel 1.2 [1/3/c]: renumbered Tabel 1.3 → Tabel 1.2" in out and "[1/2/b]: removed" in out
    assert "Tabel 1.1: r2 | Antal [Antal] - → 3" in out


def test_tolerance_decides_what_moved(tmp_path: Path) -> None:
    pct = [Table("p", "P", ["a", "b", "c"], ["Procent"], [[Cell(v, Kind.PERCENT)] for v in (0.1, 0.2, 0.3)], key="1/1/p")]
    moved = [Table("p", "P", ["a", "b", "c"], ["Procent"], [[Cell(v, Kind.PERCENT)] for v in (0.1004, 0.2006, 0.3)], key="1/1/p")]
    a, b = tidy_of(tmp_path, "a.csv", pct), tidy_of(tmp_path, "b.csv", moved)
    assert list(compare(read_run(a), read_run(b), tolerance=SHOWN).cells["row"]) == ["b"]  # 0.04 pp is within, 0.06 is not
    assert list(compare(read_run(a), read_run(b), tolerance={"percent": 0.0}).cells["row"]) == ["a", "b"]
    assert compare(read_run(a), read_run(b), tolerance={"percent": 0.1}).cells.empty


def test_an_old_tidy_csv_without_numbers_is_matched_by_the_id_at_the_key_end(tmp_path: Path) -> None:
    """The tidy CSV before table keys: `table` is the id and may repeat (two tables named 'maal')."""
    old = tmp_path / "old.csv"
    old.write_text("table,group,row,column,stat,value\n"
                   "maal,,r0,Antal,count,4\nmaal,,r1,Antal,count,5\nbehov,,r0,Antal,count,1\nmaal,,r0,Antal,count,9\n",
                   encoding="utf-8")
    new = tidy_of(tmp_path, "new.csv", [table("2/1/maal", "Tabel 2.1", [4, 6]), table("2/2/behov", "Tabel 2.2", [1])])
    c = compare(read_run(old), read_run(new), tolerance=SHOWN)
    pairs = [(t.old.key if t.old else None, t.new.key if t.new else None) for t in c.tables]
    assert pairs == [("maal", "2/1/maal"), ("behov", "2/2/behov"), ("maal#2", None)]
    assert list(zip(c.cells["row"], c.cells["old"], c.cells["new"])) == [("r1", 5.0, 6.0)]


@pytest.mark.parametrize("content, message", [
    ("a,b,c\n1,2,3\n", "not a tidy CSV of toolkit: expected the columns table, number, group"),
    ("", "the file is empty"),
    ("table,number,group,row,column,stat,value\nt,,,r,c,count,elleve\n", "value 'elleve' is not a number"),
])
def test_bad_input_gives_one_error_line(tmp_path: Path, cli, content: str, message: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    good = tidy_of(tmp_path, "good.csv", [table("t", "", [1])])
    code, out, err = cli("diff", good, bad)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("error: ") and message in err, err
    assert "bad.csv" in err


def test_missing_files_and_workbooks_without_their_tidy_csv(tmp_path: Path, cli) -> None:
    good = tidy_of(tmp_path, "good.csv", [table("t", "", [1])])
    for args, message in (((tmp_path / "none.csv", good), "file not found"),
                          ((good, tmp_path / "x.xlsx"), "file not found"),
                          ((good, good, "--tolerance", "-1"), "--tolerance must be a number ≥ 0"),
                          ((good, good, "--out", good), "refusing to overwrite an input")):
        code, out, err = cli("diff", *args)
        assert code == 2 and err.count("\n") == 1 and message in err, err
    wb = tmp_path / "alone.xlsx"
    openpyxl.Workbook().save(wb)
    code, _, err = cli("diff", good, wb)
    assert code == 2 and "no tidy CSV beside the workbook (expected alone_tidy.csv" in err
