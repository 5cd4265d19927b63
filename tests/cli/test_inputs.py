"""Awkward real-world inputs (issue 13), one test per class: read correctly or refused clearly."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

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
