"""`toolkit audit OUTPUT.xlsx`: the intruder's audit on a written workbook – the numbers as the
reader sees them (shown values, `x` for suppressed) and the structure the toolkit stored in the
hidden Diskretionering_struktur sheet (keys, kinds, bases, sums; no numbers); without that sheet
(a workbook written before the audit) the structure is inferred from the layout (`audit_layout`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

from toolkit.core.errors import InputError
from toolkit.core.table import Cell, Kind, Ref, Relation, Table
from toolkit.publish.audit import STRUCTURE_SHEET, Audit, audit, structure_row


def _open(path: str | Path):  # type: ignore[no-untyped-def]
    try:
        return load_workbook(path, data_only=True)
    except (OSError, ValueError, KeyError) as e:
        raise InputError(f"cannot read the workbook: {e}", path) from None


def read_back(path: str | Path, wb: object = None) -> tuple[list[Table], dict[Ref, Ref]]:
    """The register tables of a toolkit workbook as the reader sees them, and each share's base cell."""
    wb = wb or _open(path)
    if STRUCTURE_SHEET not in wb.sheetnames:  # type: ignore[attr-defined]
        raise InputError(f"no {STRUCTURE_SHEET} sheet: the workbook has no register tables, or was written by a "
                         "toolkit before the disclosure audit; rerun it with this version", path)
    tables: list[Table] = []
    bases: dict[Ref, Ref] = {}
    rels: list[Relation] = []
    for row in wb[STRUCTURE_SHEET].iter_rows(values_only=True):
        d = json.loads(structure_row(row))
        if "table" not in d:
            rels.append(Relation(Ref(*d["total"]), [Ref(*p) for p in d["parts"]]))
            continue
        ws = wb[d["sheet"]]
        if "blocks" in d:  # printed in page-sized blocks (an appendix sheet): each block's first cell
            at = {(i, j): (r + i - i0, c + j - j0) for i0, i1, j0, j1, r, c in d["blocks"] for i in range(i0, i1) for j in range(j0, j1)}
        else:
            col, row = coordinate_from_string(ws.freeze_panes)  # the top-left body cell
            r0, c0 = row, column_index_from_string(col)
            at = {(i, j): (r0 + i, c0 + j) for i in range(len(d["rows"])) for j in range(len(d["columns"]))}
        nrow, ncol = len(d["rows"]), len(d["columns"])
        grid = [[Cell(None, Kind.TEXT) for _ in range(ncol)] for _ in range(nrow)]
        for i, j, kind, *b in d["cells"]:
            v = ws.cell(*at[(i, j)]).value
            hidden = isinstance(v, str)
            grid[i][j] = Cell(None if hidden else v, Kind(kind), n=0, suppressed=hidden)
            if b:
                bases[Ref(d["table"], d["rows"][i], d["columns"][j])] = Ref(d["table"], d["rows"][b[0]], d["columns"][b[1]])
        tables.append(Table(d["table"], d["table"], [str(k) for k in d["rows"]], [str(k) for k in d["columns"]], grid,
                            row_keys=d["rows"], column_keys=d["columns"], register=True))
    for t in tables:
        t.relations = rels if t is tables[0] else []
    return tables, bases


def audit_workbook(path: str | Path, threshold: int = 5) -> Audit:
    """Audit what a workbook publishes: every suppressed register cell's interval from its numbers."""
    tables, bases = read_back(path)
    return audit(tables, threshold, bases)


@dataclass
class Report:
    """`toolkit audit`'s answer: which reading was used, cells checked, and each leak as a line."""

    reading: str
    checked: int
    leaks: list[str]

    @property
    def ok(self) -> bool:
        return not self.leaks


def audit_file(path: str | Path, threshold: int = 5) -> Report:
    """The audit of a written workbook: from its structure sheet, or – a workbook without one –
    from the structure its layout shows."""
    wb = _open(path)
    if STRUCTURE_SHEET in wb.sheetnames:
        tables, bases = read_back(path, wb)
        res = audit(tables, threshold, bases)
        return Report(f"structure read from the {STRUCTURE_SHEET} sheet", res.checked, [f.text() for f in res.findings])
    from toolkit.publish.audit_layout import audit_layout

    lay = audit_layout(wb, threshold)
    if not lay.sheets:
        raise InputError(f"no {STRUCTURE_SHEET} sheet and no register table recognised by its layout (a `Kilde:` line "
                         "naming DREAM or register data under a table with frozen headers)", path)
    skipped = f"; no base line, persons unknown, not audited: {', '.join(lay.skipped)}" if lay.skipped else ""
    reading = (f"no structure sheet: structure inferred from the layout ({len(lay.sheets)} register tables: "
               f"{', '.join(lay.sheets)}{skipped})")
    return Report(reading, lay.checked, [f"{k.where}: {k.text}" for k in lay.leaks])
