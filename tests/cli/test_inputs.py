"""Awkward real-world inputs (issue 13), one test per class: read correctly or refused clearly."""

from __future__ import annotations

import csv
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
