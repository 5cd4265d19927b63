"""Tables → the styled ministry workbook (openpyxl): one sheet per table, contents, provenance.

Percentages are stored as fractions with format ``0.0 %`` (Danish Excel shows "7,7 %"), counts
as integers with ``#,##0``; every text is stored as text (never a formula). Styling comes from
``templates/ministry.yaml``. The file is written atomically.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.cell.cell import MergedCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from toolkit import __version__
from toolkit.config.template import load_template
from toolkit.core.table import Cell, Display, Kind, Role, Table, require_unique, resolve
from toolkit.publish import appendix, contents, layout, linechart
from toolkit.publish.atomic import atomic_path
from toolkit.publish.audit import STRUCTURE_SHEET, Audit, structure, structure_cells
from toolkit.publish.disclosure import Policy
from toolkit.read.digest_cache import file_sha256

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_DEFAULT_PROTECTION = Protection()


@dataclass
class Provenance:
    """What produced a workbook: toolkit version, command line, inputs with SHA-256, time."""

    command: str
    inputs: list[Path | tuple[Path, str]] = field(default_factory=list)  # a (path, sha256) pair: hashed when read
    parameters: dict[str, Any] = field(default_factory=dict)
    created: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def rows(self) -> list[tuple[str, str]]:
        out = [
            ("Værktøj", f"toolkit {__version__}"),
            ("Kommando", self.command),
            ("Tidspunkt (UTC)", self.created.strftime("%Y-%m-%d %H:%M:%S")),
        ]
        out += [(f"Parameter: {k}", str(v)) for k, v in self.parameters.items()]
        return out


def safe_sheet_name(name: str, taken: set[str]) -> str:
    """Excel-legal, unique sheet name: ≤31 chars, none of []:*?/\\, no edge apostrophes, not 'History'."""
    s = _BAD_SHEET_CHARS.sub("_", name).strip().strip("'") or "Ark"
    if s.lower() == "history":
        s = "History_"
    s = s[:31]
    cand, k = s, 2
    while cand.lower() in taken:
        suffix = f" ({k})"
        cand = s[: 31 - len(suffix)] + suffix
        k += 1
    taken.add(cand.lower())
    return cand


def _font(t: dict[str, Any], spec: dict[str, Any]) -> Font:
    return Font(
        name=t["font"],
        size=spec.get("size", t["size"]),
        bold=spec.get("bold", False),
        italic=spec.get("italic", False),
        color=spec.get("color"),
    )


def _styles(t: dict[str, Any]) -> dict[str, NamedStyle]:
    """Named styles (one per role/kind): far faster than styling each cell separately."""

    def border(color: str | None) -> Border:
        if not color:
            return Border()
        side = Side(style="thin", color=color)
        return Border(bottom=side, top=side)

    def make(name: str, spec: dict[str, Any], fmt: str = "General", align: str = "left", wrap: bool = False) -> NamedStyle:
        st = NamedStyle(name=name)
        st.font = _font(t, spec)
        if spec.get("fill"):
            st.fill = PatternFill("solid", fgColor=spec["fill"])
        st.border = border(spec.get("border"))
        st.number_format = fmt
        st.alignment = Alignment(horizontal=align, vertical="top", wrap_text=wrap)
        return st

    styles = {
        "title": make("tk_title", t["title"], wrap=True),
        "question": make("tk_question", t["question"], wrap=True),
        "header": make("tk_header", t["header"], align="center", wrap=True),
        "stubhead": make("tk_stubhead", t["header"], wrap=True),
        "group": make("tk_group", {**t["body"], **t["group"]}, wrap=True),
        "label": make("tk_label", t["body"], wrap=True),
        "text": make("tk_text", t["body"], align="center", wrap=True),
        "text_total": make("tk_text_total", {**t["body"], **t["total_row"]}, align="center", wrap=True),
        "note": make("tk_note", t["note"], wrap=True),
        "suppressed": make("tk_suppressed", t["body"], align="right"),
    }
    for kind in Kind:
        if kind is Kind.TEXT:
            continue
        fmt = t["formats"].get(kind.value, "General")
        styles[kind.value] = make(f"tk_{kind.value}", t["body"], fmt=fmt, align="right")
        styles[f"{kind.value}_total"] = make(f"tk_{kind.value}_total", {**t["body"], **t["total_row"]}, fmt=fmt, align="right")
    styles["label_total"] = make("tk_label_total", {**t["body"], **t["total_row"]}, wrap=True)
    return styles


def register_styles(wb: Workbook, t: dict[str, Any]) -> dict[str, str]:
    """Add the template's named styles to the workbook; their names by role/kind. Cells take a style
    by name: assigning the NamedStyle object makes openpyxl compare it, field by field, with every
    registered style for every cell (147,000 comparisons, most of building the demo workbook)."""
    named = _styles(t)
    for s in named.values():
        wb.add_named_style(s)
    return {k: s.name for k, s in named.items()}


def put_text(cell: XlCell, text: Any) -> XlCell:
    """Store a value; strings always as text so '=SUM(A1)' from a respondent never becomes a formula."""
    cell.value = text
    if isinstance(text, str):
        cell.data_type = "s"
    return cell


def number_format(cell: Cell, default: str) -> str:
    """The Excel format of a number shown as its `Display` says (decimals, notation); else `default`."""
    d: Display | None = cell.display
    if d is None or (d.decimals is None and d.notation == "fixed"):
        return default
    decimals = 1 if d.decimals is None else d.decimals
    digits = "." + "0" * decimals if decimals else ""
    if d.notation == "scientific":
        return f"0{digits}E+00"
    if cell.kind is Kind.PERCENT:
        return f"0{digits} %"
    return f"#,##0{digits}" if cell.kind in (Kind.COUNT, Kind.BASE, Kind.MEAN) else f"0{digits}"


def significant_format(value: float, default: str, digits: int = 2) -> str:
    """`default`, with more decimals where a small coefficient or SE would show fewer than
    `digits` significant digits (-0,0021 with SE 0,00041, not -0,002 with SE 0,000)."""
    if not math.isfinite(value) or value == 0:
        return default
    have = len(default.split(".")[1].rstrip(" %")) if "." in default else 0
    need = digits - 1 - math.floor(math.log10(abs(value)))
    return default if need <= have else "0." + "0" * min(need, 10)


def put_cell(xc: XlCell, cell: Cell, is_total: bool, st: Mapping[str, str], t: dict[str, Any], mark: str) -> None:
    """One body cell: `mark` when suppressed, text as text, a number with its kind's style and format."""
    if cell.suppressed:
        put_text(xc, mark).style = st["suppressed"]
    elif cell.kind is Kind.TEXT or isinstance(cell.value, str):
        put_text(xc, cell.value).style = st["text_total" if is_total else "text"]
    elif cell.is_number:
        v = cell.value
        xc.value = int(v) if cell.kind in (Kind.COUNT, Kind.BASE) and float(v).is_integer() else float(v)  # type: ignore[arg-type]
        xc.style = st[f"{cell.kind.value}_total" if is_total else cell.kind.value]
        if cell.display is not None:
            xc.number_format = number_format(cell, t["formats"].get(cell.kind.value, "General"))
        elif cell.kind in (Kind.COEF, Kind.SE):
            xc.number_format = significant_format(float(v), t["formats"].get(cell.kind.value, "0.000"))  # type: ignore[arg-type]
    else:
        xc.style = st[cell.kind.value]


def _write_table(ws: Worksheet, table: Table, st: Mapping[str, str], t: dict[str, Any], *,
                 numbers: Mapping[str, str] | None = None, figure_number: str = "") -> bool:
    """Write one table (and its chart, numbered `figure_number`) on a sheet laid out for A4, the
    tables its notes cite named by `numbers` (key → number); False if it prints in column pages."""
    row = 1
    put_text(ws.cell(row, 1), table.label).style = st["title"]
    wide = [(row, table.label, t["title"].get("size", t["size"]))]  # text rows wrapped across the table's width
    row += 1
    if table.question and table.question.casefold().strip(" ?") not in table.title.casefold():  # never the title again
        put_text(ws.cell(row, 1), table.question).style = st["question"]
        wide.append((row, table.question, t["question"].get("size", t["size"])))
        row += 1
    contents.back_link(ws.cell(row, 1), Font(name=t["font"], size=t["note"].get("size", t["size"]), color="0563C1", underline="single"))
    row += 1
    nstub = 2 if table.has_row_groups() else 1
    first_body_col = nstub + 1
    # header rows
    if table.has_column_groups():
        put_text(ws.cell(row, 1), table.stub_header).style = st["stubhead"]
        for c in range(2, nstub + 1):
            ws.cell(row, c).style = st["stubhead"]
        start = None
        for j, g in enumerate(table.column_groups + [None]):  # type: ignore[operator]
            if start is not None and (g != table.column_groups[start] or j == len(table.column_groups)):
                c0, c1 = first_body_col + start, first_body_col + j - 1
                put_text(ws.cell(row, c0), table.column_groups[start]).style = st["header"]
                for c in range(c0 + 1, c1 + 1):
                    ws.cell(row, c).style = st["header"]
                if c1 > c0:
                    merge_row(ws, row, c0, c1)
                start = None
            if start is None and j < len(table.column_groups):
                start = j
        row += 1
        stub_text = ""
    else:
        stub_text = table.stub_header
    put_text(ws.cell(row, 1), stub_text).style = st["stubhead"]
    for c in range(2, nstub + 1):
        ws.cell(row, c).style = st["stubhead"]
    for j, lab in enumerate(table.column_labels):
        put_text(ws.cell(row, first_body_col + j), lab).style = st["header"]
    header_end = row
    row += 1
    mark = t.get("suppressed_mark", "x")
    prev_group = None
    for i, lab in enumerate(table.row_labels):
        is_total = table.row_roles[i] is Role.TOTAL
        if nstub == 2:
            g = table.row_groups[i]
            put_text(ws.cell(row, 1), g if g != prev_group else "").style = st["group"]
            prev_group = g
        put_text(ws.cell(row, nstub), lab).style = st["label_total" if is_total else "label"]
        for j, cell in enumerate(table.cells[i]):
            put_cell(ws.cell(row, first_body_col + j), cell, is_total, st, t, mark)
        row += 1
    body_end = row - 1
    row += 1
    draw, chart_note = _chart_note(table)
    for n in table.notes + ([chart_note] if chart_note else []):
        n = resolve(n, numbers or {})
        put_text(ws.cell(row, 1), n).style = st["note"]
        wide.append((row, n, t["note"].get("size", t["size"])))
        row += 1
    # layout: widths, frozen header, print setup
    widths = t["column_width"]
    longest = max([len(s) for s in table.row_labels] + [10])
    ws.column_dimensions["A"].width = min(max(widths["stub"] if nstub == 1 else 18, min(longest, widths["max_stub"])), widths["max_stub"])
    if nstub == 2:
        ws.column_dimensions["B"].width = min(max(longest + 2, 14), widths["max_stub"])
    for j, lab in enumerate(table.column_labels):
        ws.column_dimensions[get_column_letter(first_body_col + j)].width = max(widths["body"], min(len(lab) + 2, 30))
    last_col = first_body_col + len(table.column_labels) - 1
    for r, _text, _size in wide:  # title, question and notes wrap within the table's width, not past it
        if last_col > 1:
            merge_row(ws, r, 1, last_col)
    ws.freeze_panes = ws.cell(header_end + 1, first_body_col)
    _orient(ws, t)
    if draw:
        _add_chart(ws, table, header_end, header_end + 1, body_end, first_body_col, nstub, anchor=f"A{row + 1}", number=figure_number)
    first_header = header_end - 1 if table.has_column_groups() else header_end
    return layout.fit_sheet(ws, header_rows=range(first_header, header_end + 1), table_end=body_end, repeat_columns=nstub)


def merge_row(ws: Worksheet, row: int, c0: int, c1: int) -> None:
    """`ws.merge_cells` of columns c0..c1 of one row. When its first cell has no border and default
    protection (titles, notes) the same range and MergedCells are made directly: openpyxl would copy
    that empty border and protection onto every cell of the range (a third of building the demo
    workbook) without changing a single style."""
    start = ws.cell(row, c0)
    edges = start.border
    if any(getattr(getattr(edges, side), "style", None) for side in ("top", "bottom", "left", "right")) or start.protection != _DEFAULT_PROTECTION:
        ws.merge_cells(start_row=row, start_column=c0, end_row=row, end_column=c1)
        return
    ws.merged_cells.add(MergedCellRange(ws, f"{get_column_letter(c0)}{row}:{get_column_letter(c1)}{row}"))
    for c in range(c0 + 1, c1 + 1):
        ws._cells[row, c] = MergedCell(ws, row, c)


def _orient(ws: Worksheet, t: dict[str, Any]) -> None:
    ws.page_setup.orientation = t["page"].get("orientation", "landscape")


def _drawn(table: Table) -> tuple[list[int], list[int]]:
    """The body rows and columns a table's chart draws."""
    fig = table.figure
    assert fig is not None
    cols = fig.columns if fig.columns is not None else [
        j for j in range(len(table.column_labels)) if any(table.cells[i][j].kind in (Kind.PERCENT, Kind.MEAN, Kind.COUNT, Kind.COEF, Kind.STAT) for i in range(len(table.cells)))
    ]
    rows = sorted(fig.rows) if fig.rows is not None else list(range(len(table.row_labels)))
    return rows, cols


def _chart_note(table: Table) -> tuple[bool, str | None]:
    """Whether the table's chart is drawn, and the note its suppressed points need: a chart of
    only hidden numbers is left out (said so), one with some hidden says which are missing."""
    if table.figure is None or not table.row_labels:
        return False, None
    rows, cols = _drawn(table)
    cells = [table.cells[i][j] for i in rows for j in cols if table.cells[i][j].is_number or table.cells[i][j].suppressed]
    hidden = sum(c.suppressed for c in cells)
    if cells and hidden == len(cells):
        return False, "Anm.: Figuren udelades: alle dens tal er diskretioneret (x)."
    if hidden:
        return True, "Anm.: Figuren mangler de diskretionerede tal (x); de er ikke nul."
    return bool(cols), None


def _add_chart(ws: Worksheet, table: Table, header_row: int, r0: int, r1: int, c0: int, nstub: int, anchor: str,
               number: str = "") -> None:
    """A native chart of the table body, anchored below the table and its notes (long note lines
    would otherwise run under a chart placed beside the table)."""
    fig = table.figure
    assert fig is not None
    rows, cols = _drawn(table)
    if not cols:
        return
    chart: Any = LineChart() if fig.kind == "line" else BarChart()
    categories = [table.row_labels[i] for i in rows] if fig.series_in == "columns" else [table.column_labels[j] for j in cols]
    kind = "barh" if fig.kind == "bar" and layout.horizontal(categories) else fig.kind
    if kind != "line":
        chart.type = "bar" if kind == "barh" else "col"
        chart.x_axis.tickLblPos = "low"  # category labels outside the plot, clear of negative bars
    chart.x_axis.tickLblSkip = 1  # every category labelled
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.title = f"{number or fig.number} {fig.title or table.title}".strip()
    chart.y_axis.title = fig.y_title or None
    nseries = len(cols) if fig.series_in == "columns" else len(rows)
    chart.height, chart.width = layout.chart_size(len(categories), nseries, bars_horizontal=kind == "barh")
    drawn = [table.cells[i][j] for i in rows for j in cols]
    values = [float(c.value) for c in drawn if c.is_number and not c.suppressed]  # type: ignore[arg-type]
    if fig.stacked:
        per = [[table.cells[i][j] for i in rows] for j in cols] if fig.series_in == "rows" else [[table.cells[i][j] for j in cols] for i in rows]
        values = [sum(float(c.value) for c in cat if c.is_number and not c.suppressed) for cat in per]  # type: ignore[arg-type]
    percent = any(c.kind is Kind.PERCENT for c in drawn)
    values += [v for v in (fig.targets or []) if v is not None]
    coef = any(c.kind in (Kind.COEF, Kind.STAT) for c in drawn)
    chart.y_axis.scaling.min, chart.y_axis.scaling.max, chart.y_axis.majorUnit = layout.value_axis(
        values, percent=percent, symmetric=coef)
    ra, rb = r0 + rows[0], r0 + rows[-1]
    if kind == "line" and (fig.projected_from is not None or fig.targets):
        linechart.add_series(ws, chart, table, cols, r0, c0, c0 + len(table.column_labels) + 1,
                             "0.0 %" if percent else "General")
    elif fig.series_in == "columns":
        for j in cols:
            if fig.rows is None:  # the header cell names the series
                chart.add_data(Reference(ws, min_col=c0 + j, min_row=header_row, max_row=r1), titles_from_data=True)
            else:
                chart.add_data(Reference(ws, min_col=c0 + j, min_row=ra, max_row=rb))
                chart.series[-1].tx = SeriesLabel(v=table.column_labels[j])
        chart.set_categories(Reference(ws, min_col=nstub, min_row=ra, max_row=rb))
    else:
        ca, cb = c0 + min(cols), c0 + max(cols)
        for i in rows:
            chart.add_data(Reference(ws, min_col=ca, max_col=cb, min_row=r0 + i, max_row=r0 + i), from_rows=True)
            chart.series[-1].tx = SeriesLabel(v=table.row_labels[i])
        chart.set_categories(Reference(ws, min_col=ca, max_col=cb, min_row=header_row, max_row=header_row))
    if kind == "barh":
        chart.x_axis.scaling.orientation = "maxMin"  # categories top-down in table order, as read
        chart.y_axis.crosses = "max"  # …with the value axis kept at the bottom
    if len(chart.series) == 1:
        chart.legend = None  # one series: the title says what it is
    else:
        chart.legend.position = "b"  # below the plot: the plot keeps the chart's width
    if fig.stacked and kind != "line":
        chart.grouping = "stacked"
        chart.overlap = 100
    if percent:
        chart.y_axis.number_format = "0 %"
    else:  # as many decimals as the axis step has (0,2 not 0,200; 250 not 250,000)
        decimals = max(0, -math.floor(math.log10(chart.y_axis.majorUnit) + 1e-9))
        chart.y_axis.number_format = "0." + "0" * decimals if decimals else "#,##0"
    if any(c.suppressed for c in drawn):  # said under the chart, where the reader misses the bars
        chart.x_axis.title = "x = diskretioneret: vises ikke"
    ws.add_chart(chart, anchor)


def build_workbook(tables: Sequence[Table], provenance: Provenance, template: dict[str, Any] | None = None, *,
                   chapters: Mapping[str, str] | None = None, disclosure: tuple[Policy, Audit] | None = None) -> Workbook:
    """The workbook in memory: contents sheet (by chapter; `chapters` maps a chapter number to its
    title), one sheet per table, provenance sheet (and, with register tables, the Diskretionering
    sheet). Figure numbers and the table numbers notes cite are those of this workbook."""
    require_unique(tables, "the workbook")
    t = template or load_template()
    wb = Workbook()
    st = register_styles(wb, t)
    contents_ws = wb.active
    contents_ws.title = contents.CONTENTS
    taken = {"indhold", "proveniens", "diskretionering", STRUCTURE_SHEET.lower()}
    sheets: list[str] = []
    numbers = {x.key: x.number for x in tables}
    figures = contents.figure_numbers([x for x in tables if _chart_note(x)[0]])  # an omitted chart takes no number
    link_font = Font(name=t["font"], size=t["size"], color="0563C1", underline="single")
    entries = []
    moved: list[tuple[Table, str]] = []  # too wide for a page: to an appendix sheet, listed at its place
    for table in tables:
        name = safe_sheet_name(table.number or table.key, taken)
        ws = wb.create_sheet(name)
        fits = _write_table(ws, table, st, t, numbers=numbers, figure_number=figures.get(table.key, ""))
        chapter = contents.chapter_of(table)
        if not fits:
            wb.remove(ws)
            taken.discard(name.lower())
            label = f"{contents.APPENDIX} {len(moved) + 1}"
            name = safe_sheet_name(label, taken)
            moved.append((table, name))
            sheets.append(name)
            entries.append(contents.Entry(table.number or table.key, f"{table.title} – se {label}", name, "A1", chapter))
            continue
        sheets.append(name)
        entries.append(contents.Entry(table.number or table.key, table.title, name, "A1", chapter))
        fig = table.figure
        if fig is not None and ws._charts and figures[table.key] != table.number:
            entries.append(contents.Entry(figures[table.key], fig.title or table.title, name, ws._charts[0].anchor, chapter))
    blocks = {}
    note_font = Font(name=t["font"], size=t["note"].get("size", t["size"]), color="0563C1", underline="single")
    for k, (table, name) in enumerate(moved, start=1):
        label = f"{contents.APPENDIX} {k}"
        where = f" i kapitel {contents.chapter_of(table)}" if contents.chapter_of(table) else ""
        notes = [resolve(n, numbers) for n in table.notes] + [
            f"Anm.: {table.number or table.title}{where}, som bilag: for bred til én side. Hver side viser en del af "
            "kolonnerne for en del af rækkerne; rækkeoverskrift og kolonneoverskrifter gentages på hver side."]
        blocks[table.key] = appendix.write_appendix(
            wb.create_sheet(name), table, f"{label} {table.title}", st, t, put_text=put_text, put_cell=put_cell,
            back_link=lambda c: contents.back_link(c, note_font), notes=notes)
        entries.append(contents.Entry(label, table.title, name, "A1", contents.APPENDIX))
    contents.write_contents(contents_ws, entries, st, link_font, chapters)
    _orient(contents_ws, t)
    layout.fit_sheet(contents_ws, header_rows=range(3, 4), table_end=contents_ws.max_row)
    if disclosure is not None:
        _disclosure_sheet(wb.create_sheet("Diskretionering"), tables, sheets, *disclosure, st, blocks)
        for name in ("Diskretionering", STRUCTURE_SHEET):
            _orient(wb[name], t)
            layout.fit_sheet(wb[name], header_rows=range(0), table_end=wb[name].max_row)
    _provenance_sheet(wb.create_sheet("Proveniens"), provenance, st)
    _orient(wb["Proveniens"], t)
    layout.fit_sheet(wb["Proveniens"], header_rows=range(0), table_end=wb["Proveniens"].max_row)
    return wb


def _disclosure_sheet(ws: Worksheet, tables: Sequence[Table], sheets: list[str], policy: Policy, result: Audit,
                      st: Mapping[str, str], blocks: Mapping[str, list[list[int]]]) -> None:
    """For the output checker: the rules, the suppressed cells per table (how many, primary or
    secondary) and the audit's verdict – counts of cells only, never persons or intervals."""
    put_text(ws.cell(1, 1), "Diskretionering").style = st["title"]
    zeros = {"show": "vises", "small-groups": "skjules, når gruppen har færre end tærsklen", "all": "skjules altid"}[policy.zeros]
    rules = [
        ("Tærskel", f"celler med færre end {policy.threshold} personer skjules (primær diskretionering)"),
        ("Komplement", "en andel, hvis komplement har færre end tærsklen, skjules også" if policy.complements else "ikke beskyttet"),
        ("Nuller", zeros),
        ("Sekundær", "en celle mere skjules i hver sum (totaler, landstal mod kommuner) med én skjult celle; "
                     "beregnede tal (fremskrivning, ændring, gennemsnit, kopier) skjules med deres input"),
        ("Præcision", f"registerandele offentliggøres med {policy.decimals} decimal, også i den lange CSV"),
        ("Test", "noter til tabeller med skjulte celler viser hverken teststørrelse eller p-værdi"),
        ("Revision", f"{result.checked} skjulte celler kontrolleret mod alle offentliggjorte tal (heltals-LP): "
                     + ("ingen kan indsnævres til færre end tærsklen" if result.ok else f"{len(result.findings)} kan indsnævres")),
    ]
    r = 3
    for k, v in rules:
        put_text(ws.cell(r, 1), k).style = st["stubhead"]
        put_text(ws.cell(r, 2), v).style = st["label"]
        r += 1
    r += 1
    for c, h in enumerate(["Tabel", "Nøgle", "Registerceller", "Primært skjult", "Sekundært skjult"], start=1):
        put_text(ws.cell(r, c), h).style = st["stubhead"]
    for table in tables:
        if not table.register:
            continue
        cells = [c for _, _, c in table.iter_cells() if c.n is not None]
        r += 1
        put_text(ws.cell(r, 1), table.number).style = st["label"]
        put_text(ws.cell(r, 2), table.key).style = st["label"]
        for c, v in enumerate((len(cells), sum(c.suppressed and c.primary for c in cells),
                               sum(c.suppressed and not c.primary for c in cells)), start=3):
            ws.cell(r, c).value = v
            ws.cell(r, c).style = st["count"]
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 60
    for c in "CDE":
        ws.column_dimensions[c].width = 16
    # for `toolkit audit`: where each register table's body is and how its cells relate (keys,
    # roles, kinds, bases, sums) – structure only, no numbers; hidden from the reader
    hidden = ws.parent.create_sheet(STRUCTURE_SHEET)
    hidden.sheet_state = "hidden"
    for k, line in enumerate(structure(tables, {table.key: name for table, name in zip(tables, sheets)}, blocks), start=1):
        for c, part in enumerate(structure_cells(line), start=1):  # a long line over several cells of its row
            put_text(hidden.cell(k, c), part)


def _provenance_sheet(ws: Worksheet, prov: Provenance, st: Mapping[str, str]) -> None:
    put_text(ws.cell(1, 1), "Proveniens").style = st["title"]
    r = 3
    for k, v in prov.rows():
        put_text(ws.cell(r, 1), k).style = st["stubhead"]
        put_text(ws.cell(r, 2), v).style = st["label"]
        r += 1
    r += 1
    for c, h in enumerate(["Inputfil", "SHA-256", "Bytes"], start=1):
        put_text(ws.cell(r, c), h).style = st["stubhead"]
    for item in prov.inputs:
        p, digest = (item[0], item[1]) if isinstance(item, tuple) else (item, file_sha256(item))
        r += 1
        put_text(ws.cell(r, 1), os.path.normpath(p)).style = st["label"]  # surveys/demo/../../registers → registers
        put_text(ws.cell(r, 2), digest).style = st["text"]
        ws.cell(r, 3).value = Path(p).stat().st_size
        ws.cell(r, 3).style = st["count"]
    ws.column_dimensions["A"].width = 50
    ws.column_dimensions["B"].width = 70


def write_workbook(
    tables: Sequence[Table], path: str | Path, provenance: Provenance, template: dict[str, Any] | None = None, *,
    chapters: Mapping[str, str] | None = None, disclosure: tuple[Policy, Audit] | None = None,
) -> Path:
    """Build and save the workbook atomically: a failure leaves no (half-written) file behind."""
    wb = build_workbook(tables, provenance, template, chapters=chapters, disclosure=disclosure)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)
