"""The one validation path: strict models, key paths counted from 1, nearest names, all problems."""

from __future__ import annotations

from typing import Literal, Optional

import pytest
from pydantic import model_validator

from toolkit.config.base import (
    ConfigProblems,
    MunicipalityCode,
    OneOrMany,
    Problem,
    Strict,
    Text,
    check_all,
    key_path,
    suggest,
    validate,
)
from toolkit.config.yaml import parse_yaml


class Leaf(Strict):
    quarter: Optional[str] = None
    layout: Literal["columns", "rows"] = "rows"
    n: int = 0


class Node(Strict):
    name: Text
    leaves: list[Leaf] = []
    by_name: dict[str, Leaf] = {}
    codes: OneOrMany[MunicipalityCode] = []

    @model_validator(mode="after")
    def _cross(self) -> "Node":
        check_all([(("leaves", i, "n"), f"n {leaf.n} is odd") for i, leaf in enumerate(self.leaves) if leaf.n % 2])
        return self


def problems(data: object) -> list[str]:
    with pytest.raises(ConfigProblems) as e:
        validate(Node, data, "f.yaml")
    return [p.line() for p in e.value.problems]


def test_every_problem_is_listed_with_its_key_path_counted_from_1_in_file_order() -> None:
    data = {"name": "x", "leaves": [{}, {"quater": "2022Q2", "n": "many"}, {"layout": "colums"}],
            "by_name": {"a": {"n": 1, "m": 2}}, "extra": 1}
    assert problems(data) == [
        "leaves[2].quater: unknown key 'quater'; did you mean 'quarter'?",
        "leaves[2].n: expected a whole number, got 'many'",
        "leaves[3].layout: 'colums' is not allowed; use one of: columns, rows (did you mean 'columns'?)",
        "by_name.a.m: unknown key 'm'; allowed: quarter, layout, n",
        "extra: unknown key 'extra'; allowed: name, leaves, by_name, codes",
    ]


def test_checks_across_keys_report_each_at_its_own_key() -> None:
    assert problems({"name": "x", "leaves": [{"n": 1}, {"n": 2}, {"n": 3}]}) == ["leaves[1].n: n 1 is odd", "leaves[3].n: n 3 is odd"]


def test_one_problem_is_one_line_several_are_one_line_each() -> None:
    with pytest.raises(ConfigProblems) as e:
        validate(Node, {}, "f.yaml")
    assert str(e.value) == "name: required key is missing (f.yaml)"
    with pytest.raises(ConfigProblems) as e:
        validate(Node, {"leaves": 3}, "f.yaml")
    # in file order, missing keys last
    assert str(e.value) == "2 problems in f.yaml:\n  leaves: expected a list, got 3\n  name: required key is missing"
    assert str(Problem("blank", "m.csv", row=3, column="variable")) == "blank (m.csv, row 3, column variable)"


def test_municipality_codes_leading_zero_and_range() -> None:
    node = validate(Node, parse_yaml("name: x\ncodes: [0657, 661, '0820']\n"), "f.yaml")
    assert node.codes == [657, 661, 820]
    assert validate(Node, {"name": "x", "codes": 657}, "f.yaml").codes == [657]
    assert problems({"name": "x", "codes": [0, 1000, True, "65a", 6.5]}) == [
        f"codes[{i}]: expected a municipality code (a whole number 1-999, e.g. 657), got {v}"
        for i, v in [(1, 0), (2, 1000), (3, "true"), (4, "'65a'"), (5, 6.5)]]


def test_text_reads_numbers_as_written() -> None:
    assert validate(Node, parse_yaml("name: 2.10\n"), "f.yaml").name == "2.10"
    assert validate(Node, parse_yaml("name: 0657\n"), "f.yaml").name == "0657"
    assert problems({"name": ["a"]}) == ["name: expected text, got a list"]
    assert problems({"name": True}) == ["name: expected text, got true"]


def test_key_path_follows_the_data() -> None:
    data = {"chapters": [{"items": [{"profile": {"quater": 1}}]}], "m": {0: {"x": 1}}}
    assert key_path(("chapters", 4, "items", 0, "profile", "quater"), {"chapters": [{}] * 5}) == "chapters[5].items[1].profile.quater"
    assert key_path(("chapters", 0, "items", 0, "profile", "quater"), data) == "chapters[1].items[1].profile.quater"
    assert key_path(("m", 0, "x"), data) == "m.0.x"  # a mapping key, not a list position


def test_suggest() -> None:
    assert suggest("quater", ["survey", "quarter", "subgroup"]) == "unknown key 'quater'; did you mean 'quarter'?"
    assert suggest("zzz", ["a", "b"], "item") == "unknown item 'zzz'; allowed: a, b"
