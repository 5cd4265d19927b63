"""Bad input to `toolkit crosstab` → one clear line naming file/row/column, exit code 2."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli

from toolkit.cli import main
from toolkit.config.codebook import parse_codebook
from toolkit.core.errors import ConfigError, DataError
from toolkit.read.tabular import Dataset
from toolkit.survey.crosstab import build_tables
from toolkit.survey.weights import weights_from_frame


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    p = tmp_path / "svar.csv"
    p.write_text("id;q1;m1;m2\n1;1;0;1\n2;2;1;1\n3;7;2;0\n4;1;0;0\n", encoding="utf-8")
    return p


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture()
def fails(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `toolkit crosstab ARGS` in-process through main() (its error handling included);
    return stderr after checking exit code 2 and no other output. (One test below runs the
    real subprocess to show the two agree.)"""

    def run(*args: object) -> str:
        monkeypatch.setattr(sys, "argv", ["toolkit", "crosstab", *map(str, args)])
        with pytest.raises(SystemExit) as e:
            main()
        out = capsys.readouterr()
        assert e.value.code == 2, (e.value.code, out)
        assert out.out == ""
        return out.err.strip()

    return run


def test_subprocess_gives_the_same_line_and_exit_code(tmp_path: Path, data: Path, fails) -> None:
    cb = write(tmp_path, "cb.yaml", "tables:\n  - {type: battery, items: [q1, q9]}\n")
    r = run_cli("crosstab", data, "-c", cb, "-o", tmp_path / "o.xlsx")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr.strip() == fails(data, "-c", cb, "-o", tmp_path / "o.xlsx")


def test_codebook_names_a_variable_the_file_lacks(tmp_path: Path, data: Path, fails) -> None:
    cb = write(tmp_path, "cb.yaml", "tables:\n  - {type: battery, items: [q1, q9]}\n")
    assert fails(data, "-c", cb, "-o", tmp_path / "o.xlsx") == (
        f"error: codebook {cb} tables[1] names variable 'q9', which the data file lacks; "
        f"the file has id, q1, m1, m2 ({data}, column q9)")
    assert not (tmp_path / "o.xlsx").exists()


def test_code_without_label_names_code_variable_and_row(tmp_path: Path, data: Path, fails) -> None:
    cb = write(tmp_path, "cb.yaml", "variables:\n  q1: {values: {1: Ja, 2: Nej}}\ntables:\n  - {type: single, variable: q1}\n")
    assert fails(data, "-c", cb, "-o", tmp_path / "o.xlsx") == (
        "error: code 7 in variable 'q1' has no label (labelled codes: 1, 2) (codebook tables[1]); add it under "
        f"variables: q1: values: in the codebook or list it as missing ({data}, row 4, column q1)")


def test_code_listed_as_missing_is_no_error_and_leaves_the_base(tmp_path: Path, data: Path) -> None:
    cb = parse_codebook({"variables": {"q1": {"values": {1: "Ja", 2: "Nej"}, "missing": [7]}},
                         "tables": [{"type": "single", "variable": "q1"}]})
    from toolkit.read.tabular import read_data
    (t,) = build_tables({"svar": read_data(data)}, cb)
    assert t.value("Total", "Antal") == 3 and t.value("Ja", "Procent") == pytest.approx(2 / 3)


def test_multi_response_column_not_0_1(tmp_path: Path, data: Path, fails) -> None:
    cb = write(tmp_path, "cb.yaml", "tables:\n  - {type: multi, items: [m1, m2]}\n")
    assert fails(data, "-c", cb, "-o", tmp_path / "o.xlsx") == (
        "error: multi-response column 'm1' must hold 0 (not ticked) or 1 (ticked) (codebook tables[1]); "
        f"found 2 (row 4) ({data}, column m1)")


def test_weights_whose_ids_do_not_match_say_how_many_and_which(tmp_path: Path, data: Path, fails) -> None:
    cb = write(tmp_path, "cb.yaml", "variables:\n  q1: {values: {1: Ja, 2: Nej, 7: Andet}}\n")
    w = write(tmp_path, "w.csv", "id,weight\n1,1.2\n2,0.8\n5,1.0\n6,1.0\n7,1.0\n")
    assert fails(data, "-c", cb, "-w", w, "-o", tmp_path / "o.xlsx") == (
        f"error: 2 of 4 respondents have no weight in {w} (ids 3, 4); 3 ids in the weights file are not in the data "
        f"(ids 5, 6, 7): the weights do not belong to this data file ({data}, column id)")


def test_weights_file_with_other_columns(tmp_path: Path, data: Path, fails) -> None:
    w = write(tmp_path, "w.csv", "id,vaegt,x\n1,1,1\n")
    assert fails(data, "-w", w, "-o", tmp_path / "o.xlsx") == (
        f"error: a weights file must have exactly two columns, the respondent id and 'weight'; it has id, vaegt, x ({w})")


def test_bad_weight_values_and_repeated_ids() -> None:
    with pytest.raises(DataError) as e:
        weights_from_frame(pd.DataFrame({"id": [1, 2, 3], "weight": [1.0, 0.0, float("nan")]}), "w.csv")
    assert str(e.value) == "2 weights are missing, zero, negative or not numbers (rows 3, 4) (w.csv, column weight)"
    with pytest.raises(DataError) as e:
        weights_from_frame(pd.DataFrame({"id": [1, 2, 1], "weight": [1.0, 1.0, 1.0]}), "w.csv")
    assert str(e.value) == "2 rows repeat an id; each respondent needs exactly one weight (rows 2, 4) (w.csv, column id)"


def test_empty_data_files(tmp_path: Path, fails) -> None:
    header_only = write(tmp_path, "tom.csv", "id;q1\n")
    assert fails(header_only, "-o", tmp_path / "o.xlsx") == f"error: the data file has no respondents (no data rows) ({header_only})"
    zero = write(tmp_path, "nul.csv", "")
    assert fails(zero, "-o", tmp_path / "o.xlsx") == f"error: the file is empty ({zero})"


def test_csv_without_labels_and_without_codebook(tmp_path: Path, data: Path, fails) -> None:
    assert fails(data, "-o", tmp_path / "o.xlsx") == (
        "error: nothing to tabulate: no variable has value labels; give labels and tables in a codebook")


def test_codebook_table_without_labels_points_to_the_codebook(tmp_path: Path, data: Path, fails) -> None:
    cb = write(tmp_path, "cb.yaml", "tables:\n  - {type: single, variable: q1}\n")
    assert fails(data, "-c", cb, "-o", tmp_path / "o.xlsx") == (
        "error: variable 'q1' has no value labels (codebook tables[1]); give them in the codebook "
        f"(variables: q1: values: {{1: …, 2: …}}) ({data}, column q1)")


def test_two_files_weights_need_a_name(tmp_path: Path, data: Path, fails) -> None:
    other = write(tmp_path, "andre.csv", "id;q1\n1;1\n")
    w = write(tmp_path, "w.csv", "id,weight\n1,1\n")
    assert fails(data, other, "-w", w, "-o", tmp_path / "o.xlsx") == (
        f"error: --weights {w}: say which data file it weights as NAME=PATH; names: svar, andre")


# ------------------------------------------------------------------ codebook validation
def config_error(raw: object) -> str:
    with pytest.raises(ConfigError) as e:
        parse_codebook(raw, "cb.yaml")
    return str(e.value)


@pytest.mark.parametrize("raw,message", [
    ({"tables": [{"type": "batery", "items": ["a"]}]},
     "tables[1].type: 'batery' is not allowed; use one of: single, battery, multi, twoway, open (did you mean 'battery'?) (cb.yaml)"),
    ({"tables": [{"items": ["a"]}]},
     "tables[1].type: required key is missing (cb.yaml)"),
    ({"tables": [{"type": "battery", "itmes": ["a"]}]},
     "tables[1].itmes: unknown key 'itmes'; did you mean 'items'? (cb.yaml)"),
    ({"tables": [{"type": "battery", "items": ["a"], "zzz": 1}]},
     "tables[1].zzz: unknown key 'zzz'; allowed: type, id, number, title, question, variable, items, row, column, data, by, "
     "layout, filter, base, sort, letters, test, note, source, missing, stub (cb.yaml)"),
    ({"tables": [{"type": "battery"}]}, "tables[1]: a battery table needs 'items:' (cb.yaml)"),
    ({"tables": [{"type": "twoway", "row": "a"}]}, "tables[1]: a twoway table needs 'column:' (cb.yaml)"),
    ({"tables": [{"type": "twoway", "row": "a", "column": "b", "by": "c"}]},
     "tables[1]: a twoway table cannot be split into groups; make one table per group with 'data:' or 'filter:' (cb.yaml)"),
    ({"tables": [{"type": "single", "variable": "a"}, {"type": "open", "variable": "a"}]},
     "tables[2]: table id 'a' is already used by tables[1]; give one of them 'id:' (cb.yaml)"),
    ({"tables": [{"type": "single", "variable": "a", "layout": "side"}]},
     "tables[1].layout: 'side' is not allowed; use one of: columns, rows (cb.yaml)"),
    ({"tables": [{"type": "battery", "items": ["a", "a"]}]}, "tables[1].items: variable 'a' is listed twice (cb.yaml)"),
    ({"tables": [{"type": "single", "variable": "a", "filter": {"b": []}}]},
     "tables[1].filter.b: list the code(s) of those who were asked (cb.yaml)"),
    ({"tables": [{"type": "single", "variable": "a", "letters": "ja"}]}, "tables[1].letters: expected true or false, got 'ja' (cb.yaml)"),
    ({"variables": {"q": {"values": "grad"}}}, "variables.q.values: unknown scale 'grad'; defined scales: (none) (cb.yaml)"),
    ({"variables": {"q": {"lable": "x"}}}, "variables.q.lable: unknown key 'lable'; did you mean 'label'? (cb.yaml)"),
    ({"tabels": []}, "tabels: unknown key 'tabels'; did you mean 'tables'? (cb.yaml)"),
    ({"tables": {"type": "single"}}, "tables: expected a list of tables (lines starting with '- type: …'), got a mapping (cb.yaml)"),
    ([1, 2], "expected a mapping (key: value lines), got a list (cb.yaml)"),
])
def test_codebook_errors_name_file_and_key(raw: object, message: str) -> None:
    assert config_error(raw) == message


def test_codebook_data_name_unknown(tmp_path: Path) -> None:
    cb = parse_codebook({"tables": [{"type": "single", "variable": "q", "data": "staff"}]}, "cb.yaml")
    ds = Dataset(pd.DataFrame({"q": [1, 2]}), None, {}, {"q": {1.0: "Ja", 2.0: "Nej"}})
    with pytest.raises(ConfigError) as e:
        build_tables({"ledere": ds}, cb)
    assert str(e.value) == ("tables[1].data: no data file named 'staff'; given: ledere (name a file NAME=PATH on the "
                            "command line, or use its file name without extension) (cb.yaml)")


def test_invalid_yaml_names_the_line(tmp_path: Path, data: Path, fails) -> None:
    cb = write(tmp_path, "cb.yaml", "tables:\n  - type: single\n   variable: q1\n")
    assert fails(data, "-c", cb, "-o", tmp_path / "o.xlsx").startswith("error: invalid YAML: ")
