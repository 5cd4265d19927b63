"""Optional visual check (pytest -m render): LibreOffice in a Danish locale shows '7,7 %'."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.core.table import Cell, Kind, Table
from toolkit.publish import render
from toolkit.publish.excel import Provenance, write_workbook

pytestmark = pytest.mark.render


@pytest.mark.skipif(not render.available(), reason="LibreOffice/poppler not installed")
def test_rendered_workbook_shows_danish_percentages(tmp_path: Path) -> None:
    t = Table(id="q", number="Tabel 2.1", title="Mål 1", row_labels=["Ledere", "Total"], column_labels=["Slet ikke", "Total"],
              cells=[[Cell(6 / 78, Kind.PERCENT), Cell(1234, Kind.BASE)], [Cell(1.0, Kind.PERCENT), Cell(1234, Kind.BASE)]])
    wb = write_workbook([t], tmp_path / "w.xlsx", Provenance(command="test"))
    pdf, pngs = render.render(wb, tmp_path / "r")
    text = render.pdf_text(pdf)
    assert "Tabel 2.1 Mål 1" in text
    assert "7,7 %" in text and "100,0 %" in text
    assert "1.234" in text  # Danish thousands separator from '#,##0'
    assert pngs and all(p.stat().st_size > 0 for p in pngs)
