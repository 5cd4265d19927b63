"""`toolkit codebook`: drafts that `toolkit crosstab` accepts as they stand, recover the demo's
batteries and multi-response sets, and find each pattern in a file built to contain it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import run_main

from toolkit.config.codebook import load_codebook
from toolkit.config.yaml import read_yaml
from toolkit.read.tabular import read_data
from toolkit.survey.crosstab import build_tables
from toolkit.survey.draft import draft_codebook

SURVEYS = Path(__file__).resolve().parents[2] / "surveys" / "demo"
DEMO = ["ledere", "medarbejdere", "politikere", "borgere"]


def numbers(table) -> list[list[object]]:
    return [[c.value for c in row] for row in table.cells]


@pytest.mark.parametrize("name", DEMO)
def test_demo_draft_is_accepted_by_crosstab_and_recovers_the_hand_written_sets(demo_dir: Path, tmp_path: Path, name: str) -> None:
    data = demo_dir / f"{name}.sav"
    draft = tmp_path / "draft.yaml"
    run_main("codebook", data, "--out", draft)
    run_main("crosstab", data, "-c", draft, "-o", tmp_path / "t.xlsx")
    drafted = load_codebook(draft)
    ds = {name: read_data(data)}
    by_items = {(t.type, tuple(t.items or [t.variable])): t for t in drafted.tables}
    hand = load_codebook(SURVEYS / f"codebook_{name}.yaml")
    sets = [t for t in hand.tables if t.type in ("battery", "multi")]
    assert sets or name == "politikere"
    for t in hand.tables:
        if t.type == "twoway" or t.by:
            continue  # two-way tables and groups side by side are the evaluator's to add
        key = (t.type, tuple(t.items or [t.variable]))
        assert key in by_items, f"{name}: the draft lacks {key}"
        # the same numbers as the hand-written table (titles and row labels may differ)
        mine = build_tables(ds, type(drafted)(tables=[by_items[key]]))[0]
        theirs = build_tables(ds, type(hand)(tables=[t]))[0]
        assert numbers(mine) == numbers(theirs), key
        assert mine.column_labels == theirs.column_labels


def test_demo_filter_question_is_proposed_commented(demo_dir: Path, tmp_path: Path) -> None:
    draft = tmp_path / "m.yaml"
    run_main("codebook", demo_dir / "medarbejdere.sav", "-o", draft)
    text = draft.read_text(encoding="utf-8")
    entry = text[text.index("variable: projekt_udbytte"):].split("\n\n")[0]
    assert "# filter: {projekt: 1}" in entry
    assert all(not t.filter for t in load_codebook(draft).tables)  # proposed, not applied
    # open text and ids are skipped with a reason, in file order
    skip = read_yaml(draft)["skip"]
    assert skip == ["id", "kommune", "rolle", "nye_redskaber"]
    for name, why in (("id", "id"), ("kommune", "98 labelled categories"), ("nye_redskaber", "open text")):
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(f"- {name} "))
        assert why in line, line


@pytest.fixture(scope="module")
def patterns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A .sav with one column (or group of columns) per pattern the draft must find."""
    rng = np.random.default_rng(7)
    n = 60
    scale = {1: "Meget utilfreds", 2: "Utilfreds", 3: "Tilfreds", 4: "Meget tilfreds"}
    agree = {1: "Helt uenig", 2: "Uenig", 3: "Enig", 4: "Helt enig", 5: "Ved ikke"}
    df = pd.DataFrame({"lbnr": np.arange(1, n + 1), "vaegt": rng.uniform(0.5, 2, n).round(4),
                       "koen": rng.integers(1, 3, n)})
    var = {"lbnr": "Løbenummer", "vaegt": "Vægt", "koen": "Køn"}
    val: dict[str, dict[float, str]] = {"koen": {1: "Mand", 2: "Kvinde"}}
    df["q1"] = rng.choice([1, 2, 3, 9], n)
    var["q1"], val["q1"] = "Hvordan vil du vurdere forløbet?", {1: "Godt", 2: "Middel", 3: "Dårligt", 9: "Ubesvaret"}
    df["q2"] = rng.choice([1, 2, 3, 4, 5, 98], n)
    var["q2"], val["q2"] = "Hvor mange samtaler har du haft?", {1: "Ingen", 2: "1", 3: "2-3", 4: "4-5", 5: "Flere", 98: "Ved ikke"}
    for s, item in zip("abcd", ["sagsbehandleren", "tilbuddene", "ventetiden", "informationen"]):
        df[f"q5{s}"] = rng.integers(1, 5, n)
        var[f"q5{s}"], val[f"q5{s}"] = f"Hvor tilfreds er du med {item}", dict(scale)
    for k, item in enumerate(["Forløbet var relevant", "Jeg blev hørt", "Jeg fik hjælp"], start=1):
        df[f"sp_{k}"] = rng.integers(1, 6, n)
        var[f"sp_{k}"], val[f"sp_{k}"] = f"Hvor enig er du i følgende udsagn? – {item}", dict(agree)
    for k, item in enumerate(["Praktik", "Kursus", "Mentor", "Løntilskud"], start=1):
        df[f"tick_{k}"] = (rng.random(n) < 0.4).astype(int)
        var[f"tick_{k}"], val[f"tick_{k}"] = f"Hvilke tilbud har du fået? – {item}", {0: "Ikke valgt", 1: "Valgt"}
    for k, item in enumerate(["Hjælp til CV", "Hjælp til ansøgninger", "Hjælp til transport"], start=1):
        df[f"hj_{k}"] = np.where(rng.random(n) < 0.5, 1.0, np.nan)
        var[f"hj_{k}"], val[f"hj_{k}"] = "Hvilken hjælp har du fået?", {1: item}
    for k, item in enumerate(["Motion", "Kost", "Søvn"], start=1):
        df[f"jn_{k}"] = rng.integers(0, 2, n)
        var[f"jn_{k}"], val[f"jn_{k}"] = f"Har forløbet omfattet følgende? – {item}", {0: "Nej", 1: "Ja"}
    df["job"] = rng.choice([1, 2], n, p=[0.4, 0.6])
    var["job"], val["job"] = "Er du i job?", {1: "Ja", 2: "Nej"}
    df["job_tilfreds"] = np.where(df["job"] == 1, rng.integers(1, 5, n), np.nan)
    var["job_tilfreds"], val["job_tilfreds"] = "Hvor tilfreds er du med jobbet?", dict(scale)
    df["kommentar"] = [f"Kommentar nummer {i}" for i in range(n)]
    var["kommentar"] = "Har du andre kommentarer?"
    df["kommune"] = rng.integers(1, 26, n)
    var["kommune"], val["kommune"] = "Kommune", {k: f"Kommune {k}" for k in range(1, 26)}
    df["antal"] = rng.integers(0, 4, n)
    var["antal"] = "Antal børn"
    df["uventet"] = rng.choice([1, 2, 3, 4], n)
    var["uventet"], val["uventet"] = "Hvor ofte?", {1: "Aldrig", 2: "Sjældent", 3: "Ofte"}
    df["v1"] = rng.integers(1, 3, n)
    df["v2"] = rng.integers(1, 3, n)
    var["v1"], var["v2"] = "Har du børn?", "Bor du alene?"
    val["v1"], val["v2"] = {1: "Ja", 2: "Nej"}, {1: "Ja", 2: "Nej"}
    path = tmp_path_factory.mktemp("patterns") / "moenstre.sav"
    pyreadstat.write_sav(df, str(path), column_labels=[var[c] for c in df.columns],
                         variable_value_labels={k: {float(c): v for c, v in lab.items()} for k, lab in val.items()},
                         missing_ranges={"q1": [9], "q2": [{"lo": 97, "hi": 99}]})
    return path


def test_each_pattern_is_found(patterns: Path, tmp_path: Path) -> None:
    assert read_data(patterns).missing_ranges == {"q1": [(9.0, 9.0)], "q2": [(97.0, 99.0)]}  # as written by pyreadstat above
    out = tmp_path / "draft.yaml"
    run_main("codebook", patterns, "-o", out)
    text = out.read_text(encoding="utf-8")
    cb = load_codebook(out)
    got = [(t.type, t.items or [t.variable]) for t in cb.tables]
    assert got == [
        ("single", ["koen"]), ("single", ["q1"]), ("single", ["q2"]),
        ("battery", ["q5a", "q5b", "q5c", "q5d"]), ("battery", ["sp_1", "sp_2", "sp_3"]),
        ("multi", ["tick_1", "tick_2", "tick_3", "tick_4"]), ("multi", ["hj_1", "hj_2", "hj_3"]),
        ("battery", ["jn_1", "jn_2", "jn_3"]),  # 0/1 coded Ja/Nej is a battery, not a tick list
        ("single", ["job"]), ("single", ["job_tilfreds"]), ("single", ["uventet"]),
        ("single", ["v1"]), ("single", ["v2"]),  # same scale, unrelated questions: not a battery
    ]
    assert cb.skip == ["lbnr", "vaegt", "kommentar", "kommune", "antal"]
    specs = {t.items[0] if t.items else t.variable: t for t in cb.tables}
    assert specs["q1"].missing == [9.0] and specs["q2"].missing == [98.0]  # the labelled code in the range 97-99
    assert specs["uventet"].missing == [4.0]  # unlabelled code in the data: missing, with a comment saying so
    assert "code(s) 4 in the data have no value label" in text and "declared missing in the file (97-99)" in text
    q5 = specs["q5a"]
    assert q5.id == "q5" and q5.title == "Hvor tilfreds er du med"
    assert q5.item_labels == {"q5a": "sagsbehandleren", "q5b": "tilbuddene", "q5c": "ventetiden", "q5d": "informationen"}
    assert specs["hj_1"].item_labels == {"hj_1": "Hjælp til CV", "hj_2": "Hjælp til ansøgninger", "hj_3": "Hjælp til transport"}
    assert "# filter: {job: 1}" in text.split("variable: job_tilfreds")[1].split("\n\n")[0]
    assert "'Ved ikke' (5) counts in the base" in text
    # every entry carries a comment saying what was guessed
    for entry in text.split("\ntables:\n")[1].strip().split("\n\n"):
        assert entry.lstrip().startswith("#"), entry

    # the draft runs as it stands, and its tables say what the file holds
    ds = {"moenstre": read_data(patterns)}
    tables = {t.id: t for t in build_tables(ds, cb)}
    raw = pyreadstat.read_sav(str(patterns), user_missing=True)[0]
    q1 = tables["q1"]
    assert q1.row_labels == ["Godt", "Middel", "Dårligt", "Total"]  # no empty 'Ubesvaret' row
    assert [r[0].value for r in q1.cells[:3]] == [int((raw["q1"] == c).sum()) for c in (1, 2, 3)]
    assert "Ved ikke" not in tables["q2"].row_labels
    assert tables["q5"].row_labels == ["sagsbehandleren", "tilbuddene", "ventetiden", "informationen"]
    assert tables["q5"].title == "Hvor tilfreds er du med"
    assert tables["sp"].row_labels == ["Forløbet var relevant", "Jeg blev hørt", "Jeg fik hjælp"]
    hj = tables["hj"]
    assert hj.row_labels[:3] == ["Hjælp til CV", "Hjælp til ansøgninger", "Hjælp til transport"]
    ticked = raw[["hj_1", "hj_2", "hj_3"]].notna()
    base = int(ticked.any(axis=1).sum())
    assert [r[0].value for r in hj.cells] == [int(ticked[c].sum()) for c in ticked] + [base]
    assert tables["uventet"].cells[-1][0].value == int((raw["uventet"] != 4).sum())


def test_ids_stay_unique_and_names_are_quoted(tmp_path: Path) -> None:
    """A variable named like a battery's stem, and names YAML would read as something else."""
    df = pd.DataFrame({"maal": [1, 2, 1, 2], "maal_1": [1, 2, 2, 1], "maal_2": [2, 2, 1, 1], "true": [1, 1, 2, 2]})
    p = tmp_path / "navne.sav"
    lab = {1.0: "Ja", 2.0: "Nej"}
    pyreadstat.write_sav(df, str(p), column_labels=["Mål", "Mål – et", "Mål – to", "Sandt?"],
                         variable_value_labels={c: lab for c in df.columns})
    out = tmp_path / "navne.yaml"
    run_main("codebook", p, "-o", out)
    cb = load_codebook(out)
    assert [(t.type, t.id) for t in cb.tables] == [("single", None), ("battery", "maal_2"), ("single", None)]
    assert cb.tables[2].variable == "true"
    assert len(build_tables({"navne": read_data(p)}, cb)) == 3


def test_csv_with_an_existing_codebook_is_extended_in_place(demo_dir: Path, tmp_path: Path) -> None:
    """A CSV export has no labels; the codebook gives them, keeps its tables and comments, and
    gets tables for the columns it did not cover."""
    csv = tmp_path / "medarbejdere.csv"
    pyreadstat.read_sav(str(demo_dir / "medarbejdere.sav"))[0].to_csv(csv, index=False)
    old = tmp_path / "old.yaml"
    old.write_text(
        "# last wave's codebook\n"
        "variables:\n"
        "  \"maal_*\": {values: {1: Slet ikke, 2: I mindre grad, 3: I nogen grad, 4: I høj grad, 5: Ved ikke}}\n"
        "  behov: {label: \"Hvad skal der til?\", values: {1: Mere af det samme, 2: Nye redskaber, 3: Andet, 4: Ved ikke}}\n"
        "  projekt: {values: {1: Ja, 2: Nej, 3: Ved ikke}}\n"
        "tables:\n"
        "  - type: single\n"
        "    variable: projekt   # kept as it is\n"
        "\n"
        "# a comment after the tables\n"
        "skip: [rolle, nye_redskaber, \"redsk_*\", \"elem_*\", projekt_udbytte, nye_redskaber_kode, kommune]\n",
        encoding="utf-8")
    new = tmp_path / "new.yaml"
    run_main("codebook", csv, "--codebook", old, "-o", new)
    text = new.read_text(encoding="utf-8")
    assert text.startswith(old.read_text(encoding="utf-8").split("\n\n")[0])  # the old text up to its tables, untouched
    assert "variable: projekt   # kept as it is" in text and text.rstrip().endswith("projekt_udbytte, nye_redskaber_kode, kommune]")
    cb = load_codebook(new)
    assert [(t.type, t.items or [t.variable]) for t in cb.tables] == [
        ("single", ["projekt"]), ("battery", ["maal_1", "maal_2", "maal_3"]), ("single", ["behov"])]
    assert "  # - id  " in text  # the id column is listed as a comment, the skip list is the evaluator's
    run_main("crosstab", csv, "-c", new, "-o", tmp_path / "t.xlsx")


@pytest.fixture()
def fails(cli):
    def run(*args: object) -> str:
        code, out, err = cli("codebook", *args)
        assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("error: "), (code, out, err)
        return err.strip()

    return run


def test_bad_input_gives_one_error_line(demo_dir: Path, tmp_path: Path, fails) -> None:
    assert "file not found" in fails(tmp_path / "none.sav")
    assert "refusing to overwrite an input" in fails(demo_dir / "ledere.sav", "-o", demo_dir / "ledere.sav")
    csv = tmp_path / "plain.csv"
    csv.write_text("id,a,b\n1,1,2\n2,2,3\n", encoding="utf-8")
    assert "nothing to tabulate" in fails(csv)
    flow = tmp_path / "flow.yaml"
    flow.write_text("tables: [{type: single, variable: a}]\n", encoding="utf-8")
    assert "tables: must be a block list" in fails(demo_dir / "ledere.sav", "-c", flow)


def test_draft_without_out_prints_the_codebook(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_main("codebook", demo_dir / "politikere.sav")
    out = capsys.readouterr()
    assert "variable: fokus" in out.out and "2 tables drafted" in out.err


def test_draft_is_a_pure_function_of_the_dataset(demo_dir: Path) -> None:
    ds = read_data(demo_dir / "borgere.sav")
    before = ds.data.copy()
    a, b = draft_codebook(ds), draft_codebook(ds)
    assert a == b
    pd.testing.assert_frame_equal(ds.data, before)
