"""One run layer: the CLI commands and the wave report call the same run functions, so they give
the same tables, notes and warnings; a report reads the DREAM extract once and computes monthly
status and the cohort once; provenance hashes each input when it is read."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from conftest import run_main

import toolkit.cli.report  # noqa: F401  (loaded before counting, so its lazy imports are patched too)
import toolkit.pipeline.model  # noqa: F401
import toolkit.pipeline.report as report_module
import toolkit.register.extract  # noqa: F401  (the pass's module: its status and cohort functions are counted)
from toolkit.core.resources import registers_file
from toolkit.publish.tidy import tidy_rows

UNKNOWN = 777  # a DREAM code the code list lacks, planted in the demo extract


@pytest.fixture(scope="module")
def wave(demo_wave_dir: Path) -> Path:
    """The session's demo wave with one person-week coded 777 in a copy of its DREAM extract
    (added beside it, as a second wave file: the shared wave itself stays as it is)."""
    df = pd.read_parquet(demo_wave_dir / "data" / "dream.parquet")
    df.loc[0, "y_2210"] = UNKNOWN  # March 2022: inside the CUBB window and the NY CHANCE programme
    df.to_parquet(demo_wave_dir / "data" / "dream_777.parquet", index=False)
    text = (demo_wave_dir / "wave.yaml").read_text(encoding="utf-8")
    assert "extract: data/dream.parquet" in text
    path = demo_wave_dir / "wave_777.yaml"
    path.write_text(text.replace("extract: data/dream.parquet", "extract: data/dream_777.parquet"), encoding="utf-8")
    return path


def counting(mp: pytest.MonkeyPatch, calls: Counter[str], *names: str) -> None:
    """Count every call of these functions, through whichever toolkit module's name it is made."""
    for mod in [m for n, m in list(sys.modules.items()) if n.startswith("toolkit") and m is not None]:
        for name in names:
            fn = getattr(mod, name, None)
            if callable(fn) and getattr(fn, "__module__", "").startswith("toolkit"):
                def counted(*a: Any, _fn: Any = fn, _name: str = name, **k: Any) -> Any:
                    calls[_name] += 1
                    return _fn(*a, **k)
                mp.setattr(mod, name, counted)


def cli(*args: object) -> str:
    """`toolkit ARGS` in-process; returns what it printed on stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        run_main(*args)
    return err.getvalue()


def tidy_file(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))[1:]


def by_name(rows: list[list[str]]) -> list[list[str]]:
    """Tidy lines with the table's name for its key (a CLI run and a report key tables apart
    differently: "cubb/maal1_samlet" vs "7/1/maal1_samlet") and without the table number."""
    return [[r[0].rsplit("/", 1)[-1], *r[2:]] for r in rows]


@pytest.fixture(scope="module")
def reported(wave: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`toolkit report` on the wave, with its Report object, stderr and call counts."""
    out = tmp_path_factory.mktemp("report") / "demo.xlsx"
    calls: Counter[str] = Counter()
    got: dict[str, Any] = {}
    with pytest.MonkeyPatch.context() as mp:
        real = report_module.build_report
        mp.setattr(report_module, "build_report", lambda *a: got.setdefault("report", real(*a)))
        counting(mp, calls, "raw_batches", "monthly_status", "select_cohort", "select_target_group", "seniority_weeks", "offers")
        got["stderr"] = cli("report", wave, "--out", out)
    return {**got, "calls": calls, "out": out}


def item_rows(reported: dict[str, Any], kind: str) -> list[list[str]]:
    (item,) = [it for it in reported["report"].items if it.kind == kind]
    return by_name(list(tidy_rows(item.tables)))


def test_report_reads_the_extract_once_and_computes_status_and_cohorts_once(reported: dict[str, Any]) -> None:
    # cubb, goals, model and profile all use the extract; goals, model and profile the NY CHANCE cohort;
    # the demo extract is one batch: one pass, one status and one selection of each cohort per batch,
    # and the cohort's seniority and offers (to the same quarter) once for the profile and the model
    assert {it.kind for it in reported["report"].items} >= {"cubb", "goals", "model", "profile"}
    assert reported["calls"] == Counter({"raw_batches": 1, "monthly_status": 1, "select_cohort": 1, "select_target_group": 1,
                                         "seniority_weeks": 1, "offers": 1})


@pytest.mark.parametrize("kind, args", [
    ("cubb", ["outcomes", "-d", "cubb"]),
    ("goals", ["outcomes", "-d", "nychance"]),
    ("profile", ["profile", "-d", "nychance", "--quarter", "2022Q4"]),
])
def test_cli_and_report_give_identical_tables(reported: dict[str, Any], wave: Path, tmp_path: Path, kind: str, args: list[str]) -> None:
    tidy = tmp_path / "t.csv"
    stderr = cli(args[0], wave.parent / "data" / "dream_777.parquet", *args[1:], "-o", tmp_path / "t.xlsx", "--tidy", tidy)
    rows = item_rows(reported, kind)
    assert len(rows) > 50  # real tables
    got = by_name(tidy_file(tidy))
    if kind == "cubb":  # the demo wave's cubb item has anonymise on: the programme municipalities in order
        anon = {"Herning": "Kommune 1", "Holstebro": "Kommune 2", "Silkeborg": "Kommune 3", "Vesthimmerland": "Kommune 4"}
        assert got != rows and any("Kommune 1" in r for r in rows)
        got = [[anon.get(x, x) for x in r] for r in got]
    assert got == rows
    # the unknown-code warning of the run is printed by both commands
    line = next(ln for ln in stderr.splitlines() if f"{UNKNOWN} (1 weeks)" in ln)
    assert line.startswith("warning: ") and line in reported["stderr"].splitlines()


def test_unknown_code_note_in_both_workbooks(reported: dict[str, Any], wave: Path, tmp_path: Path) -> None:
    out = tmp_path / "cubb.xlsx"
    cli("outcomes", wave.parent / "data" / "dream_777.parquet", "-d", "cubb", "-o", out)
    (item,) = [it for it in reported["report"].items if it.kind == "cubb"]
    note = next(n for n in item.run.tables[0].notes if "DREAM-koder" in n)
    assert f"{UNKNOWN} (1 uger)" in note

    def texts(path: Path) -> set[str]:
        wb = openpyxl.load_workbook(path)
        return {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}

    assert note in texts(out) and note in texts(reported["out"])


def test_two_definitions_read_once_and_give_all_tables_of_both(wave: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extract = wave.parent / "data" / "dream_777.parquet"
    alone = []
    for name in ("cubb", "nychance"):
        cli("outcomes", extract, "-d", name, "-o", tmp_path / f"{name}.xlsx", "--tidy", tmp_path / f"{name}.csv")
        alone += tidy_file(tmp_path / f"{name}.csv")
    calls: Counter[str] = Counter()
    counting(monkeypatch, calls, "raw_batches", "monthly_status")
    cli("outcomes", extract, "-d", "cubb", "-d", str(registers_file("nychance.yaml")), "-o", tmp_path / "both.xlsx",
        "--tidy", tmp_path / "both.csv")
    assert calls == Counter({"raw_batches": 1, "monthly_status": 1})  # one pass, one batch
    both = tidy_file(tmp_path / "both.csv")
    assert both == alone  # every table of each, the numbers of separate reads
    assert {r[0] for r in both} >= {"cubb/maal1_samlet", "cubb/maal1_afgang", "cubb/maal2_kommuner", "nychance/maal_udvikling",
                                    "nychance/maal1_kommuner", "nychance/maal3_top"}


def test_definitions_by_shipped_name_or_path(wave: Path, tmp_path: Path) -> None:
    extract = wave.parent / "data" / "dream_777.parquet"
    for cmd in ("outcomes", "profile"):
        for k, d in enumerate(("nychance", registers_file("nychance.yaml"))):
            cli(cmd, extract, "-d", d, "-o", tmp_path / f"{cmd}{k}.xlsx", "--tidy", tmp_path / f"{cmd}{k}.csv")
        assert tidy_file(tmp_path / f"{cmd}0.csv") == tidy_file(tmp_path / f"{cmd}1.csv") != []
    wb = openpyxl.load_workbook(tmp_path / "outcomes0.xlsx")
    prov = {r[0]: r[1] for r in wb["Proveniens"].iter_rows(values_only=True) if r[0]}
    assert prov[str(registers_file("nychance.yaml"))] == hashlib.sha256(registers_file("nychance.yaml").read_bytes()).hexdigest()


def test_provenance_holds_the_hash_of_what_was_read(reported: dict[str, Any], tmp_path: Path) -> None:
    from toolkit.cli.common import write_outputs
    from toolkit.core.table import Cell, Table
    from toolkit.pipeline.inputs import Inputs

    src = tmp_path / "svar.csv"
    src.write_text("q1\n1\n2\n", encoding="utf-8")
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    inputs = Inputs()
    inputs.data(src)
    src.write_text("q1\n1\n2\n3\n", encoding="utf-8")  # changed after the run read it
    out = tmp_path / "o.xlsx"
    with contextlib.redirect_stdout(io.StringIO()):
        write_outputs([Table("t", "T", ["a"], ["b"], [[Cell(1)]])], out, inputs=inputs.files)
    prov = {r[0]: r[1] for r in openpyxl.load_workbook(out)["Proveniens"].iter_rows(values_only=True) if r[0]}
    assert prov[str(src)] == before
    # the report lists each input once, hashed as read: the wave first, the extract and the code list among them
    files = [i.path.name for i in reported["report"].inputs]
    assert files[0] == "wave_777.yaml" and len(files) == len(set(files))
    assert {"dream_777.parquet", "dream_codes.yaml", "nychance.yaml", "cubb.yaml", "model.yaml", "borgere.sav"} <= set(files)
