"""The wave report end to end on the demo wave: every chapter, determinism, check, errors."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
import pytest
from conftest import run_cli


@pytest.fixture(scope="module")
def demo_wave(demo_wave_dir: Path) -> Path:
    """The wave file of the session's demo wave (written by `toolkit demo`'s function)."""
    return demo_wave_dir / "wave.yaml"


@pytest.fixture(scope="module")
def two_runs(demo_wave: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("report")
    for k in (1, 2):
        r = run_cli("report", demo_wave, "--out", out / f"run{k}.xlsx")
        assert r.returncode == 0, r.stderr
    return out / "run1.xlsx", out / "run2.xlsx"


def test_workbook_holds_every_chapter_of_the_spec(demo_wave: Path, two_runs: tuple[Path, Path]) -> None:
    wb = openpyxl.load_workbook(two_runs[0])
    names = wb.sheetnames
    assert names[0] == "Indhold" and names[-3:] == ["Diskretionering", "Diskretionering_struktur", "Proveniens"]
    assert wb["Diskretionering_struktur"].sheet_state == "hidden"
    names = names[:-3] + names[-1:]
    chapters = {n.split()[1].split(".")[0] for n in names[1:-1] if not n.startswith("Bilag")}
    assert chapters == {"1", "2", "3", "4", "5", "6", "7"}
    titles = [wb[n]["A1"].value for n in names[1:-1]]
    for needle in ("Vægtning", "bedste og de 10 dårligste", "Vurdering af mulighederne", "Multivariat regressionsanalyse",
                   "Restgruppen", "Målrettet vejledning og motivation", "ordinær beskæftigelse"):
        assert any(needle in t for t in titles), needle
    charts = [n for n in names if wb[n]._charts]
    assert {"Figur 2.1", "Figur 5.1", "Figur 4.1"} <= set(charts)
    prov = {r[0]: r[1] for r in wb["Proveniens"].iter_rows(values_only=True) if r[0]}
    assert any(str(k).endswith("dream.parquet") for k in prov) and any(str(k).endswith("wave.yaml") for k in prov)
    checker = {r[0]: r[1] for r in wb["Diskretionering"].iter_rows(values_only=True) if r[0]}
    assert checker["Revision"].endswith("ingen kan indsnævres til færre end tærsklen")
    # the self-contained wave: every input but the shipped template lies in its folder, the definitions are its copies
    from toolkit.core.resources import shipped

    inputs = [Path(k) for k in list(prov)[list(prov).index("Inputfil") + 1:]]
    assert shipped("templates", "ministry.yaml") in inputs
    assert all(p.is_relative_to(demo_wave.parent) for p in inputs if p != shipped("templates", "ministry.yaml")), inputs
    assert {demo_wave.parent / "registers" / n for n in ("cubb.yaml", "nychance.yaml")} <= set(inputs)
    # citizen tables are weighted and say so
    assert any("vægtet" in str(c.value) for row in wb["Tabel 6.4"].iter_rows() for c in row if c.value)


def test_register_tables_show_no_small_cells(two_runs: tuple[Path, Path]) -> None:
    """In every sheet sourced from DREAM, each count shown is 0, at least 5, or the suppression mark."""
    wb = openpyxl.load_workbook(two_runs[0])
    register_sheets = [n for n in wb.sheetnames[1:-1]
                       if any(isinstance(c.value, str) and "DREAM" in c.value for c in wb[n]["A"])]
    assert len(register_sheets) >= 15
    marks = 0
    for name in register_sheets:
        for row in wb[name].iter_rows():
            for c in row:
                if c.number_format == "#,##0" and isinstance(c.value, (int, float)):
                    assert c.value == 0 or c.value >= 5, (name, c.coordinate, c.value)
                marks += c.value == "x"
    assert marks > 0  # the demo has small cells, and they are shown as suppressed


def test_two_runs_give_identical_tidy_csv(two_runs: tuple[Path, Path]) -> None:
    a, b = (p.with_name(p.stem + "_tidy.csv") for p in two_runs)
    assert a.read_bytes() == b.read_bytes()
    wa, wb = (openpyxl.load_workbook(p) for p in two_runs)
    assert wa.sheetnames == wb.sheetnames
    for name in wa.sheetnames[:-1]:
        assert [[c.value for c in r] for r in wa[name].iter_rows()] == [[c.value for c in r] for r in wb[name].iter_rows()], name


def test_check_accepts_the_demo_wave(demo_wave: Path) -> None:
    r = run_cli("check", demo_wave)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ok:")


def test_check_reports_three_independent_mistakes(demo_wave: Path) -> None:
    text = demo_wave.read_text(encoding="utf-8")
    bad = (text.replace("disclosure_threshold: 5", "disclosure_threshold: -1")
               .replace("data/politikere.sav", "data/politikerne.sav")
               .replace("codebook: codebook_ledere.yaml", "codebook: codebook_ledere.yml"))
    p = demo_wave.with_name("bad_wave.yaml")
    p.write_text(bad, encoding="utf-8")
    r = run_cli("check", p)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    d = demo_wave.parent
    assert [ln for ln in lines if ln.startswith("problem: ")] == [
        f"problem: must be at least 1, got -1 ({p}, key parameters.disclosure_threshold)",
        f"problem: file not found: {d / 'codebook_ledere.yml'} ({p}, key surveys.ledere.codebook)",
        f"problem: file not found: {d / 'data/politikerne.sav'} ({p}, key surveys.politikere.data)",
    ]
    assert lines[-1] == f"error: 3 problem(s) found ({p})"


def test_check_reports_file_problems_together(demo_wave: Path) -> None:
    text = demo_wave.read_text(encoding="utf-8")
    bad = (text.replace("data/politikere.sav", "data/politikerne.sav")
               .replace("codebook: codebook_ledere.yaml", "codebook: codebook_ledere.yml")
               .replace("- profile: {}", "- profile: {}\n      - crosstab: {survey: borger}"))
    p = demo_wave.with_name("bad_files.yaml")
    p.write_text(bad, encoding="utf-8")
    r = run_cli("check", p)
    assert r.returncode == 2
    problems = [ln for ln in r.stderr.splitlines() if ln.startswith("problem: ")]
    d = demo_wave.parent
    assert problems == [
        f"problem: file not found: {d / 'codebook_ledere.yml'} ({p}, key surveys.ledere.codebook)",
        f"problem: file not found: {d / 'data/politikerne.sav'} ({p}, key surveys.politikere.data)",
        f"problem: unknown survey 'borger'; did you mean 'borgere'? ({p}, key chapters[5].items[2].crosstab.survey)",
    ]
    assert r.stderr.strip().splitlines()[-1] == f"error: 3 problem(s) found ({p})"


def test_report_refuses_a_broken_wave_without_writing(demo_wave: Path, tmp_path: Path) -> None:
    p = demo_wave.with_name("broken.yaml")
    p.write_text(demo_wave.read_text(encoding="utf-8").replace("data/ledere.sav", "data/nope.sav"), encoding="utf-8")
    r = run_cli("report", p, "--out", tmp_path / "o.xlsx")
    assert r.returncode == 2
    assert "file not found" in r.stderr and "surveys.ledere.data" in r.stderr
    assert not (tmp_path / "o.xlsx").exists()


def test_check_reads_only_the_extract_header_and_names_a_missing_column(demo_wave: Path) -> None:
    import pandas as pd

    data = demo_wave.parent / "data"
    df = pd.read_parquet(data / "dream.parquet")
    df.drop(columns=["grad_2023_12"]).to_parquet(data / "dream_short.parquet", index=False)
    p = demo_wave.with_name("short.yaml")
    p.write_text(demo_wave.read_text(encoding="utf-8").replace("data/dream.parquet", "data/dream_short.parquet"), encoding="utf-8")
    r = run_cli("check", p)
    assert r.returncode == 2
    assert r.stderr == (f"error: register.extract: employment column 'grad_2023_12' not found; the definitions need months from "
                        f"2020-01 to 2023-12 [column grad_2023_12] ({data / 'dream_short.parquet'})\n")


def test_report_checks_the_output_path_before_running(demo_wave: Path, tmp_path: Path) -> None:
    r = run_cli("report", demo_wave, "--out", tmp_path / "nodir" / "o.xlsx")
    assert r.returncode == 2
    assert r.stderr == f"error: output folder does not exist ({tmp_path / 'nodir'})\n"
    r = run_cli("report", demo_wave, "--out", tmp_path / "o.xlsx", "--tidy", demo_wave)
    assert r.returncode == 2
    assert r.stderr == f"error: refusing to overwrite an input file; choose another output path ({demo_wave})\n"


def test_check_finds_a_codebook_variable_the_data_lacks(demo_wave: Path) -> None:
    d = demo_wave.parent
    cb = d / "codebook_politikere_bad.yaml"
    cb.write_text((d / "codebook_politikere.yaml").read_text(encoding="utf-8").replace("variable: fokus", "variable: fokuss"), encoding="utf-8")
    p = demo_wave.with_name("bad_codebook.yaml")
    p.write_text(demo_wave.read_text(encoding="utf-8").replace("codebook: codebook_politikere.yaml", "codebook: codebook_politikere_bad.yaml"), encoding="utf-8")
    r = run_cli("check", p)
    assert r.returncode == 2
    problems = r.stderr.splitlines()
    assert len(problems) == 1
    assert problems[0].startswith(f"error: chapters[3].items[1].crosstab: codebook {cb} tables[1] names variable 'fokuss', which the data file lacks")
    assert problems[0].endswith(f"[column fokuss] ({d / 'data/politikere.sav'})")


# -------------------------------------------------------------------- table identity
def _published(monkeypatch: pytest.MonkeyPatch) -> list:
    """The tables every workbook written from now on receives (what is published, after disclosure control)."""
    from toolkit.publish import excel

    seen: list = []
    build = excel.build_workbook

    def spy(tables, *a, **k):  # type: ignore[no-untyped-def]
        seen.append(list(tables))
        return build(tables, *a, **k)

    monkeypatch.setattr(excel, "build_workbook", spy)
    return seen


def _assert_disclosed(tables: list, threshold: int = 5) -> int:
    """No shown register cell describes 1-4 persons, and no relation has a lone suppressed cell;
    the number of suppressed cells."""
    from toolkit.publish.disclosure import implied_relations

    reg = [t for t in tables if t.register]
    cells = {t.ref(i, j): c for t in reg for i, j, c in t.iter_cells()}
    for t in reg:
        for i, j, c in t.iter_cells():
            assert c.suppressed or c.n is None or c.n == 0 or c.n >= threshold, (t.key, t.row_labels[i], t.column_labels[j], c.n)
        for total, parts in t.relations + implied_relations(t):
            members = [cells[r] for r in parts] + ([cells[total]] if total is not None else [])
            assert sum(m.suppressed for m in members) != 1, (t.key, total, parts)
        for ref, inputs in t.derived:
            assert cells[ref].suppressed or not any(cells[i].suppressed for i in inputs), (ref, inputs)
    return sum(c.suppressed for c in cells.values())


def _assert_goal_projections_hide_with_their_quarters(tables: list, prefix: str) -> int:
    """Read off the published tables, independently of what the analysis declares: no projection (k = 5)
    or change shown beside the shown quarter that, with it, gives a suppressed quarter away."""
    checked = 0
    for t in tables:
        if t.key.startswith(prefix) and t.key.endswith("_kommuner"):
            nq = next(j for j, c in enumerate(t.column_labels) if c.startswith("Fremskrevet"))
            for row in t.cells:
                last, back = row[nq - 1], row[nq - 1 - min(5, nq - 1)]
                checked += last.suppressed != back.suppressed
                assert row[nq].suppressed or not (last.suppressed or back.suppressed)
        if t.key.startswith(prefix) and t.key.endswith("_top"):
            for row in t.cells:  # first, latest, change, projection, N
                checked += row[0].suppressed != row[1].suppressed
                assert row[2].suppressed or not (row[0].suppressed or row[1].suppressed)
    return checked


def test_every_number_of_the_workbook_has_its_tidy_line(two_runs: tuple[Path, Path]) -> None:
    """Read back: each sheet's numbers are exactly the tidy CSV's values of that table number (none stored as text)."""
    import csv
    from collections import defaultdict

    xlsx = two_runs[0]
    tidy: dict[str, list[float]] = defaultdict(list)
    blanks: dict[str, int] = defaultdict(int)
    lines = list(csv.DictReader(xlsx.with_name(xlsx.stem + "_tidy.csv").open(encoding="utf-8")))
    assert len({ln["table"] for ln in lines}) == len({(ln["table"], ln["number"]) for ln in lines})  # one number per key
    for ln in lines:
        if ln["value"] == "":
            blanks[ln["number"]] += 1
        else:
            tidy[ln["number"]].append(float(ln["value"]) / (100 if ln["stat"] == "percent" else 1))
    wb = openpyxl.load_workbook(xlsx)
    # a table too wide for a page keeps its number; the contents links it to its appendix sheet
    moved = {c.value: wb["Indhold"].cell(c.row, 3).value for c in wb["Indhold"]["A"]
             if c.value and "– se Bilag" in str(wb["Indhold"].cell(c.row, 2).value)}
    assert moved == {"Tabel 4.8": "Bilag 1"}
    for number, sheet in moved.items():
        tidy[sheet], blanks[sheet] = tidy.pop(number), blanks.pop(number, 0)
    for name in wb.sheetnames[1:-1]:
        if name.startswith("Diskretionering"):
            continue  # the output checker's sheets: counts of cells, no published numbers
        ws = wb[name]  # hidden helper columns (the goal chart's pieces) are not shown numbers
        values = [c.value for row in ws.iter_rows() for c in row if not ws.column_dimensions[get_column_letter(c.column)].hidden]
        numbers = sorted(float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool))
        assert numbers == pytest.approx(sorted(tidy.pop(name, [])), rel=1e-12, abs=1e-15), name
        assert values.count("x") == blanks.pop(name, 0), name  # a suppressed cell keeps its line, without a value
        texts = [v for v in values[1:] if isinstance(v, str)]
        assert not [v for v in texts if v.replace(",", "").replace("e-", "").replace("e+", "").isdigit() and ("," in v or "e" in v)], name
    assert not tidy and not blanks  # every tidy line belongs to a sheet
    spread = next(ln for ln in lines if ln["row"] == "Største resterende marginfejl (relativ)")
    assert spread["number"] == "Tabel 1.2" and 0 <= float(spread["value"]) < 1e-6


def test_two_profile_items_get_distinct_keys_and_both_pass_disclosure_control(
        demo_wave: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import run_main

    text = demo_wave.read_text(encoding="utf-8")
    assert "      - profile: {}\n" in text
    p = demo_wave.with_name("two_profiles.yaml")
    p.write_text(text.replace("      - profile: {}\n", "      - profile: {}\n      - profile: {quarter: 2022Q2}\n"), encoding="utf-8")
    seen = _published(monkeypatch)
    run_main("report", p, "--out", tmp_path / "two.xlsx", "--tidy", tmp_path / "two.csv")
    (tables,) = seen
    keys = [t.key for t in tables]
    assert len(set(keys)) == len(keys)
    assert {"5/1/profil_grupper", "5/2/profil_grupper", "2/1/maal1_kommuner", "7/1/maal1_kommuner"} <= set(keys)
    first, second = (next(t for t in tables if t.key == f"5/{k}/profil_grupper") for k in (1, 2))
    assert first.title != second.title  # 4. kvt. 2022 vs 2. kvt. 2022
    assert _assert_disclosed(tables) > 0
    import csv

    in_tidy = {ln["table"] for ln in csv.DictReader((tmp_path / "two.csv").open(encoding="utf-8"))}
    assert {"5/1/profil_grupper", "5/2/profil_grupper"} <= in_tidy


def test_outcomes_of_cubb_and_nychance_get_distinct_keys_and_pass_disclosure_control(
        demo_wave: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csv

    from conftest import run_main

    seen = _published(monkeypatch)
    d = demo_wave.parent  # `toolkit demo`'s wave: data/dream.parquet and copies of registers/cubb.yaml, nychance.yaml
    run_main("outcomes", d / "data" / "dream.parquet", "-d", d / "registers" / "cubb.yaml", "-d", d / "registers" / "nychance.yaml",
             "--out", tmp_path / "o.xlsx", "--tidy", tmp_path / "o.csv")
    (tables,) = seen
    keys = [t.key for t in tables]
    assert len(set(keys)) == len(keys) and all(t.register for t in tables)
    assert {"cubb/maal1_kommuner", "nychance/maal1_kommuner"} <= set(keys)
    assert _assert_disclosed(tables) > 0
    assert _assert_goal_projections_hide_with_their_quarters(tables, "nychance/") > 0  # the demo has such rows
    rows = list(csv.DictReader((tmp_path / "o.csv").open(encoding="utf-8")))
    assert {ln["table"] for ln in rows} == set(keys)
    assert {ln["number"] for ln in rows if ln["table"] == "nychance/maal_udvikling"} == {"Figur 2.1"}
    assert {ln["number"] for ln in rows if ln["table"] == "cubb/maal1_kommuner"} == {"Tabel 3.1.2"}


def test_diff_of_two_runs_lists_nothing(two_runs: tuple[Path, Path], cli) -> None:
    """`toolkit diff` of two runs on the same inputs: no table, cell, input or setting differs."""
    code, out, err = cli("diff", *two_runs, "--tolerance", "0")
    assert code == 0, err
    assert out.startswith("no differences:") and out.count("\n") == 1, out


def test_cubb_notes_state_the_counting_rule(two_runs: tuple[Path, Path]) -> None:
    """Issue 15: the demo workbook's CUBB tables say how they count (every spell, each person once per
    category, the month's predominant status, the age rule)."""
    wb = openpyxl.load_workbook(two_runs[0])

    def notes(sheet: str) -> str:
        return " ".join(str(c.value) for row in wb[sheet].iter_rows() for c in row if str(c.value).startswith("Anm.:"))

    first, other, cross = notes("Tabel 7.1"), notes("Tabel 7.3"), notes("Tabel 7.4")
    assert "Alle ledighedsforløb i perioden indgår" in first and "første måned efter hvert forløb" in first
    assert "fylder 66 år i perioden, følges til og med måneden før" in first
    assert "én gang pr. afgangstype" in other and "summere til mere end 100" in other
    assert "uger med passiv ydelse tæller med" in cross and "en hvilken som helst" in cross
    assert "første dag i fødselsmåneden" in first and "første dag i fødselsmåneden" in cross


def test_contents_sheet_heads_each_chapter_with_its_title_from_the_wave(two_runs: tuple[Path, Path], demo_wave: Path) -> None:
    """`toolkit report` passes the wave's chapter titles to the contents sheet (not just "Kapitel N")."""
    from toolkit.config.yaml import read_yaml

    wave = read_yaml(demo_wave)
    texts = {c.value for row in openpyxl.load_workbook(two_runs[0])["Indhold"].iter_rows() for c in row if c.value}
    for ch in wave["chapters"]:
        assert f"Kapitel {ch['number']} {ch['title']}" in texts, ch["title"]


def test_toolkit_audit_passes_the_demo_workbook(two_runs: tuple[Path, Path]) -> None:
    r = run_cli("audit", two_runs[0])
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.splitlines()[:2]
    assert first == "structure read from the Diskretionering_struktur sheet"
    assert second.startswith("audit passed: ") and "none can be narrowed below 5 persons" in second


def test_provenance_lists_every_file_read_with_its_hash_and_every_parameter(two_runs: tuple[Path, Path], demo_wave: Path) -> None:
    """Definitions, code list, municipality names, template, codebooks, margins, data: each once
    per path, normalised, with the SHA-256 of its bytes; the wave's parameters with defaults spelt out."""
    import hashlib
    import os

    from toolkit.config.wave import Parameters
    from toolkit.core.resources import shipped

    ws = openpyxl.load_workbook(two_runs[0])["Proveniens"]
    rows = [(c.value, ws.cell(c.row, 2).value) for c in ws["A"] if c.value]
    start = next(i for i, (k, _) in enumerate(rows) if k == "Inputfil")
    files = {Path(k): v for k, v in rows[start + 1:]}
    params = {k.removeprefix("Parameter: "): v for k, v in rows[:start] if k.startswith("Parameter: ")}
    d = demo_wave.parent
    want = [demo_wave, d / "margins_borgere.csv", d / "model.yaml", shipped("templates", "ministry.yaml"),
            *(d / "data" / f"{s}.sav" for s in ("borgere", "ledere", "medarbejdere", "politikere")),
            *(d / f"codebook_{s}.yaml" for s in ("borgere", "ledere", "medarbejdere", "politikere", "grupper")),
            *(d / "registers" / f for f in ("nychance.yaml", "cubb.yaml", "dream_codes.yaml", "municipalities.csv")),
            d / "data" / "dream.parquet"]
    for p in want:
        assert p in files, p
    for p, digest in files.items():
        assert str(p) == os.path.normpath(p) and ".." not in p.parts, p
        assert digest == hashlib.sha256(p.read_bytes()).hexdigest(), p
    for k in Parameters.model_fields:
        assert params[k] not in (None, "", "None", "[]"), k  # a default stated, never left blank
    assert params["disclosure_threshold"] == "5" and params["disclosure_decimals"] == "1"
    assert params["cubb.yaml: target_group.window"] and params["batch_size"] == "50000"


def test_demo_cubb_chapter_shows_the_programme_municipalities_anonymised(two_runs: tuple[Path, Path], demo_wave: Path) -> None:
    """The demo wave's `cubb: {anonymise: true}`: chapter 7 says "Kommune 1-4", never a programme name."""
    from toolkit.config.yaml import read_yaml

    assert {"cubb": {"anonymise": True}} in read_yaml(demo_wave)["chapters"][6]["items"]
    names = ["Herning", "Holstebro", "Silkeborg", "Vesthimmerland"]
    wb = openpyxl.load_workbook(two_runs[0])
    chapter = [ws for ws in wb.worksheets if ws.title.startswith("Tabel 7.")]
    assert len(chapter) == 5
    texts = [c.value for ws in chapter for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [t for t in texts if any(n in t for n in names)]
    assert {f"Kommune {k}" for k in range(1, 5)} <= set(texts)
    assert any("Herning" in str(c.value) for row in wb["Tabel 2.4"].iter_rows() for c in row)  # the option is the chapter's
