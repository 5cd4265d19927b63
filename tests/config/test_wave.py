"""Wave file validation: every problem at once, each naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.config.wave import file_problems, load_wave, parse_wave
from toolkit.core.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "wave.yaml"
    p.write_text(text, encoding="utf-8")
    return p


GOOD = """
name: test
title: Testbølge
parameters:
  disclosure_threshold: 5
  window: {start: "2020-01", end: "2023-12"}
  programme_municipalities: [657, 661]
surveys:
  ledere: {data: ledere.csv, group: Ledere}
chapters:
  - number: 2
    title: Mål
    items:
      - crosstab: {survey: ledere}
"""


def test_valid_wave_resolves_paths_relative_to_its_folder(tmp_path: Path) -> None:
    (tmp_path / "ledere.csv").write_text("id\n1\n", encoding="utf-8")
    wave = load_wave(write(tmp_path, GOOD))
    assert wave.spec.parameters.programme_municipalities == [657, 661]
    assert wave.resolve(wave.spec.surveys["ledere"].data) == tmp_path / "ledere.csv"
    item = wave.spec.chapters[0].items[0]
    assert (item.kind, item.options, wave.spec.chapters[0].number) == ("crosstab", {"survey": ["ledere"]}, "2")


def test_three_independent_mistakes_are_all_reported(tmp_path: Path) -> None:
    text = GOOD.replace("disclosure_threshold: 5", "disclosure_threshold: 0").replace(
        "end: \"2023-12\"", "end: \"2023-13\"").replace("- crosstab:", "- crosstabs:")
    (tmp_path / "ledere.csv").write_text("id\n1\n", encoding="utf-8")
    wave, problems = parse_wave(write(tmp_path, text))
    assert wave is None
    got = {(p.key, p.message) for p in problems}
    assert got == {
        ("parameters.disclosure_threshold", "must be at least 1, got 0"),
        ("parameters.window.end", "expected a month as YYYY-MM, got '2023-13'"),
        ("chapters[1].items[1]", "unknown item 'crosstabs'; did you mean 'crosstab'?"),
    }


def test_missing_files_and_unknown_survey_are_all_reported(tmp_path: Path) -> None:
    text = GOOD + "      - crosstab: {survey: borgere}\n      - cubb: {}\n"
    wave, problems = parse_wave(write(tmp_path, text))
    assert wave is not None and problems == []
    msgs = [str(p) for p in file_problems(wave)]
    path = tmp_path / "wave.yaml"
    assert msgs == [
        f"file not found: {tmp_path / 'ledere.csv'} ({path}, key surveys.ledere.data)",
        f"unknown survey 'borgere'; the wave has ledere ({path}, key chapters[1].items[2].crosstab.survey)",
        f"item 'cubb' needs a 'register' section ({path}, key chapters[1].items[3])",
    ]
    with pytest.raises(ConfigError) as e:
        load_wave(path)
    assert str(e.value).splitlines() == [f"3 problems in {path}:"] + [
        f"  {p.key}: {p.message}" for p in file_problems(wave)]


def test_unknown_and_missing_keys(tmp_path: Path) -> None:
    wave, problems = parse_wave(write(tmp_path, "name: x\nchapter: []\n"))
    assert {(p.key, p.message) for p in problems} == {
        ("title", "required key is missing"), ("chapters", "required key is missing"),
        ("chapter", "unknown key 'chapter'; did you mean 'chapters'?")}


def test_not_a_mapping_and_bad_yaml(tmp_path: Path) -> None:
    assert [p.message for p in parse_wave(write(tmp_path, "- a\n- b\n"))[1]] == [
        "a wave file must be a YAML mapping (name, title, surveys, chapters, …)"]
    probs = parse_wave(write(tmp_path, "a: [1,\n"))[1]
    assert probs[0].message.startswith("invalid YAML")


def test_reference_quarter_is_read_by_the_calendar_rule(tmp_path: Path) -> None:
    """The wave accepts a quarter exactly when the report can read it (core.calendar.parse_quarter)."""
    (tmp_path / "ledere.csv").write_text("id\n1\n", encoding="utf-8")
    for ok in ("2022Q4", "2022-4", "2022-Q4"):
        wave, problems = parse_wave(write(tmp_path, GOOD.replace("disclosure_threshold: 5", f"reference_quarter: {ok}")))
        assert problems == [] and wave is not None and wave.spec.parameters.reference_quarter == ok
    _, problems = parse_wave(write(tmp_path, GOOD.replace("disclosure_threshold: 5", "reference_quarter: 2022Q5")))
    assert [(p.key, p.message) for p in problems] == [
        ("parameters.reference_quarter", "expected a quarter as YYYY-Q (e.g. 2022-4), got '2022Q5'")]


def test_disclosure_policy_from_the_parameters(tmp_path: Path) -> None:
    from toolkit.pipeline.report import wave_policy
    from toolkit.publish.disclosure import Policy

    (tmp_path / "ledere.csv").write_text("id\n1\n", encoding="utf-8")
    assert wave_policy(load_wave(write(tmp_path, GOOD))) == Policy(threshold=5, zeros="show", complements=True)
    text = GOOD.replace("disclosure_threshold: 5", "disclosure_threshold: 10\n  disclosure_zeros: small-groups\n"
                        "  disclosure_complements: false")
    assert wave_policy(load_wave(write(tmp_path, text))) == Policy(threshold=10, zeros="small-groups", complements=False)
    _, problems = parse_wave(write(tmp_path, GOOD.replace("disclosure_threshold: 5", "disclosure_zeros: never")))
    assert [p.key for p in problems] == ["parameters.disclosure_zeros"]
