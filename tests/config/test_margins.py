"""Margins files: every bad line listed with its spreadsheet row and column (CSV) or key (YAML)."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.config.margins import read_margins
from toolkit.core.errors import ConfigError


def lines(p: Path) -> list[str]:
    with pytest.raises(ConfigError) as e:
        read_margins(p)
    return str(e.value).splitlines()


def test_csv_problems_name_row_and_column(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text("variable;category;target\nkoen;Mand;mange\n;x;1\nkoen;;3\nalder;1;0\nkoen;Kvinde;4\nkoen;kvinde;5\n", encoding="utf-8")
    assert lines(p) == [
        f"5 problems in {p}:",
        "  row 2, column target: target for koen = 'Mand' is not a number: 'mange'",
        "  row 3, column variable: blank variable name",
        "  row 4, column category: blank category for variable 'koen'",
        "  row 5, column target: target for alder = '1' is 0; targets must be positive (drop a category nobody belongs to, "
        "or merge it with a neighbour in the data and the margins)",
        "  row 7, column category: category 'kvinde' of variable 'koen' is listed twice",
    ]


def test_checks_across_lines_are_listed_together(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text("variable,category,target\nkoen,Mand,5\nkoen,Kvinde,5\nalder,1,4\nalder,2,5\nx,1,50 %\nx,2,0.5\n", encoding="utf-8")
    assert lines(p) == [
        f"2 problems in {p}:",
        "  row 6, column target: variable 'x' mixes percentages and plain numbers; write all its targets the same way",
        "  row 4, column target: the population totals differ between variables (koen 10, alder 9); the counts of every "
        "variable must add up to the same population (or give shares)",
    ]


def test_yaml_problems_name_the_key_and_codes_keep_their_text(tmp_path: Path) -> None:
    p = tmp_path / "m.yaml"
    p.write_text("margins:\n  koen: {Mand: 5, Kvinde: x}\n  alder: {0657: 0, yes: 5}\n", encoding="utf-8")
    assert lines(p) == [
        f"2 problems in {p}:",
        "  margins.koen.Kvinde: target for koen = 'Kvinde' is not a number: 'x'",
        "  margins.alder.0657: target for alder = '0657' is 0; targets must be positive (drop a category nobody belongs to, "
        "or merge it with a neighbour in the data and the margins)",
    ]
    p.write_text("koen: {Mand: 5, Kvinde: 5}\nalder: {0657: 5, yes: 5}\n", encoding="utf-8")
    assert read_margins(p).margins[1].categories == ["0657", "yes"]  # YAML 1.1: 431 and True
