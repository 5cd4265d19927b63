"""`toolkit check` on the demo wave with typed items: typos refused with their key path (exit 2),
programme municipalities with a leading zero read as the codes they are."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli, run_main

from toolkit.config.wave import CrosstabItem, ProfileItem, load_wave, parse_wave
from toolkit.pipeline.report import Context, run_crosstab


def variant(demo_wave_dir: Path, name: str, *replacements: tuple[str, str]) -> Path:
    """A copy of the demo wave.yaml beside it with text replaced (each replacement must apply)."""
    text = (demo_wave_dir / "wave.yaml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    p = demo_wave_dir / name
    p.write_text(text, encoding="utf-8")
    return p


def test_programme_municipality_0657_unquoted_is_657(demo_wave_dir: Path) -> None:
    p = variant(demo_wave_dir, "wave_0657.yaml", ("programme_municipalities: [657, 661,", "programme_municipalities: [0657, 0661,"))
    run_main("check", p)  # exit 0
    wave = load_wave(p)
    assert wave.spec.parameters.programme_municipalities == [657, 661, 740, 820]
    ctx = Context(wave)
    cubb = ctx.defs(wave.resolve("registers/cubb.yaml"))
    assert cubb.spec.municipalities.programme == {657: "Herning", 661: "Holstebro", 740: "Silkeborg", 820: "Vesthimmerland"}


def test_a_code_that_is_no_municipality_is_refused_by_check(demo_wave_dir: Path, cli) -> None:
    # 431 is what YAML 1.1 makes of 0657: check must not let such a number through
    p = variant(demo_wave_dir, "wave_431.yaml", ("programme_municipalities: [657,", "programme_municipalities: [431,"))
    code, out, err = cli("check", p)
    assert code == 2 and out == ""
    # one line, though both definitions files take the parameter: the problem is the error, worded as `report` words it
    assert err == f"error: parameters.programme_municipalities[1]: 431 is not a municipality code (the municipality list has no 431) ({p})\n"


def test_typos_in_item_options_are_refused_with_their_key_path(demo_wave_dir: Path, cli) -> None:
    p = variant(demo_wave_dir, "wave_typos.yaml",
                ("- profile: {}", "- profile: {quater: 2022Q2}"),
                ("- crosstab: {survey: politikere}", "- crosstab: {survey: politikere, tabels: [x]}"),
                ("- crosstab: {survey: medarbejdere}", "- crosstab: {survey: medarbejdere, layout: side}"),
                ("- crosstab: {survey: borgere}", "- crosstab: {survey: borgere}\n      - profile: {quarter: 2022Q5}"))
    code, out, err = cli("check", p)
    assert code == 2 and out == ""
    assert [ln for ln in err.splitlines() if ln.startswith("problem: ")] == [
        f"problem: unknown key 'tabels'; did you mean 'tables'? ({p}, key chapters[3].items[1].crosstab.tabels)",
        f"problem: 'side' is not allowed; use one of: columns, rows ({p}, key chapters[3].items[3].crosstab.layout)",
        f"problem: unknown key 'quater'; did you mean 'quarter'? ({p}, key chapters[5].items[1].profile.quater)",
        f"problem: expected a quarter as YYYY-Q (e.g. 2022-4), got '2022Q5' ({p}, key chapters[6].items[2].profile.quarter)",
    ]
    assert err.splitlines()[-1] == f"error: 4 problem(s) found ({p})"


def test_the_console_script_refuses_a_misspelt_profile_quarter(demo_wave_dir: Path) -> None:
    p = variant(demo_wave_dir, "wave_quater.yaml", ("- profile: {}", "- profile: {quater: 2022Q2}"))
    r = run_cli("check", p)
    assert r.returncode == 2
    line = f"error: chapters[5].items[1].profile.quater: unknown key 'quater'; did you mean 'quarter'? ({p})\n"
    assert r.stderr == line
    r = run_cli("report", p, "--out", demo_wave_dir / "quater.xlsx")
    assert r.returncode == 2 and r.stderr == line
    assert not (demo_wave_dir / "quater.xlsx").exists()


def test_one_table_id_as_text_is_a_list_of_one(demo_wave_dir: Path) -> None:
    p = variant(demo_wave_dir, "wave_one_table.yaml", ("tables: [barrierer, aktivering]", "tables: barrierer"))
    run_main("check", p)
    wave = load_wave(p)
    item = wave.spec.chapters[2].items[1]
    assert isinstance(item, CrosstabItem) and item.tables == ["barrierer"] and item.options["tables"] == ["barrierer"]
    assert [t.id for t in run_crosstab(Context(wave), item.options).tables] == ["barrierer"]


def test_items_are_typed_per_kind(tmp_path: Path) -> None:
    p = tmp_path / "wave.yaml"
    p.write_text("name: w\ntitle: W\nchapters:\n  - number: 1\n    title: T\n    items:\n"
                 "      - profile: {quarter: 2022Q4, subgroup: Sygedagpenge}\n      - profile:\n"
                 "      - weights: {survey: a, tables: [x]}\n      - cubb: [x]\n      - {cubb: {}, goals: {}}\n", encoding="utf-8")
    wave, problems = parse_wave(p)
    assert wave is None
    assert [(x.key, x.message) for x in problems] == [
        ("chapters[1].items[3].weights.tables", "unknown key 'tables'; allowed: survey"),
        ("chapters[1].items[4]", "the options of 'cubb' must be a mapping ({} for none), got a list"),
        ("chapters[1].items[5]", "each item must be a mapping with exactly one of: weights, crosstab, cubb, goals, model, profile"),
    ]
    p.write_text(p.read_text(encoding="utf-8").replace(", tables: [x]", "").replace("cubb: [x]", "cubb: {}")
                 .replace("      - {cubb: {}, goals: {}}\n", ""), encoding="utf-8")
    wave, problems = parse_wave(p)
    assert problems == [] and wave is not None
    first, second = wave.spec.chapters[0].items[:2]
    assert isinstance(first, ProfileItem) and (first.quarter, first.subgroup) == ("2022Q4", ["Sygedagpenge"])
    assert (second.kind, second.options) == ("profile", {})
