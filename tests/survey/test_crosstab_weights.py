"""Weighted tables: weighted percentages, unweighted N, the weighting note, Rao-Scott in the note.

Data: tests/reference/raoscott_weights.csv (500 respondents with weights `w`), whose weighted
row percentages and svychisq figures R printed in tests/reference/raoscott_reference.txt.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from toolkit.config.codebook import parse_codebook
from toolkit.core.errors import DataError
from toolkit.read.tabular import read_data
from toolkit.survey.crosstab import build_tables
from toolkit.survey.weights import weights_from_frame

REF = Path(__file__).resolve().parents[1] / "reference"
CODEBOOK = {
    "scales": {"grad": {1: "Slet ikke", 2: "I mindre grad", 3: "I nogen grad", 4: "I høj grad", 5: "Ved ikke"}},
    "variables": {
        "vejledning": {"label": "Målrettet vejledning", "values": "grad"},
        "lyst": {"label": "Mere lyst til arbejde", "values": {1: "Ja", 2: "Nej", 3: "Ved ikke"}},
        "koen": {"label": "Køn", "values": {1: "Mand", 2: "Kvinde"}},
        "tick": {"label": "Har modtaget tilbud", "values": {0: "Nej", 1: "Ja"}},
        "match": {"label": "Matchgruppe", "values": {i: f"Matchgruppe {i}" for i in range(1, 6)}},
    },
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The reference data as a survey file (no weight column) and a shuffled weights CSV."""
    d = tmp_path_factory.mktemp("w")
    ref = pd.read_csv(REF / "raoscott_weights.csv")
    ref.drop(columns="w").to_csv(d / "borgere.csv", index=False)
    ref[["id", "w"]].rename(columns={"w": "weight"}).sample(frac=1, random_state=3).to_csv(d / "weights.csv", index=False)
    return {"data": d / "borgere.csv", "weights": d / "weights.csv", "ref": REF / "raoscott_weights.csv"}


def tables(files: dict[str, Path], tables_spec: list[dict], **kw) -> list:
    cb = parse_codebook({**CODEBOOK, "tables": tables_spec}, "cb.yaml")
    w = weights_from_frame(pd.read_csv(files["weights"]), str(files["weights"]), kw.pop("target", None))
    return build_tables({"borgere": read_data(files["data"])}, cb, {"borgere": w}, **kw)


def r_row_percentages() -> pd.DataFrame:
    """The weighted row percentages R printed (prop.table(svytable(~vejledning+lyst), 1))."""
    lines = (REF / "raoscott_reference.txt").read_text().splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.strip().startswith("vejledning"))
    rows = [ln.split() for ln in lines[start + 1:start + 6]]
    return pd.DataFrame([[float(x) for x in r[1:]] for r in rows], index=[int(r[0]) for r in rows], columns=[1, 2, 3])


def test_two_way_weighted_row_percentages_equal_r(files: dict[str, Path]) -> None:
    (t,) = tables(files, [{"type": "twoway", "row": "vejledning", "column": "lyst"}])
    r = r_row_percentages()
    raw = pd.read_csv(files["ref"])
    for i, row in enumerate(["Slet ikke", "I mindre grad", "I nogen grad", "I høj grad", "Ved ikke"]):
        for j, col in enumerate(["Ja", "Nej", "Ved ikke"]):
            assert 100 * t.value(row, col) == pytest.approx(r.iloc[i, j], abs=1e-6)
        assert t.value(row, "I alt") == int((raw["vejledning"] == i + 1).sum())  # unweighted N
    # the I alt row: weighted column distribution, computed independently
    wl = raw.groupby("lyst")["w"].sum() / raw["w"].sum()
    assert [t.value("I alt", c) for c in ["Ja", "Nej", "Ved ikke"]] == pytest.approx(wl.tolist(), abs=1e-12)
    assert t.value("I alt", "I alt") == 500


def test_two_way_weighted_note_is_rao_scott_as_r_prints_it(files: dict[str, Path]) -> None:
    (t,) = tables(files, [{"type": "twoway", "row": "vejledning", "column": "lyst"}])
    line = [n for n in t.notes if "chi²" in n][0]
    # R: F = 5.6555361092, ndf = 7.5522181417, ddf = 3768.5568527249, p = 7.1e-07
    assert line == "Anm.: Rao-Scott-korrigeret chi²-test (andenordens, vægtede data) for uafhængighed: F = 5,66, df = 7,55 og 3768,6, p < 0,001."


def test_groups_side_by_side_weighted_test_equals_r(files: dict[str, Path]) -> None:
    (t,) = tables(files, [{"type": "single", "variable": "tick", "by": "koen"}])
    assert t.column_labels == ["Mand", "Kvinde"]
    line = [n for n in t.notes if "chi²" in n][0]
    # R svychisq(~koen+tick, statistic="F"): F = 2.0940747518, ndf = 1, ddf = 499, p = 0.148499
    assert line.endswith("af forskellen mellem grupperne: F = 2,09, df = 1,00 og 499,0, p = 0,148.")
    raw = pd.read_csv(files["ref"])
    for code, group in ((1, "Mand"), (2, "Kvinde")):
        sub = raw[raw["koen"] == code]
        assert t.value("Ja", group) == pytest.approx(sub.loc[sub["tick"] == 1, "w"].sum() / sub["w"].sum(), abs=1e-12)
        assert t.value("I alt", group) == len(sub)


def test_single_weighted_percent_unweighted_count_and_default_note(files: dict[str, Path]) -> None:
    (t,) = tables(files, [{"type": "single", "variable": "match"}])
    raw = pd.read_csv(files["ref"])
    shares = raw.groupby("match")["w"].sum() / raw["w"].sum()
    counts = raw["match"].value_counts()
    for code in range(1, 6):
        assert t.value(f"Matchgruppe {code}", "Procent (vægtet)") == pytest.approx(shares[code], abs=1e-12)
        assert t.value(f"Matchgruppe {code}", "Antal (uvægtet)") == counts[code]
    assert t.value("Total", "Antal (uvægtet)") == 500
    assert t.notes[-1] == "Anm.: Tabellen er vægtet til populationsfordelingen. Procenterne er vægtede; antal og N er uvægtede."


def test_weighted_to_text_from_the_command_line_or_codebook(files: dict[str, Path]) -> None:
    (t,) = tables(files, [{"type": "single", "variable": "koen"}], target="målgruppens køn og alder")
    assert t.notes[-1].startswith("Anm.: Tabellen er vægtet til målgruppens køn og alder.")
    cb = parse_codebook({**CODEBOOK, "datasets": {"borgere": {"weighted_to": "registerfordelingen"}},
                         "tables": [{"type": "single", "variable": "koen"}]}, "cb.yaml")
    w = weights_from_frame(pd.read_csv(files["weights"]), "w.csv")
    (t,) = build_tables({"borgere": read_data(files["data"])}, cb, {"borgere": w})
    assert t.notes[-1].startswith("Anm.: Tabellen er vægtet til registerfordelingen.")


def test_weighted_multi_response_and_battery(files: dict[str, Path]) -> None:
    raw = pd.read_csv(files["ref"])
    raw["kvinde"] = (raw["koen"] == 2).astype(int)
    d = files["data"].parent / "multi.csv"
    raw.drop(columns="w").to_csv(d, index=False)
    variables = {**CODEBOOK["variables"], "kvinde": {"values": {0: "Nej", 1: "Ja"}}}
    cb = parse_codebook({**CODEBOOK, "variables": variables, "tables": [
        {"type": "multi", "id": "m", "items": {"tick": "Tilbud", "kvinde": "Kvinde"}},
        {"type": "battery", "id": "b", "items": {"kvinde": "Kvinde", "tick": "Tilbud"}},
        {"type": "battery", "id": "bad", "items": ["koen", "tick"]},
    ]}, "cb.yaml")
    w = weights_from_frame(pd.read_csv(files["weights"]), "w.csv")
    with pytest.raises(DataError) as e:
        build_tables({"multi": read_data(d)}, cb, {"multi": w})
    assert str(e.value) == ("the items of a battery must share one scale, but code 1 is 'Mand' in koen and 'Ja' in tick "
                            f"(codebook tables[3]) ({d})")
    cb.tables = cb.tables[:2]
    multi, battery = build_tables({"multi": read_data(d)}, cb, {"multi": w})
    base = (raw["tick"] + raw["kvinde"]) > 0
    wb = raw.loc[base, "w"]
    assert multi.value("Tilbud", "Procent (vægtet)") == pytest.approx((wb * raw.loc[base, "tick"]).sum() / wb.sum(), abs=1e-12)
    assert multi.value("Kvinde", "Procent (vægtet)") == pytest.approx((wb * raw.loc[base, "kvinde"]).sum() / wb.sum(), abs=1e-12)
    assert multi.value("I alt", "Antal (uvægtet)") == int(base.sum())
    assert multi.value("I alt", "Procent (vægtet)") is None  # the items overlap: no 100 % beside the base…
    assert any(f"(N = {int(base.sum()):,})".replace(",", ".") in n for n in multi.notes)  # …which the note states
    assert multi.value("Tilbud", "Antal (uvægtet)") == int(raw["tick"].sum())
    # battery rows are items; categories are the union of the items' scales in code order
    assert battery.column_labels == ["Nej", "Ja", "Total"]
    assert battery.value("Kvinde", "Ja") == pytest.approx(raw.loc[raw.koen == 2, "w"].sum() / raw["w"].sum(), abs=1e-12)
    assert battery.value("Tilbud", "Total") == 500


def test_column_letters_on_weighted_groups(files: dict[str, Path]) -> None:
    (t,) = tables(files, [{"type": "single", "variable": "lyst", "by": "vejledning", "letters": True}])
    assert t.column_labels[:4] == ["Slet ikke (A)", "", "I mindre grad (B)", ""]
    ja = t.row_labels.index("Ja")
    marks = {t.column_labels[j - 1]: t.cells[ja][j].value for j in range(1, len(t.column_labels), 2)}
    # weighted Ja: 4.0 % (Slet ikke) vs 35.5 % (I høj grad) – the high group must beat A
    assert "A" in marks["I høj grad (D)"] and marks["Slet ikke (A)"] == ""
    assert any(n.startswith("Anm.: Et bogstav ved en andel") and "effektiv N" in n for n in t.notes)


def test_weighted_and_unweighted_files_side_by_side_do_not_depend_on_weight_scale(files: dict[str, Path]) -> None:
    """Weights from `toolkit weight` sum to the population; the group test must not care."""
    raw = pd.read_csv(files["ref"])
    a, b = raw[raw.koen == 1].drop(columns="w"), raw[raw.koen == 2].drop(columns="w")
    cb = parse_codebook({**CODEBOOK, "tables": [{"type": "single", "variable": "lyst", "data": ["a", "b"]}]}, "cb.yaml")
    notes = []
    for scale in (1.0, 1000.0):
        w = weights_from_frame(pd.DataFrame({"id": raw.loc[raw.koen == 1, "id"], "weight": scale * raw.loc[raw.koen == 1, "w"]}))
        (t,) = build_tables({"a": read_data_frame(a), "b": read_data_frame(b)}, cb, {"a": w})
        notes.append([n for n in t.notes if "chi²" in n])
        sub = raw[raw.koen == 1]
        assert t.value("Ja", "A") == pytest.approx(sub.loc[sub.lyst == 1, "w"].sum() / sub["w"].sum(), abs=1e-12)
        assert t.value("Ja", "B") == pytest.approx((b.lyst == 1).mean(), abs=1e-12)
    assert notes[0] == notes[1] and notes[0][0].startswith("Anm.: Rao-Scott-korrigeret chi²-test")


def read_data_frame(df: pd.DataFrame):
    from toolkit.read.tabular import Dataset
    return Dataset(df.reset_index(drop=True))
