"""The demo wave: deterministic, the sizes and biases the seed reports describe."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from toolkit.demo import surveys as demo
from toolkit.read.tabular import read_data


def test_demo_files_are_labelled_and_sized_like_the_seed(demo_dir: Path) -> None:
    sizes = {name: len(read_data(demo_dir / f"{name}.sav").data) for name in ("ledere", "medarbejdere", "politikere", "borgere")}
    assert sizes["ledere"] == 78 and sizes["medarbejdere"] == 65 and sizes["politikere"] == 85
    assert 780 <= sizes["borgere"] <= 960  # ~29 % of 3,000 sampled
    ds = read_data(demo_dir / "ledere.sav")
    assert ds.value_labels["maal_1"][4.0] == "I høj grad"
    assert set(ds.data["kommune"]) <= set(demo.municipalities()["kode"])
    assert len(demo.municipalities()) == 98


def test_demo_is_deterministic() -> None:
    a, _ = demo.citizens()
    b, _ = demo.citizens()
    pd.testing.assert_frame_equal(a.data, b.data)


def test_citizen_nonresponse_is_biased_as_in_seed_004() -> None:
    inst, margins = demo.citizens()
    resp = inst.data
    pop = margins.assign(share=margins["target"] / margins.groupby("variable")["target"].transform("sum"))
    share = lambda var, code: float(pop[(pop.variable == var) & (pop.category == code)]["share"].iloc[0])  # noqa: E731
    # under-represented: less developed countries, older people, men, match group 5
    assert (resp["oprindelse"] == 3).mean() < share("oprindelse", 3) - 0.05
    assert (resp["alder"] == 5).mean() < share("alder", 5)
    assert (resp["koen"] == 1).mean() < share("koen", 1) - 0.03
    assert (resp["match"] == 5).mean() < share("match", 5) - 0.05
    assert margins.groupby("variable")["target"].sum().nunique() == 1  # one population total
