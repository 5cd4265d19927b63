"""Weighted crosstab tests on sub-populations reach Rao-Scott as domain estimates: the figures the
notes are built from equal R's svychisq on subset(design, …) (tests/reference/raoscott_domain.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import toolkit.survey.notes as notes
from toolkit.config.codebook import parse_codebook
from toolkit.read.tabular import Dataset
from toolkit.survey.crosstab import build_tables
from toolkit.survey.weights import weights_from_frame

REF = Path(__file__).resolve().parents[1] / "reference"


def _r(name: str) -> dict[str, float]:
    for line in (REF / "raoscott_domain.txt").read_text().splitlines():
        if line.startswith(name + " statistic="):
            figs = dict(x.split("=") for x in line[len(name) + 1:].split())
            return {k: float(v) for k, v in figs.items()}
    raise KeyError(name)


@pytest.fixture()
def captured(monkeypatch: pytest.MonkeyPatch) -> list:
    """Every Rao-Scott result a table note is written from, in order."""
    seen: list = []
    real = notes.rao_scott

    def spy(*args, **kwargs):
        rs = real(*args, **kwargs)
        seen.append(rs)
        return rs

    monkeypatch.setattr(notes, "rao_scott", spy)
    return seen


def _dataset() -> tuple[dict[str, Dataset], dict]:
    d = pd.read_csv(REF / "raoscott_weights.csv")
    labels = {
        "lyst": {1: "Lidt", 2: "Noget", 3: "Meget"},
        "koen": {1: "Mand", 2: "Kvinde"},
        "tick": {0: "Nej", 1: "Ja"},
        "match": {k: f"Match {k}" for k in sorted(d["match"].unique())},
        "vejledning": {k: f"Vejledning {k}" for k in sorted(d["vejledning"].unique())},
    }
    ds = Dataset(d.drop(columns="w"), None, {}, labels)
    w = weights_from_frame(d[["id", "w"]].rename(columns={"w": "weight"}), "weights.csv")
    return {"borgere": ds}, {"borgere": w}


def test_filtered_by_group_table_is_a_domain_test_as_r(captured: list) -> None:
    """`lyst` by `koen` among those with tick = 1 (a filter question): R's subset(design, tick == 1)."""
    datasets, weights = _dataset()
    cb = parse_codebook({"tables": [{"type": "single", "variable": "lyst", "by": "koen", "filter": {"tick": 1}}]})
    build_tables(datasets, cb, weights)
    r = _r("domain tick==1 koen x lyst F")
    (rs,) = captured
    assert (rs.f, rs.ndf, rs.ddf, rs.p) == pytest.approx((r["statistic"], r["ndf"], r["ddf"], r["p"]), rel=1e-8)


def test_two_way_table_in_a_by_free_filter_is_a_domain_test_as_r(captured: list) -> None:
    """vejledning × lyst among men (filter koen = 1): R's subset(design, koen == 1)."""
    datasets, weights = _dataset()
    cb = parse_codebook({"tables": [{"type": "twoway", "row": "vejledning", "column": "lyst", "filter": {"koen": 1}}]})
    build_tables(datasets, cb, weights)
    r = _r("domain koen==1 vejledning x lyst F")
    (rs,) = captured
    assert (rs.f, rs.ndf, rs.ddf, rs.p) == pytest.approx((r["statistic"], r["ndf"], r["ddf"], r["p"]), rel=1e-8)
    assert np.isfinite(rs.p)
