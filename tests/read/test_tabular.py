"""Input reading: CSV dialects and encodings, labelled SPSS files, Excel, Parquet, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from toolkit.config.yaml import read_yaml
from toolkit.core.errors import ConfigError, DataError, InputError
from toolkit.read.tabular import read_columns, read_data, sha256


def test_semicolon_cp1252_csv_keeps_danish_letters_and_decimal_comma(tmp_path: Path) -> None:
    p = tmp_path / "kommuner.csv"
    p.write_bytes("kommune;navn;andel\n657;Herning;12,5\n820;Vesthimmerland;7,25\n101;København;0,5\n".encode("cp1252"))
    ds = read_data(p)
    assert list(ds.data.columns) == ["kommune", "navn", "andel"]
    assert ds.data["navn"].tolist() == ["Herning", "Vesthimmerland", "København"]
    assert ds.data["andel"].tolist() == [12.5, 7.25, 0.5]


def test_comma_utf8_csv_with_bom_and_æøå_header(tmp_path: Path) -> None:
    p = tmp_path / "svar.csv"
    p.write_bytes("\ufeffid,køn,område\n1,Mand,Århus\n2,Kvinde,Ærø\n".encode("utf-8"))
    ds = read_data(p)
    assert list(ds.data.columns) == ["id", "køn", "område"]
    assert ds.data["område"].tolist() == ["Århus", "Ærø"]


def test_quoted_decimal_comma_in_comma_separated_file(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text('id,score\n1,"1,5"\n2,"2,25"\n', encoding="utf-8")
    assert read_data(p).data["score"].tolist() == [1.5, 2.25]


def test_sav_keeps_variable_and_value_labels(tmp_path: Path) -> None:
    p = tmp_path / "ledere.sav"
    df = pd.DataFrame({"id": [1.0, 2.0, 3.0], "q1": [1.0, 2.0, np.nan]})
    pyreadstat.write_sav(df, str(p), column_labels=["Id", "Har kommunen et projekt?"],
                         variable_value_labels={"q1": {1.0: "Ja", 2.0: "Nej"}})
    ds = read_data(p)
    assert ds.variable_labels["q1"] == "Har kommunen et projekt?"
    assert ds.value_labels["q1"] == {1.0: "Ja", 2.0: "Nej"}
    assert ds.label("q1") == "Har kommunen et projekt?"
    assert ds.label("id") == "Id"


def test_xlsx_and_parquet_round_trip(tmp_path: Path) -> None:
    df = pd.DataFrame({"kommune": [657, 661], "navn": ["Herning", "Holstebro"]})
    df.to_excel(tmp_path / "a.xlsx", index=False)
    df.to_parquet(tmp_path / "a.parquet")
    assert read_data(tmp_path / "a.xlsx").data["navn"].tolist() == ["Herning", "Holstebro"]
    got = read_data(tmp_path / "a.parquet", columns=["kommune"]).data
    assert list(got.columns) == ["kommune"]
    assert read_columns(tmp_path / "a.parquet") == ["kommune", "navn"]


def test_missing_file_and_unsupported_type(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        read_data(tmp_path / "nope.csv")
    assert str(e.value) == f"file not found ({tmp_path / 'nope.csv'})"
    (tmp_path / "a.doc").write_text("x")
    with pytest.raises(InputError) as e:
        read_data(tmp_path / "a.doc")
    assert "unsupported file type '.doc'" in str(e.value)


def test_missing_requested_column_is_named(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_data(p, columns=["a", "pnr"])
    assert str(e.value) == f"column 'pnr' not found; the file has a, b ({p}, column pnr)"


def test_empty_csv_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "empty.csv"
    p.write_text("", encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_data(p)
    assert str(e.value) == f"the file is empty ({p})"


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    p = tmp_path / "w.yaml"
    p.write_text("a: 1\nb: [1, 2\nc: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        read_yaml(p)
    assert str(e.value).startswith("invalid YAML:") and "row" in str(e.value)


def test_sha256_matches_hashlib(tmp_path: Path) -> None:
    import hashlib

    p = tmp_path / "f.bin"
    p.write_bytes(b"abc")
    assert sha256(p) == hashlib.sha256(b"abc").hexdigest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
