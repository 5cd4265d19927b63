"""YAML is read so that codes and ids keep their text: no octal, no yes/no booleans, no dates."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from toolkit.config.yaml import YamlFloat, parse_yaml, read_yaml
from toolkit.core.errors import ConfigError


@pytest.mark.parametrize("text,value", [
    ("0657", "0657"),  # YAML 1.1: the octal number 431
    ("0820", "0820"),  # YAML 1.1: the text "0820" (8 is no octal digit) – the two must agree
    ("00", "00"),
    ("-0657", "-0657"),
    ("657", 657),
    ("-3", -3),
    ("+4", 4),
    ("0", 0),
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"), ("N", "N"), ("NO", "NO"),
    ("true", True), ("False", False), ("TRUE", True),
    ("1:30", "1:30"),  # YAML 1.1: 90 (sexagesimal)
    ("0x1F", "0x1F"), ("0o17", "0o17"), ("1_000", "1_000"),
    ("2020-01-15", "2020-01-15"),  # YAML 1.1: a date
    ("2023-12", "2023-12"),
    ("1e5", "1e5"),  # a float needs its decimal point
    ("010.5", "010.5"),
    ("~", None), ("null", None), ("", None),
])
def test_plain_scalars(text: str, value: object) -> None:
    got = parse_yaml(f"k: {text}\n")["k"]
    assert got == value and type(got) is type(value)


def test_floats_keep_the_text_they_were_written_with() -> None:
    doc = parse_yaml("a: 2.10\nb: -0.5\nc: .25\nd: 1.5e3\ne: .inf\nf: -.inf\ng: .nan\n")
    assert [doc[k] for k in "abcd"] == [2.1, -0.5, 0.25, 1500.0]
    assert isinstance(doc["a"], YamlFloat) and doc["a"].text == "2.10" and doc["d"].text == "1.5e3"
    assert doc["e"] == math.inf and doc["f"] == -math.inf and math.isnan(doc["g"])


def test_keys_follow_the_same_rules_and_merges_work() -> None:
    doc = parse_yaml("programme: {0657: Herning, 661: Holstebro, yes: x}\nbase: &b {x: 1, y: 2}\nm: {<<: *b, y: 3}\n")
    assert doc["programme"] == {"0657": "Herning", 661: "Holstebro", "yes": "x"}
    assert doc["m"] == {"x": 1, "y": 3}


def test_tagged_int_is_decimal() -> None:
    assert parse_yaml("a: !!int 0657\n")["a"] == 657


def test_a_key_given_twice_is_an_error_naming_the_line(tmp_path: Path) -> None:
    p = tmp_path / "w.yaml"
    p.write_text("programme:\n  657: Herning\n  657: Holstebro\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        read_yaml(p)
    assert str(e.value) == f"invalid YAML: the key '657' is given twice in one mapping ({p}, row 3)"


def test_cp1252_file_is_read(tmp_path: Path) -> None:
    p = tmp_path / "w.yaml"
    p.write_bytes("title: Målopfyldelse\n".encode("cp1252"))
    assert read_yaml(p) == {"title": "Målopfyldelse"}
