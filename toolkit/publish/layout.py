"""Print layout on A4, computed from a sheet's own page setup, column widths, row heights and
chart anchors – no spreadsheet program needed.

`fit_sheet` gives a written sheet its print layout (column widths that fit the page at a scale
keeping every font ≥ 8 pt, row heights for wrapped text, header rows repeated only when the
table runs over a page, a page break before a chart that would not fit); `problems` checks a
saved workbook the same way a reader would see it printed. Text widths are estimated
generously (Calibri/Carlito metrics), so a text judged to fit does fit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

A4 = (595.0, 842.0)  # points, portrait
MARGINS = {"left": 0.5, "right": 0.5, "top": 0.6, "bottom": 0.6, "header": 0.3, "footer": 0.3}  # inches
MIN_FONT = 8.0  # points, as printed
SCALES = (100, 95, 90)  # print scales tried, largest first
DEFAULT_ROW = 15.0  # points
SLACK = 0.96  # share of the page the layout plans to fill (renderers differ by a few per cent)
EMU_PER_PT = 12700


def col_pt(width: float | None) -> float:
    """Points of a column `width` characters wide (Excel: 7 px a character + 5 px padding)."""
    return (7 * (8.43 if width is None else width) + 5) * 0.75


def _col_chars(pt: float) -> float:
    return (pt / 0.75 - 5) / 7


def text_pt(text: str, size: float, bold: bool = False) -> float:
    """Generous width of `text` in points at font `size` (plus the cell's padding)."""
    return len(text) * size * (0.5 if bold else 0.46) + 4


def line_pt(size: float) -> float:
    """Height of one line of text at font `size`."""
    return size * 1.3


def wrapped_lines(text: str, width_pt: float, size: float, bold: bool = False) -> int | None:
    """Lines `text` needs when wrapped at word boundaries in `width_pt`; None if a word is wider."""
    lines = 0
    for para in str(text).split("\n"):
        used, lines = None, lines + 1
        for word in para.split():
            w = text_pt(word, size, bold) - 4
            if w > width_pt - 4:
                return None
            if used is None:
                used = w
            elif used + text_pt(" " + word, size, bold) - 4 <= width_pt - 4:
                used += text_pt(" " + word, size, bold) - 4
            else:
                lines, used = lines + 1, w
    return lines


def shown(value: Any, fmt: str) -> str:
    """The text a number shows in a cell with Excel format `fmt` (near enough to measure it)."""
    if isinstance(value, str) or value is None:
        return "" if value is None else value
    if isinstance(value, bool):
        return str(value)
    m = re.search(r"\.(0+)", fmt)
    dec = len(m.group(1)) if m else 0
    v = float(value)
    if "E" in fmt:
        return f"{v:.{dec}E}"
    if "%" in fmt:
        return f"{v * 100:,.{dec}f} %"
    if fmt == "General":
        return f"{v:.10g}"
    return f"{v:,.{dec}f}"


def page_area(ws: Worksheet) -> tuple[float, float]:
    """Printable (width, height) in points of the sheet's page at 100 %."""
    w, h = A4 if ws.page_setup.orientation != "landscape" else (A4[1], A4[0])
    m = ws.page_margins
    return w - 72 * (m.left + m.right), h - 72 * (m.top + m.bottom)


def scale(ws: Worksheet) -> float:
    """The print scale (1.0 = 100 %) a spreadsheet program applies to the sheet."""
    if ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage:
        need = _span_pt(ws, 1, ws.max_column)
        return min(1.0, page_area(ws)[0] / need) if ws.page_setup.fitToWidth else 1.0
    return (ws.page_setup.scale or 100) / 100


@dataclass
class _Text:
    row: int
    c0: int
    c1: int
    text: str
    size: float
    bold: bool
    wrap: bool
    number: bool


def _texts(ws: Worksheet) -> list[_Text]:
    spans = {}
    hidden = set()
    for mr in ws.merged_cells.ranges:
        c0, r0, c1, r1 = range_boundaries(mr.coord)
        spans[(r0, c0)] = c1
        hidden |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(r0, c0)}
    out = []
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None or (cell.row, cell.column) in hidden or cell.value == "" or _hidden(ws, cell.column):
                continue
            f = cell.font
            out.append(_Text(cell.row, cell.column, spans.get((cell.row, cell.column), cell.column),
                             shown(cell.value, cell.number_format), float(f.sz or 11), bool(f.b),
                             bool(cell.alignment.wrap_text), not isinstance(cell.value, str)))
    return out


def _hidden(ws: Worksheet, c: int) -> bool:
    letter = get_column_letter(c)
    return letter in ws.column_dimensions and bool(ws.column_dimensions[letter].hidden)


def _span_pt(ws: Worksheet, c0: int, c1: int) -> float:
    """Width of columns c0…c1 in points (hidden columns take none; they do not print)."""
    return sum(col_pt(ws.column_dimensions[get_column_letter(c)].width) for c in range(c0, c1 + 1) if not _hidden(ws, c))


def _row_h(ws: Worksheet, r: int) -> float:
    h = ws.row_dimensions[r].height if r in ws.row_dimensions else None
    return DEFAULT_ROW if h is None else float(h)


def _title_rows(ws: Worksheet) -> range:
    if not ws.print_title_rows:
        return range(0)
    a, b = (int(x) for x in re.findall(r"\d+", ws.print_title_rows)[:2])
    return range(a, b + 1)


def _charts(ws: Worksheet) -> list[tuple[int, float, float, float]]:
    """(anchor row 1-based, top offset, height, width) of each chart, in points."""
    out = []
    for ch in ws._charts:
        a = ch.anchor
        if isinstance(a, str):  # not saved yet: a cell name, the size in cm
            out.append((coordinate_to_tuple(a)[0], 0.0, ch.height / 2.54 * 72, ch.width / 2.54 * 72))
            continue
        ext = getattr(a, "ext", None)
        h = ext.height / EMU_PER_PT if ext is not None else ch.height / 2.54 * 72
        w = ext.width / EMU_PER_PT if ext is not None else ch.width / 2.54 * 72
        out.append((a._from.row + 1, a._from.rowOff / EMU_PER_PT, h, w))
    return out


def pages(ws: Worksheet, last_row: int | None = None) -> list[tuple[int, int]]:
    """(first row, last row) of each printed page, from row heights, manual breaks and the
    repeated header rows; rows are never split."""
    avail = page_area(ws)[1] / scale(ws) * SLACK
    titles = _title_rows(ws)
    band = sum(_row_h(ws, r) for r in titles)
    breaks = {b.id for b in ws.row_breaks.brk}
    last = last_row or ws.max_row
    out, first, used = [], 1, 0.0
    for r in range(1, last + 1):
        h = _row_h(ws, r)
        room = avail - (band if out and titles and r > titles[-1] else 0)
        if used + h > room and used > 0:
            out.append((first, r - 1))
            first, used = r, 0.0
        used += h
        if r in breaks:
            out.append((first, r))
            first, used = r + 1, 0.0
    if first <= last:
        out.append((first, last))
    return out


def _chart_fits(ws: Worksheet, row: int, off: float, height: float) -> bool:
    """True when a chart anchored at `row` lies on one page, below any repeated header rows."""
    rows_needed = row
    end, extra = row, off + height
    while extra > 0:
        extra -= _row_h(ws, end)
        end += 1
    rows_needed = end
    for first, last in pages(ws, max(rows_needed, ws.max_row)):
        if first <= row <= last:
            return end - 1 <= last
    return False


def problems(wb: Workbook) -> list[str]:
    """Everything that would print badly: a chart across a page break or over text, text wider
    than its cell or taller than its row, a sheet more than one page across, a font below 8 pt."""
    out: list[str] = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue  # a hidden sheet (the audit's structure) is never printed
        s = scale(ws)
        pw, ph = page_area(ws)
        where = f"sheet {ws.title!r}"
        ncol = ws.max_column
        if _span_pt(ws, 1, ncol) * s > pw * 1.001:  # column pages too: one page across, always
            across = math.ceil(_span_pt(ws, 1, ncol) * s / pw)
            out.append(f"{where}: {_span_pt(ws, 1, ncol) * s:.0f} pt wide at {s:.0%}, the page has {pw:.0f} pt ({across} pages across)")
        for t in _texts(ws):
            cell = f"{where} {get_column_letter(t.c0)}{t.row}"
            if t.size * s < MIN_FONT - 1e-9:
                out.append(f"{cell}: font {t.size * s:.1f} pt printed (below {MIN_FONT:.0f})")
            width = _span_pt(ws, t.c0, t.c1)
            if not t.wrap or t.number:
                if text_pt(t.text, t.size, t.bold) > width:
                    out.append(f"{cell}: {t.text[:40]!r} is wider than its cell")
                continue
            lines = wrapped_lines(t.text, width, t.size, t.bold)
            if lines is None:
                out.append(f"{cell}: a word of {t.text[:40]!r} is wider than its cell")
            elif lines * line_pt(t.size) > _row_h(ws, t.row) + 1:
                out.append(f"{cell}: {t.text[:40]!r} needs {lines} lines, the row has room for fewer")
        filled = {(t.row, c) for t in _texts(ws) for c in range(t.c0, t.c1 + 1)}
        for row, off, height, width in _charts(ws):
            if width * s > pw or height * s > ph * SLACK:
                out.append(f"{where}: the chart at row {row} is larger than the page")
            elif not _chart_fits(ws, row, off, height):
                out.append(f"{where}: the chart at row {row} runs over a page break")
            rows = _rows_under(ws, row, off + height)
            ncols = _cols_under(ws, width)
            if any((r, c) in filled for r in rows for c in ncols):
                out.append(f"{where}: the chart at row {row} covers text")
    return out


def _rows_under(ws: Worksheet, row: int, height: float) -> range:
    end = row
    while height > 0:
        height -= _row_h(ws, end)
        end += 1
    return range(row, end)


def _cols_under(ws: Worksheet, width: float) -> range:
    c = 1
    while width > 0:
        width -= col_pt(ws.column_dimensions[get_column_letter(c)].width)
        c += 1
    return range(1, c)


def _min_width(ws: Worksheet, texts: list[_Text], c: int) -> float:
    """Narrowest width (points) column `c` can take: its numbers and unwrapped texts whole,
    its wrapped texts' longest word."""
    need = 0.0
    for t in texts:
        if t.c0 != c or t.c1 != c:
            continue
        if t.number or not t.wrap:
            need = max(need, text_pt(t.text, t.size, t.bold))
        else:
            need = max(need, max((text_pt(w, t.size, t.bold) for w in t.text.split()), default=0.0))
    return need


def fit_sheet(ws: Worksheet, *, header_rows: range, table_end: int, repeat_columns: int = 1) -> bool:
    """Lay a written sheet out for A4 (see the module docstring). Columns wider than the page
    at the smallest readable scale are printed in column pages with the first `repeat_columns`
    columns repeated; returns False then (the caller may move the sheet to an appendix)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    for k, v in MARGINS.items():
        setattr(ws.page_margins, k, v)
    if ws.sheet_properties.pageSetUpPr is not None:
        ws.sheet_properties.pageSetUpPr.fitToPage = False
    texts = _texts(ws)
    ncol = ws.max_column
    smallest = min((t.size for t in texts), default=11.0)
    widths = {c: col_pt(ws.column_dimensions[get_column_letter(c)].width) for c in range(1, ncol + 1) if not _hidden(ws, c)}
    mins = {c: max(_min_width(ws, texts, c), col_pt(4)) for c in widths}
    widths = {c: max(widths[c], mins[c]) for c in widths}  # an unwrapped text or a number is never cut
    pw = page_area(ws)[0] * SLACK
    fits = False
    for sc in SCALES:
        if smallest * sc / 100 < MIN_FONT:
            break
        avail = pw / (sc / 100)
        have, least = sum(widths.values()), sum(mins.values())
        if least <= avail:
            k = 1.0 if have <= avail else (avail - least) / (have - least)
            widths = {c: mins[c] + (widths[c] - mins[c]) * k for c in widths}
            ws.page_setup.scale = sc
            fits = True
            break
    if not fits:
        ws.page_setup.scale = 100
        ws.print_title_cols = f"A:{get_column_letter(repeat_columns)}"
    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = math.ceil(_col_chars(w) * 100) / 100
    _fit_rows(ws, texts)  # the texts read above: only the column widths changed since
    ws.print_title_rows = None
    if len(pages(ws, table_end)) > 1 and header_rows:
        ws.print_title_rows = f"{header_rows[0]}:{header_rows[-1]}"
    _break_before_charts(ws)
    return fits


def set_page(ws: Worksheet, *, scale: int) -> None:
    """A4 with the layout's margins at `scale` per cent, every row as tall as its text – for a
    sheet whose columns and page breaks are already laid out (an appendix sheet)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    for k, v in MARGINS.items():
        setattr(ws.page_margins, k, v)
    ws.page_setup.scale = scale
    ws.print_title_rows = None
    _fit_rows(ws)


def _fit_rows(ws: Worksheet, texts: list[_Text] | None = None) -> None:
    """Every row as tall as its tallest wrapped text (spreadsheets do not size wrapped rows);
    `texts`: the sheet's texts when already read (reading every cell's style is the slow part)."""
    need: dict[int, float] = {}
    for t in _texts(ws) if texts is None else texts:
        lines = wrapped_lines(t.text, _span_pt(ws, t.c0, t.c1), t.size, t.bold) if t.wrap and not t.number else 1
        need[t.row] = max(need.get(t.row, 0.0), (lines or 1) * line_pt(t.size) + 2)
    for r in range(1, ws.max_row + 1):
        ws.row_dimensions[r].height = round(max(need.get(r, 0.0), DEFAULT_ROW), 1)


def _break_before_charts(ws: Worksheet) -> None:
    """A manual page break before each chart that would otherwise run over a page break."""
    for row, off, height, _ in sorted(_charts(ws)):
        for r in _rows_under(ws, row, off + height):
            if r not in ws.row_dimensions or ws.row_dimensions[r].height is None:
                ws.row_dimensions[r].height = DEFAULT_ROW
        if not _chart_fits(ws, row, off, height) and row > 1:
            ws.row_breaks.append(Break(id=row - 1))


def nice_ceiling(x: float) -> float:
    """The round value at or above x (1, 2, 2.5, 5 times a power of ten)."""
    if x <= 0:
        return 0.0
    p = 10 ** math.floor(math.log10(x))
    return next(m * p for m in (1, 2, 2.5, 5, 10) if m * p >= x * (1 - 1e-12))


def value_axis(values: list[float], *, percent: bool, symmetric: bool = False) -> tuple[float, float, float]:
    """Value axis (min, max, step), one rule for every chart: from 0 (or a round negative value)
    to 100 % for shares above 60 %, else to the next round step above the data; `symmetric`
    (coefficients) gives ±the same round bound when the data have both signs."""
    vals = [v for v in values if v is not None and math.isfinite(v)]
    hi, lo = max(vals + [0.0]), min(vals + [0.0])
    if percent and 0.6 < hi <= 1.0 and lo >= 0:
        return 0.0, 1.0, 0.2
    both = symmetric and lo < 0 < hi
    if both:
        lo, hi = -max(hi, -lo), max(hi, -lo)
    extent = hi - lo
    if extent <= 0:
        return 0.0, (0.1 if percent else 1.0), (0.02 if percent else 0.2)
    step = 0.1 if percent and extent > 0.2 else nice_ceiling(extent / (6 if both else 5))  # ~3 steps a side, ~5 in all
    top = math.ceil(hi / step - 1e-9) * step
    bottom = math.floor(lo / step + 1e-9) * step
    return round(bottom, 12), round(top, 12), step


def horizontal(labels: list[str]) -> bool:
    """Category labels too long to stand side by side under columns: draw horizontal bars."""
    longest = max((len(s) for s in labels), default=0)
    return longest > 14 or longest * len(labels) > 90


def chart_size(n_categories: int, n_series: int, *, bars_horizontal: bool) -> tuple[float, float]:
    """(height, width) in cm: horizontal bars get room for every category label."""
    if not bars_horizontal:
        return 9.0, 18.0
    return min(16.0, max(9.0, 2.5 + n_categories * (0.35 + 0.2 * n_series))), 18.0
