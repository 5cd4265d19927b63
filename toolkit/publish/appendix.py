"""Appendix sheets ("Bilag 1", "Bilag 2" …) for tables too wide for an A4 page at a readable size.

Such a table (the model's municipality data: 45 columns) is printed in page-sized blocks, one
page across: each block repeats the stub and the header row over as many columns as fit the
landscape page at 100 % and as many rows as fit its height, blocks column group by column group
with a page break after each. Where every block's cells are is returned, so a reader of the
written workbook (`toolkit audit`) finds them.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from openpyxl.styles import NamedStyle
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from toolkit.core.table import Role, Table
from toolkit.publish import layout

Block = list[int]  # [first row, end row, first column, end column] of the table, [sheet row, sheet column] of its first cell


def _height(text: str, width: float, size: float, bold: bool = False) -> float:
    lines = layout.wrapped_lines(text, width, size, bold) or 1
    return max(lines * layout.line_pt(size) + 2, layout.DEFAULT_ROW)


def _column_need(table: Table, j: int, t: dict[str, Any], hsize: float, size: float) -> float:
    """Points column j needs: its header's longest word (wrapped) and every shown value whole."""
    need = max((layout.text_pt(w, hsize, True) for w in table.column_labels[j].split()), default=0.0)
    for row in table.cells:
        c = row[j]
        shown = t.get("suppressed_mark", "x") if c.suppressed else layout.shown(c.value, t["formats"].get(c.kind.value, "General"))
        need = max(need, layout.text_pt(shown, size) + 2)
    return need


def write_appendix(ws: Worksheet, table: Table, label: str, st: dict[str, NamedStyle], t: dict[str, Any], *,
                   put_text: Callable[[Any, Any], Any], put_cell: Callable[..., None], back_link: Callable[[Any], None],
                   notes: list[str]) -> list[Block]:
    """Write `table` on `ws` as appendix `label` ("Bilag 1 …") in page-sized blocks; returns the blocks."""
    ws.page_setup.orientation = "landscape"
    for k, v in layout.MARGINS.items():
        setattr(ws.page_margins, k, v)
    size = float(t["size"])
    hsize = float(t["header"].get("size", size))
    smallest = min(size, hsize, float(t["note"].get("size", size)), float(t["title"].get("size", size)))
    scale = min(sc for sc in layout.SCALES if smallest * sc / 100 >= layout.MIN_FONT - 1e-9) / 100  # the most per page
    pw, ph = layout.page_area(ws)
    pw, ph = pw * layout.SLACK / scale, ph * layout.SLACK / scale
    nstub = 2 if table.has_row_groups() else 1
    longest = max([layout.text_pt(x, size) for x in table.row_labels] + [layout.text_pt(table.stub_header, hsize, True)])
    stub = min(longest, layout.col_pt(t["column_width"]["max_stub"]))
    group_w = max([layout.text_pt(g, size, True) for g in table.row_groups] + [0.0]) if nstub == 2 else 0.0
    width = max([_column_need(table, j, t, hsize, size) for j in range(len(table.column_labels))] + [layout.col_pt(8)])
    per_panel = max(1, math.floor((pw - stub - group_w) / width))
    ncols = len(table.column_labels)
    panels = [list(range(a, min(a + per_panel, ncols))) for a in range(0, ncols, per_panel)]
    span = stub + group_w + width * min(per_panel, ncols)
    for c, w in enumerate([group_w] * (nstub == 2) + [stub] + [width] * min(per_panel, ncols), start=1):
        ws.column_dimensions[get_column_letter(c)].width = math.ceil((w / 0.75 - 5) / 7 * 100) / 100
    last_col = nstub + min(per_panel, ncols)
    # title, question and back link on the first page
    row, used = 1, 0.0
    tsize = float(t["title"].get("size", size))
    merged = []
    put_text(ws.cell(row, 1), label).style = st["title"]
    merged.append(row)
    used += _height(label, span, tsize, True)
    row += 1
    if table.question and table.question.casefold().strip(" ?") not in table.title.casefold():
        put_text(ws.cell(row, 1), table.question).style = st["question"]
        merged.append(row)
        used += _height(table.question, span, size)
        row += 1
    back_link(ws.cell(row, 1))
    row += 2
    used += 2 * layout.DEFAULT_ROW
    heights = [_height(x, stub, size) for x in table.row_labels]
    blocks: list[Block] = []
    for cols in panels:
        header_h = max(_height(table.column_labels[j], width, hsize, True) for j in cols)
        n = len(table.row_labels)
        cap = math.ceil(n / len(_chunks(heights, ph - header_h, used, n)))  # as many pages, evenly filled
        for i0, i in _chunks(heights, ph - header_h, used, cap):
            put_text(ws.cell(row, nstub), table.stub_header).style = st["stubhead"]
            if nstub == 2:
                ws.cell(row, 1).style = st["stubhead"]
            for k, j in enumerate(cols):
                put_text(ws.cell(row, nstub + 1 + k), table.column_labels[j]).style = st["header"]
            row += 1
            blocks.append([i0, i, cols[0], cols[-1] + 1, row, nstub + 1])
            prev = None
            for r in range(i0, i):
                total = table.row_roles[r] is Role.TOTAL
                if nstub == 2:
                    g = table.row_groups[r]
                    put_text(ws.cell(row, 1), g if g != prev or r == i0 else "").style = st["group"]
                    prev = g
                put_text(ws.cell(row, nstub), table.row_labels[r]).style = st["label_total" if total else "label"]
                for k, j in enumerate(cols):
                    put_cell(ws.cell(row, nstub + 1 + k), table.cells[r][j], total, st, t, t.get("suppressed_mark", "x"))
                row += 1
            ws.row_breaks.append(Break(id=row - 1))  # each block on its own page
            used = 0.0
    ws.row_breaks.brk.pop()  # the notes follow the last block
    row += 1
    for note in notes:
        put_text(ws.cell(row, 1), note).style = st["note"]
        merged.append(row)
        row += 1
    for r in merged:
        if last_col > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=last_col)
    layout.set_page(ws, scale=round(scale * 100))
    return blocks


def _chunks(heights: list[float], room: float, used: float, cap: int) -> list[tuple[int, int]]:
    """(first, end) row runs of at most `cap` rows that fill a page of `room` points each (the
    first page has `used` already)."""
    out, i = [], 0
    while i < len(heights):
        left, i0 = room - used, i
        while i < len(heights) and (i == i0 or (left >= heights[i] and i - i0 < cap)):
            left -= heights[i]
            i += 1
        out.append((i0, i))
        used = 0.0
    return out
