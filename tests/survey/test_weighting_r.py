"""Agreement with R's survey package: raking its own example `apiclus1` (figures stored beside the tests).

tests/reference/weight_reference.R rakes apiclus1 (base weight pw) to the stype and sch.wide
population margins, as survey's tests/rakecheck.R does; weight_reference.txt is what R printed.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.config.margins import read_margins
from toolkit.read.tabular import Dataset, read_data
from toolkit.survey.weighting import weight_dataset

REF = Path(__file__).resolve().parents[1] / "reference"


def r_figures() -> tuple[dict[str, float], pd.DataFrame]:
    text = (REF / "weight_reference.txt").read_text(encoding="utf-8")
    head, _, table = text.partition("cds,weight\n")
    figures = {m.group(1): float(m.group(2)) for m in re.finditer(r"^(svymean api00|svytotal enroll|sum of weights) = ([\d.]+)", head, re.M)}
    return figures, pd.read_csv(StringIO("cds,weight\n" + table), dtype={"cds": str})


@pytest.fixture(scope="module")
def raked(tmp_path_factory: pytest.TempPathFactory):
    m = tmp_path_factory.mktemp("api") / "margins.csv"
    m.write_text("variable,category,target\nstype,E,4421\nstype,H,755\nstype,M,1018\nsch.wide,No,1072\nsch.wide,Yes,5122\n", encoding="utf-8")
    data = pd.read_csv(REF / "weight_apiclus1.csv", dtype={"cds": str})
    return data, weight_dataset(Dataset(data), read_margins(m), base_weight="pw")


def test_weights_equal_r_school_by_school(raked) -> None:
    data, res = raked
    _, r_weights = r_figures()
    assert (r_weights["cds"] == data["cds"]).all()
    assert np.max(np.abs(res.weights / r_weights["weight"].to_numpy() - 1)) < 1e-8


def test_weighted_estimates_equal_what_r_prints(raked) -> None:
    data, res = raked
    fig, _ = r_figures()
    w = res.weights
    assert fig["svymean api00"] == pytest.approx(641.2303209268, abs=1e-10)  # the stored figure R printed
    assert np.sum(w * data["api00"]) / w.sum() == pytest.approx(fig["svymean api00"], rel=1e-10)
    assert np.sum(w * data["enroll"]) == pytest.approx(fig["svytotal enroll"], rel=1e-10)
    assert w.sum() == pytest.approx(fig["sum of weights"], rel=1e-12)


def test_reading_the_reference_csv_through_toolkit_io(raked) -> None:
    # the same raking from the file as a user would give it (cds read as a number: irrelevant to weights)
    _, res = raked
    ds = read_data(REF / "weight_apiclus1.csv")
    assert ds.data["pw"].to_numpy() == pytest.approx(raked[0]["pw"].to_numpy())
    assert weight_dataset(ds, res.margins, base_weight="pw").weights == pytest.approx(res.weights, rel=1e-12)
