"""`toolkit audit` on a workbook without the structure sheet: the structure inferred from the layout.

The fixture `fixtures/pre_audit_outcomes.xlsx` was written by the toolkit before the disclosure
audit (commit bb21a62): `toolkit demo-dream . --persons 1500`, then
`toolkit outcomes dream.parquet -d registers/cubb.yaml -d registers/nychance.yaml -o …`.
The persons each test expects are counted here by hand from the visible shares and bases.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from toolkit.publish.audit import STRUCTURE_SHEET

OLD = Path(__file__).parent / "fixtures" / "pre_audit_outcomes.xlsx"


@pytest.fixture(scope="module")
def old_audit() -> tuple[int, str, str]:
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "toolkit", "audit", str(OLD)], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def test_a_pre_audit_workbook_is_audited_from_its_layout_and_its_leaks_named(old_audit: tuple[int, str, str]) -> None:
    code, out, err = old_audit
    assert code == 2, (out, err)
    assert "no structure sheet: structure inferred from the layout" in out
    assert err.startswith("error: ")
    wb = load_workbook(OLD, data_only=True)
    ws = wb["Tabel 3.1.2"]
    assert [ws.cell(3, c).value for c in (2, 4)] == ["Herning", "Silkeborg"] and ws["A5"].value == "Ordinære løntimer"
    assert ws["A7"].value == "Antal personer"
    herning = ws["B5"].value * ws["B7"].value  # a shown share of the Herning base
    assert 1 <= round(herning) <= 4 and abs(herning - round(herning)) < 1e-9
    assert f"Tabel 3.1.2!B5: shown share {ws['B5'].value * 100:.4g} % of 9 persons (Tabel 3.1.2!B7) = {round(herning)} person(s)" in err
    assert 0 < ws["D7"].value < 5 and "Tabel 3.1.2!D7: shown base of 3 persons" in err  # Silkeborg's 3 persons


def test_a_hidden_quarter_recomputed_from_the_change_and_the_projection_is_named(old_audit: tuple[int, str, str]) -> None:
    _, _, err = old_audit
    ws = load_workbook(OLD, data_only=True)["maal1_top"]
    assert ws["C3"].value == "3. kvt. 2021" and ws["D3"].value == "4. kvt. 2022" and ws["F3"].value == "Fremskrevet 2. kvt. 2023"
    assert ws["D5"].value == "x" and ws["C4"].value == "x"
    # Favrskov: latest quarter hidden; projection two quarters on = latest + 2 × change per quarter
    latest = ws["F5"].value - 2 * ws["E5"].value / 100
    persons = latest * ws["G5"].value
    assert round(persons) == 1
    assert "maal1_top!D5: hidden cell of 20 persons (maal1_top!G5) can be narrowed to 1.0–1.0 persons" in err
    # Brønderslev: first quarter hidden = latest − 5 quarters × change
    first = ws["D4"].value - 5 * ws["E4"].value / 100
    assert 1 <= round(first * ws["G4"].value) <= 4
    assert "maal1_top!C4: hidden cell of 20 persons" in err


def test_p_values_beside_suppressed_cells_and_small_counts_in_notes_are_leaks(tmp_path: Path) -> None:
    from toolkit.publish.audit_layout import audit_layout

    wb = load_workbook(OLD)
    ws = wb["Tabel 3.1.1"]
    ws.cell(ws.max_row + 1, 1).value = "Anm.: 3 personer har ingen registreret herkomst."
    res = audit_layout(wb)
    notes = [k for k in res.leaks if k.where.startswith("Tabel 3.1.1!A")]
    assert [k.text for k in notes] == ["the note states a count of 3 personer (fewer than 5)"]
    assert any(k.where.startswith("Tabel 3.2.1!A") and "p-values beside suppressed cells" in k.text for k in res.leaks)


def test_a_workbook_written_now_passes_with_and_without_its_structure_sheet(demo_dir: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "now.xlsx"
    code, _, err = cli("outcomes", demo_dir / "dream.parquet", "-d", "cubb", "-d", "nychance", "-o", out)
    assert code == 0, err
    code, text, err = cli("audit", out)
    assert code == 0 and "structure read from the Diskretionering_struktur sheet" in text, err
    wb = load_workbook(out)
    del wb[STRUCTURE_SHEET]
    bare = tmp_path / "bare.xlsx"
    wb.save(bare)
    code, text, err = cli("audit", bare)
    assert code == 0, err
    assert "no structure sheet: structure inferred from the layout" in text and "audit passed" in text
    # the same reading does find a leak once a hidden cell is put back
    wb = load_workbook(bare)
    ws = wb[next(n for n in wb.sheetnames if n.endswith("maal1_kommuner"))]
    assert ws["I3"].value == "Antal personer"
    hidden = next(c for row in ws.iter_rows(min_row=4, min_col=2, max_col=7) for c in row if c.value == "x")
    hidden.value, hidden.number_format = 1 / ws.cell(hidden.row, 9).value, "0.0 %"  # one person shown
    wb.save(bare)
    code, _, err = cli("audit", bare)
    assert code == 2 and f"{ws.title}!{hidden.coordinate}: shown share" in err and "= 1 person(s)" in err
