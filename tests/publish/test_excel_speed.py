"""The workbook writer's fast paths (styles by name, plain merges) write what openpyxl's own calls
write: the demo wave's workbook read back is identical cell by cell, format by format."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.styles import Border, Side

from toolkit.publish import excel


def _side(side: Side | None) -> tuple[str | None, str | None]:
    if side is None:
        return (None, None)
    return (side.style, side.color.rgb if side.color is not None else None)


def fingerprint(path: Path) -> dict[str, Any]:
    """Everything a reader sees of a workbook as openpyxl reads it back: per sheet its cells (value,
    type, number format, font, fill, border, alignment, link), merges, widths, heights, panes and print setup."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, Any] = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                f, b, a = c.font, c.border, c.alignment
                cells[c.coordinate] = (
                    type(c).__name__, c.value, c.data_type, c.number_format,
                    (f.name, f.sz, f.b, f.i, f.u, f.color.rgb if f.color is not None else None),
                    (c.fill.fill_type, c.fill.fgColor.rgb),
                    tuple(_side(getattr(b, s)) for s in ("left", "right", "top", "bottom")),
                    (a.horizontal, a.vertical, a.wrap_text),
                    c.hyperlink.location if c.hyperlink is not None else None,
                    c.style,
                )
        ps = ws.page_setup
        out[ws.title] = {
            "cells": cells, "merged": sorted(str(r) for r in ws.merged_cells.ranges), "state": ws.sheet_state,
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "heights": {k: d.height for k, d in ws.row_dimensions.items()},
            "freeze": ws.freeze_panes, "titles": (ws.print_title_rows, ws.print_title_cols),
            "page": (ps.orientation, ps.paperSize, ps.scale, ps.fitToWidth, ps.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage
                     if ws.sheet_properties.pageSetUpPr is not None else None),
            "margins": (ws.page_margins.left, ws.page_margins.right, ws.page_margins.top, ws.page_margins.bottom),
            "breaks": [b.id for b in ws.row_breaks.brk], "print_area": ws.print_area,
        }
    return out


def reference_paths(mp: pytest.MonkeyPatch) -> None:
    """The writer as it was: NamedStyle objects assigned to cells, every merge by `ws.merge_cells`."""
    def objects(wb: openpyxl.Workbook, t: dict[str, Any]) -> dict[str, Any]:
        named = excel._styles(t)
        for s in named.values():
            wb.add_named_style(s)
        return named  # type: ignore[return-value]

    mp.setattr(excel, "register_styles", objects)
    mp.setattr(excel, "merge_row", lambda ws, row, c0, c1: ws.merge_cells(start_row=row, start_column=c0, end_row=row, end_column=c1))


@pytest.fixture(scope="module")
def demo_report(demo_wave_dir: Path) -> Any:
    from toolkit.config.wave import load_wave
    from toolkit.pipeline.report import build_report, wave_policy
    from toolkit.publish.audit import checked

    w = load_wave(demo_wave_dir / "wave.yaml")
    rep = build_report(w, lambda _: None)
    prov = excel.Provenance(command="toolkit report wave.yaml", inputs=rep.inputs, parameters=rep.parameters,
                            created=datetime(2026, 1, 1, tzinfo=timezone.utc))
    return rep.tables, prov, {c.number: c.title for c in w.spec.chapters}, checked(rep.tables, wave_policy(w))


def test_the_demo_workbook_is_written_as_openpyxl_writes_it(demo_report: Any, tmp_path: Path) -> None:
    tables, prov, chapters, disclosure = demo_report
    fast = excel.write_workbook(tables, tmp_path / "fast.xlsx", prov, chapters=chapters, disclosure=disclosure)
    with pytest.MonkeyPatch.context() as mp:
        reference_paths(mp)
        slow = excel.write_workbook(tables, tmp_path / "reference.xlsx", prov, chapters=chapters, disclosure=disclosure)
    a, b = fingerprint(fast), fingerprint(slow)
    assert a["sheets"] == b["sheets"] and len(a["sheets"]) > 40
    for name in a["sheets"]:
        assert a[name] == b[name], name
    merged = [m for name in a["sheets"] for m in a[name]["merged"]]
    assert len(merged) > 100  # titles, notes and column groups: the fast path was taken


def test_a_bordered_merge_keeps_openpyxl_borders(tmp_path: Path) -> None:
    """A first cell with a border (a template may give titles one) is merged by openpyxl, whose
    MergedCells carry the border; a plain one gets the same range without."""
    paths = []
    for k, merge in enumerate((excel.merge_row, lambda ws, r, c0, c1: ws.merge_cells(start_row=r, start_column=c0, end_row=r, end_column=c1))):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws["A1"] = "plain title"
        ws["A2"] = "bordered"
        ws["A2"].border = Border(top=Side(style="thin"), bottom=Side(style="thin"))
        merge(ws, 1, 1, 4)
        merge(ws, 2, 1, 4)
        wb.save(tmp_path / f"{k}.xlsx")
        paths.append(fingerprint(tmp_path / f"{k}.xlsx"))
    assert paths[0] == paths[1]
    cells = paths[0]["Sheet"]["cells"]
    assert cells["D2"][0] == "MergedCell" and cells["D2"][6][2][0] == "thin"  # top border on the last cell
    assert paths[0]["Sheet"]["merged"] == ["A1:D1", "A2:D2"]
