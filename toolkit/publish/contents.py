"""The workbook's contents sheet and numbering computed at assembly time: figures drawn under a
table get the next free "Figur <chapter>.<k>", and every table and figure is listed by chapter
with a link to it (each sheet links back to *Indhold*)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from openpyxl.styles import Font, NamedStyle
from openpyxl.worksheet.worksheet import Worksheet

from toolkit.core.table import Table

CONTENTS = "Indhold"
APPENDIX = "Bilag"  # the chapter of the appendix sheets (tables too wide for a page)
_NUMBER = re.compile(r"^(Tabel|Figur|Bilag)\s+(?:(\w+)\.)?(\d+)")


@dataclass
class Entry:
    """One line of the contents: "Tabel 7.2", its title, the sheet and cell it links to."""

    number: str
    title: str
    sheet: str
    cell: str
    chapter: str


def chapter_of(table: Table) -> str:
    """The table's chapter: as numbered ("Tabel 7.2" → "7"), else its `chapter` field."""
    m = _NUMBER.match(table.number)
    return (m.group(2) or "") if m else table.chapter


def figure_numbers(tables: Sequence[Table]) -> dict[str, str]:
    """Table key → the number of its chart: the table's own ("Figur 5.1") or, for a chart drawn
    under a numbered table (the CUBB municipality charts), the next free Figur number of its chapter."""
    used: dict[str, set[int]] = {}
    for t in tables:
        m = _NUMBER.match(t.number)
        if m and m.group(1) == "Figur":
            used.setdefault(m.group(2) or "", set()).add(int(m.group(3)))
        if t.figure is not None and t.figure.number:
            m = _NUMBER.match(t.figure.number)
            if m:
                used.setdefault(m.group(2) or "", set()).add(int(m.group(3)))
    out: dict[str, str] = {}
    for t in tables:
        if t.figure is None:
            continue
        if t.number.startswith("Figur"):
            out[t.key] = t.number
        elif t.figure.number:
            out[t.key] = t.figure.number
        else:
            ch = chapter_of(t)
            taken = used.setdefault(ch, set())
            k = max(taken, default=0) + 1
            taken.add(k)
            out[t.key] = f"Figur {ch + '.' if ch else ''}{k}"
    return out


def back_link(cell: Any, font: Font) -> None:
    """A link to the contents sheet (on every table sheet)."""
    cell.value = f"‹ {CONTENTS}"
    cell.data_type = "s"
    cell.hyperlink = f"#'{CONTENTS}'!A1"
    cell.font = font


def write_contents(ws: Worksheet, entries: Sequence[Entry], st: Mapping[str, str | NamedStyle], link_font: Font,
                   chapters: Mapping[str, str] | None = None) -> None:
    """Contents by chapter: a heading per chapter ("Kapitel 7 Title"), then number, full title
    (wrapped, a link to the table or figure) and sheet of each entry."""
    ws.cell(1, 1).value = CONTENTS
    ws.cell(1, 1).style = st["title"]
    for c, h in enumerate(["Nummer", "Titel", "Ark"], start=1):
        ws.cell(3, c).value = h
        ws.cell(3, c).style = st["stubhead"]
    r, chapter = 4, None
    for e in entries:
        if e.chapter != chapter:
            chapter = e.chapter
            if chapter:
                title = (chapters or {}).get(chapter, "")
                ws.cell(r, 2).value = APPENDIX if chapter == APPENDIX else f"Kapitel {chapter} {title}".strip()
                ws.cell(r, 2).data_type = "s"
                ws.cell(r, 2).style = st["group"]
                r += 1
        ws.cell(r, 1).value = e.number
        ws.cell(r, 1).style = st["label"]
        link = ws.cell(r, 2)
        link.value = e.title
        link.data_type = "s"
        link.style = st["label"]
        link.hyperlink = f"#'{e.sheet}'!{e.cell}"
        link.font = link_font
        ws.cell(r, 3).value = e.sheet
        ws.cell(r, 3).data_type = "s"
        ws.cell(r, 3).style = st["label"]
        r += 1
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 90
    ws.column_dimensions["C"].width = 16
    ws.freeze_panes = "A4"
