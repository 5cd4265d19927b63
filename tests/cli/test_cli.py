"""The command line as a user meets it: help, version, one-line errors with exit code 2."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from conftest import run_cli


def test_version_and_help_list_every_command() -> None:
    v = run_cli("--version")
    assert v.returncode == 0 and v.stdout.startswith("toolkit ")
    h = run_cli("--help")
    assert h.returncode == 0
    for cmd in ("demo", "crosstab"):
        assert cmd in h.stdout


def test_missing_input_is_one_line_exit_2(tmp_path: Path) -> None:
    r = run_cli("crosstab", tmp_path / "nope.sav", "--out", tmp_path / "o.xlsx")
    assert r.returncode == 2
    assert r.stderr == f"error: file not found ({tmp_path / 'nope.sav'})\n"
    assert "Traceback" not in r.stderr + r.stdout
    assert not (tmp_path / "o.xlsx").exists()


def test_debug_shows_traceback(tmp_path: Path) -> None:
    r = run_cli("--debug", "crosstab", tmp_path / "nope.sav", "--out", tmp_path / "o.xlsx")
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_output_equal_to_input_is_refused(demo_dir: Path) -> None:
    src = demo_dir / "politikere.sav"
    before = src.read_bytes()
    r = run_cli("crosstab", src, "--out", src)
    assert r.returncode == 2
    assert r.stderr == f"error: refusing to overwrite an input file; choose another output path ({src})\n"
    assert src.read_bytes() == before


def test_unsupported_file_type(tmp_path: Path) -> None:
    p = tmp_path / "svar.doc"
    p.write_text("x")
    r = run_cli("crosstab", p, "--out", tmp_path / "o.xlsx")
    assert r.returncode == 2
    assert r.stderr == f"error: unsupported file type '.doc'; use .csv, .xlsx, .sav, .dta, .sas7bdat or .parquet ({p})\n"


def test_labelled_sav_labels_reach_the_workbook(tmp_path: Path) -> None:
    import pandas as pd
    import pyreadstat

    p = tmp_path / "ledere.sav"
    df = pd.DataFrame({"q1": [1.0, 1.0, 2.0, 3.0]})
    pyreadstat.write_sav(df, str(p), column_labels=["Har I et projekt for målgruppen?"],
                         variable_value_labels={"q1": {1.0: "Ja", 2.0: "Nej", 3.0: "Ved ikke"}})
    out = tmp_path / "o.xlsx"
    r = run_cli("crosstab", p, "--out", out)
    assert r.returncode == 0, r.stderr
    ws = openpyxl.load_workbook(out)["Tabel 1"]
    assert ws["A1"].value == "Tabel 1 Har I et projekt for målgruppen?"
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=7, max_col=3)]
    assert body == [["Ja", 2, 0.5], ["Nej", 1, 0.25], ["Ved ikke", 1, 0.25], ["Total", 4, 1.0]]
