"""The register commands end to end: the demo extract, `toolkit outcomes`, the workbook read back."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
from conftest import ROOT, run_cli


def test_demo_extract_to_workbook(tmp_path: Path) -> None:
    r = run_cli("demo-dream", tmp_path, "--persons", "3000")
    assert r.returncode == 0, r.stderr
    extract = tmp_path / "dream.parquet"
    df = pd.read_parquet(extract, columns=["pnr", "kon", "foed_dato", "herkomst", "match", "nykom2023", "visit4kv2023", "y_2053", "grad_2023_12"])
    assert len(df) == 3000 and df["pnr"].is_unique and set(df["match"]) <= {1, 2, 3, 4, 5, 25}
    out, tidy = tmp_path / "register.xlsx", tmp_path / "register.csv"
    r = run_cli("outcomes", extract, "-d", "cubb", "-d", ROOT / "registers/nychance.yaml",  # a shipped name, a path
                "--out", out, "--tidy", tidy)
    assert r.returncode == 0, r.stderr
    assert "555" in r.stderr  # the demo's unknown code is reported
    wb = openpyxl.load_workbook(out)
    for name in ("Tabel 3.1.1", "Tabel 3.1.2", "Tabel 3.1.3", "Tabel 3.2.1", "Tabel 3.2.2", "Figur 2.1"):
        assert name in wb.sheetnames
    ws = wb["Tabel 3.1.1"]
    cells = {(ws.cell(r, 1).value, ws.cell(3, c).value): ws.cell(r, c).value for r in range(1, 12) for c in range(2, 4)}
    rows = {(row["row"], row["column"]): row["value"] for row in csv.DictReader(open(tidy, encoding="utf-8")) if row["table"] == "cubb/maal1_samlet"}
    n = rows[("Antal personer", "Landsplan")]
    assert cells[("Antal personer", "Landsplan")] == int(n) > 100
    job = cells[("Ordinært job", "Landsplan")]
    assert abs(job * 100 - float(rows[("Ordinært job", "Landsplan")])) < 1e-9


def test_an_unknown_definitions_name_is_one_line(tmp_path: Path, cli) -> None:
    code, _, err = cli("outcomes", tmp_path / "dream.parquet", "-d", "cub", "-o", tmp_path / "o.xlsx")
    assert code == 2
    assert err == "error: no shipped definitions named 'cub'; shipped: cubb, nychance (or give a path to a .yaml)\n"
    assert not (tmp_path / "o.xlsx").exists()


def test_demo_dream_refuses_to_overwrite_an_extract_without_force(tmp_path: Path) -> None:
    """`toolkit demo-dream` never replaces an existing extract silently (issue 13, class 8)."""
    target = tmp_path / "dream.csv"
    target.write_text("pnr;y_2001\n1;730\n", encoding="utf-8")
    before = target.read_bytes()
    r = run_cli("demo-dream", tmp_path, "--persons", "100", "--csv")
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: refusing to overwrite an existing extract; use --force to replace it ({target})"
    assert target.read_bytes() == before
    r = run_cli("demo-dream", tmp_path, "--persons", "100", "--csv", "--force")
    assert r.returncode == 0, r.stderr
    assert len(pd.read_csv(target, sep=";")) == 100
