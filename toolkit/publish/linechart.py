"""Line charts with a projection and target levels (seed Figur 2.1): per series the observed
quarters solid, the projected ones dashed in the same colour, the target level dotted.

The pieces are drawn from hidden helper columns beside the table (charts read cells; a
spreadsheet cannot style part of one line), which the chart plots although hidden.
"""

from __future__ import annotations

from typing import Any

from openpyxl.chart import Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from toolkit.core.table import Table

COLOURS = ["1F4E79", "C55A11", "548235", "7030A0", "BF9000", "2E75B6"]


def _style(series: Any, colour: str, dash: str = "solid", width: int = 28575) -> None:
    series.smooth = False
    series.marker.symbol = "none"
    line = series.graphicalProperties.line
    line.solidFill = colour
    line.prstDash = dash
    line.width = width


def add_series(ws: Worksheet, chart: Any, table: Table, cols: list[int], r0: int, c0: int, first_free: int, fmt: str) -> None:
    """Observed, projected and target series of each drawn column into `chart` (categories: the row labels)."""
    fig = table.figure
    assert fig is not None
    n = len(table.row_labels)
    p = n if fig.projected_from is None else fig.projected_from
    targets = fig.targets or []
    c = first_free
    for k, j in enumerate(cols):
        colour = COLOURS[k % len(COLOURS)]
        label = table.column_labels[j]
        values = [table.cells[i][j].value if table.cells[i][j].is_number else None for i in range(n)]
        pieces = [(label, [v if i < p else None for i, v in enumerate(values)], "solid")]
        if p < n:
            pieces.append((f"{label} (fremskrevet)", [v if i >= p - 1 else None for i, v in enumerate(values)], "dash"))
        if k < len(targets) and targets[k] is not None:
            pieces.append((f"{label}: målsætning", [targets[k]] * n, "sysDot"))
        for title, vals, dash in pieces:
            for i, v in enumerate(vals):
                cell = ws.cell(r0 + i, c, v)
                cell.number_format = fmt
            ws.column_dimensions[get_column_letter(c)].hidden = True
            chart.add_data(Reference(ws, min_col=c, min_row=r0, max_row=r0 + n - 1))
            chart.series[-1].tx = SeriesLabel(v=title)
            _style(chart.series[-1], colour, dash, 19050 if dash == "sysDot" else 28575)
            c += 1
    chart.set_categories(Reference(ws, min_col=c0 - 1, min_row=r0, max_row=r0 + n - 1))
    chart.visible_cells_only = False  # the helper columns are hidden
    chart.height, chart.width = 12, 20  # room for the legend of up to three lines per goal
    chart.display_blanks = "gap"
