"""Code list and outcome definitions: every problem at once, key paths from 1, nearest names."""

from __future__ import annotations

from pathlib import Path

import pytest
from dream_fixtures import cubb_defs

from toolkit.config.codes import load_codes
from toolkit.config.definitions import load_definitions, override_definitions
from toolkit.core.errors import ConfigError
from toolkit.core.resources import registers_file


def error_lines(fn, *args) -> list[str]:
    with pytest.raises(ConfigError) as e:
        fn(*args)
    return str(e.value).splitlines()


def test_code_list_problems_are_all_listed(tmp_path: Path) -> None:
    p = tmp_path / "codes.yaml"
    p.write_text("""
unknown_codes: errror
groups:
  a: {label: A, codes: [130-139, 1000, 0657], benefit: yes}
  b: {label: B, codes: ["135-136"]}
  c: {codes: []}
activation:
  types:
    x: {label: X, digits: [0, 12], groups: [aa]}
""", encoding="utf-8")
    assert error_lines(load_codes, p) == [
        f"6 problems in {p}:",
        "  unknown_codes: 'errror' is not allowed; use one of: other, error (did you mean 'error'?)",
        "  groups.a.codes[2]: 1000 is not a code (1-999) or a range like 130-139",
        "  groups.a.benefit: expected true or false, got 'yes'",
        "  groups.c.codes: needs at least 1 entry (got 0)",
        "  groups.c.label: required key is missing",
        "  activation.types.x.digits[2]: must be at most 9, got 12",
    ]
    # 0657 is the code 657 (never octal 431); the across-group checks follow once every key is valid
    p.write_text("groups:\n  a: {label: A, codes: [0657, 130-139]}\n  b: {label: B, codes: [135-136, 657]}\n"
                 "activation:\n  types:\n    x: {label: X, digits: [0], groups: [aa]}\n", encoding="utf-8")
    assert error_lines(load_codes, p) == [
        f"3 problems in {p}:",
        "  groups.b.codes: code 135 is already in group 'a' (3 codes of this group are in other groups)",
        "  activation.types.x.digits: digit 0 is passive (activation.passive_digits)",
        "  activation.types.x.groups: unknown code group 'aa'; did you mean 'a'?",
    ]


def test_definitions_problems_are_all_listed_with_nearest_names(tmp_path: Path) -> None:
    p = cubb_defs(tmp_path)
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("[su, vus]", "[su, vuss]").replace("[ledighedsydelse]", "[ledighedsydelser]")
                 .replace("[loentilskud_privat,", "[loentilskud_privt,"), encoding="utf-8")
    assert error_lines(load_definitions, p) == [
        f"3 problems in {p}:",
        "  target1.exits[2].groups[2]: unknown code group 'vuss'; did you mean 'vus'?",
        "  target1.exits[4].groups[1]: unknown code group 'ledighedsydelser'; did you mean 'ledighedsydelse'?",
        "  target2.exclude_activation[1]: unknown activation type 'loentilskud_privt'; did you mean 'loentilskud_privat'?",
    ]
    p.write_text(text.replace("rule: censored", "rule: job").replace("  age: [18, 65]\n", "  age: [18, 65]\n  windw: 1\n")
                 .replace("657: Herning", "6570: Herning").replace("reference_month: 2021-03", "reference_month: 2021-3"),
                 encoding="utf-8")
    assert error_lines(load_definitions, p) == [
        f"3 problems in {p}:",
        "  target_group.windw: unknown key 'windw'; did you mean 'window'?",
        "  municipalities.programme.6570: expected a municipality code (a whole number 1-999, e.g. 657), got 6570",
        "  target2.reference_month: expected a month as YYYY-MM, got '2021-3'",
    ]
    p.write_text(text.replace("rule: censored", "rule: job").replace("reference_month: 2021-03", "reference_month: 2021-06"),
                 encoding="utf-8")
    assert error_lines(load_definitions, p) == [
        f"3 problems in {p}:",
        "  target1.exits: exactly one exit needs rule: job",
        "  target1.exits: exactly one exit needs rule: censored",
        "  target2.reference_month: 2021-06 must lie inside target_group.window (2020-10 to 2021-03)",
    ]


def test_programme_municipality_with_a_leading_zero(tmp_path: Path) -> None:
    p = cubb_defs(tmp_path)
    p.write_text(p.read_text(encoding="utf-8").replace("657: Herning", "0657: Herning"), encoding="utf-8")
    assert load_definitions(p).spec.municipalities.programme == {657: "Herning", 661: "Holstebro"}


def test_wave_overrides_follow_the_definitions_rules(tmp_path: Path) -> None:
    defs = load_definitions(registers_file("cubb.yaml"))
    got = override_definitions(defs, window=("2021-01", "2023-06"), reference_month="2023-06", programme=[657, 101])
    assert got.spec.target_group.window == ("2021-01", "2023-06") and got.spec.target2.reference_month == "2023-06"
    assert got.spec.municipalities.programme == {657: "Herning", 101: "København"}
    assert defs.spec.target2.reference_month == "2023-12"  # the loaded definitions are not changed
    assert override_definitions(defs) is defs
    with pytest.raises(ConfigError) as e:
        override_definitions(defs, window=("2021-01", "2022-12"), programme=[657, 431], source="wave.yaml")
    assert str(e.value).splitlines() == [
        "2 problems in wave.yaml:",
        "  parameters.programme_municipalities[2]: 431 is not a municipality code (the municipality list has no 431)",
        "  parameters.window: 2023-12 must lie inside target_group.window (2021-01 to 2022-12), by the rules of "
        "cubb.yaml (target2.reference_month)",
    ]
