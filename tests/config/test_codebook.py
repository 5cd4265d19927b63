"""Codebook files: every problem in one error with its key path; codes keep their text."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.config.codebook import load_codebook
from toolkit.core.errors import ConfigError
from toolkit.read.tabular import read_data
from toolkit.survey.crosstab import build_tables


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_every_problem_of_the_file_is_listed(tmp_path: Path) -> None:
    cb = write(tmp_path, "cb.yaml", """
titel: Ledere
variables:
  q1: {values: {1: Ja, 2: [Nej]}, lable: Spørgsmål}
tables:
  - {type: battery, items: [a, b], layout: colums}
  - {type: single, variable: q1, sort: antal}
  - {type: twoway, row: a}
  - {type: single, variable: q1, letters: yes}
""")
    with pytest.raises(ConfigError) as e:
        load_codebook(cb)
    assert str(e.value).splitlines() == [
        f"7 problems in {cb}:",
        "  titel: unknown key 'titel'; did you mean 'title'?",
        "  variables.q1.values.2: expected text, got a list",
        "  variables.q1.lable: unknown key 'lable'; did you mean 'label'?",
        "  tables[1].layout: 'colums' is not allowed; use one of: columns, rows (did you mean 'columns'?)",
        "  tables[2].sort: 'antal' is not allowed; use one of: code, count",
        "  tables[3]: a twoway table needs 'column:'",
        "  tables[4].letters: expected true or false, got 'yes'",
    ]


def test_yes_and_no_stay_codes_as_written(tmp_path: Path) -> None:
    # YAML 1.1 would read yes/no as true/false, i.e. the codes 1 and 0, and the labels would
    # never meet the answers 'yes'/'no' in the data
    data = write(tmp_path, "svar.csv", "id;svar\n1;yes\n2;no\n3;yes\n4;dk\n")
    cb = write(tmp_path, "cb.yaml", "variables:\n  svar: {values: {yes: Ja, no: Nej}, missing: [dk]}\n"
                                    "tables:\n  - {type: single, variable: svar, number: 2.10}\n")
    book = load_codebook(cb)
    assert book.variables["svar"].values == {"yes": "Ja", "no": "Nej"} and book.variables["svar"].missing == ["dk"]
    assert book.tables is not None and book.tables[0].number == "2.10"
    (t,) = build_tables({"svar": read_data(data)}, book)
    assert (t.value("Ja", "Antal"), t.value("Nej", "Antal"), t.value("Total", "Antal")) == (2, 1, 3)


def test_numeric_codes_with_leading_zeros_meet_the_data(tmp_path: Path) -> None:
    data = write(tmp_path, "svar.csv", "id;q\n1;1\n2;2\n3;2\n")
    cb = write(tmp_path, "cb.yaml", "variables:\n  q: {values: {01: Ja, 02: Nej}}\ntables:\n  - {type: single, variable: q}\n")
    (t,) = build_tables({"svar": read_data(data)}, load_codebook(cb))
    assert (t.value("Ja", "Antal"), t.value("Nej", "Antal")) == (1, 2)
